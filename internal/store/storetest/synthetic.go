package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// The synthetic corpus: pseudo-words drawn with a skewed distribution so
// some words are common and most are rare, as in real mail, sent among
// twelve fictional people at four .example domains. Both backends'
// benchmarks and the SQLite↔PostgreSQL parity test use it, so numbers
// compare.
var (
	syllables = []string{"ka", "lo", "mir", "ten", "sa", "vu", "rho", "den", "pi", "qua", "zel", "mo", "tar", "ne", "bri", "gos"}
	synNames  = []string{"Jonas Reyes", "Mara Okafor", "Priya Lindqvist", "Tomasz Wielgus", "Zoë Müller", "Anders Falk",
		"Ines Carvalho", "Kofi Mensah", "Lena Brandt", "Omar Haddad", "Ruth Adler", "Sven Lund"}
	synDomains = []string{"harbor.example", "delta.example", "quarry.example", "lumen.example"}
)

// Vocab returns the corpus's first n pseudo-words (the same for every
// call), most frequent first in FillSynthetic's bodies.
func Vocab(n int) []string {
	r := rand.New(rand.NewPCG(7, 11))
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func synPerson(i int) model.Address {
	n := synNames[i%len(synNames)]
	local := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(n, "ë", "e"), " ", "."))
	local = strings.ReplaceAll(local, "ü", "u")
	return model.Address{Name: n, Address: local + "@" + synDomains[i%len(synDomains)]}
}

// FillSynthetic writes n synthetic messages (1% printed with Bates
// numbers, 20% with an attachment, 2% undated) in batches of 500 and
// finalizes the store. The words "budget" and "memo" are planted in about
// 5% of bodies. varied adds commas and some capitalised or accented
// words (for comparing how backends fold text); the corpus is the same
// for the same n and varied.
func FillSynthetic(tb testing.TB, st store.Store, n int, varied bool) {
	tb.Helper()
	ctx := context.Background()
	words := Vocab(3000)
	zipf := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.1, 2, uint64(len(words)-1))
	r := rand.New(rand.NewPCG(3, 4))
	run, err := st.BeginRun(ctx, "/synthetic")
	if err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	var b store.Batch
	for i := range n {
		var body strings.Builder
		for j := range 60 + r.IntN(120) {
			if j > 0 {
				body.WriteByte(' ')
				if varied && r.IntN(15) == 0 {
					body.WriteString(", ")
				}
			}
			w := words[zipf.Uint64()]
			if varied {
				switch r.IntN(40) {
				case 0:
					w = strings.ToUpper(w[:1]) + w[1:]
				case 1:
					w = strings.Replace(w, "o", "ö", 1)
				}
			}
			body.WriteString(w)
		}
		if r.IntN(20) == 0 {
			body.WriteString(" the budget memo is attached")
		}
		subj := words[zipf.Uint64()] + " " + words[zipf.Uint64()] + " " + words[r.IntN(len(words))]
		m := &model.Message{
			Kind: model.KindNative, MessageID: fmt.Sprintf("syn-%d@%s", i, synDomains[i%len(synDomains)]),
			ContentHash: fmt.Sprintf("syn-%d", i), RawSHA256: fmt.Sprintf("raw-syn-%d", i),
			From: synPerson(r.IntN(len(synNames))), To: []model.Address{synPerson(r.IntN(len(synNames)))},
			Subject: subj, BodyText: body.String(), Size: int64(body.Len()), Confidence: 1,
			Sources: []model.Source{{Path: fmt.Sprintf("mail/box%02d.mbox", i%40), Offset: int64(i) * 4096, Length: int64(body.Len())}},
		}
		if r.IntN(5) == 0 {
			m.Cc = []model.Address{synPerson(r.IntN(len(synNames)))}
		}
		if r.IntN(50) != 0 {
			d := base.Add(time.Duration(r.Int64N(int64(5 * 365 * 24 * time.Hour))))
			m.DateUTC = &d
		} else {
			m.DateFlag = model.DateMissing
		}
		if r.IntN(5) == 0 {
			m.Attachments = []model.Attachment{{Filename: words[r.IntN(len(words))] + ".pdf", MIME: "application/pdf", Size: 1000,
				SHA256: fmt.Sprintf("att-%d", i), Text: words[zipf.Uint64()] + " " + words[zipf.Uint64()]}}
		}
		if r.IntN(100) == 0 {
			m.Kind = model.KindPrinted
			m.Sources = []model.Source{{Path: "production/vol1.pdf", Page: i, Bates: fmt.Sprintf("HBR-%06d", i)}}
		}
		b.Messages = append(b.Messages, m)
		if len(b.Messages) == 500 || i == n-1 {
			if _, err := st.Write(ctx, run, b); err != nil {
				tb.Fatal(err)
			}
			b = store.Batch{}
		}
	}
	if err := st.Finalize(ctx); err != nil {
		tb.Fatal(err)
	}
}

// BenchSearch measures typical query shapes over the synthetic corpus in
// st (FillSynthetic), ranked, newest first and counted; each search
// fetches at most 50 hits, as the CLI does. Both backends run it, so
// their numbers compare.
func BenchSearch(b *testing.B, st store.Store) {
	w := Vocab(3000)
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
