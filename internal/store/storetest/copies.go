package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// testCopies pins printed→native copy links: the email is found and
// counted once, as the native message, which carries the printed copy's
// sources; a hit on the copy's own text or Bates number finds the native
// message; links are replaced wholesale and bad links refused.
func testCopies(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	before := mustStats(t, st)
	dateOrder := hitIDs(search(t, st, parse(t, "*"), store.SearchOptions{Sort: "date"}))
	m1, m8 := l.ids["m1"], l.ids["m8"]
	if err := st.SetCopies(ctx, []store.CopyLink{{ID: m8, Of: m1, Score: 0.91, Evidence: []string{"same sender", "body 0.87"}}}); err != nil {
		t.Fatalf("SetCopies: %v", err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{`budget`, []string{"m1", "m2", "m3", "m6"}},
		{`"budget memo"`, []string{"m1", "m2"}},
		{`handwritten`, []string{"m1"}},      // only in the printed copy
		{`bates:HBR-000123`, []string{"m1"}}, // the copy's source
		{`kind:printed`, []string{"m1"}},     // the email, which exists printed
		{`-budget -quarry`, []string{"m5", "m7"}},
		{`*`, except("m8")},
	} {
		got := l.keysOf(sorted(hitIDs(search(t, st, parse(t, tc.q), store.SearchOptions{}))))
		want := l.keysOf(sorted(l.idsOf(tc.want...)))
		if !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%s: got %v, want %v", tc.q, got, want)
		}
		if n, err := st.Count(ctx, parse(t, tc.q)); err != nil || n != len(tc.want) {
			t.Errorf("Count(%s) = %d, %v; want %d", tc.q, n, err, len(tc.want))
		}
	}
	// Date order is the old one without the copy; paging still works.
	want := slices.DeleteFunc(slices.Clone(dateOrder), func(id string) bool { return id == m8 })
	if got := hitIDs(search(t, st, parse(t, "*"), store.SearchOptions{Sort: "date"})); !slices.Equal(got, want) {
		t.Errorf("date order with copies = %v, want %v", l.keysOf(got), l.keysOf(want))
	}
	if got := hitIDs(search(t, st, parse(t, "*"), store.SearchOptions{Sort: "date", Limit: 3, Offset: 2})); !slices.Equal(got, want[2:5]) {
		t.Errorf("page 2..5 = %v, want %v", l.keysOf(got), l.keysOf(want[2:5]))
	}
	// The native message carries the copy's source and lists it.
	n := mustGet(t, st, m1)
	hasPrinted := false
	for _, s := range n.Sources {
		hasPrinted = hasPrinted || s.Bates == "HBR-000123"
	}
	if !hasPrinted || !slices.Equal(n.Copies, []string{m8}) || len(n.Sources) != 3 {
		t.Errorf("native m1: copies %v, %d sources %+v; want [m8] and m1's two copies plus the printed page", n.Copies, len(n.Sources), n.Sources)
	}
	if c := mustGet(t, st, m8); c.CopyOf != m1 || len(c.Sources) != 1 {
		t.Errorf("copy m8: CopyOf %q, %d sources", c.CopyOf, len(c.Sources))
	}
	each := map[string]*model.Message{}
	if err := st.Each(ctx, func(m *model.Message) error { each[m.ID] = m; return nil }); err != nil {
		t.Fatal(err)
	}
	if e := each[m1]; e == nil || !slices.Equal(e.Copies, []string{m8}) || !slices.EqualFunc(e.Sources, n.Sources, func(a, b model.Source) bool { return a == b }) {
		t.Errorf("Each m1 = %+v, want the same copies and sources as Get", e)
	}
	if e := each[m8]; e == nil || e.CopyOf != m1 {
		t.Errorf("Each must still list the copy, with CopyOf set: %+v", e)
	}
	if err := st.ThreadInputs(ctx, func(in store.ThreadInput) error {
		if in.ID == m8 {
			t.Error("ThreadInputs lists the printed copy")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s := mustStats(t, st)
	wantStats := before
	wantStats.Messages--
	wantStats.Printed--
	wantStats.PrintedCopies = 1
	wantStats.Duplicates++
	wantStats.DuplicatedMsg = 1 // m1 already had two copies
	if d := diffStats(s, wantStats); len(d) > 0 {
		t.Errorf("Stats with a copy: %v", d)
	}
	// A native message cannot be a copy; a refused call changes nothing.
	if err := st.SetCopies(ctx, []store.CopyLink{{ID: l.ids["m2"], Of: m1}}); err == nil {
		t.Error("SetCopies linking a native message succeeded")
	}
	if c := mustGet(t, st, m8); c.CopyOf != m1 {
		t.Errorf("a refused SetCopies undid the existing link: CopyOf %q", c.CopyOf)
	}
	// Replacing with no links restores the case as it was.
	if err := st.SetCopies(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if d := diffStats(mustStats(t, st), before); len(d) > 0 {
		t.Errorf("Stats after unlinking: %v", d)
	}
	if got := l.keysOf(sorted(hitIDs(search(t, st, parse(t, "handwritten"), store.SearchOptions{})))); !slices.Equal(got, []string{"m8"}) {
		t.Errorf("handwritten after unlinking = %v, want [m8]", got)
	}
}
