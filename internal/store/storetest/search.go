package storetest

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// all is every message of the corpus.
var all = corpusKeys

// except returns the corpus keys not in keys.
func except(keys ...string) []string {
	var out []string
	for _, k := range all {
		if !slices.Contains(keys, k) {
			out = append(out, k)
		}
	}
	return out
}

// searchCases maps queries to the corpus keys they must match. "{id:K}"
// in a query stands for the first 8 digits of K's ID.
var searchCases = []struct {
	q    string
	want []string
}{
	// Words, case, prefixes, phrases.
	{`budget`, []string{"m1", "m2", "m3", "m6", "m8"}},
	{`BUDGET`, []string{"m1", "m2", "m3", "m6", "m8"}},
	{`budgeted`, []string{"m2"}},
	{`budg*`, []string{"m1", "m2", "m3", "m6", "m8"}},
	{`"budget memo"`, []string{"m1", "m2", "m8"}},
	{`"draft memo"`, []string{"m1"}},
	{`"budget dra"*`, []string{"m1"}},
	{`"Confidential: settlement"`, []string{"m5"}},
	{`"Photos from the ridge" -corrected`, []string{"m9"}},
	{`corrected`, []string{"m10"}},
	{`q3`, []string{"m1", "m2"}},
	{`nonexistentword`, nil},
	// Attachment text and names are indexed.
	{`zeppelin`, []string{"m1", "m5c"}},
	{`48000`, []string{"m1"}},
	{`ledger`, []string{"m1"}},
	// Addresses and names are words too; diacritics fold.
	{`reyes`, except("m4", "m5c")},
	{`harbor.example`, except("m5c", "m8")},
	{`muller`, []string{"m4", "m5", "m5c"}},
	{`Müller`, []string{"m4", "m5", "m5c"}},
	// Boolean operators and grouping.
	{`budget AND quarry`, []string{"m2", "m3"}},
	{`budget quarry`, []string{"m2", "m3"}},
	{`budget OR zeppelin`, []string{"m1", "m2", "m3", "m5c", "m6", "m8"}},
	{`budget NOT memo`, []string{"m6"}},
	{`budget -memo`, []string{"m6"}},
	{`-budget -quarry`, []string{"m5", "m7"}},
	{`budget -(subject:memo OR undated)`, []string{"m3"}},
	{`(zeppelin OR invoice) -subject:invoice`, []string{"m1", "m5c"}},
	{`lunch OR (invoice -filename:invoice*)`, []string{"m7"}},
	{`(budget OR invoice) date:2008`, []string{"m1", "m2", "m3", "m8"}},
	{`budget OR has:bates`, []string{"m1", "m2", "m3", "m6", "m8"}},
	{`kind:printed OR has:html`, []string{"m1", "m8"}},
	// NEAR.
	{`NEAR/1(review friday)`, []string{"m1"}},
	{`NEAR/0(review friday)`, nil},
	{`NEAR(budget memo)`, []string{"m1", "m2", "m8"}},
	{`NEAR/50(budget memo)`, []string{"m1", "m2", "m3", "m8"}},
	{`budget NEAR/1 memo`, []string{"m1", "m2", "m8"}},
	{`body:NEAR/3(budget memo)`, []string{"m1", "m8"}},
	{`NEAR/2(quarry "site visit")`, []string{"m3"}},
	// Participants.
	{`from:jonas`, []string{"m1", "m7", "m8"}},
	{`from:jonas.reyes@harbor.example`, []string{"m1", "m7"}},
	{`from:"Mara Okafor"`, []string{"m2", "m6"}},
	{`from:Müller`, []string{"m5"}},
	{`from:jonas OR from:tomasz`, []string{"m1", "m4", "m7", "m8", "m9", "m10"}},
	{`from:(jonas OR tomasz)`, []string{"m1", "m4", "m7", "m8", "m9", "m10"}},
	{`-from:jonas`, except("m1", "m7", "m8")},
	{`from:jonas date:2008-03 -kind:printed`, []string{"m1"}},
	{`to:jonas`, []string{"m2", "m3", "m5", "m6", "m9", "m10"}},
	{`to:"mara okafor"`, []string{"m1", "m8"}},
	{`cc:priya`, []string{"m1"}},
	{`cc:zoe`, []string{"m4"}},
	{`bcc:anders`, []string{"m2"}},
	{`bcc:anders.falk@quarry.example`, []string{"m2"}},
	{`with:anders`, []string{"m2", "m5c"}},
	{`with:legal@delta.example`, []string{"m5"}},
	// Subject, body, attachments.
	{`subject:budget`, []string{"m1", "m2", "m8"}},
	{`body:budget`, []string{"m1", "m3", "m6", "m8"}},
	{`body:zeppelin`, []string{"m5c"}},
	{`subject:(site OR lunch)`, []string{"m3", "m7", "m9", "m10"}},
	{`subject:"site photos" kind:native`, []string{"m9", "m10"}},
	{`filename:ledger`, []string{"m1"}},
	{`filename:pdf`, []string{"m1", "m4"}},
	{`filename:survey-map.png`, []string{"m3"}},
	{`has:attachment`, []string{"m1", "m3", "m4"}},
	{`budget has:attachment`, []string{"m1", "m3"}},
	{`settlement -has:attachment`, []string{"m5", "m5c"}},
	{`has:html`, []string{"m1"}},
	// Printed messages.
	{`kind:printed`, []string{"m8"}},
	{`kind:native`, except("m8")},
	{`has:bates`, []string{"m8"}},
	{`has:redaction`, []string{"m8"}},
	{`bates:HBR-000123`, []string{"m8"}},
	{`bates:HBR-0001*`, []string{"m8"}},
	{`bates:HBR-000124`, nil},
	// Dates (UTC; m2 was written 00:30 +0200 on the 15th).
	{`has:date`, except("m6", "m7")},
	{`-has:date`, []string{"m6", "m7"}},
	{`date:2008`, []string{"m1", "m2", "m3", "m8", "m9", "m10"}},
	{`date:2008-03`, []string{"m1", "m2", "m8"}},
	{`date:2008-03-14`, []string{"m1", "m2"}},
	{`date:2008-03-15`, nil},
	{`date:2008-03..2008-07`, []string{"m1", "m2", "m3", "m8"}},
	{`date:2008-08..`, []string{"m4", "m9", "m10"}},
	{`before:2008`, []string{"m5", "m5c"}},
	{`after:2008-03-14`, []string{"m3", "m4", "m8", "m9", "m10"}},
	{`-date:2008`, []string{"m4", "m5", "m5c", "m6", "m7"}},
	{`NOT date:2008-03..2008-07`, []string{"m4", "m5", "m5c", "m6", "m7", "m9", "m10"}},
	{`-before:2008`, except("m5", "m5c")},
	// Provenance and identifiers.
	{`source:mail/jonas.mbox`, []string{"m1", "m7", "m9"}},
	{`source:mail`, except("m4", "m8")},
	{`source:mail/`, except("m4", "m8")},
	{`source:mai`, nil},
	{`source:mail/jonas*`, []string{"m1", "m7", "m9"}},
	{`source:mail/priya`, []string{"m3"}},
	{`source:archive.zip`, []string{"m4"}},
	{`source:production`, []string{"m8"}},
	{`thread:th-budget`, []string{"m1", "m2"}},
	{`thread:th-budget OR thread:th-site`, []string{"m1", "m2", "m9", "m10"}},
	{`id:{id:m3}`, []string{"m3"}},
	{`mid:m1@harbor.example`, []string{"m1"}},
	{`mid:<m1@HARBOR.example>`, []string{"m1"}},
	{`mid:site-photos@quarry.example`, []string{"m9", "m10"}},
	{`mid:site-photos*`, []string{"m9", "m10"}},
	{`mid:draft-17@quarry.example`, []string{"m5c"}},
	// Everything.
	{`*`, all},
	{``, all},
}

