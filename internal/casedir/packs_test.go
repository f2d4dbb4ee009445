package casedir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func readOriginal(t *testing.T, c *Case, sha string) ([]byte, *Original) {
	t.Helper()
	o, err := c.OpenOriginal(sha)
	if err != nil {
		t.Fatalf("OpenOriginal(%s): %v", sha[:8], err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return b, o
}

func packFiles(t *testing.T, c *Case, ext string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(c.Dir, OriginalsDir, PacksDir, "*"+ext))
	return m
}

// TestPacks: one-message originals are appended to packs, once each,
// read back byte for byte, found by another process's case (also one
// opened before they were written), and a line cut short by a crash is
// ignored.
func TestPacks(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "case")
	c, err := Init(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := Open(ctx, dir) // another process, opened before any pack exists
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()

	var msgs [][]byte
	for i := range 50 {
		msgs = append(msgs, []byte(fmt.Sprintf("From: p%d@harbor.example\r\nSubject: %d\r\n\r\n%s\r\n", i, i, bytes.Repeat([]byte("x"), i*37))))
	}
	var wg sync.WaitGroup
	for w := range 4 { // workers keeping overlapping sets of the same messages
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(msgs)+w; i++ {
				m := msgs[i%len(msgs)]
				if err := c.PreserveMessage(m, shaOf(m)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	// Kept originals are buffered: another process finds them once
	// written out (by FlushOriginals, or by this process reading one).
	if reader.HasOriginal(shaOf(msgs[0])) {
		t.Error("another process found an original still in the writer's buffer")
	}
	if !c.HasOriginal(shaOf(msgs[0])) {
		t.Fatal("this process cannot read an original it buffered")
	}
	if !reader.HasOriginal(shaOf(msgs[0])) {
		t.Fatal("reading an original did not write the buffer out")
	}
	late := []byte("From: buffered@harbor.example\r\n\r\nbuffered\r\n")
	if err := c.PreserveMessage(late, shaOf(late)); err != nil {
		t.Fatal(err)
	}
	if err := c.FlushOriginals(); err != nil {
		t.Fatal(err)
	}
	if !reader.HasOriginal(shaOf(late)) {
		t.Fatal("FlushOriginals did not make an original visible to another process")
	}
	msgs = append(msgs, late)
	big := bytes.Repeat([]byte("y"), packMax+1)
	if err := c.PreserveMessage(big, shaOf(big)); err != nil {
		t.Fatal(err)
	}

	total := 0
	for _, m := range msgs {
		total += len(m)
		for _, cc := range []*Case{c, reader} {
			got, o := readOriginal(t, cc, shaOf(m))
			if !bytes.Equal(got, m) || o.Path != "" {
				t.Fatalf("packed original: %d bytes (path %q), want %d from a pack", len(got), o.Path, len(m))
			}
		}
	}
	if got, o := readOriginal(t, reader, shaOf(big)); !bytes.Equal(got, big) || o.Path == "" {
		t.Errorf("an original over %d bytes: in a pack (%q) or wrong bytes", packMax, o.Path)
	}
	packs := packFiles(t, c, ".pack")
	if len(packs) != 1 {
		t.Fatalf("packs %v, want one", packs)
	}
	if fi, _ := os.Stat(packs[0]); fi.Size() != int64(total) {
		t.Errorf("pack holds %d bytes, want %d: each original once", fi.Size(), total)
	}

	// A file tool reads a copy.
	tmp := t.TempDir()
	p, err := reader.OriginalFile(shaOf(msgs[3]), tmp)
	if b, _ := os.ReadFile(p); err != nil || !bytes.Equal(b, msgs[3]) || filepath.Dir(p) != tmp {
		t.Errorf("OriginalFile = %s, %v", p, err)
	}
	if _, err := reader.OpenOriginal(shaOf([]byte("never kept"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenOriginal of a missing original: %v, want not exist", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// A later run: what is packed is not packed again, new originals go
	// to a pack of its own, and a line a crash cut short is skipped.
	idx := packFiles(t, c, ".idx")[0]
	os.Chmod(idx, 0o644)
	f, _ := os.OpenFile(idx, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("0123abcd 5")
	f.Close()
	c2, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	extra := []byte("From: late@harbor.example\r\n\r\nlate\r\n")
	for _, m := range append(msgs[:5:5], extra) {
		if err := c2.PreserveMessage(m, shaOf(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c2.FlushOriginals(); err != nil {
		t.Fatal(err)
	}
	packs = packFiles(t, c, ".pack")
	if len(packs) != 2 {
		t.Fatalf("after a second run: packs %v, want two", packs)
	}
	var sizes int64
	for _, p := range packs {
		fi, _ := os.Stat(p)
		sizes += fi.Size()
	}
	if sizes != int64(total+len(extra)) {
		t.Errorf("packs hold %d bytes after the second run, want %d: originals packed again", sizes, total+len(extra))
	}
	for _, cc := range []*Case{c2, reader} {
		if got, _ := readOriginal(t, cc, shaOf(extra)); !bytes.Equal(got, extra) {
			t.Error("the second run's original reads back wrong")
		}
		if !cc.HasOriginal(shaOf(msgs[7])) {
			t.Error("the first run's originals are gone")
		}
	}
}

// TestPackIndexNeverAhead: whatever was written out when a process dies,
// every index line on disk points to bytes the pack on disk holds — the
// pack's buffer fills and is written out on its own, index lines only
// after their bytes.
func TestPackIndexNeverAhead(t *testing.T) {
	c := newTestCase(t)
	check := func(when string) int {
		t.Helper()
		idx, pack := packFiles(t, c, ".idx"), packFiles(t, c, ".pack")
		if len(idx) != 1 || len(pack) != 1 {
			t.Fatalf("%s: packs %v %v", when, idx, pack)
		}
		fi, _ := os.Stat(pack[0])
		b, _ := os.ReadFile(idx[0])
		n := 0
		for _, line := range bytes.Split(b, []byte("\n")) {
			var sha string
			var off, size int64
			if _, err := fmt.Sscanf(string(line), "%s %d %d", &sha, &off, &size); err != nil {
				continue // the empty tail
			}
			if off+size > fi.Size() {
				t.Fatalf("%s: index line %q points past the pack's %d bytes on disk", when, line, fi.Size())
			}
			n++
		}
		return n
	}
	body := bytes.Repeat([]byte("z"), 700)
	const total = 5000 // 3.5 MB of originals, 400 KB of index lines
	for i := range total {
		m := fmt.Appendf(nil, "Subject: %d\r\n\r\n%s\r\n", i, body)
		if err := c.PreserveMessage(m, shaOf(m)); err != nil {
			t.Fatal(err)
		}
		if i%500 == 499 {
			check(fmt.Sprintf("after %d originals", i+1))
		}
	}
	if err := c.FlushOriginals(); err != nil {
		t.Fatal(err)
	}
	if n := check("after FlushOriginals"); n != total {
		t.Errorf("%d index lines after FlushOriginals, want %d", n, total)
	}
}

// TestPackWriteFailure: originals whose buffered write fails are not
// reported kept, and keeping them again puts them in a new pack.
func TestPackWriteFailure(t *testing.T) {
	c := newTestCase(t)
	m1 := []byte("From: one@harbor.example\r\n\r\none\r\n")
	m2 := []byte("From: two@harbor.example\r\n\r\ntwo\r\n")
	if err := c.PreserveMessage(m1, shaOf(m1)); err != nil {
		t.Fatal(err)
	}
	if err := c.FlushOriginals(); err != nil {
		t.Fatal(err)
	}
	if err := c.PreserveMessage(m2, shaOf(m2)); err != nil {
		t.Fatal(err)
	}
	c.packs.w.Close() // the pack can no longer be written
	if err := c.FlushOriginals(); err == nil {
		t.Fatal("FlushOriginals to a closed pack succeeded")
	}
	if c.HasOriginal(shaOf(m2)) {
		t.Error("an original whose write failed is reported kept")
	}
	if got, _ := readOriginal(t, c, shaOf(m1)); !bytes.Equal(got, m1) {
		t.Error("an original written before the failure is lost")
	}
	if err := c.PreserveMessage(m2, shaOf(m2)); err != nil {
		t.Fatal(err)
	}
	if err := c.FlushOriginals(); err != nil {
		t.Fatal(err)
	}
	if got, _ := readOriginal(t, c, shaOf(m2)); !bytes.Equal(got, m2) {
		t.Error("an original kept again after a failure reads back wrong")
	}
	if n := len(packFiles(t, c, ".pack")); n != 2 {
		t.Errorf("%d packs, want 2: the failed one and a new one", n)
	}
}
