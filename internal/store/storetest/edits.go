package storetest

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// testEdits pins the edit log: append-only, ordered, filterable, tags
// applied and searchable, data round-tripped, bad edits refused.
func testEdits(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	m1, m2 := l.ids["m1"], l.ids["m2"]
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	add := func(e store.Edit) store.Edit {
		t.Helper()
		got, err := st.AddEdit(ctx, e)
		if err != nil {
			t.Fatalf("AddEdit(%+v): %v", e, err)
		}
		if got.ID <= 0 || got.At.IsZero() {
			t.Fatalf("AddEdit returned %+v, want ID and At set", got)
		}
		return got
	}
	e1 := add(store.Edit{Kind: store.EditTagAdd, Target: m1, Value: "hot", Actor: "ana", At: at})
	add(store.Edit{Kind: store.EditTagAdd, Target: m1, Value: "lease", Actor: "ana"})
	add(store.Edit{Kind: store.EditTagAdd, Target: m1, Value: "hot", Actor: "ben"}) // repeat: still one tag
	add(store.Edit{Kind: store.EditTagAdd, Target: m2, Value: "hot", Actor: "ana"})
	add(store.Edit{Kind: store.EditTagRemove, Target: m1, Value: "lease", Actor: "ana", Reason: "wrong thread"})
	add(store.Edit{Kind: store.EditNote, Target: m2, Value: "call the harbourmaster", Actor: "ana"})
	p := add(store.Edit{Kind: "person.merge", Target: "p-1", Value: "p-2", Data: map[string]string{"evidence": "same signature"}, Actor: "ana", Reason: "signature"})

	if tags, err := st.Tags(ctx, m1); err != nil || !slices.Equal(tags, []string{"hot"}) {
		t.Errorf("Tags(m1) = %v, %v; want [hot]", tags, err)
	}
	if tags, err := st.Tags(ctx, "0000000000000000"); err != nil || len(tags) != 0 {
		t.Errorf("Tags(unknown) = %v, %v; want none", tags, err)
	}
	for q, want := range map[string]int{"tag:hot": 2, "tag:lease": 0, "-tag:hot": len(l.ids) - 2} {
		n, err := query.Parse(q)
		if err != nil {
			t.Fatalf("parse %q: %v", q, err)
		}
		if got, err := st.Count(ctx, n); err != nil || got != want {
			t.Errorf("Count(%q) = %d, %v; want %d", q, got, err, want)
		}
	}

	all, err := st.Edits(ctx, store.EditFilter{})
	if err != nil || len(all) != 7 {
		t.Fatalf("Edits() = %d edits, %v; want 7", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Errorf("Edits not in insertion order: %d after %d", all[i].ID, all[i-1].ID)
		}
	}
	if !all[0].At.Equal(at) || all[0].ID != e1.ID || all[0].Actor != "ana" {
		t.Errorf("first edit = %+v, want at %s by ana", all[0], at)
	}
	if all[4].Reason != "wrong thread" {
		t.Errorf("reason lost: %+v", all[4])
	}
	people, err := st.Edits(ctx, store.EditFilter{KindPrefix: "person."})
	if err != nil || len(people) != 1 || people[0].ID != p.ID || !maps.Equal(people[0].Data, map[string]string{"evidence": "same signature"}) {
		t.Errorf("Edits(person.) = %+v, %v; want the merge with its data", people, err)
	}
	tagEdits, err := st.Edits(ctx, store.EditFilter{KindPrefix: "tag.", Target: m1})
	if err != nil || len(tagEdits) != 4 {
		t.Errorf("Edits(tag., m1) = %d, %v; want 4", len(tagEdits), err)
	}
	for _, bad := range []store.Edit{{Kind: "", Target: m1}, {Kind: store.EditNote}, {Kind: store.EditTagAdd, Target: m1, Value: " "}} {
		if _, err := st.AddEdit(ctx, bad); err == nil {
			t.Errorf("AddEdit(%+v) succeeded, want an error", bad)
		}
	}
	if again, _ := st.Edits(ctx, store.EditFilter{}); len(again) != 7 {
		t.Errorf("refused edits were stored: %d edits", len(again))
	}
}
