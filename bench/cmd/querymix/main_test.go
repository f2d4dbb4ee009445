package main

import (
	"math/rand"
	"testing"

	"github.com/casefile/casefile/bench/corpus"
	"github.com/casefile/casefile/internal/query"
)

func TestPool(t *testing.T) {
	c := corpus.New(corpus.Options{N: 200, Seed: 1})
	qs := pool(c, rand.New(rand.NewSource(1)), 500)
	if len(qs) != 500 {
		t.Fatalf("pool has %d queries, want 500", len(qs))
	}
	seen := map[string]bool{}
	kinds := map[string]int{}
	for _, q := range qs {
		if seen[q] {
			t.Errorf("query %q twice in the pool", q)
		}
		seen[q] = true
		n, err := query.Parse(q)
		if err != nil {
			t.Errorf("query %q does not parse: %v", q, err)
			continue
		}
		kinds[n.String()[:min(5, len(n.String()))]]++
	}
	if len(kinds) < 4 {
		t.Errorf("the pool has little variety: %v", kinds)
	}
}

func TestLogRank(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	var top10, n int
	for range 10000 {
		k := logRank(r, 50000)
		if k < 0 || k >= 50000 {
			t.Fatalf("logRank = %d, outside [0, 50000)", k)
		}
		if k < 10 {
			top10++
		}
		n++
	}
	// log10(11)/log10(50001) ≈ 22% of draws fall among the ten first ranks.
	if share := float64(top10) / float64(n); share < 0.18 || share > 0.26 {
		t.Errorf("share of ranks below 10 = %.2f, want about 0.22", share)
	}
}