// expandIDs replaces "{id:K}" in q.
func (l *loaded) expandIDs(q string) string {
	return regexp.MustCompile(`\{id:(\w+)\}`).ReplaceAllStringFunc(q, func(s string) string {
		return l.ids[s[4:len(s)-1]][:8]
	})
}

func testSearchTable(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	type tcase struct {
		name string
		node query.Node
		want []string
	}
	var cases []tcase
	for _, c := range searchCases {
		q := l.expandIDs(c.q)
		cases = append(cases, tcase{q, parse(t, q), c.want})
	}
	cases = append(cases,
		tcase{"MatchAll node", query.MatchAll{}, all},
		tcase{"Not MatchAll node", query.Not{Child: query.MatchAll{}}, nil},
		tcase{"NewOr() matches nothing", query.NewOr(), nil},
	)
	for _, c := range cases {
		hits := search(t, st, c.node, store.SearchOptions{})
		ids := hitIDs(hits)
		if got, want := sorted(ids), sorted(l.idsOf(c.want...)); !slices.Equal(got, want) {
			t.Errorf("Search(%s) [%s] = %v, want %v", c.name, c.node, sorted(l.keysOf(ids)), sorted(c.want))
		}
		n, err := st.Count(ctx, c.node)
		if err != nil {
			t.Errorf("Count(%s): %v", c.name, err)
		} else if n != len(hits) {
			t.Errorf("Count(%s) = %d, Search returned %d hits", c.name, n, len(hits))
		}
	}
	if len(searchCases) < 40 {
		t.Fatalf("only %d search cases", len(searchCases))
	}
}

