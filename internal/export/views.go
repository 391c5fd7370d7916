package export

import (
	"time"

	"github.com/assent/assent/internal/consent"
)

// Controller names who collected the consent, for the standard views.
type Controller struct {
	Name      string
	URL       string
	PolicyURL string
}

// Kantara Consent Receipt v1.1 purpose categories for the standard purposes.
var kantaraCategory = map[string]string{
	consent.Necessary:   "Core Function",
	consent.Analytics:   "Improve Performance",
	consent.Advertising: "Marketing Third Parties",
	consent.Preferences: "Personalized Experience",
}

// Kantara renders a receipt as a Kantara Initiative Consent Receipt v1.1.
// One service (the site), one purpose entry per purpose the visitor was
// asked about; refused purposes are listed with consentType "EXPLICIT" and
// termination set to the moment of refusal, so the record is complete.
func Kantara(c *consent.ReceiptClaims, cfg *consent.Config, ctl Controller) map[string]any {
	purposes := []map[string]any{}
	for _, p := range cfg.Purposes {
		granted := c.Choices[p.ID]
		cat := kantaraCategory[p.ID]
		if cat == "" {
			cat = "Other"
		}
		termination := time.Unix(c.Exp, 0).UTC().Format(time.RFC3339)
		if !granted {
			termination = "refused at " + time.Unix(c.Iat, 0).UTC().Format(time.RFC3339)
		}
		consentType := "EXPLICIT"
		if p.Required {
			consentType = "NOT REQUIRED (strictly necessary)"
		}
		purposes = append(purposes, map[string]any{
			"purpose": title(cfg, c.Lang, p.ID), "purposeCategory": []string{cat}, "consentType": consentType,
			"piiCategory": []string{"Online identifiers (cookie identifiers)"}, "primaryPurpose": p.Required,
			"termination": termination, "thirdPartyDisclosure": p.ID == consent.Advertising, "granted": granted,
		})
	}
	return map[string]any{
		"version": "KI-CR-v1.1.0", "jurisdiction": "EU (GDPR, ePrivacy Directive)",
		"consentTimestamp": c.Iat, "collectionMethod": "web consent banner (" + c.Action + ") at " + c.URL,
		"consentReceiptID": c.JTI, "language": c.Lang, "piiPrincipalId": c.Sub,
		"piiControllers": []map[string]any{{"piiController": ctl.Name, "piiControllerUrl": ctl.URL, "onBehalf": false}},
		"policyUrl":      ctl.PolicyURL, "sensitive": false, "spiCat": []string{},
		"services": []map[string]any{{"service": c.Site, "purposes": purposes}},
		"assent":   map[string]any{"config": c.Config, "log": c.Log, "prev": c.Prev, "gpc": c.GPC, "issuer": c.Iss},
	}
}

// DPV purposes for the standard purposes.
var dpvPurpose = map[string]string{
	consent.Necessary:   "dpv:ServiceProvision",
	consent.Analytics:   "dpv:ServiceOptimisation",
	consent.Advertising: "dpv:PersonalisedAdvertising",
	consent.Preferences: "dpv:ServicePersonalisation",
}

// DPV renders a receipt as an ISO/IEC TS 27560-style consent record in
// JSON-LD with the W3C Data Privacy Vocabulary: one record per purpose, each
// with its consent status, linked to the signed receipt.
func DPV(c *consent.ReceiptClaims, cfg *consent.Config, ctl Controller) map[string]any {
	status := func(p consent.Purpose) string {
		switch {
		case c.Action == consent.ActionWithdraw && !p.Required:
			return "dpv:ConsentWithdrawn"
		case c.Choices[p.ID]:
			return "dpv:ConsentGiven"
		default:
			return "dpv:ConsentRefused"
		}
	}
	records := []map[string]any{}
	for _, p := range cfg.Purposes {
		purpose := dpvPurpose[p.ID]
		if purpose == "" {
			purpose = "dpv:Purpose"
		}
		records = append(records, map[string]any{
			"@id": "urn:uuid:" + c.JTI + "#" + p.ID, "@type": "dpv:ConsentRecord",
			"dpv:hasPurpose":              map[string]any{"@type": purpose, "rdfs:label": title(cfg, c.Lang, p.ID)},
			"dpv:hasConsentStatus":        map[string]any{"@id": status(p)},
			"dpv:hasLegalBasis":           legalBasis(p),
			"dpv:hasPersonalDataCategory": map[string]any{"@id": "dpv-pd:OnlineIdentifier"},
		})
	}
	return map[string]any{
		"@context": map[string]string{"dpv": "https://w3id.org/dpv#", "dpv-pd": "https://w3id.org/dpv/pd#",
			"dct": "http://purl.org/dc/terms/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
		"@id": "urn:uuid:" + c.JTI, "@type": "dpv:ConsentRecord",
		"dct:identifier":          c.JTI,
		"dct:created":             time.Unix(c.Iat, 0).UTC().Format(time.RFC3339),
		"dct:valid":               time.Unix(c.Exp, 0).UTC().Format(time.RFC3339),
		"dct:language":            c.Lang,
		"dpv:hasDataSubject":      map[string]any{"@id": "urn:uuid:" + c.Sub, "@type": "dpv:DataSubject"},
		"dpv:hasDataController":   map[string]any{"@type": "dpv:DataController", "rdfs:label": ctl.Name, "dpv:hasURL": ctl.URL},
		"dpv:hasIndicationMethod": map[string]any{"@id": "dpv:ConsentIndicationMethod", "rdfs:label": "web consent banner: " + c.Action},
		"dpv:hasNotice":           map[string]any{"@id": c.Config, "rdfs:label": "the exact banner config shown (SHA-256)"},
		"dpv:hasContext":          c.URL,
		"dpv:hasConsentRecord":    records,
		"dct:isVersionOf":         c.Prev,
	}
}

func legalBasis(p consent.Purpose) map[string]any {
	if p.Required {
		return map[string]any{"@id": "dpv:LegitimateInterest"}
	}
	return map[string]any{"@id": "dpv:Consent"}
}

func title(cfg *consent.Config, lang, id string) string {
	if t := cfg.Texts[lang].Purposes[id].Title; t != "" {
		return t
	}
	if t := cfg.Texts[cfg.DefaultLang].Purposes[id].Title; t != "" {
		return t
	}
	return id
}
