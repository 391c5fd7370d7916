package consent

import "net/netip"

// TruncateIP keeps at most the /24 of an IPv4 and the /48 of an IPv6 address,
// so no stored address identifies a single device. Unparseable input gives "".
func TruncateIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p.String()
}
