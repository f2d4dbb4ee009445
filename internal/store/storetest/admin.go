package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

func testThreads(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	got := map[string]store.ThreadInput{}
	err := st.ThreadInputs(ctx, func(in store.ThreadInput) error {
		if _, dup := got[in.ID]; dup {
			t.Errorf("ThreadInputs: %s twice", in.ID)
		}
		got[in.ID] = in
		return nil
	})
	if err != nil {
		t.Fatalf("ThreadInputs: %v", err)
	}
	if len(got) != len(corpusKeys) {
		t.Errorf("ThreadInputs returned %d messages, want %d", len(got), len(corpusKeys))
	}
	for _, k := range corpusKeys {
		in, ok := got[l.ids[k]]
		if !ok {
			t.Errorf("ThreadInputs: %s missing", k)
			continue
		}
		m := l.expected(k)
		var date time.Time
		if m.DateUTC != nil {
			date = *m.DateUTC
		}
		if in.MessageID != m.MessageID || in.InReplyTo != m.InReplyTo || in.Subject != m.Subject || !in.Date.Equal(date) ||
			!slices.Equal(emptyNil(in.References), emptyNil(m.References)) {
			t.Errorf("ThreadInputs %s = %+v, want mid %q, in-reply-to %q, refs %q, subject %q, date %s",
				k, in, m.MessageID, m.InReplyTo, m.References, m.Subject, date)
		}
		// Every participant: from (name when there is no address, as on
		// printed pages), sender, to, cc and bcc.
		if g, w := sorted(in.Participants), sorted(m.Participants()); !slices.Equal(g, w) {
			t.Errorf("ThreadInputs %s participants = %q, want %q", k, g, w)
		}
	}
	stop := errors.New("stop here")
	if err := st.ThreadInputs(ctx, func(store.ThreadInput) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("ThreadInputs with a failing callback = %v, want the callback's error", err)
	}

	type node struct {
		key, parent string // "ph" = the placeholder
	}
	tests := []struct {
		thread string
		want   []node
	}{
		{"th-budget", []node{{"ph", ""}, {"m1", "ph"}, {"m2", "m1"}}},
		{"th-settle", []node{{"m5c", "m5"}, {"m5", ""}}},
		{"th-site", []node{{"m9", ""}, {"m10", "m9"}}},
		{"th-m7", []node{{"m7", ""}}},
	}
	idOfKey := func(k string) string {
		if k == "ph" {
			return placeholderID
		}
		if k == "" {
			return ""
		}
		return l.ids[k]
	}
	for _, tc := range tests {
		entries, err := st.Thread(ctx, tc.thread)
		if err != nil {
			t.Errorf("Thread(%s): %v", tc.thread, err)
			continue
		}
		if len(entries) != len(tc.want) {
			t.Errorf("Thread(%s) has %d entries, want %d: %+v", tc.thread, len(entries), len(tc.want), entries)
		}
		byID := map[string]store.ThreadEntry{}
		for _, e := range entries {
			byID[e.ID] = e
		}
		for _, w := range tc.want {
			e, ok := byID[idOfKey(w.key)]
			if !ok {
				t.Errorf("Thread(%s): %s missing", tc.thread, w.key)
				continue
			}
			if e.ParentID != idOfKey(w.parent) {
				t.Errorf("Thread(%s): %s parent = %q, want %q (%s)", tc.thread, w.key, e.ParentID, idOfKey(w.parent), w.parent)
			}
			if w.key == "ph" {
				if !e.Placeholder || e.MessageID != "m0@harbor.example" || e.Message != nil {
					t.Errorf("Thread(%s): placeholder = %+v, want Placeholder, MessageID m0@harbor.example, no Message", tc.thread, e)
				}
				continue
			}
			m := l.expected(w.key)
			if e.Placeholder || e.MessageID != m.MessageID || e.From != m.From || e.Subject != m.Subject || !timeEq(e.Date, m.DateUTC) {
				t.Errorf("Thread(%s): %s = %+v (date %s), want mid %q, from %v, subject %q, date %s", tc.thread, w.key, e,
					fmtTime(e.Date), m.MessageID, m.From, m.Subject, fmtTime(m.DateUTC))
			}
			if e.Message == nil || e.Message.ID != m.ID || e.Message.ThreadID != tc.thread {
				t.Errorf("Thread(%s): %s carries message %+v", tc.thread, w.key, e.Message)
			}
		}
	}
	for _, id := range []string{"no-such-thread", ""} {
		if _, err := st.Thread(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Thread(%q) error = %v, want ErrNotFound", id, err)
		}
	}
}

