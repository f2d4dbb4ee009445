package postgres

import (
	"context"
	"testing"

	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/storetest"
)

// BenchmarkSearch measures typical query shapes over 20k synthetic
// messages, the same as the sqlite backend's benchmark. Each iteration
// fetches at most 50 hits, as the CLI does.
func BenchmarkSearch(b *testing.B) {
	st, _ := openTemp(b)
	fillSynthetic(b, st, 20000)
	w := storetest.Vocab(3000)
	queries := []struct{ name, q string }{
		{"word", "budget"},
		{"rare-word", w[2500]},
		{"phrase", `"budget memo"`},
		{"prefix", w[3][:3] + "*"},
		{"or-not", "budget OR " + w[40] + " -" + w[5]},
		{"near", "NEAR/5(budget attached)"},
		{"near-phrase", `NEAR/5("budget memo" attached)`},
		{"from-date", "from:okafor date:2007..2008"},
		{"has-attachment", "has:attachment"},
		{"not-date", "-date:2006"},
		{"source", "source:mail/box07.mbox"},
		{"match-all", "*"},
	}
	ctx := context.Background()
	for _, qc := range queries {
		node, err := query.Parse(qc.q)
		if err != nil {
			b.Fatalf("parse %q: %v", qc.q, err)
		}
		for _, sort := range []string{"", "-date"} {
			name := qc.name
			if sort != "" {
				name += "/sort" + sort
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if err := st.Search(ctx, node, store.SearchOptions{Sort: sort, Limit: 50}, func(store.Hit) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(qc.name+"/count", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Count(ctx, node); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
