package consent

import (
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Every decision marshals two claim sets on the request path; these
// appenders produce exactly encoding/json's bytes (a test holds them equal)
// without its reflection.

// AppendJSON appends r as encoding/json would marshal it.
func (r *ReceiptClaims) AppendJSON(b []byte) []byte {
	b = appendField(b, '{', "jti", r.JTI)
	b = appendField(b, ',', "iss", r.Iss)
	b = appendField(b, ',', "sub", r.Sub)
	b = strconv.AppendInt(append(b, `,"iat":`...), r.Iat, 10)
	b = strconv.AppendInt(append(b, `,"exp":`...), r.Exp, 10)
	b = appendField(b, ',', "site", r.Site)
	b = appendField(b, ',', "action", r.Action)
	b = append(b, `,"choices":`...)
	b = appendChoices(b, r.Choices)
	b = appendField(b, ',', "config", r.Config)
	b = appendField(b, ',', "lang", r.Lang)
	b = appendField(b, ',', "url", r.URL)
	b = strconv.AppendBool(append(b, `,"gpc":`...), r.GPC)
	if r.Prev != "" {
		b = appendField(b, ',', "prev", r.Prev)
	}
	b = strconv.AppendUint(append(b, `,"log":`...), r.Log, 10)
	return append(b, '}')
}

// AppendJSON appends t as encoding/json would marshal it.
func (t *TokenClaims) AppendJSON(b []byte) []byte {
	b = appendField(b, '{', "jti", t.JTI)
	b = appendField(b, ',', "sub", t.Sub)
	b = appendField(b, ',', "site", t.Site)
	b = append(b, `,"granted":`...)
	if t.Granted == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, p := range t.Granted {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, p)
		}
		b = append(b, ']')
	}
	b = appendField(b, ',', "action", t.Action)
	b = appendField(b, ',', "config", t.Config)
	b = strconv.AppendInt(append(b, `,"iat":`...), t.Iat, 10)
	b = strconv.AppendInt(append(b, `,"exp":`...), t.Exp, 10)
	return append(b, '}')
}

func appendChoices(b []byte, m map[string]bool) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendBool(append(appendString(b, k), ':'), m[k])
	}
	return append(b, '}')
}

func appendField(b []byte, sep byte, name, value string) []byte {
	b = append(append(b, sep, '"'), name...)
	return appendString(append(b, '"', ':'), value)
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does, HTML-safe escapes included.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}
