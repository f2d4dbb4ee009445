// Package storetest owns the conformance suite every store.Store backend
// must pass (embedded SQLite now, PostgreSQL later). It drives a backend
// only through the store.Store interface, over a small synthetic case of
// fictional people at .example domains built in Go (see corpus.go).
//
// A backend's test calls Run with a function that opens a fresh, empty
// store and registers its cleanup (Close, dropping a database) with
// t.Cleanup:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
//
// Contract details the suite pins down beyond the interface comments:
//
//   - message IDs are model.IDForKey(model.DedupKey(m)), so a case gets
//     the same IDs in every backend;
//   - Get returns sources ordered by (run, path, member, offset, page,
//     line), the Message-ID normalised, the sender's address lower-cased,
//     and attachments without Text (which is only indexed);
//   - rfc822 children without sources inherit the parent's, with Member
//     suffixed "#rfc822-N" (1-based), SHA256 the child's RawSHA256,
//     Length its Size, and Offset the parent's plus the child's RawOffset
//     (0 when the child's bytes are not verbatim in the parent, so the
//     parent's offset);
//   - sort "date" is oldest first and "-date" newest first, undated
//     messages last in both; the default sort is "rank" only when the
//     query has text terms;
//   - a date filter never matches an undated message, so its negation
//     does;
//   - Problems with runID 0 lists every run; FileRecord.Duplicates counts
//     a path's copies of messages whose first copy (in path, member,
//     offset order) is elsewhere.
package storetest

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// Run runs the conformance suite. Every subtest calls open for a fresh,
// empty store; open must arrange the store's cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	one := func(fn func(t *testing.T, st store.Store)) func(*testing.T, opener) {
		return func(t *testing.T, open opener) { fn(t, mustOpen(t, open)) }
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"Write/Dedup", testWriteDedup},
		{"Write/Rewrite", one(testRewrite)},
		{"Write/MIDConflict", testMIDConflict},
		{"Write/Children", one(testChildren)},
		{"Write/Prepared", testPrepared},
		{"Write/Canceled", one(testWriteCanceled)},
		{"Get", one(testGet)},
		{"ResolveID", one(testResolveID)},
		{"Each", one(testEach)},
		{"EachText", one(testEachText)},
		{"Messages", one(testMessages)},
		{"Derived", one(testDerived)},
		{"Search/Table", one(testSearchTable)},
		{"Search/Sort", one(testSearchSort)},
		{"Search/Paging", one(testSearchPaging)},
		{"Search/Snippets", one(testSnippets)},
		{"Search/Hits", one(testHits)},
		{"Search/Errors", one(testSearchErrors)},
		{"Threads", one(testThreads)},
		{"Threads/Replace", one(testThreadsReplace)},
		{"Stats", one(testStats)},
		{"Problems", one(testProblems)},
		{"Files", one(testFiles)},
		{"Runs", one(testRuns)},
		{"Concurrent", one(testConcurrent)},
		{"Edits", one(testEdits)},
		{"Pages", one(testPages)},
		{"Copies", one(testCopies)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// opener opens a fresh, empty store.
type opener = func(t *testing.T) store.Store

func mustOpen(t *testing.T, open opener) store.Store {
	t.Helper()
	st := open(t)
	if st == nil {
		t.Fatal("open returned a nil store")
	}
	return st
}

// parse parses q or fails the test.
func parse(t *testing.T, q string) query.Node {
	t.Helper()
	n, err := query.Parse(q)
	if err != nil {
		t.Fatalf("query.Parse(%q): %v", q, err)
	}
	return n
}

// search collects the hits of q.
func search(t *testing.T, st store.Store, q query.Node, opts store.SearchOptions) []store.Hit {
	t.Helper()
	var hits []store.Hit
	err := st.Search(context.Background(), q, opts, func(h store.Hit) error {
		hits = append(hits, h)
		return nil
	})
	if err != nil {
		t.Fatalf("Search(%s, %+v): %v", q, opts, err)
	}
	return hits
}

func hitIDs(hits []store.Hit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.Message.ID
	}
	return ids
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func emptyNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func timeEq(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "<nil>"
	}
	return t.UTC().Format(time.RFC3339)
}