// testThreadsReplace checks that SetThreads replaces every assignment:
// messages left out lose their thread, old placeholders disappear.
func testThreadsReplace(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	var as []store.ThreadAssignment
	for _, k := range except("m7") {
		parent := ""
		if k != "m1" {
			parent = l.ids["m1"]
		}
		as = append(as, store.ThreadAssignment{ID: l.ids[k], ThreadID: "th-all", ParentID: parent})
	}
	if err := st.SetThreads(ctx, as, nil); err != nil {
		t.Fatalf("SetThreads: %v", err)
	}
	for _, id := range []string{"th-budget", "th-m7", "th-site"} {
		if e, err := st.Thread(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Thread(%s) after replacement = %+v, %v; want ErrNotFound", id, e, err)
		}
	}
	entries, err := st.Thread(ctx, "th-all")
	if err != nil || len(entries) != len(all)-1 {
		t.Errorf("Thread(th-all) = %d entries, %v; want %d", len(entries), err, len(all)-1)
	}
	if m := mustGet(t, st, l.ids["m7"]); m.ThreadID != "" || m.ParentID != "" {
		t.Errorf("m7 (left out) keeps thread %q parent %q", m.ThreadID, m.ParentID)
	}
	if m := mustGet(t, st, l.ids["m2"]); m.ThreadID != "th-all" || m.ParentID != l.ids["m1"] {
		t.Errorf("m2 thread %q parent %q, want th-all, %s", m.ThreadID, m.ParentID, l.ids["m1"])
	}
	s := mustStats(t, st)
	if s.Threads != 1 || s.Placeholders != 0 {
		t.Errorf("Stats threads/placeholders = %d/%d, want 1/0", s.Threads, s.Placeholders)
	}
	if n, err := st.Count(ctx, parse(t, "thread:th-all")); err != nil || n != len(all)-1 {
		t.Errorf("Count(thread:th-all) = %d, %v; want %d", n, err, len(all)-1)
	}
}

func testStats(t *testing.T, st store.Store) {
	if d := diffStats(mustStats(t, st), store.Stats{}); len(d) > 0 {
		t.Errorf("Stats of an empty store:\n%s", strings.Join(d, "\n"))
	}
	loadCorpus(t, st)
	first := time.Date(2007, 10, 30, 14, 0, 0, 0, time.UTC)
	last := time.Date(2009, 1, 20, 11, 0, 0, 0, time.UTC)
	want := store.Stats{
		Messages: 11, Native: 10, Printed: 1,
		Sources: 12, Duplicates: 1, DuplicatedMsg: 1, MIDConflicts: 2,
		Threads: 7, Placeholders: 1, Attachments: 3, Files: 7,
		Failed: 1, Skipped: 1, Warnings: 1, UndatedMsgs: 2,
		First: &first, Last: &last, Runs: 1,
	}
	if d := diffStats(mustStats(t, st), want); len(d) > 0 {
		t.Errorf("Stats:\n%s", strings.Join(d, "\n"))
	}
}

func testProblems(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	run2 := beginRun(t, st, "/cases/harbor/more")
	more := []store.Problem{
		{Kind: "failed", Path: "mail/mara.mbox", Offset: 12000, Reason: "truncated message"},
		{Kind: "warning", Path: "production/vol1.pdf", Page: 4, Reason: "OCR confidence 0.41 on page 4"},
	}
	write(t, st, run2, store.Batch{Problems: more})
	r1 := corpusProblems()
	for i := range r1 {
		r1[i].RunID = l.run
	}
	for i := range more {
		more[i].RunID = run2
	}
	every := append(slices.Clone(r1), more...)
	pick := func(kind string, run int64) []store.Problem {
		var out []store.Problem
		for _, p := range every {
			if (kind == "" || p.Kind == kind) && (run == 0 || p.RunID == run) {
				out = append(out, p)
			}
		}
		return out
	}
	tests := []struct {
		kind string
		run  int64
	}{
		{"", 0}, {"failed", 0}, {"skipped", 0}, {"warning", 0},
		{"", l.run}, {"", run2}, {"failed", l.run}, {"failed", run2}, {"warning", run2}, {"skipped", run2},
		{"", run2 + 100}, {"nonsense", 0},
	}
	for _, tc := range tests {
		got, err := st.Problems(ctx, tc.kind, tc.run)
		if err != nil {
			t.Errorf("Problems(%q, %d): %v", tc.kind, tc.run, err)
			continue
		}
		want := pick(tc.kind, tc.run)
		sortProblems(got)
		sortProblems(want)
		if !slices.Equal(emptyNil(got), emptyNil(want)) {
			t.Errorf("Problems(%q, %d) =\n%+v\nwant\n%+v", tc.kind, tc.run, got, want)
		}
	}
	s := mustStats(t, st)
	if s.Failed != 2 || s.Skipped != 1 || s.Warnings != 2 {
		t.Errorf("Stats failed/skipped/warnings = %d/%d/%d, want 2/1/2", s.Failed, s.Skipped, s.Warnings)
	}
}

