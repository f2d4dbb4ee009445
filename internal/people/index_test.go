package people

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestIndexContacts: the saved index answers every Contacts question as
// the directory it was saved from, including resolution errors, and is
// refused once the case changes.
func TestIndexContacts(t *testing.T) {
	ctx := context.Background()
	st := contactCase()
	d := build(t, st)
	if _, err := OpenIndex(ctx, st); !errors.Is(err, ErrNoIndex) {
		t.Fatalf("OpenIndex before any save: %v, want ErrNoIndex", err)
	}
	if err := SaveIndex(ctx, st, d, st.gen); err != nil {
		t.Fatal(err)
	}
	x, err := OpenIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := x.People(ctx); err != nil || len(ps) != len(d.People()) {
		t.Errorf("index has %d people (%v), directory %d", len(ps), err, len(d.People()))
	}
	from, _, _ := ParsePeriod("2008")
	_, to, _ := ParsePeriod("2008")
	jonas, _ := d.Resolve("Jonas Reyes")
	tests := []struct {
		a, b string
		f    Filter
	}{
		{"jonas.reyes@harbor.example", "Mara Lefkowitz", Filter{}},
		{"Mara Lefkowitz", "jonas.reyes@harbor.example", Filter{}},
		{"Jonas Reyes", "mara@lefko.example", Filter{From: from, To: to}},
		{"Petra Quinn", "Jonas Reyes", Filter{}},
		{jonas.ID, "Ines Alvarez", Filter{}},
		{"Petra", "ines@ledger.example", Filter{}},
		{"Otto Krall", "Ines", Filter{}},
		{"Jonas Reyes", "jonas.reyes@harbor.example", Filter{}}, // same person
		{"Nobody Atall", "Jonas Reyes", Filter{}},               // not found
		{"nobody@harbor.example", "Jonas Reyes", Filter{}},      // not found, with suggestions
	}
	for _, tc := range tests {
		want, werr := d.Contacts(tc.a, tc.b, tc.f)
		got, gerr := x.Contacts(ctx, tc.a, tc.b, tc.f)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Errorf("Contacts(%q, %q): index error %v, directory error %v", tc.a, tc.b, gerr, werr)
			continue
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) {
			t.Errorf("Contacts(%q, %q) from the index:\n%s\nwant\n%s", tc.a, tc.b, gj, wj)
		}
	}

	// Any change to the case makes the index stale, for new readers and
	// for one opened before the change.
	if _, err := d.Rename(ctx, st, "Petra Quinn", "Petra Q. Quinn", Audit{Actor: "test", Reason: "typo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenIndex(ctx, st); !errors.Is(err, ErrNoIndex) {
		t.Errorf("OpenIndex after an edit: %v, want ErrNoIndex", err)
	}
	d2 := build(t, st)
	if err := SaveIndex(ctx, st, d2, st.gen); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Contacts(ctx, "Petra Quinn", "Jonas Reyes", Filter{}); !errors.Is(err, ErrNoIndex) {
		t.Errorf("Contacts on an index replaced since it was opened: %v, want ErrNoIndex", err)
	}
	x2, err := OpenIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := x2.Contacts(ctx, "Petra Quinn", "Jonas Reyes", Filter{}); err != nil || c.A.Name != "Petra Q. Quinn" {
		t.Errorf("Contacts on the new index: %+v, %v; want the renamed person", c, err)
	}
	if err := SaveIndex(ctx, st, d2, st.gen-1); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenIndex(ctx, st); !errors.Is(err, ErrNoIndex) {
		t.Errorf("OpenIndex of an index saved at an older generation: %v, want ErrNoIndex", err)
	}
}

