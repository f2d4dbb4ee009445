package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// copyOf describes one copy of a small test message.
type copyOf struct {
	mid, hash, path, member string
	off                     int64
	page                    int
}

func (c copyOf) message() *model.Message {
	d := time.Date(2008, 5, 1, 12, 0, 0, 0, time.UTC)
	return &model.Message{
		Kind: model.KindNative, MessageID: c.mid, ContentHash: c.hash, RawSHA256: "raw-" + c.hash,
		DateUTC: &d, DateRaw: "Thu, 1 May 2008 12:00:00 +0000",
		From: jonas, To: []model.Address{mara}, Subject: "copy " + c.hash, BodyText: "body of " + c.hash,
		Confidence: 1, Size: 100,
		Sources: []model.Source{{Path: c.path, Member: c.member, Offset: c.off, Length: 100, SHA256: "raw-" + c.hash, Page: c.page}},
	}
}

func testWriteDedup(t *testing.T, open opener) {
	type msgWant struct {
		c       copyOf // any copy of the message (for its ID)
		sources int
	}
	a := func(mid, hash, path string, off int64) copyOf {
		return copyOf{mid: mid, hash: hash, path: path, off: off}
	}
	tests := []struct {
		name    string
		batches [][]copyOf
		want    []store.PutResult
		msgs    []msgWant
	}{
		{
			name:    "two sources in one batch",
			batches: [][]copyOf{{a("x@harbor.example", "h1", "a.mbox", 0), a("x@harbor.example", "h1", "b.mbox", 40)}},
			want:    []store.PutResult{{New: 1, Duplicates: 1}},
			msgs:    []msgWant{{a("x@harbor.example", "h1", "", 0), 2}},
		},
		{
			name:    "two sources in two batches",
			batches: [][]copyOf{{a("x@harbor.example", "h1", "a.mbox", 0)}, {a("x@harbor.example", "h1", "b.mbox", 40)}},
			want:    []store.PutResult{{New: 1}, {Duplicates: 1}},
			msgs:    []msgWant{{a("x@harbor.example", "h1", "", 0), 2}},
		},
		{
			name:    "same copy twice in a batch",
			batches: [][]copyOf{{a("x@harbor.example", "h1", "a.mbox", 0), a("x@harbor.example", "h1", "a.mbox", 0)}},
			want:    []store.PutResult{{New: 1, Known: 1}},
			msgs:    []msgWant{{a("x@harbor.example", "h1", "", 0), 1}},
		},
		{
			name:    "another offset of the same file",
			batches: [][]copyOf{{a("x@harbor.example", "h1", "a.mbox", 0), a("x@harbor.example", "h1", "a.mbox", 900)}},
			want:    []store.PutResult{{New: 1, Duplicates: 1}},
			msgs:    []msgWant{{a("x@harbor.example", "h1", "", 0), 2}},
		},
		{
			name: "another member of the same zip",
			batches: [][]copyOf{{{mid: "x@harbor.example", hash: "h1", path: "a.zip", member: "one.eml"},
				{mid: "x@harbor.example", hash: "h1", path: "a.zip", member: "two.eml"}}},
			want: []store.PutResult{{New: 1, Duplicates: 1}},
			msgs: []msgWant{{a("x@harbor.example", "h1", "", 0), 2}},
		},
		{
			name: "another page of the same production",
			batches: [][]copyOf{{{mid: "", hash: "h1", path: "vol1.pdf", page: 3},
				{mid: "", hash: "h1", path: "vol1.pdf", page: 7}}},
			want: []store.PutResult{{New: 1, Duplicates: 1}},
			msgs: []msgWant{{a("", "h1", "", 0), 2}},
		},
		{
			name:    "no message-id merges on content only",
			batches: [][]copyOf{{a("", "h1", "a.mbox", 0), a("", "h1", "b.mbox", 0), a("", "h2", "c.mbox", 0)}},
			want:    []store.PutResult{{New: 2, Duplicates: 1}},
			msgs:    []msgWant{{a("", "h1", "", 0), 2}, {a("", "h2", "", 0), 1}},
		},
		{
			name:    "message-id brackets and domain case are normalised",
			batches: [][]copyOf{{a("<x@Harbor.Example>", "h1", "a.mbox", 0), a("x@harbor.example", "h1", "b.mbox", 0)}},
			want:    []store.PutResult{{New: 1, Duplicates: 1}},
			msgs:    []msgWant{{a("x@harbor.example", "h1", "", 0), 2}},
		},
		{
			name:    "same content under two message-ids",
			batches: [][]copyOf{{a("x@harbor.example", "h1", "a.mbox", 0), a("y@harbor.example", "h1", "b.mbox", 0)}},
			want:    []store.PutResult{{New: 2}},
			msgs:    []msgWant{{a("x@harbor.example", "h1", "", 0), 1}, {a("y@harbor.example", "h1", "", 0), 1}},
		},
		{
			name:    "with and without message-id",
			batches: [][]copyOf{{a("x@harbor.example", "h1", "a.mbox", 0), a("", "h1", "b.mbox", 0)}},
			want:    []store.PutResult{{New: 2}},
			msgs:    []msgWant{{a("x@harbor.example", "h1", "", 0), 1}, {a("", "h1", "", 0), 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := mustOpen(t, open)
			ctx := context.Background()
			run := beginRun(t, st, "/input")
			for i, b := range tc.batches {
				var batch store.Batch
				for _, c := range b {
					batch.Messages = append(batch.Messages, c.message())
				}
				if got := write(t, st, run, batch); got != tc.want[i] {
					t.Errorf("batch %d: PutResult = %+v, want %+v", i, got, tc.want[i])
				}
			}
			total := 0
			for _, mw := range tc.msgs {
				id := idOf(mw.c.message())
				m, err := st.Get(ctx, id)
				if err != nil {
					t.Errorf("Get(%s) for %s/%s: %v", id, mw.c.mid, mw.c.hash, err)
					continue
				}
				if len(m.Sources) != mw.sources {
					t.Errorf("message %s/%s has %d sources %+v, want %d", mw.c.mid, mw.c.hash, len(m.Sources), m.Sources, mw.sources)
				}
				total += mw.sources
			}
			s := mustStats(t, st)
			if s.Messages != len(tc.msgs) || s.Sources != total || s.Duplicates != total-len(tc.msgs) {
				t.Errorf("Stats messages/sources/duplicates = %d/%d/%d, want %d/%d/%d",
					s.Messages, s.Sources, s.Duplicates, len(tc.msgs), total, total-len(tc.msgs))
			}
		})
	}
}

// testRewrite writes the corpus twice (a re-ingest): the second time
// every copy is Known and nothing changes; a new copy in the second run
// is a duplicate whose source carries that run.
func testRewrite(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	before := mustStats(t, st)
	gets := map[string]*model.Message{}
	for _, k := range corpusKeys {
		gets[k] = mustGet(t, st, l.ids[k])
	}
	files, err := st.Files(ctx)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	probs, err := st.Problems(ctx, "", 0)
	if err != nil {
		t.Fatalf("Problems: %v", err)
	}

	run2 := beginRun(t, st, "/cases/harbor/input")
	var b store.Batch
	for _, e := range corpusEntries() {
		b.Messages = append(b.Messages, e.m)
	}
	b.Files, b.Problems = corpusFiles(), corpusProblems()
	if got, want := write(t, st, run2, b), (store.PutResult{Known: 12}); got != want {
		t.Errorf("rewrite: PutResult = %+v, want %+v (11 messages + 1 copy, all known)", got, want)
	}
	if err := st.Finalize(ctx); err != nil {
		t.Fatalf("Finalize: %v", err)
	}
	want := before
	want.Runs++
	if d := diffStats(mustStats(t, st), want); len(d) > 0 {
		t.Errorf("Stats changed by a rewrite:\n%s", strings.Join(d, "\n"))
	}
	for _, k := range corpusKeys {
		if d := diffMessage(mustGet(t, st, l.ids[k]), gets[k]); len(d) > 0 {
			t.Errorf("%s changed by a rewrite:\n%s", k, strings.Join(d, "\n"))
		}
	}
	files2, err := st.Files(ctx)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	for i := range files2 {
		files2[i].RunID = 0
	}
	for i := range files {
		files[i].RunID = 0
	}
	sortFiles(files)
	sortFiles(files2)
	if !slices.Equal(files, files2) {
		t.Errorf("Files changed by a rewrite:\n got %+v\nwant %+v", files2, files)
	}
	probs2, err := st.Problems(ctx, "", 0)
	if err != nil {
		t.Fatalf("Problems: %v", err)
	}
	if len(probs2) != len(probs) {
		t.Errorf("rewrite recorded problems again: %d problems, want %d", len(probs2), len(probs))
	}

	// A new copy of m3 found in run 2.
	m3 := corpusEntry("m3")
	m3.Sources = []model.Source{{Path: "backup/priya.mbox", Offset: 77, Length: 95000, SHA256: "raw-m3", FileSHA256: "file-backup"}}
	if got, want := write(t, st, run2, store.Batch{Messages: []*model.Message{m3}}), (store.PutResult{Duplicates: 1}); got != want {
		t.Errorf("new copy: PutResult = %+v, want %+v", got, want)
	}
	wantM3 := l.expected("m3")
	wantM3.Sources = append(wantM3.Sources, model.Source{Path: "backup/priya.mbox", Offset: 77, Length: 95000,
		SHA256: "raw-m3", FileSHA256: "file-backup", RunID: run2})
	if d := diffMessage(mustGet(t, st, l.ids["m3"]), wantM3); len(d) > 0 {
		t.Errorf("m3 after a new copy in run %d (sources ordered by run first):\n%s", run2, strings.Join(d, "\n"))
	}
	after := mustStats(t, st)
	if after.Sources != before.Sources+1 || after.Duplicates != before.Duplicates+1 || after.DuplicatedMsg != before.DuplicatedMsg+1 {
		t.Errorf("after a new copy: sources/duplicates/duplicated = %d/%d/%d, want %d/%d/%d", after.Sources, after.Duplicates,
			after.DuplicatedMsg, before.Sources+1, before.Duplicates+1, before.DuplicatedMsg+1)
	}
}

func testMIDConflict(t *testing.T, open opener) {
	tests := []struct {
		name    string
		batches [][]string // corpus keys per batch
	}{
		{"same batch", [][]string{{"m9", "m10", "m3"}}},
		{"separate batches", [][]string{{"m9", "m3"}, {"m10"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := mustOpen(t, open)
			ctx := context.Background()
			run := beginRun(t, st, "/input")
			for _, keys := range tc.batches {
				var b store.Batch
				for _, k := range keys {
					b.Messages = append(b.Messages, corpusEntry(k))
				}
				if got := write(t, st, run, b); got != (store.PutResult{New: len(keys)}) {
					t.Errorf("PutResult = %+v, want New %d", got, len(keys))
				}
				if err := st.Finalize(ctx); err != nil {
					t.Fatalf("Finalize: %v", err)
				}
			}
			// A second Finalize must not flag twice.
			if err := st.Finalize(ctx); err != nil {
				t.Fatalf("Finalize: %v", err)
			}
			ids := corpusIDs()
			if ids["m9"] == ids["m10"] {
				t.Fatal("m9 and m10 have the same ID")
			}
			for k, want := range map[string][]string{"m9": {"mid_conflict"}, "m10": {"mid_conflict"}, "m3": nil} {
				m := mustGet(t, st, ids[k])
				if !slices.Equal(emptyNil(m.Flags), want) {
					t.Errorf("%s flags = %q, want %q", k, m.Flags, want)
				}
			}
			s := mustStats(t, st)
			if s.Messages != 3 || s.MIDConflicts != 2 {
				t.Errorf("Stats messages/mid conflicts = %d/%d, want 3/2", s.Messages, s.MIDConflicts)
			}
			got := sorted(hitIDs(search(t, st, parse(t, "mid:site-photos@quarry.example"), store.SearchOptions{})))
			if want := sorted([]string{ids["m9"], ids["m10"]}); !slices.Equal(got, want) {
				t.Errorf("mid: search = %v, want %v", got, want)
			}
		})
	}
}

// testChildren checks that rfc822 children are stored as messages of their
// own, linked by ContainerID, with provenance inherited from the parent.
func testChildren(t *testing.T, st store.Store) {
	ctx := context.Background()
	run := beginRun(t, st, "/input")
	mk := func(name string, children ...*model.Message) *model.Message {
		return &model.Message{Kind: model.KindNative, MessageID: name + "@fwd.example", ContentHash: "content-" + name,
			RawSHA256: "raw-" + name, Size: int64(100 * len(name)), Subject: "forward " + name, BodyText: "text of " + name,
			From: priya, To: []model.Address{jonas}, DateRaw: "", DateFlag: model.DateMissing, Confidence: 1, Children: children}
	}
	grand := mk("grandchild")
	grand.RawOffset = 50 // found verbatim 50 bytes into child-one
	c1 := mk("child-one", grand)
	c1.RawOffset = 300
	c2 := mk("child-two") // RawOffset 0: not verbatim (e.g. base64), so the parent's offset

	parent := mk("parent", c1, c2)
	parent.Sources = []model.Source{
		{Path: "archive.zip", Member: "exports/fwd.eml", Offset: 0, Length: 5000, SHA256: "raw-parent", FileSHA256: "file-zip"},
		{Path: "mail/priya.mbox", Offset: 1200, Length: 5000, SHA256: "raw-parent", FileSHA256: "file-priya"},
	}
	ids := map[string]string{"parent": idOf(parent), "child-one": idOf(c1), "child-two": idOf(c2), "grandchild": idOf(grand)}
	if got, want := write(t, st, run, store.Batch{Messages: []*model.Message{parent}}), (store.PutResult{New: 4}); got != want {
		t.Errorf("PutResult = %+v, want %+v", got, want)
	}
	inherit := func(name, suffix string, off int64) []model.Source {
		return []model.Source{
			{Path: "archive.zip", Member: "exports/fwd.eml" + suffix, Offset: off, Length: int64(100 * len(name)), SHA256: "raw-" + name, FileSHA256: "file-zip", RunID: run},
			{Path: "mail/priya.mbox", Member: suffix, Offset: 1200 + off, Length: int64(100 * len(name)), SHA256: "raw-" + name, FileSHA256: "file-priya", RunID: run},
		}
	}
	tests := []struct {
		name, container string
		sources         []model.Source
	}{
		{"child-one", "parent", inherit("child-one", "#rfc822-1", 300)},
		{"child-two", "parent", inherit("child-two", "#rfc822-2", 0)},
		{"grandchild", "child-one", inherit("grandchild", "#rfc822-1#rfc822-1", 350)},
	}
	for _, tc := range tests {
		m, err := st.Get(ctx, ids[tc.name])
		if err != nil {
			t.Errorf("Get(%s): %v", tc.name, err)
			continue
		}
		if m.ContainerID != ids[tc.container] {
			t.Errorf("%s: ContainerID = %q, want %q (%s)", tc.name, m.ContainerID, ids[tc.container], tc.container)
		}
		want := slices.Clone(tc.sources)
		sortSources(want)
		if !slices.Equal(m.Sources, want) {
			t.Errorf("%s: Sources =\n%+v\nwant\n%+v", tc.name, m.Sources, want)
		}
		if m.Subject != "forward "+tc.name || m.BodyText != "text of "+tc.name {
			t.Errorf("%s: subject/body = %q/%q", tc.name, m.Subject, m.BodyText)
		}
	}
	if m := mustGet(t, st, ids["parent"]); m.ContainerID != "" || len(m.Sources) != 2 {
		t.Errorf("parent: ContainerID %q, %d sources; want none, 2", m.ContainerID, len(m.Sources))
	}
	// Children are searchable on their own.
	got := hitIDs(search(t, st, parse(t, `body:grandchild`), store.SearchOptions{}))
	if !slices.Equal(got, []string{ids["grandchild"]}) {
		t.Errorf("body:grandchild = %v, want [%s]", got, ids["grandchild"])
	}
	got = sorted(hitIDs(search(t, st, parse(t, `source:archive.zip`), store.SearchOptions{})))
	if want := sorted([]string{ids["parent"], ids["child-one"], ids["child-two"], ids["grandchild"]}); !slices.Equal(got, want) {
		t.Errorf("source:archive.zip = %v, want %v", got, want)
	}
	// Writing the same tree again changes nothing.
	g2 := mk("grandchild")
	g2.RawOffset = 50
	c12 := mk("child-one", g2)
	c12.RawOffset = 300
	again := mk("parent", c12, mk("child-two"))
	again.Sources = slices.Clone(parent.Sources)
	if got, want := write(t, st, run, store.Batch{Messages: []*model.Message{again}}), (store.PutResult{Known: 4}); got != want {
		t.Errorf("rewrite: PutResult = %+v, want %+v", got, want)
	}
	if s := mustStats(t, st); s.Messages != 4 || s.Sources != 8 {
		t.Errorf("Stats messages/sources = %d/%d, want 4/8", s.Messages, s.Sources)
	}
}

func testWriteCanceled(t *testing.T, st store.Store) {
	run := beginRun(t, st, "/input")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b store.Batch
	for _, e := range corpusEntries() {
		b.Messages = append(b.Messages, e.m)
	}
	b.Problems = corpusProblems()
	b.Files = corpusFiles()
	if _, err := st.Write(ctx, run, b); err == nil {
		t.Fatal("Write with a canceled context succeeded")
	}
	s := mustStats(t, st)
	if s.Messages != 0 || s.Sources != 0 || s.Files != 0 || s.Failed+s.Skipped+s.Warnings != 0 {
		t.Errorf("a failed Write left data behind: %+v", s)
	}
}

func testGet(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	for _, k := range corpusKeys {
		t.Run(k, func(t *testing.T) {
			got := mustGet(t, st, l.ids[k])
			if d := diffMessage(got, l.expected(k)); len(d) > 0 {
				t.Errorf("Get(%s):\n%s", k, strings.Join(d, "\n"))
			}
			again := mustGet(t, st, l.ids[k])
			if !slices.Equal(again.Sources, got.Sources) {
				t.Errorf("source order is not stable: %+v then %+v", got.Sources, again.Sources)
			}
		})
	}
	for _, id := range []string{"0000000000000000", l.ids["m1"][:8], "", "not-an-id"} {
		if _, err := st.Get(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%q) error = %v, want ErrNotFound", id, err)
		}
	}
}

func testResolveID(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	all := map[string]bool{}
	for _, id := range l.ids {
		all[id] = true
	}
	sharesPrefix := func(p string, except ...string) bool {
		for id := range all {
			if strings.HasPrefix(id, p) && !slices.Contains(except, id) {
				return true
			}
		}
		return false
	}
	// Find two content-only messages whose IDs share their first 4 hex
	// digits (and no corpus ID does).
	seen := map[string]*model.Message{}
	var a, b *model.Message
	for i := 0; a == nil; i++ {
		m := &model.Message{Kind: model.KindNative, ContentHash: fmt.Sprintf("ambiguous-%d", i), Subject: "ambiguous",
			Sources: []model.Source{{Path: "amb.mbox", Offset: int64(i)}}}
		id := idOf(m)
		if sharesPrefix(id[:4]) {
			continue
		}
		if o, ok := seen[id[:4]]; ok {
			a, b = o, m
			break
		}
		seen[id[:4]] = m
	}
	idA, idB := idOf(a), idOf(b)
	run := beginRun(t, st, "/amb")
	write(t, st, run, store.Batch{Messages: []*model.Message{a, b}})
	all[idA], all[idB] = true, true
	common := 4
	for idA[common] == idB[common] {
		common++
	}
	// The shortest unique prefix of m3 (at least 4 digits).
	id3 := l.ids["m3"]
	n := 4
	for sharesPrefix(id3[:n], id3) {
		n++
	}
	unused := ""
	for i := 0; unused == ""; i++ {
		if p := fmt.Sprintf("%04x", i); !sharesPrefix(p) {
			unused = p
		}
	}
	tests := []struct {
		prefix string
		want   string
		err    error
	}{
		{id3, id3, nil},
		{id3[:n], id3, nil},
		{strings.ToUpper(id3[:n]), id3, nil},
		{" " + id3 + " ", id3, nil},
		{idA[:4], "", store.ErrAmbiguous},
		{idA[:common], "", store.ErrAmbiguous},
		{idA[:common+1], idA, nil},
		{idB[:common+1], idB, nil},
		{unused, "", store.ErrNotFound},
		{id3[:3], "", store.ErrNotFound},
		{"", "", store.ErrNotFound},
		{"zz-top", "", store.ErrNotFound},
		{id3 + "0", "", store.ErrNotFound},
	}
	for _, tc := range tests {
		got, err := st.ResolveID(ctx, tc.prefix)
		switch {
		case tc.err != nil && !errors.Is(err, tc.err):
			t.Errorf("ResolveID(%q) = %q, %v; want error %v", tc.prefix, got, err, tc.err)
		case tc.err == nil && (err != nil || got != tc.want):
			t.Errorf("ResolveID(%q) = %q, %v; want %q", tc.prefix, got, err, tc.want)
		}
	}
}

func testEach(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	var got []*model.Message
	if err := st.Each(ctx, func(m *model.Message) error { got = append(got, m); return nil }); err != nil {
		t.Fatalf("Each: %v", err)
	}
	var keys []string
	for _, m := range got {
		keys = append(keys, l.key[m.ID])
		if d := diffMessage(m, l.expected(l.key[m.ID])); len(d) > 0 {
			t.Errorf("Each: %s:\n%s", l.key[m.ID], strings.Join(d, "\n"))
		}
	}
	checkDateOrder(t, "Each", keys, dateOrder, []string{"m6", "m7"})

	stop := errors.New("stop here")
	n := 0
	err := st.Each(ctx, func(*model.Message) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Each with a failing callback: %v after %d calls, want the callback's error after 1", err, n)
	}
}

// dateOrder is the corpus's dated messages, oldest first.
var dateOrder = []string{"m5c", "m5", "m1", "m2", "m8", "m3", "m9", "m10", "m4"}

// checkDateOrder checks that keys are the dated keys in order followed by
// the undated ones in any order.
func checkDateOrder(t *testing.T, what string, keys, dated, undated []string) {
	t.Helper()
	if len(keys) != len(dated)+len(undated) {
		t.Errorf("%s: got %v, want %v then %v", what, keys, dated, undated)
		return
	}
	if !slices.Equal(keys[:len(dated)], dated) || !slices.Equal(sorted(keys[len(dated):]), sorted(undated)) {
		t.Errorf("%s: got %v, want %v then %v in any order", what, keys, dated, undated)
	}
}

func sortFiles(fs []store.FileRecord) {
	slices.SortFunc(fs, func(a, b store.FileRecord) int {
		return strings.Compare(a.Path+"\x00"+a.SHA256, b.Path+"\x00"+b.SHA256)
	})
}