func sortSources(s []model.Source) {
	slices.SortStableFunc(s, func(a, b model.Source) int {
		return cmp.Or(cmp.Compare(a.RunID, b.RunID), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Member, b.Member),
			cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.Page, b.Page), cmp.Compare(a.LineFrom, b.LineFrom))
	})
}

// diffMessage lists the fields in which got differs from want. Nil and
// empty slices are equal; Children are not compared (the store links
// them by ContainerID instead).
func diffMessage(got, want *model.Message) []string {
	var d []string
	chk := func(name string, g, w any) {
		if !reflect.DeepEqual(g, w) {
			d = append(d, fmt.Sprintf("%s = %#v, want %#v", name, g, w))
		}
	}
	chk("ID", got.ID, want.ID)
	chk("Kind", got.Kind, want.Kind)
	chk("MessageID", got.MessageID, want.MessageID)
	chk("InReplyTo", got.InReplyTo, want.InReplyTo)
	chk("References", emptyNil(got.References), emptyNil(want.References))
	if !timeEq(got.DateUTC, want.DateUTC) {
		d = append(d, fmt.Sprintf("DateUTC = %s, want %s", fmtTime(got.DateUTC), fmtTime(want.DateUTC)))
	}
	chk("DateOffset", got.DateOffset, want.DateOffset)
	chk("DateRaw", got.DateRaw, want.DateRaw)
	chk("DateFlag", got.DateFlag, want.DateFlag)
	chk("From", got.From, want.From)
	chk("Sender", got.Sender, want.Sender)
	chk("To", emptyNil(got.To), emptyNil(want.To))
	chk("Cc", emptyNil(got.Cc), emptyNil(want.Cc))
	chk("Bcc", emptyNil(got.Bcc), emptyNil(want.Bcc))
	chk("ReplyTo", emptyNil(got.ReplyTo), emptyNil(want.ReplyTo))
	chk("Subject", got.Subject, want.Subject)
	chk("BodyText", got.BodyText, want.BodyText)
	chk("BodyHTML", got.BodyHTML, want.BodyHTML)
	chk("Attachments", emptyNil(got.Attachments), emptyNil(want.Attachments))
	chk("ContainerID", got.ContainerID, want.ContainerID)
	chk("Warnings", emptyNil(got.Warnings), emptyNil(want.Warnings))
	chk("Headers", emptyNil(got.Headers), emptyNil(want.Headers))
	chk("RawSHA256", got.RawSHA256, want.RawSHA256)
	chk("Size", got.Size, want.Size)
	chk("ContentHash", got.ContentHash, want.ContentHash)
	chk("ThreadID", got.ThreadID, want.ThreadID)
	chk("ParentID", got.ParentID, want.ParentID)
	chk("Confidence", got.Confidence, want.Confidence)
	chk("Flags", sorted(emptyNil(got.Flags)), sorted(emptyNil(want.Flags)))
	chk("Sources", emptyNil(got.Sources), emptyNil(want.Sources))
	return d
}

func mustGet(t *testing.T, st store.Store, id string) *model.Message {
	t.Helper()
	m, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return m
}

func mustStats(t *testing.T, st store.Store) store.Stats {
	t.Helper()
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

// diffStats lists the fields in which got differs from want.
func diffStats(got, want store.Stats) []string {
	var d []string
	if !timeEq(got.First, want.First) {
		d = append(d, fmt.Sprintf("First = %s, want %s", fmtTime(got.First), fmtTime(want.First)))
	}
	if !timeEq(got.Last, want.Last) {
		d = append(d, fmt.Sprintf("Last = %s, want %s", fmtTime(got.Last), fmtTime(want.Last)))
	}
	got.First, got.Last, want.First, want.Last = nil, nil, nil, nil
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		if g, w := gv.Field(i).Interface(), wv.Field(i).Interface(); g != w {
			d = append(d, fmt.Sprintf("%s = %v, want %v", gv.Type().Field(i).Name, g, w))
		}
	}
	return d
}

func beginRun(t *testing.T, st store.Store, root string) int64 {
	t.Helper()
	id, err := st.BeginRun(context.Background(), root)
	if err != nil {
		t.Fatalf("BeginRun: %v", err)
	}
	return id
}

func write(t *testing.T, st store.Store, run int64, b store.Batch) store.PutResult {
	t.Helper()
	res, err := st.Write(context.Background(), run, b)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return res
}
