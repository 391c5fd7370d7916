package store

// SetTreeForBenchmark turns the Merkle tree's hash writes off or on, only so
// a benchmark can measure what the log adds to a receipt commit.
func SetTreeForBenchmark(s *Store, on bool) { s.noTree = !on }
