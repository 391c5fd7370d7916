package consent

import "time"

// ReceiptClaims is the signed content of a consent receipt.
type ReceiptClaims struct {
	JTI     string          `json:"jti"`
	Iss     string          `json:"iss"`
	Sub     string          `json:"sub"`
	Iat     int64           `json:"iat"`
	Exp     int64           `json:"exp"`
	Site    string          `json:"site"`
	Action  string          `json:"action"`
	Choices map[string]bool `json:"choices"`
	Config  string          `json:"config"`
	Lang    string          `json:"lang"`
	URL     string          `json:"url"`
	GPC     bool            `json:"gpc"`
	Prev    string          `json:"prev,omitempty"`
	Log     uint64          `json:"log"`
}

// TokenClaims is the consent token: the visitor's current grants in a form
// a site backend can verify locally.
type TokenClaims struct {
	JTI     string   `json:"jti"`
	Sub     string   `json:"sub"`
	Site    string   `json:"site"`
	Granted []string `json:"granted"`
	// Action is the decision's: the snippet tells a grant of advertising
	// by "accept all" from one switched on by itself, which a Global
	// Privacy Control signal turned on later must not override.
	Action string `json:"action"`
	Config string `json:"config"`
	Iat    int64  `json:"iat"`
	Exp    int64  `json:"exp"`
}

// Token derives the consent token claims from a receipt. Purposes are listed
// in the order of cfg so equal choices give equal tokens.
func (r *ReceiptClaims) Token(cfg *Config) TokenClaims {
	granted := make([]string, 0, len(cfg.Purposes))
	for _, p := range cfg.Purposes {
		if r.Choices[p.ID] {
			granted = append(granted, p.ID)
		}
	}
	return TokenClaims{JTI: r.JTI, Sub: r.Sub, Site: r.Site, Granted: granted, Action: r.Action, Config: ShortVersion(r.Config), Iat: r.Iat, Exp: r.Exp}
}

// InForce reports whether a decision with these claims still holds at now:
// not expired and not a withdrawal.
func (r *ReceiptClaims) InForce(now time.Time) bool {
	return r.Action != ActionWithdraw && now.Unix() < r.Exp
}
