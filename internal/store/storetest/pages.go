package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// testPages pins how document pages (kind page) live beside messages:
// searchable only when the query names kind:, de-duplicated like
// messages, never threaded, and counted apart in Stats and Files.
func testPages(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	before := mustStats(t, st)
	run := beginRun(t, st, "/cases/harbor/input")
	page := func(path string, n int, bates, text string) *model.Message {
		m := &model.Message{Kind: model.KindPage, Subject: path + ", page", BodyText: text, DateFlag: model.DateMissing,
			ContentHash: "page-" + text, Confidence: 1,
			Sources: []model.Source{{Path: path, Page: n, PageEnd: n, Bates: bates, LineFrom: 1, LineTo: 3, SHA256: "raw-" + text, FileSHA256: "file-" + path}}}
		m.ID = idOf(m)
		return m
	}
	p1 := page("production/vol1.pdf", 2, "HARBOR-000102", "Quayside ledger: zeppelin berth fees")
	p1copy := page("production/vol2.pdf", 7, "HARBOR-000907", "Quayside ledger: zeppelin berth fees")
	p2 := page("production/vol2.pdf", 8, "HARBOR-000908", "Handwritten note about the quayside crane")
	res := write(t, st, run, store.Batch{Messages: []*model.Message{p1, p1copy, p2},
		Files: []store.FileRecord{{Path: "production/vol2.pdf", SHA256: "file-vol2", Size: 5000, Format: "pdf", Seen: 1, Emitted: 1, Status: "done"}}})
	if want := (store.PutResult{New: 2, Duplicates: 1, Pages: 2}); res != want {
		t.Errorf("write pages = %+v, want %+v", res, want)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{`quayside`, nil},                              // pages are left out by default
		{`zeppelin`, l.idsOf("m1", "m5c")},             // messages only
		{`kind:page quayside`, []string{p1.ID, p2.ID}}, // asked for
		{`kind:page`, []string{p1.ID, p2.ID}},
		{`kind:page bates:HARBOR-000907`, []string{p1.ID}},
		{`kind:page source:production/vol2.pdf`, []string{p1.ID, p2.ID}},
		{`kind:page -crane`, []string{p1.ID}},
		{`(kind:page OR kind:native) zeppelin`, append(l.idsOf("m1", "m5c"), p1.ID)},
		{`-kind:page zeppelin`, l.idsOf("m1", "m5c")},
		{`*`, l.idsOf(corpusKeys...)},
	} {
		n, err := query.Parse(tc.q)
		if err != nil {
			t.Fatalf("parse %q: %v", tc.q, err)
		}
		got := sorted(hitIDs(search(t, st, n, store.SearchOptions{})))
		if want := sorted(slices.Clone(tc.want)); !slices.Equal(emptyNil(got), emptyNil(want)) {
			t.Errorf("%s: got %v, want %v", tc.q, l.keysOf(got), l.keysOf(want))
		}
		if c, err := st.Count(ctx, n); err != nil || c != len(tc.want) {
			t.Errorf("Count(%s) = %d, %v; want %d", tc.q, c, err, len(tc.want))
		}
	}
	got := mustGet(t, st, p1.ID)
	if got.Kind != model.KindPage || len(got.Sources) != 2 || got.Sources[0].Page != 2 || got.Sources[1].Bates != "HARBOR-000907" {
		t.Errorf("page p1 = kind %s sources %+v", got.Kind, got.Sources)
	}
	after := mustStats(t, st)
	want := before
	want.Pages = 2
	want.Runs++
	want.Files++
	if d := diffStats(after, want); len(d) > 0 {
		t.Errorf("Stats after adding pages: %v", d)
	}
	if err := st.ThreadInputs(ctx, func(in store.ThreadInput) error {
		if in.ID == p1.ID || in.ID == p2.ID {
			t.Errorf("ThreadInputs includes page %s", in.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	files, err := st.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		switch f.Path {
		case "production/vol2.pdf":
			if f.Pages != 2 || f.Stored != 0 || f.Duplicates != 0 {
				t.Errorf("vol2.pdf: pages %d stored %d duplicates %d, want 2, 0, 0", f.Pages, f.Stored, f.Duplicates)
			}
		case "production/vol1.pdf":
			if f.Pages != 1 || f.Stored != 1 {
				t.Errorf("vol1.pdf: pages %d stored %d, want 1, 1", f.Pages, f.Stored)
			}
		}
	}
}
