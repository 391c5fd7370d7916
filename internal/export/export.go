// Package export writes receipts out for compliance teams: NDJSON and CSV
// streams, evidence packs (a zip anyone can check offline), and the offline
// verifier of those packs.
package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"

	"github.com/assent/assent/internal/store"
)

const timeMillis = "2006-01-02T15:04:05.000Z07:00"

// NDJSON writes one JSON object per receipt. The fields are ours and safe
// (UUIDs, ids, base64url), so lines are assembled without reflection.
type NDJSON struct {
	w   *bufio.Writer
	buf []byte
}

// NewNDJSON returns a writer to w; call Flush at the end.
func NewNDJSON(w io.Writer) *NDJSON { return &NDJSON{w: bufio.NewWriterSize(w, 256<<10)} }

// Write appends one receipt's line.
func (n *NDJSON) Write(r *store.Receipt) error {
	var id [36]byte
	var at [32]byte
	b := appendLine(n.buf[:0], appendUUID(id[:0], r), r.Site, r.Visitor, r.IssuedAt.AppendFormat(at[:0], timeMillis),
		r.Action, r.Config, r.Log, r.JWS)
	b = append(b, '\n')
	n.buf = b
	_, err := n.w.Write(b)
	return err
}

// appendLine writes a receipts.ndjson line, without its newline. The
// verifier writes a line it read back with it (see readLine). Ids, times,
// config versions and JWSs need no escaping.
func appendLine[T string | []byte](b []byte, id T, site, visitor string, issuedAt T, action, config string, log uint64, jws string) []byte {
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `","site":`...)
	b = strconv.AppendQuote(b, site)
	b = append(b, `,"visitor":`...)
	b = strconv.AppendQuote(b, visitor)
	b = append(b, `,"issued_at":"`...)
	b = append(b, issuedAt...)
	b = append(b, `","action":`...)
	b = strconv.AppendQuote(b, action)
	b = append(b, `,"config":"`...)
	b = append(b, config...)
	b = append(b, `","log":`...)
	b = strconv.AppendUint(b, log, 10)
	b = append(b, `,"receipt":"`...)
	b = append(b, jws...)
	return append(b, `"}`...)
}

// Flush writes what is buffered.
func (n *NDJSON) Flush() error { return n.w.Flush() }

func appendUUID(b []byte, r *store.Receipt) []byte {
	var s [36]byte
	id := r.ID
	const hex = "0123456789abcdef"
	j := 0
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hex[c>>4], hex[c&15]
		j += 2
	}
	return append(b, s[:]...)
}

// CSV writes a header row, then one row per receipt: id, issued_at,
// visitor, action, config, one column per purpose, receipt.
type CSV struct {
	w        *csv.Writer
	purposes []string
	row      []string
}

// NewCSV returns a writer with one column per purpose; call Flush at the end.
func NewCSV(w io.Writer, purposes []string) (*CSV, error) {
	c := &CSV{w: csv.NewWriter(w), purposes: purposes}
	head := append([]string{"id", "issued_at", "visitor", "action", "config"}, purposes...)
	return c, c.w.Write(append(head, "receipt"))
}

// Write appends one receipt's row. A purpose the visitor was not asked
// about (another config version) is left empty.
func (c *CSV) Write(r *store.Receipt) error {
	var choices map[string]bool
	if err := json.Unmarshal(r.Choices, &choices); err != nil {
		return err
	}
	c.row = append(c.row[:0], r.ID.String(), r.IssuedAt.Format(timeMillis), r.Visitor, r.Action, r.Config)
	for _, p := range c.purposes {
		v, ok := choices[p]
		switch {
		case !ok:
			c.row = append(c.row, "")
		default:
			c.row = append(c.row, strconv.FormatBool(v))
		}
	}
	return c.w.Write(append(c.row, r.JWS))
}

// Flush writes what is buffered and reports any write error.
func (c *CSV) Flush() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return nil
}
