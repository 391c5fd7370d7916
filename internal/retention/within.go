package retention

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
)

// Within is a tombstone with what it removed of a time range.
type Within struct {
	store.Event
	// Removed are its removals of receipts issued in the range.
	Removed []Removed
}

// InRange returns the site's tombstones (as the store holds them) that
// removed receipts issued in [from, to), in log order: what an evidence
// pack of that range must account for. A tombstone made before they named
// each receipt's time cannot be placed, and is left out; the events
// endpoint lists it. It walks every event: tombstones are few, and the
// wall clock of a removal says nothing of the times of what it removed.
func InRange(st *store.Store, site string, from, to time.Time) ([]Within, error) {
	var out []Within
	err := st.EachEvent(uuid.Nil, func(id uuid.UUID, log uint64, kind string, jws []byte) bool {
		if kind != "tombstone" || SiteOf(jws) != site {
			return true
		}
		var t Tombstone
		if json.NewDecoder(base64.NewDecoder(base64.RawURLEncoding, bytes.NewReader(payload(jws)))).Decode(&t) != nil {
			return true
		}
		var in []Removed
		for _, r := range t.Removed {
			if at, err := time.Parse(time.RFC3339Nano, r.IssuedAt); err == nil && !at.Before(from) && at.Before(to) {
				in = append(in, r)
			}
		}
		if in != nil {
			out = append(out, Within{Event: store.Event{ID: id, Kind: kind, JWS: string(jws), Log: log}, Removed: in})
		}
		return true
	})
	slices.SortFunc(out, func(a, b Within) int { return cmp.Compare(a.Log, b.Log) })
	return out, err
}

// SiteOf reads the site claim of a tombstone we signed (not verified
// again: it comes from our own store). The claims name the site before
// the removed receipts, so only the start of a large one is decoded.
func SiteOf(jws []byte) string {
	d := json.NewDecoder(base64.NewDecoder(base64.RawURLEncoding, bytes.NewReader(payload(jws))))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return ""
		}
		if k == "site" {
			var site string
			if d.Decode(&site) != nil {
				return ""
			}
			return site
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil && err != io.EOF {
			return ""
		}
	}
	return ""
}

// payload is the middle part of a compact JWS (empty when it has none).
func payload(jws []byte) []byte {
	_, rest, ok := bytes.Cut(jws, []byte("."))
	p, _, ok2 := bytes.Cut(rest, []byte("."))
	if !ok || !ok2 {
		return nil
	}
	return p
}