func sortProblems(ps []store.Problem) {
	slices.SortFunc(ps, func(a, b store.Problem) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Member, b.Member), cmp.Compare(a.Offset, b.Offset),
			cmp.Compare(a.Page, b.Page), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Reason, b.Reason))
	})
}

func testFiles(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	counts := map[string][4]int{ // stored, duplicates, failed, skipped
		"mail/jonas.mbox":            {3, 0, 0, 0},
		"mail/mara.mbox":             {3, 1, 0, 0},
		"mail/priya/inbox/cur/1.eml": {1, 0, 0, 0},
		"archive.zip":                {1, 0, 1, 1},
		"mail/zoe.mbox":              {2, 0, 0, 0},
		"mail/tomasz.mbox":           {1, 0, 0, 0},
		"production/vol1.pdf":        {1, 0, 0, 0},
	}
	want := corpusFiles()
	for i := range want {
		c := counts[want[i].Path]
		want[i].RunID = l.run
		want[i].Stored, want[i].Duplicates, want[i].Failed, want[i].Skipped = c[0], c[1], c[2], c[3]
	}
	got, err := st.Files(ctx)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	sortFiles(got)
	sortFiles(want)
	if !slices.Equal(got, want) {
		t.Errorf("Files =\n%s\nwant\n%s", fmtFiles(got), fmtFiles(want))
	}

	done := func(path, sha string, want bool) {
		t.Helper()
		got, err := st.FileDone(ctx, path, sha)
		if err != nil || got != want {
			t.Errorf("FileDone(%s, %s) = %v, %v; want %v", path, sha, got, err, want)
		}
	}
	done("mail/jonas.mbox", "file-jonas", true)
	done("production/vol1.pdf", "file-vol1", true)
	done("mail/jonas.mbox", "file-jonas-changed", false)
	done("mail/mara.mbox", "file-jonas", false)
	done("archive.zip", "file-zip", false) // partial
	done("nowhere.mbox", "file-nowhere", false)

	// A later run completes the zip and sees a changed jonas.mbox.
	run2 := beginRun(t, st, "/cases/harbor/input")
	write(t, st, run2, store.Batch{Files: []store.FileRecord{
		{Path: "archive.zip", SHA256: "file-zip", Size: 7000, Format: "zip", Seen: 3, Emitted: 3, Status: "done"},
		{Path: "mail/jonas.mbox", SHA256: "file-jonas-changed", Size: 12000, Format: "mbox", Seen: 4, Emitted: 2, Status: "partial"},
	}})
	done("archive.zip", "file-zip", true)
	done("mail/jonas.mbox", "file-jonas", true)
	done("mail/jonas.mbox", "file-jonas-changed", false)
	got, err = st.Files(ctx)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	if len(got) != 8 {
		t.Errorf("Files after run 2 has %d records, want 8:\n%s", len(got), fmtFiles(got))
	}
	for _, f := range got {
		if f.Path == "archive.zip" && (f.Status != "done" || f.Emitted != 3 || f.RunID != run2) {
			t.Errorf("archive.zip after run 2 = %+v, want status done, emitted 3, run %d", f, run2)
		}
	}
	if s := mustStats(t, st); s.Files != 8 {
		t.Errorf("Stats.Files = %d, want 8", s.Files)
	}
}

func fmtFiles(fs []store.FileRecord) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %+v\n", f)
	}
	return b.String()
}

