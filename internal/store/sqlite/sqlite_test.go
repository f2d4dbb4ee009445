package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/storetest"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "casefile.db")
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, _ := openTemp(t)
		return st
	})
}

func userVersion(t *testing.T, st *Store) int {
	t.Helper()
	var v int
	if err := st.DB().QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatalf("read user_version: %v", err)
	}
	return v
}

func TestSchemaVersion(t *testing.T) {
	ctx := context.Background()
	st, path := openTemp(t)
	if got := userVersion(t, st); got != len(migrations) || got == 0 {
		t.Fatalf("user_version = %d, want %d", got, len(migrations))
	}
	run, err := st.BeginRun(ctx, "/input")
	if err != nil {
		t.Fatal(err)
	}
	m := &model.Message{Kind: model.KindNative, MessageID: "keep@harbor.example", ContentHash: "keep", Subject: "kept across reopen",
		Sources: []model.Source{{Path: "a.mbox"}}}
	if _, err := st.Write(ctx, run, store.Batch{Messages: []*model.Message{m}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Reopening an up-to-date case migrates nothing and keeps the data.
	st2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st2.Close()
	if got := userVersion(t, st2); got != len(migrations) {
		t.Errorf("user_version after reopen = %d, want %d", got, len(migrations))
	}
	got, err := st2.Get(ctx, m.ID)
	if err != nil || got.Subject != "kept across reopen" {
		t.Errorf("Get after reopen = %+v, %v", got, err)
	}
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	st, path := openTemp(t)
	if _, err := st.DB().Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st2, err := Open(ctx, path)
	if err == nil {
		st2.Close()
		t.Fatal("Open of a case with a newer schema succeeded")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("Open error = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "upgrade casefile") {
		t.Errorf("Open error %q does not say what to do", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "casefile.db")
	if st, err := Open(context.Background(), path); err == nil {
		st.Close()
		t.Fatalf("Open(%s) succeeded", path)
	}
}

// TestConcurrentLargeSearches runs more concurrent searches with more
// hits than one page of source look-ups than the connection pool has
// connections; none may starve.
func TestConcurrentLargeSearches(t *testing.T) {
	st, _ := openTemp(t)
	fillSynthetic(t, st, 600)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			err := st.Search(ctx, query.MatchAll{}, store.SearchOptions{Sort: "-date"}, func(h store.Hit) error {
				if len(h.Message.Sources) != 1 {
					return fmt.Errorf("hit %s has %d sources", h.Message.ID, len(h.Message.Sources))
				}
				n++
				return nil
			})
			if err != nil {
				t.Errorf("search %d: %v", i, err)
			} else if n != 600 {
				t.Errorf("search %d: %d hits, want 600", i, n)
			}
		}()
	}
	wg.Wait()
}

// fillSynthetic writes n messages of the shared synthetic corpus
// (storetest.FillSynthetic, without the varied spellings).
func fillSynthetic(tb testing.TB, st *Store, n int) { storetest.FillSynthetic(tb, st, n, false) }

// BenchmarkSearch measures typical query shapes over 20k synthetic
// messages. Each iteration fetches at most 50 hits, as the CLI does.
func BenchmarkSearch(b *testing.B) {
	st, _ := openTemp(b)
	fillSynthetic(b, st, 20000)
	storetest.BenchSearch(b, st)
}

// TestSearchFarPages: pages near the end of a long listing, which are
// read backwards, are the same as the rows of the full listing, in both
// date orders, with undated messages last, for the whole case and for a
// filtered listing.
func TestSearchFarPages(t *testing.T) {
	st, _ := openTemp(t)
	fillSynthetic(t, st, 3000)
	ctx := context.Background()
	for _, q := range []string{"*", "-date:2007", "has:attachment"} {
		node, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, sort := range []string{"date", "-date"} {
			var full []string
			if err := st.Search(ctx, node, store.SearchOptions{Sort: sort}, func(h store.Hit) error {
				full = append(full, h.Message.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(full) < reverseFrom+100 && q == "*" {
				t.Fatalf("only %d messages", len(full))
			}
			for _, off := range []int{reverseFrom, len(full) / 2, len(full) - 50, len(full) - 7, len(full) - 1, len(full), len(full) + 3} {
				var got []string
				if err := st.Search(ctx, node, store.SearchOptions{Sort: sort, Limit: 20, Offset: off}, func(h store.Hit) error {
					if len(h.Message.Sources) == 0 {
						t.Errorf("%s: hit without sources", q)
					}
					got = append(got, h.Message.ID)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				want := full[min(off, len(full)):min(off+20, len(full))]
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("Search(%s, sort %s, offset %d of %d) = %d hits, differ from the full listing's rows", q, sort, off, len(full), len(got))
				}
			}
		}
	}
}

// TestRankParts: a ranked page scored in row ID ranges at once (as on a
// machine with several cores) is the single query's page, row for row,
// with the same ranks and snippets, for every query shape and offset.
func TestRankParts(t *testing.T) {
	st, _ := openTemp(t)
	fillSynthetic(t, st, 3000)
	ctx := context.Background()
	w := storetest.Vocab(3000)
	type page struct{ ids, snips []string }
	search := func(parts int, q string, limit, offset int) page {
		t.Helper()
		st.parts = parts
		node, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		var p page
		if err := st.Search(ctx, node, store.SearchOptions{Limit: limit, Offset: offset}, func(h store.Hit) error {
			p.ids = append(p.ids, fmt.Sprintf("%s@%.6f", h.Message.ID, h.Rank))
			p.snips = append(p.snips, h.Snippet)
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return p
	}
	queries := []string{w[0], w[40], "budget", `"budget memo"`, w[1] + "*", w[0] + " OR budget", w[0] + " -" + w[2],
		"subject:" + w[3], "budget has:attachment", "budget kind:printed", w[5] + " date:2006..2008", "zzznotthere"}
	for _, q := range queries {
		for _, lo := range [][2]int{{20, 0}, {7, 13}, {20, 200}, {50, 2900}} {
			want := search(1, q, lo[0], lo[1])
			if q == w[0] && lo[1] == 0 && len(want.ids) != 20 {
				t.Fatalf("%s: %d hits on the first page", q, len(want.ids))
			}
			for _, parts := range []int{2, 3} {
				got := search(parts, q, lo[0], lo[1])
				if strings.Join(got.ids, " ") != strings.Join(want.ids, " ") || strings.Join(got.snips, "|") != strings.Join(want.snips, "|") {
					t.Errorf("%s (limit %d offset %d) in %d parts:\n got %v\nwant %v", q, lo[0], lo[1], parts, got.ids, want.ids)
				}
			}
		}
	}
}

// TestMigrateThreads: a case written before migration 8 keeps its thread
// assignments when they move out of the messages table.
func TestMigrateThreads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "casefile.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range migrations[:7] {
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	for _, q := range []string{
		`PRAGMA user_version = 7`,
		`INSERT INTO messages(rowid, id, dedup_key, kind, date_utc, run_id, thread_id, parent_id) VALUES
			(1, 'aaaa', 'k1', 'native', 100, 1, 'aaaa', ''), (2, 'bbbb', 'k2', 'native', 200, 1, 'aaaa', 'aaaa'),
			(3, 'cccc', 'k3', 'native', 300, 1, '', '')`,
		`INSERT INTO msgtext(rowid, subject) VALUES (1, 'plan'), (2, 'Re: plan'), (3, 'other')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, err := st.Thread(ctx, "aaaa")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.ID+"<"+e.ParentID)
	}
	if strings.Join(got, " ") != "aaaa< bbbb<aaaa" {
		t.Errorf("thread after migration: %v", got)
	}
	m, err := st.Get(ctx, "cccc")
	if err != nil || m.ThreadID != "" {
		t.Errorf("unthreaded message after migration: %+v, %v", m, err)
	}
	s, err := st.Stats(ctx)
	if err != nil || s.Threads != 1 {
		t.Errorf("Stats after migration: %d threads, %v", s.Threads, err)
	}
}

// TestPageSize checks that a new database gets pageSize pages in WAL
// mode, and that an existing database keeps the page size it has.
func TestPageSize(t *testing.T) {
	ctx := context.Background()
	pragma := func(st *Store, name string) string {
		t.Helper()
		var v string
		if err := st.db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	fresh := filepath.Join(t.TempDir(), "casefile.db")
	old := filepath.Join(t.TempDir(), "casefile.db")
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA page_size = 4096; CREATE TABLE t(a)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, tc := range []struct {
		path, size string
	}{{fresh, strconv.Itoa(pageSize)}, {old, "4096"}} {
		st, err := Open(ctx, tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := pragma(st, "page_size"); got != tc.size {
			t.Errorf("%s: page_size %s, want %s", tc.path, got, tc.size)
		}
		if got := pragma(st, "journal_mode"); got != "wal" {
			t.Errorf("%s: journal_mode %s, want wal", tc.path, got)
		}
		st.Close()
	}
}
