package ingest_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

func newCase(t *testing.T) *casedir.Case {
	t.Helper()
	c, err := casedir.Init(context.Background(), filepath.Join(t.TempDir(), "case"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func stats(t *testing.T, c *casedir.Case) store.Stats {
	t.Helper()
	st, err := c.Store.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.Runs = 0 // differs by construction between compared cases
	// Compare dates by value, not by pointer.
	for _, d := range []**time.Time{&st.First, &st.Last} {
		if *d != nil {
			v := (*d).UTC()
			*d = &v
		}
	}
	return st
}

func opts() ingest.Options {
	return ingest.Options{Documents: ingest.PrintedDocuments(ingest.PrintedOptions{NoOCR: true})}
}

// TestExampleCase pins the ground truth of the bundled example cache.
func TestExampleCase(t *testing.T) {
	ctx := context.Background()
	c := newCase(t)
	sum, err := ingest.Run(ctx, c, "../../examples/harbor", opts())
	if err != nil {
		t.Fatal(err)
	}
	st := stats(t, c)
	want := map[string][2]int{
		"messages":      {st.Messages, 11},
		"native":        {st.Native, 9},
		"printed":       {st.Printed, 2},
		"sources":       {st.Sources, 17},
		"duplicates":    {st.Duplicates, 6},
		"placeholders":  {st.Placeholders, 1},
		"threads":       {st.Threads, 7},
		"skipped":       {st.Skipped, 2},
		"failed":        {st.Failed, 0},
		"undated":       {st.UndatedMsgs, 1},
		"files":         {st.Files, 10},
		"subject joins": {sum.SubjectJoins, 1},
		"run new":       {sum.New, 11},
		"run pages":     {sum.Pages, 1},
		"run dups":      {sum.Duplicates, 6},
	}
	for k, v := range want {
		if v[0] != v[1] {
			t.Errorf("%s = %d, want %d", k, v[0], v[1])
		}
	}
	// Every input file is preserved under its hash, read-only.
	fs, err := c.Store.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	packed := 0
	for _, f := range fs {
		o, err := c.OpenOriginal(f.SHA256)
		if err != nil {
			t.Errorf("original of %s not preserved: %v", f.Path, err)
			continue
		}
		b, err := io.ReadAll(o)
		o.Close()
		if err != nil || fmt.Sprintf("%x", sha256.Sum256(b)) != f.SHA256 {
			t.Errorf("original of %s does not hash to %s (%v)", f.Path, f.SHA256, err)
		}
		// One-message files (Maildir, .eml) are kept in packs.
		if inPack, oneMessage := o.Path == "", f.Format == "maildir" || f.Format == "eml"; inPack != oneMessage {
			t.Errorf("original of %s (%s): kept in a pack %v", f.Path, f.Format, inPack)
		} else if inPack {
			packed++
		}
	}
	if packed != 5 {
		t.Errorf("%d originals in packs, want the 4 Maildir messages and the .eml", packed)
	}
	err = filepath.WalkDir(filepath.Join(c.Dir, casedir.OriginalsDir), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if fi, err := d.Info(); err != nil || fi.Mode().Perm()&0o222 != 0 {
			t.Errorf("%s is writable (%v)", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Searches a reporter would run.
	for q, n := range map[string]int{
		`lease`:                                  5,
		`"offshore account"`:                     1,
		`from:mara@lefko.example`:                3,
		`kind:printed`:                           2,
		`kind:page bates:HARBOR-COURT-000101`:    1,
		`kind:page ostrava`:                      1,
		`has:attachment`:                         2,
		`filename:schedule.csv`:                  1,
		`source:custodians/lefkowitz`:            4,
		`with:petra.quinn@portauthority.example`: 3,
		`date:2008-03 -subject:lease`:            0,
		`ostrava`:                                2, // m3 and the printed exhibit
		`"Mr Big"`:                               3, // m1, the exhibit, and m1 forwarded as an attachment
	} {
		node, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Store.Count(ctx, node)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != n {
			t.Errorf("count(%s) = %d, want %d", q, got, n)
		}
	}

	// Re-ingesting changes nothing.
	before := stats(t, c)
	sum2, err := ingest.Run(ctx, c, "../../examples/harbor", opts())
	if err != nil {
		t.Fatal(err)
	}
	if after := stats(t, c); !sameStats(after, before) {
		t.Errorf("re-ingest changed the case:\nbefore %+v\nafter  %+v", before, after)
	}
	if sum2.New != 0 || sum2.FilesResumed != 10 {
		t.Errorf("re-ingest summary = %+v, want 0 new and 10 files already done", sum2)
	}
}

// writeMbox writes n synthetic messages into an mbox file.
func writeMbox(t *testing.T, path string, file, n int) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "From sender@harbor.example Mon Jan  1 00:00:00 2010\n")
		fmt.Fprintf(&b, "From: Person %d <p%d@harbor.example>\nTo: Desk <desk@ledger.example>\n", i%17, i%17)
		fmt.Fprintf(&b, "Date: Mon, %d Feb 2010 10:%02d:00 +0000\nSubject: report %d-%d\nMessage-ID: <f%d.m%d@harbor.example>\n", 1+i%27, i%60, file, i, file, i)
		if i > 0 && i%3 == 0 {
			fmt.Fprintf(&b, "In-Reply-To: <f%d.m%d@harbor.example>\n", file, i-1)
		}
		fmt.Fprintf(&b, "\nBody of report %d in file %d, cargo manifest %d.\n\n", i, file, i*7)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInterruptedRunResumes cancels ingests at several points and checks
// that re-running converges to exactly the clean run's case.
func TestInterruptedRunResumes(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for f := 0; f < 12; f++ {
		writeMbox(t, filepath.Join(src, fmt.Sprintf("box%02d.mbox", f)), f, 150)
	}
	// A duplicate custodian copy of one mailbox.
	b, _ := os.ReadFile(filepath.Join(src, "box03.mbox"))
	os.MkdirAll(filepath.Join(src, "other"), 0o755)
	os.WriteFile(filepath.Join(src, "other", "copy.mbox"), b, 0o644)

	clean := newCase(t)
	if _, err := ingest.Run(ctx, clean, src, ingest.Options{BatchSize: 50}); err != nil {
		t.Fatal(err)
	}
	want := stats(t, clean)
	if want.Messages != 12*150 || want.Sources != 13*150 {
		t.Fatalf("clean run: %d messages %d sources, want 1800/1950", want.Messages, want.Sources)
	}

	for _, stopAfter := range []int{1, 7, 20} {
		t.Run(fmt.Sprint("stop-after-", stopAfter), func(t *testing.T) {
			c := newCase(t)
			cctx, cancel := context.WithCancel(ctx)
			n := 0
			o := ingest.Options{BatchSize: 50, Progress: func(p ingest.Progress) {
				n++
				if n >= stopAfter {
					cancel()
				}
			}}
			o.Workers = 1
			_, err := ingest.Run(cctx, c, src, o)
			cancel()
			if err == nil {
				t.Logf("run finished before cancellation at update %d", stopAfter)
			}
			if _, err := ingest.Run(ctx, c, src, ingest.Options{BatchSize: 50}); err != nil {
				t.Fatal(err)
			}
			if got := stats(t, c); !sameStats(got, want) {
				t.Errorf("after resume:\n got  %+v\n want %+v", got, want)
			}
		})
	}
}

// TestBadInputContinues checks that broken files are recorded with their
// location and the rest of the cache still ingests.
func TestBadInputContinues(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	good := "From: A <a@harbor.example>\nTo: b@harbor.example\nDate: Mon, 1 Feb 2010 10:00:00 +0000\nSubject: fine\nMessage-ID: <ok@harbor.example>\n\nhello\n"
	files := map[string]string{
		"good.eml":       good,
		"empty.eml":      "",
		"junk.dat":       "\x00\x01\x02\x03\xff\xfe binary junk \x00\x00",
		"truncated.mbox": "From x Mon Jan  1 00:00:00 2010\n" + good + "\nFrom x Mon Jan  1 00:00:00 2010\nFrom: C <c@harbor.example>\nSubject: cut o",
		"noclose.eml":    "From: D <d@harbor.example>\nSubject: multipart\nMessage-ID: <mp@harbor.example>\nContent-Type: multipart/mixed; boundary=ZZ\n\n--ZZ\nContent-Type: text/plain\n\nbody without closing boundary\n",
		"fake.pst":       "!BDN this is not really a pst file",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := newCase(t)
	o := ingest.Options{}
	o.Source.ReadPST = filepath.Join(t.TempDir(), "no-readpst-here")
	sum, err := ingest.Run(ctx, c, src, o)
	if err != nil {
		t.Fatal(err)
	}
	st := stats(t, c)
	if st.Messages != 3 || st.Sources != 4 { // good (twice: once in the mbox), the truncated one, noclose
		t.Errorf("messages = %d sources = %d, want 3 and 4 (summary %+v)", st.Messages, st.Sources, sum)
	}
	// A file with failures stays "partial" so a later run retries it.
	fs, err := c.Store.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		wantStatus := "done"
		if f.Path == "fake.pst" {
			wantStatus = "partial"
		}
		if f.Status != wantStatus {
			t.Errorf("%s: status %q, want %q", f.Path, f.Status, wantStatus)
		}
	}
	probs, err := c.Store.Problems(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string][]string{}
	for _, p := range probs {
		byPath[p.Path] = append(byPath[p.Path], p.Kind+": "+p.Reason)
	}
	for _, want := range []struct{ path, kind, text string }{
		{"empty.eml", "skipped", "empty"},
		{"junk.dat", "skipped", "not an email"},
		{"fake.pst", "failed", "pst-utils"},
	} {
		found := false
		for _, r := range byPath[want.path] {
			if strings.HasPrefix(r, want.kind) && strings.Contains(r, want.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want a %s problem mentioning %q, got %v", want.path, want.kind, want.text, byPath[want.path])
		}
	}
}

func sameStats(a, b store.Stats) bool {
	eq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	if !eq(a.First, b.First) || !eq(a.Last, b.Last) {
		return false
	}
	a.First, a.Last, b.First, b.Last = nil, nil, nil, nil
	return a == b
}

// failingStore fails its nth Write and counts the Writes after it.
type failingStore struct {
	store.Store
	n, writes, after int
}

var errDiskFull = fmt.Errorf("disk full (test)")

func (f *failingStore) Write(ctx context.Context, run int64, b store.Batch) (store.PutResult, error) {
	f.writes++
	switch {
	case f.writes == f.n:
		return store.PutResult{}, errDiskFull
	case f.writes > f.n:
		f.after++
	}
	return f.Store.Write(ctx, run, b)
}

// TestWriteFailure: batches are committed while the next one fills; when
// one fails, the run returns that error, writes nothing after it, and
// the next run completes the case exactly as a clean run does.
func TestWriteFailure(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for f := 0; f < 8; f++ {
		writeMbox(t, filepath.Join(src, fmt.Sprintf("box%02d.mbox", f)), f, 100)
	}
	clean := newCase(t)
	if _, err := ingest.Run(ctx, clean, src, ingest.Options{BatchSize: 40}); err != nil {
		t.Fatal(err)
	}
	want := stats(t, clean)

	c := newCase(t)
	fs := &failingStore{Store: c.Store, n: 5}
	c.Store = fs
	sum, err := ingest.Run(ctx, c, src, ingest.Options{BatchSize: 40})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("run with a failing write: err %v, want %v", err, errDiskFull)
	}
	if fs.after != 0 {
		t.Errorf("%d batches written after the failed one", fs.after)
	}
	if sum.New >= 800 || sum.New != 4*40 {
		t.Errorf("summary counts %d new messages, want the 160 of the 4 batches written", sum.New)
	}
	c.Store = fs.Store
	if _, err := ingest.Run(ctx, c, src, ingest.Options{BatchSize: 40}); err != nil {
		t.Fatal(err)
	}
	if got := stats(t, c); !sameStats(got, want) {
		t.Errorf("after the re-run:\n got  %+v\n want %+v", got, want)
	}
}