func testSearchSort(t *testing.T, st store.Store) {
	l := loadCorpus(t, st)
	rev := slices.Clone(dateOrder)
	slices.Reverse(rev)
	tests := []struct {
		q, sort        string
		dated, undated []string
	}{
		{`*`, "date", dateOrder, []string{"m6", "m7"}},
		{`*`, "", dateOrder, []string{"m6", "m7"}},     // no text terms: date order
		{`*`, "rank", dateOrder, []string{"m6", "m7"}}, // nothing to rank by
		{`*`, "-date", rev, []string{"m6", "m7"}},
		{`has:attachment`, "", []string{"m1", "m3", "m4"}, nil},
		{`budget`, "date", []string{"m1", "m2", "m8", "m3"}, []string{"m6"}},
		{`budget`, "-date", []string{"m3", "m8", "m2", "m1"}, []string{"m6"}},
		{`from:jonas`, "-date", []string{"m8", "m1"}, []string{"m7"}},
		{`-date:2008`, "date", []string{"m5c", "m5", "m4"}, []string{"m6", "m7"}},
		{`-date:2008`, "-date", []string{"m4", "m5", "m5c"}, []string{"m6", "m7"}},
	}
	for _, tc := range tests {
		keys := l.keysOf(hitIDs(search(t, st, parse(t, tc.q), store.SearchOptions{Sort: tc.sort})))
		checkDateOrder(t, "Search("+tc.q+", sort "+tc.sort+")", keys, tc.dated, tc.undated)
	}
	// Rank: "memo" in the subject and a short body beats one mention at
	// the end of a long body; the default sort for text is rank.
	for _, sort := range []string{"", "rank"} {
		keys := l.keysOf(hitIDs(search(t, st, parse(t, `memo`), store.SearchOptions{Sort: sort})))
		i8, i3 := slices.Index(keys, "m8"), slices.Index(keys, "m3")
		if i8 < 0 || i3 < 0 || i8 > i3 {
			t.Errorf("Search(memo, sort %q) = %v, want m8 ranked before m3", sort, keys)
		}
	}
}

func testSearchPaging(t *testing.T, st store.Store) {
	l := loadCorpus(t, st)
	tests := []struct{ q, sort string }{
		{`*`, "date"}, {`*`, "-date"}, {`budget`, ""}, {`budget`, "-date"}, {`-date:2008`, "date"}, {`reyes`, "rank"},
	}
	for _, tc := range tests {
		node := parse(t, tc.q)
		full := hitIDs(search(t, st, node, store.SearchOptions{Sort: tc.sort}))
		if len(full) < 3 {
			t.Fatalf("Search(%s) has only %d hits", tc.q, len(full))
		}
		for _, size := range []int{1, 2, 3, 4} {
			var got []string
			for off := 0; off <= len(full)+size; off += size {
				page := hitIDs(search(t, st, node, store.SearchOptions{Sort: tc.sort, Limit: size, Offset: off}))
				if len(page) > size {
					t.Fatalf("Search(%s, limit %d, offset %d) returned %d hits", tc.q, size, off, len(page))
				}
				got = append(got, page...)
			}
			if !slices.Equal(got, full) {
				t.Errorf("Search(%s, sort %q) pages of %d = %v, want %v", tc.q, tc.sort, size, l.keysOf(got), l.keysOf(full))
			}
		}
		if got := hitIDs(search(t, st, node, store.SearchOptions{Sort: tc.sort, Limit: 1000})); !slices.Equal(got, full) {
			t.Errorf("Search(%s, limit 1000) = %v, want %v", tc.q, l.keysOf(got), l.keysOf(full))
		}
		if got := search(t, st, node, store.SearchOptions{Sort: tc.sort, Offset: len(full)}); len(got) != 0 {
			t.Errorf("Search(%s, offset %d) returned %d hits past the end", tc.q, len(full), len(got))
		}
		if got := hitIDs(search(t, st, node, store.SearchOptions{Sort: tc.sort, Offset: 1})); !slices.Equal(got, full[1:]) {
			t.Errorf("Search(%s, offset 1, no limit) = %v, want %v", tc.q, l.keysOf(got), l.keysOf(full[1:]))
		}
	}
}