// TestIndexResolvesAsDirectory: references by alias, nickname, partial
// name and member ID resolve from the index as from the directory.
func TestIndexResolvesAsDirectory(t *testing.T) {
	ctx := context.Background()
	st := aliasCase()
	d, x := savedIndex(t, st)
	for _, ref := range []string{"Jo", "jo", "Mr Big", "Lefky", "Victor", "Lang", "Victor Lang", "victor@ports.example",
		"VICTOR@PORTS.EXAMPLE", NodeID("a:victor@ports.example"), "Reyes", "Mr Reyes", "J", "Petr", "Quinn, Petra"} {
		want, werr := d.Resolve(ref)
		got, gerr := x.Resolve(ctx, ref)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Errorf("Resolve(%q): index error %v, directory error %v", ref, gerr, werr)
			continue
		}
		if werr == nil && got.ID != want.ID {
			t.Errorf("Resolve(%q) = %s from the index, %s from the directory", ref, got.ID, want.ID)
		}
	}
	c, err := x.Contacts(ctx, "Jo", "Mara Lefkowitz", Filter{})
	if err != nil || c.Total != 2 {
		t.Errorf("Contacts(Jo, Mara) from the index = %+v, %v; want 2 messages", c, err)
	}
}

func TestPostingsEncoding(t *testing.T) {
	tests := []struct {
		aSent, aRecv, bSent, bRecv []string
		aToB, bToA                 string
	}{
		{nil, nil, nil, nil, "", ""},
		{[]string{"c", "a", "b"}, nil, nil, []string{"b", "d", "c"}, "b c", ""},
		{[]string{"x"}, []string{"m1", "m2", "m3"}, []string{"m3", "m0", "m2"}, []string{"x", "y"}, "x", "m2 m3"},
		{[]string{"00000335840bf7f9", "00001437f81f0394"}, nil, nil, []string{"00001437f81f0394"}, "00001437f81f0394", ""},
	}
	for _, tc := range tests {
		as, ar, err := decodePostings(encodePostings(tc.aSent, tc.aRecv))
		if err != nil {
			t.Fatal(err)
		}
		bs, br, err := decodePostings(encodePostings(tc.bSent, tc.bRecv))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(intersect(as, br), " "); got != tc.aToB {
			t.Errorf("a→b = %q, want %q", got, tc.aToB)
		}
		if got := strings.Join(intersect(bs, ar), " "); got != tc.bToA {
			t.Errorf("b→a = %q, want %q", got, tc.bToA)
		}
	}
	for _, bad := range [][]byte{nil, {0x80}, {5, 3, 'a'}} {
		if _, _, err := decodePostings(bad); err == nil {
			t.Errorf("decodePostings(%v) accepted a damaged entry", bad)
		}
	}
}

// TestIndexOddNames: names with line breaks or NUL bytes (damaged
// headers, OCR) survive the index, and damaged key blobs are refused.
func TestIndexOddNames(t *testing.T) {
	ctx := context.Background()
	st := newStore(
		tm{id: "o1", date: "2010-01-01 10:00", from: "Odd\nName <odd@harbor.example>", to: []string{"Nul\x00Byte <nul@harbor.example>"}},
		tm{id: "o2", date: "2010-01-02 10:00", from: "Nul\x00Byte <nul@harbor.example>", to: []string{"Odd\nName <odd@harbor.example>"}},
	)
	d, x := savedIndex(t, st)
	want, err := d.Contacts("odd@harbor.example", "nul@harbor.example", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.Contacts(ctx, "odd@harbor.example", "nul@harbor.example", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) || got.Total != 2 {
		t.Errorf("from the index:\n%s\nwant\n%s", gj, wj)
	}
	for _, bad := range [][]byte{{5, 'a'}, {1, 'a'}, {1, 'a', 9}} {
		if _, err := decodeKeys(bad, 2); err == nil {
			t.Errorf("decodeKeys(%v) accepted a damaged blob", bad)
		}
	}
	// A damaged index is as good as none: the caller rebuilds it.
	st.derived[indexSet]["keys"] = []byte{5, 'a'}
	if _, err := OpenIndex(ctx, st); !errors.Is(err, ErrNoIndex) {
		t.Errorf("OpenIndex with damaged keys: %v, want ErrNoIndex", err)
	}
}

// savedIndex builds st's directory, saves its index and opens it.
func savedIndex(t *testing.T, st *memStore) (*Directory, *Index) {
	t.Helper()
	ctx := context.Background()
	d := build(t, st)
	if err := SaveIndex(ctx, st, d, st.gen); err != nil {
		t.Fatal(err)
	}
	x, err := OpenIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	return d, x
}
