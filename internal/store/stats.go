package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Insights are counters kept at write time, one record per site and UTC
// day, so a dashboard reads a few keys per range instead of scanning
// receipts. Each commit updates each (site, day) it touches once.

var bStats = []byte("stats") // site|YYYYMMDD → DayStats JSON

// DayStats counts one site's decisions on one day.
type DayStats struct {
	Day       string           `json:"day"` // YYYY-MM-DD
	Decisions int64            `json:"decisions"`
	Actions   map[string]int64 `json:"actions"` // accept_all, reject_all, custom, withdraw, gpc
	Granted   map[string]int64 `json:"granted"` // purpose → decisions granting it
}

func (d *DayStats) add(r *Receipt) {
	if d.Actions == nil {
		d.Actions, d.Granted = map[string]int64{}, map[string]int64{}
	}
	d.Decisions++
	d.Actions[r.Action]++
	for _, p := range r.Granted {
		d.Granted[p]++
	}
}

func statsKey(site string, day time.Time) []byte {
	return siteKey(site, day.UTC().Format("20060102"))
}

func putStats(tx *bolt.Tx, batch []*pending) error {
	b := tx.Bucket(bStats)
	agg := map[string]*DayStats{}
	for _, p := range batch {
		if p.rec == nil {
			continue // a log event, not a decision
		}
		k := string(statsKey(p.rec.Site, p.rec.IssuedAt))
		d := agg[k]
		if d == nil {
			d = &DayStats{}
			if v := b.Get([]byte(k)); v != nil {
				if err := json.Unmarshal(v, d); err != nil {
					return err
				}
			}
			d.Day = p.rec.IssuedAt.UTC().Format(time.DateOnly)
			agg[k] = d
		}
		d.add(p.rec)
	}
	for k, d := range agg {
		v, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

// Stats returns the site's counters for each day in [from, to] that had
// decisions, in day order.
func (s *Store) Stats(site string, from, to time.Time) ([]DayStats, error) {
	var out []DayStats
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bStats).Cursor()
		end := statsKey(site, to)
		for k, v := c.Seek(statsKey(site, from)); k != nil && string(k) <= string(end); k, v = c.Next() {
			var d DayStats
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}
