package store_test

import (
	"strings"
	"testing"

	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/internal/store/storetest"
	"github.com/google/uuid"
)

// BenchmarkAppendReceipt: durable appends of receipt-sized records from 64
// goroutines per core, without signing or HTTP: the store's own ceiling,
// with and without the Merkle tree's hashes (what the log adds).
func BenchmarkAppendReceipt(b *testing.B) {
	b.Run("log=on", func(b *testing.B) { benchAppend(b, true) })
	b.Run("log=off", func(b *testing.B) { benchAppend(b, false) })
}

func benchAppend(b *testing.B, tree bool) {
	db := storetest.Open(b)
	store.SetTreeForBenchmark(db.Store, tree)
	jws := strings.Repeat("x", 700)
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			v := uuid.Must(uuid.NewV7()).String() // as the snippet makes them
			bl := build("demo", v)
			_, err := db.AppendReceipt("demo", v, func(i uint64, prev uuid.UUID) *store.Receipt {
				r := bl(i, prev)
				r.JWS, r.Token = jws, jws[:450]
				return r
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
