package postgres

import (
	"testing"

	"github.com/casefile/casefile/internal/store/storetest"
)

// BenchmarkSearch measures typical query shapes over 20k synthetic
// messages, the same as the sqlite backend's benchmark. Each iteration
// fetches at most 50 hits, as the CLI does.
func BenchmarkSearch(b *testing.B) {
	st, _ := openTemp(b)
	fillSynthetic(b, st, 20000)
	storetest.BenchSearch(b, st)
}
