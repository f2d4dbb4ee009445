package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/storetest"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "casefile.db")
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, _ := openTemp(t)
		return st
	})
}

func userVersion(t *testing.T, st *Store) int {
	t.Helper()
	var v int
	if err := st.DB().QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatalf("read user_version: %v", err)
	}
	return v
}

func TestSchemaVersion(t *testing.T) {
	ctx := context.Background()
	st, path := openTemp(t)
	if got := userVersion(t, st); got != len(migrations) || got == 0 {
		t.Fatalf("user_version = %d, want %d", got, len(migrations))
	}
	run, err := st.BeginRun(ctx, "/input")
	if err != nil {
		t.Fatal(err)
	}
	m := &model.Message{Kind: model.KindNative, MessageID: "keep@harbor.example", ContentHash: "keep", Subject: "kept across reopen",
		Sources: []model.Source{{Path: "a.mbox"}}}
	if _, err := st.Write(ctx, run, store.Batch{Messages: []*model.Message{m}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Reopening an up-to-date case migrates nothing and keeps the data.
	st2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st2.Close()
	if got := userVersion(t, st2); got != len(migrations) {
		t.Errorf("user_version after reopen = %d, want %d", got, len(migrations))
	}
	got, err := st2.Get(ctx, m.ID)
	if err != nil || got.Subject != "kept across reopen" {
		t.Errorf("Get after reopen = %+v, %v", got, err)
	}
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	st, path := openTemp(t)
	if _, err := st.DB().Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st2, err := Open(ctx, path)
	if err == nil {
		st2.Close()
		t.Fatal("Open of a case with a newer schema succeeded")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("Open error = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "upgrade casefile") {
		t.Errorf("Open error %q does not say what to do", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "casefile.db")
	if st, err := Open(context.Background(), path); err == nil {
		st.Close()
		t.Fatalf("Open(%s) succeeded", path)
	}
}

// TestConcurrentLargeSearches runs more concurrent searches with more
// hits than one page of source look-ups than the connection pool has
// connections; none may starve.
func TestConcurrentLargeSearches(t *testing.T) {
	st, _ := openTemp(t)
	fillSynthetic(t, st, 600)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			err := st.Search(ctx, query.MatchAll{}, store.SearchOptions{Sort: "-date"}, func(h store.Hit) error {
				if len(h.Message.Sources) != 1 {
					return fmt.Errorf("hit %s has %d sources", h.Message.ID, len(h.Message.Sources))
				}
				n++
				return nil
			})
			if err != nil {
				t.Errorf("search %d: %v", i, err)
			} else if n != 600 {
				t.Errorf("search %d: %d hits, want 600", i, n)
			}
		}()
	}
	wg.Wait()
}

// synthetic vocabulary: pseudo-words drawn with a skewed distribution so
// some words are common and most are rare, as in real mail.
var (
	syllables = []string{"ka", "lo", "mir", "ten", "sa", "vu", "rho", "den", "pi", "qua", "zel", "mo", "tar", "ne", "bri", "gos"}
	names     = []string{"Jonas Reyes", "Mara Okafor", "Priya Lindqvist", "Tomasz Wielgus", "Zoë Müller", "Anders Falk",
		"Ines Carvalho", "Kofi Mensah", "Lena Brandt", "Omar Haddad", "Ruth Adler", "Sven Lund"}
	domains = []string{"harbor.example", "delta.example", "quarry.example", "lumen.example"}
)

func vocab(n int) []string {
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

func person(i int) model.Address {
	n := names[i%len(names)]
	local := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(n, "ë", "e"), " ", "."))
	local = strings.ReplaceAll(local, "ü", "u")
	return model.Address{Name: n, Address: local + "@" + domains[i%len(domains)]}
}

// fillSynthetic writes n synthetic messages (1% printed with Bates
// numbers, 20% with an attachment, 2% undated) in batches of 500. The
// words "budget" and "memo" are planted in about 5% of bodies.
func fillSynthetic(tb testing.TB, st *Store, n int) {
	tb.Helper()
	ctx := context.Background()
	words := vocab(3000)
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
			}
			body.WriteString(words[zipf.Uint64()])
		}
		if r.IntN(20) == 0 {
			body.WriteString(" the budget memo is attached")
		}
		subj := words[zipf.Uint64()] + " " + words[zipf.Uint64()] + " " + words[r.IntN(len(words))]
		m := &model.Message{
			Kind: model.KindNative, MessageID: fmt.Sprintf("syn-%d@%s", i, domains[i%len(domains)]),
			ContentHash: fmt.Sprintf("syn-%d", i), RawSHA256: fmt.Sprintf("raw-syn-%d", i),
			From: person(r.IntN(len(names))), To: []model.Address{person(r.IntN(len(names)))},
			Subject: subj, BodyText: body.String(), Size: int64(body.Len()), Confidence: 1,
			Sources: []model.Source{{Path: fmt.Sprintf("mail/box%02d.mbox", i%40), Offset: int64(i) * 4096, Length: int64(body.Len())}},
		}
		if r.IntN(5) == 0 {
			m.Cc = []model.Address{person(r.IntN(len(names)))}
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

// BenchmarkSearch measures typical query shapes over 20k synthetic
// messages. Each iteration fetches at most 50 hits, as the CLI does.
func BenchmarkSearch(b *testing.B) {
	st, _ := openTemp(b)
	fillSynthetic(b, st, 20000)
	w := vocab(3000)
	queries := []struct{ name, q string }{
		{"word", "budget"},
		{"rare-word", w[2500]},
		{"phrase", `"budget memo"`},
		{"prefix", w[3][:3] + "*"},
		{"or-not", "budget OR " + w[40] + " -" + w[5]},
		{"near", "NEAR/5(budget attached)"},
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

// TestSearchFarPages: pages near the end of a long listing, which are
// read backwards, are the same as the rows of the full listing, in both
// date orders, with undated messages last, for the whole case and for a
// filtered listing.
func TestSearchFarPages(t *testing.T) {
	st, _ := openTemp(t)
	fillSynthetic(t, st, 3000)
	ctx := context.Background()
	for _, q := range []string{"*", "-date:2007", "has:attachment"} {
		node, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, sort := range []string{"date", "-date"} {
			var full []string
			if err := st.Search(ctx, node, store.SearchOptions{Sort: sort}, func(h store.Hit) error {
				full = append(full, h.Message.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(full) < reverseFrom+100 && q == "*" {
				t.Fatalf("only %d messages", len(full))
			}
			for _, off := range []int{reverseFrom, len(full) / 2, len(full) - 50, len(full) - 7, len(full) - 1, len(full), len(full) + 3} {
				var got []string
				if err := st.Search(ctx, node, store.SearchOptions{Sort: sort, Limit: 20, Offset: off}, func(h store.Hit) error {
					if len(h.Message.Sources) == 0 {
						t.Errorf("%s: hit without sources", q)
					}
					got = append(got, h.Message.ID)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				want := full[min(off, len(full)):min(off+20, len(full))]
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("Search(%s, sort %s, offset %d of %d) = %d hits, differ from the full listing's rows", q, sort, off, len(full), len(got))
				}
			}
		}
	}
}
