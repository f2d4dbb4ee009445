package postgres

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/sqlite"
	"github.com/casefile/casefile/internal/store/storetest"
)

// fillSynthetic writes n messages of the shared synthetic corpus with
// its varied spellings (capitalised and accented words, commas), which
// the backends must fold alike.
func fillSynthetic(tb testing.TB, st store.Store, n int) { storetest.FillSynthetic(tb, st, n, true) }

// parityQueries builds queries of every shape over the synthetic
// vocabulary: common and rare words, prefixes, phrases taken from the
// text, NEAR at distances around where matches start, fields, boolean
// combinations, filters.
func parityQueries() []string {
	w := storetest.Vocab(3000)
	qs := []string{"*", "budget", "memo", `"budget memo"`, `"memo budget"`, `"the budget memo"*`, "budg*", "BUDGET",
		"NEAR/0(budget memo)", "NEAR/0(memo budget)", "NEAR/1(budget attached)", "NEAR/2(budget attached)", "NEAR/3(the attached)",
		"NEAR(budget memo attached)", `NEAR/2("budget memo" attached)`, "budget NEAR/1 memo",
		"müller", "Muller", "zoe", "from:müller", "from:zoe.muller@lumen.example", "to:okafor", "cc:lindqvist", "with:reyes",
		"with:harbor.example", `from:"Jonas Reyes"`, `from:"Reyes Jonas"`, "from:jon*", "to:(mara OR priya)", "-from:jonas",
		"has:attachment", "filename:pdf", "kind:printed", "has:bates", "bates:HBR-0000*", "date:2006", "-date:2006", "date:2007-03..2008-01",
		"before:2006-06", "after:2009", "-has:date", "source:mail/box07.mbox", "source:mail/box1*", "source:production",
		"budget -memo", "budget OR memo", "-budget -memo", "(budget OR memo) has:attachment", "budget date:2006..2007",
		"subject:budget", "body:memo", "subject:(" + w[1] + " OR " + w[2] + ")",
		// Fields narrowed by their weight in msgrank (fieldWeights).
		"subject:budg*", `subject:"budget memo"`, "subject:NEAR(budget memo)", "subject:NEAR(the budget memo)", "from:NEAR/1(jonas reyes)", `from:"jonas.reyes@harbor.example"`,
		"filename:led*", "-subject:budget", "subject:budget OR from:jonas",
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
