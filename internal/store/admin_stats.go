package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PutStats writes day counters directly, replacing what is there. It exists
// for benchmarks and imports that need months of insights without signing a
// million receipts; normal counting happens in the receipt commit.
func (s *Store) PutStats(site string, days []DayStats) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bStats)
		for _, d := range days {
			day, err := time.Parse(time.DateOnly, d.Day)
			if err != nil {
				return err
			}
			v, err := json.Marshal(&d)
			if err != nil {
				return err
			}
			if err := b.Put(statsKey(site, day), v); err != nil {
				return err
			}
		}
		return nil
	})
}
