package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/sqlite"
)

// synthetic vocabulary: pseudo-words drawn with a skewed distribution so
// some words are common and most are rare, as in real mail (the same
// generator as the sqlite backend's benchmark, so numbers compare).
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
// numbers, 20% with an attachment, 2% undated, some capitalised or
// accented words) in batches of 500. The words "budget" and "memo" are
// planted in about 5% of bodies.
func fillSynthetic(tb testing.TB, st store.Store, n int) {
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
				if r.IntN(15) == 0 {
					body.WriteString(", ")
				}
			}
			w := words[zipf.Uint64()]
			switch r.IntN(40) {
			case 0:
				w = strings.ToUpper(w[:1]) + w[1:]
			case 1:
				w = strings.Replace(w, "o", "ö", 1)
			}
			body.WriteString(w)
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

// parityQueries builds queries of every shape over the synthetic
// vocabulary: common and rare words, prefixes, phrases taken from the
// text, NEAR at distances around where matches start, fields, boolean
// combinations, filters.
func parityQueries() []string {
	w := vocab(3000)
	qs := []string{"*", "budget", "memo", `"budget memo"`, `"memo budget"`, `"the budget memo"*`, "budg*", "BUDGET",
		"NEAR/0(budget memo)", "NEAR/0(memo budget)", "NEAR/1(budget attached)", "NEAR/2(budget attached)", "NEAR/3(the attached)",
		"NEAR(budget memo attached)", `NEAR/2("budget memo" attached)`, "budget NEAR/1 memo",
		"müller", "Muller", "zoe", "from:müller", "from:zoe.muller@lumen.example", "to:okafor", "cc:lindqvist", "with:reyes",
		"with:harbor.example", `from:"Jonas Reyes"`, `from:"Reyes Jonas"`, "from:jon*", "to:(mara OR priya)", "-from:jonas",
		"has:attachment", "filename:pdf", "kind:printed", "has:bates", "bates:HBR-0000*", "date:2006", "-date:2006", "date:2007-03..2008-01",
		"before:2006-06", "after:2009", "-has:date", "source:mail/box07.mbox", "source:mail/box1*", "source:production",
		"budget -memo", "budget OR memo", "-budget -memo", "(budget OR memo) has:attachment", "budget date:2006..2007",
		"subject:budget", "body:memo", "subject:(" + w[1] + " OR " + w[2] + ")",
	}
	for i, x := range []int{0, 1, 2, 5, 10, 40, 100, 300, 1000, 2500} {
		a, b := w[x], w[(x*7+3)%len(w)]
		qs = append(qs, a, a[:3]+"*", strings.ToUpper(a), `"`+a+" "+b+`"`, a+" "+b, a+" OR "+b, a+" -"+b, "-"+a,
			fmt.Sprintf("NEAR/%d(%s %s)", i%5, a, b), fmt.Sprintf("NEAR(%s %s)", a, b), "subject:"+a, "body:"+a+"*",
			"filename:"+a, "from:reyes "+a, a+" has:attachment", a+" -date:2007", strings.Replace(a, "o", "ö", 1))
	}
	return qs
}

// TestParityWithSQLite loads the same synthetic case into both backends
// and checks that every query finds the same messages, counts them the
// same, and orders them the same by date; rank order and snippets may
// differ, and the share of identical snippets is reported.
func TestParityWithSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 400 messages into two backends")
	}
	ctx := context.Background()
	pg, _ := openTemp(t)
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "casefile.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	const n = 400
	fillSynthetic(t, lite, n)
	fillSynthetic(t, pg, n)
	spent := map[store.Store]time.Duration{}
	ids := func(st store.Store, q query.Node, sort string) ([]string, []string) {
		start := time.Now()
		defer func() { spent[st] += time.Since(start) }()
		var ids, snips []string
		err := st.Search(ctx, q, store.SearchOptions{Sort: sort}, func(h store.Hit) error {
			ids = append(ids, h.Message.ID)
			snips = append(snips, h.Snippet)
			return nil
		})
		if err != nil {
			t.Fatalf("%T.Search(%s): %v", st, q, err)
		}
		return ids, snips
	}
	same, snippets, nonEmpty := 0, 0, 0
	for _, qs := range parityQueries() {
		q, err := query.Parse(qs)
		if err != nil {
			t.Fatalf("parse %q: %v", qs, err)
		}
		for _, sort := range []string{"", "date"} {
			want, wantSnips := ids(lite, q, sort)
			got, gotSnips := ids(pg, q, sort)
			if sort == "" {
				want, got = sorted(want), sorted(got)
				if len(want) > 0 {
					nonEmpty++
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("Search(%s, sort %q): postgres %d hits, sqlite %d; first differences: %v", qs, sort, len(got), len(want), firstDiff(got, want))
				continue
			}
			if sort == "date" {
				for i := range got {
					snippets++
					if gotSnips[i] == wantSnips[i] {
						same++
					}
				}
			}
		}
		nl, err1 := lite.Count(ctx, q)
		np, err2 := pg.Count(ctx, q)
		if err1 != nil || err2 != nil || nl != np {
			t.Errorf("Count(%s): postgres %d (%v), sqlite %d (%v)", qs, np, err2, nl, err1)
		}
	}
	if nonEmpty < 100 {
		t.Errorf("only %d queries found anything; the comparison is too weak", nonEmpty)
	}
	t.Logf("%d queries with hits; %d of %d snippets identical to SQLite's; searching took %v in postgres, %v in sqlite",
		nonEmpty, same, snippets, spent[pg].Round(time.Millisecond), spent[lite].Round(time.Millisecond))
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func firstDiff(got, want []string) string {
	g, w := map[string]bool{}, map[string]bool{}
	for _, id := range got {
		g[id] = true
	}
	for _, id := range want {
		w[id] = true
	}
	var only []string
	for _, id := range got {
		if !w[id] && len(only) < 3 {
			only = append(only, "+"+id)
		}
	}
	for _, id := range want {
		if !g[id] && len(only) < 6 {
			only = append(only, "-"+id)
		}
	}
	if len(only) == 0 {
		return "same set, different order"
	}
	return strings.Join(only, " ")
}
