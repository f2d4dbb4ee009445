package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// testMessages: Messages returns the listed messages as Each does but
// without text, HTML, header list and attachments, in date order
// whatever the order asked, and skips unknown IDs.
func testMessages(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	ask := append(l.idsOf("m4", "m7", "m1", "m5"), "0000000000000000", l.ids["m1"])
	var keys []string
	err := st.Messages(ctx, ask, func(m *model.Message) error {
		keys = append(keys, l.key[m.ID])
		want := l.expected(l.key[m.ID])
		want.BodyText, want.BodyHTML, want.Headers, want.Attachments = "", "", nil, nil
		if d := diffMessage(m, want); len(d) > 0 {
			t.Errorf("Messages: %s:\n%s", l.key[m.ID], strings.Join(d, "\n"))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	checkDateOrder(t, "Messages", keys, []string{"m5", "m1", "m4"}, []string{"m7"})
	if err := st.Messages(ctx, nil, func(*model.Message) error { t.Error("Messages(nil) called fn"); return nil }); err != nil {
		t.Errorf("Messages(nil): %v", err)
	}
	stop := errors.New("stop here")
	if err := st.Messages(ctx, ask, func(*model.Message) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Messages with a failing callback: %v, want the callback's error", err)
	}
}

// testEachText: EachText gives what Each gives, in the same order, but
// without HTML, header list and attachments.
func testEachText(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	var keys []string
	err := st.EachText(ctx, func(m *model.Message) error {
		keys = append(keys, l.key[m.ID])
		want := l.expected(l.key[m.ID])
		want.BodyHTML, want.Headers, want.Attachments = "", nil, nil
		if d := diffMessage(m, want); len(d) > 0 {
			t.Errorf("EachText: %s:\n%s", l.key[m.ID], strings.Join(d, "\n"))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("EachText: %v", err)
	}
	checkDateOrder(t, "EachText", keys, dateOrder, []string{"m6", "m7"})
	stop := errors.New("stop here")
	if err := st.EachText(ctx, func(*model.Message) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("EachText with a failing callback: %v, want the callback's error", err)
	}
}

// testDerived: every kind of change advances the generation (what the
// web server's result cache and the people index are keyed on); a derived
// set is replaced whole and reports the generation it was saved with.
func testDerived(t *testing.T, st store.Store) {
	ctx := context.Background()
	gen := func() int64 {
		t.Helper()
		g, err := st.Generation(ctx)
		if err != nil {
			t.Fatalf("Generation: %v", err)
		}
		return g
	}
	if _, _, err := st.Derived(ctx, "people", "head"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Derived on an empty case: %v, want ErrNotFound", err)
	}
	g0 := gen()
	l := loadCorpus(t, st)
	g1 := gen()
	if g1 <= g0 {
		t.Errorf("Generation after writing messages = %d, want more than %d", g1, g0)
	}
	if _, err := st.AddEdit(ctx, store.Edit{Kind: store.EditTagAdd, Target: l.ids["m1"], Value: "hot"}); err != nil {
		t.Fatal(err)
	}
	g2 := gen()
	if g2 <= g1 {
		t.Errorf("Generation after an edit = %d, want more than %d", g2, g1)
	}
	if err := st.SetThreads(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	g3 := gen()
	if g3 <= g2 {
		t.Errorf("Generation after SetThreads = %d, want more than %d", g3, g2)
	}
	if err := st.SetCopies(ctx, nil); err != nil {
		t.Fatal(err)
	}
	g4 := gen()
	if g4 <= g3 {
		t.Errorf("Generation after SetCopies = %d, want more than %d (the web server's result cache relies on it)", g4, g3)
	}
	if gen() != g4 {
		t.Errorf("Generation changed without a change")
	}
	g3 = g4

	if err := st.PutDerived(ctx, "people", g3, map[string][]byte{"head": []byte("v1"), "p/0": {0, 1, 2, 255}}); err != nil {
		t.Fatalf("PutDerived: %v", err)
	}
	if err := st.PutDerived(ctx, "other", 7, map[string][]byte{"head": []byte("other")}); err != nil {
		t.Fatalf("PutDerived: %v", err)
	}
	g, data, err := st.Derived(ctx, "people", "p/0")
	if err != nil || g != g3 || !bytes.Equal(data, []byte{0, 1, 2, 255}) {
		t.Errorf("Derived(people, p/0) = %d, %v, %v; want %d, [0 1 2 255]", g, data, err, g3)
	}
	// A new save replaces the whole set: entries it lacks are gone.
	if err := st.PutDerived(ctx, "people", g3+5, map[string][]byte{"head": []byte("v2")}); err != nil {
		t.Fatalf("PutDerived: %v", err)
	}
	if g, data, err := st.Derived(ctx, "people", "head"); err != nil || g != g3+5 || string(data) != "v2" {
		t.Errorf("Derived(people, head) after a new save = %d, %q, %v; want %d, v2", g, data, err, g3+5)
	}
	if _, _, err := st.Derived(ctx, "people", "p/0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Derived(people, p/0) after a save without it: %v, want ErrNotFound", err)
	}
	if g, data, err := st.Derived(ctx, "other", "head"); err != nil || g != 7 || string(data) != "other" {
		t.Errorf("Derived(other, head) = %d, %q, %v; want another set untouched", g, data, err)
	}
}
