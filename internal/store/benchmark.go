package store

// SetTreeForBenchmark turns the Merkle tree's hash writes off or on, only so
// benchmarks (the store's and the load test's) can measure what the log adds
// to a receipt commit. A store without tree hashes cannot prove anything:
// never call it outside a benchmark.
func SetTreeForBenchmark(s *Store, on bool) { s.noTree = !on }