func testSnippets(t *testing.T, st store.Store) {
	loadCorpus(t, st)
	tests := []struct {
		q, hs, he string
		// mark must occur in every hit's snippet (lower-cased), with the
		// markers around it.
		mark *regexp.Regexp
	}{
		{`zeppelin`, "", "", regexp.MustCompile(`«zeppelin»`)},
		{`body:settlement`, "", "", regexp.MustCompile(`«settlement»`)},
		{`budget`, "<mark>", "</mark>", regexp.MustCompile(`<mark>budget</mark>`)},
		{`budg*`, "[", "]", regexp.MustCompile(`\[budg\w*\]`)},
		{`"budget memo"`, "", "", regexp.MustCompile(`«budget`)},
		{`lunch has:date`, "", "", nil}, // matches nothing
		{`undated -has:attachment`, "{{", "}}", regexp.MustCompile(`\{\{undated\}\}`)},
		{`tomasz`, "", "", regexp.MustCompile(`«tomasz»`)},
	}
	for _, tc := range tests {
		hits := search(t, st, parse(t, tc.q), store.SearchOptions{HighStart: tc.hs, HighEnd: tc.he})
		if tc.mark != nil && len(hits) == 0 {
			t.Errorf("Search(%s) found nothing", tc.q)
		}
		for _, h := range hits {
			if !tc.mark.MatchString(strings.ToLower(h.Snippet)) {
				t.Errorf("Search(%s): snippet of %s = %q, want it to contain %s", tc.q, h.Message.ID, h.Snippet, tc.mark)
			}
		}
	}
}

// testHits checks what a hit carries: the message header fields and
// its sources.
func testHits(t *testing.T, st store.Store) {
	l := loadCorpus(t, st)
	for _, q := range []string{`*`, `budget`, `source:mail`} {
		for _, h := range search(t, st, parse(t, q), store.SearchOptions{}) {
			k := l.key[h.Message.ID]
			want := l.expected(k)
			got := *h.Message
			// Hits need not carry bodies, headers or attachments.
			got.BodyText, got.BodyHTML, got.Headers, got.Attachments = want.BodyText, want.BodyHTML, want.Headers, want.Attachments
			if d := diffMessage(&got, want); len(d) > 0 {
				t.Errorf("Search(%s) hit %s:\n%s", q, k, strings.Join(d, "\n"))
			}
		}
	}
}

func testSearchErrors(t *testing.T, st store.Store) {
	loadCorpus(t, st)
	ctx := context.Background()
	noop := func(store.Hit) error { return nil }
	if err := st.Search(ctx, query.MatchAll{}, store.SearchOptions{Sort: "sideways"}, noop); err == nil {
		t.Error("Search with sort \"sideways\" succeeded")
	}
	stop := errors.New("stop here")
	for _, q := range []string{`*`, `budget`} {
		n := 0
		err := st.Search(ctx, parse(t, q), store.SearchOptions{}, func(store.Hit) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Search(%s) with a failing callback: %v after %d calls, want the callback's error after 1", q, err, n)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := st.Search(canceled, query.MatchAll{}, store.SearchOptions{}, noop); err == nil {
		t.Error("Search with a canceled context succeeded")
	}
	if _, err := st.Count(canceled, query.MatchAll{}); err == nil {
		t.Error("Count with a canceled context succeeded")
	}
}