func testRuns(t *testing.T, st store.Store) {
	ctx := context.Background()
	t0 := time.Now().Add(-2 * time.Second)
	if runs, err := st.Runs(ctx); err != nil || len(runs) != 0 {
		t.Errorf("Runs of an empty store = %+v, %v", runs, err)
	}
	r1 := beginRun(t, st, "/cases/harbor/input")
	r2 := beginRun(t, st, "/cases/harbor/more")
	if r1 <= 0 || r2 <= 0 || r1 == r2 {
		t.Fatalf("run IDs %d and %d, want distinct positive IDs", r1, r2)
	}
	check := func(got []store.Run, want []store.Run) {
		t.Helper()
		t1 := time.Now().Add(2 * time.Second)
		if len(got) != len(want) {
			t.Fatalf("Runs = %+v, want %d runs", got, len(want))
		}
		for i, g := range got {
			w := want[i]
			if g.ID != w.ID || g.Root != w.Root || g.Status != w.Status || !maps.Equal(g.Summary, w.Summary) {
				t.Errorf("run %d = %+v, want %+v", i, g, w)
			}
			if g.Started.Before(t0) || g.Started.After(t1) {
				t.Errorf("run %d started %s, want between %s and %s", g.ID, g.Started, t0, t1)
			}
			if w.Finished.IsZero() != g.Finished.IsZero() {
				t.Errorf("run %d finished = %s, want finished: %v", g.ID, g.Finished, !w.Finished.IsZero())
			}
			if !g.Finished.IsZero() && (g.Finished.Before(g.Started) || g.Finished.After(t1)) {
				t.Errorf("run %d finished %s, started %s", g.ID, g.Finished, g.Started)
			}
		}
	}
	runs, err := st.Runs(ctx)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	check(runs, []store.Run{
		{ID: r2, Root: "/cases/harbor/more", Status: "running"},
		{ID: r1, Root: "/cases/harbor/input", Status: "running"},
	})
	sum := map[string]int{"new": 3, "duplicates": 1, "failed": 1}
	if err := st.FinishRun(ctx, r1, "done", sum); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	if err := st.FinishRun(ctx, r2, "interrupted", nil); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	runs, err = st.Runs(ctx)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	fin := time.Now()
	check(runs, []store.Run{
		{ID: r2, Root: "/cases/harbor/more", Status: "interrupted", Finished: fin},
		{ID: r1, Root: "/cases/harbor/input", Status: "done", Summary: sum, Finished: fin},
	})
	if s := mustStats(t, st); s.Runs != 2 {
		t.Errorf("Stats.Runs = %d, want 2", s.Runs)
	}
}

// testConcurrent runs readers while one writer adds messages.
func testConcurrent(t *testing.T, st store.Store) {
	ctx := context.Background()
	l := loadCorpus(t, st)
	run := beginRun(t, st, "/more")
	const batches = 20
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range batches {
			m := copyOf{mid: fmt.Sprintf("late-%d@harbor.example", i), hash: fmt.Sprintf("late-%d", i), path: "late.mbox", off: int64(i * 100)}.message()
			m.BodyText = "late budget addendum"
			if _, err := st.Write(ctx, run, store.Batch{Messages: []*model.Message{m}}); err != nil {
				t.Errorf("concurrent Write %d: %v", i, err)
				return
			}
		}
	}()
	q := parse(t, "budget")
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				n := 0
				err := st.Search(ctx, q, store.SearchOptions{Sort: "-date"}, func(store.Hit) error { n++; return nil })
				if err != nil {
					t.Errorf("reader %d: Search: %v", r, err)
					return
				}
				if n < 5 {
					t.Errorf("reader %d: Search(budget) found %d hits, want at least 5", r, n)
				}
				if _, err := st.Count(ctx, q); err != nil {
					t.Errorf("reader %d: Count: %v", r, err)
					return
				}
				if _, err := st.Get(ctx, l.ids[corpusKeys[(r+i)%len(corpusKeys)]]); err != nil {
					t.Errorf("reader %d: Get: %v", r, err)
					return
				}
				if _, err := st.Stats(ctx); err != nil {
					t.Errorf("reader %d: Stats: %v", r, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n, err := st.Count(ctx, parse(t, "budget")); err != nil || n != 5+batches {
		t.Errorf("Count(budget) after concurrent writes = %d, %v; want %d", n, err, 5+batches)
	}
}
