package casedir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func shaOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// newTestCase creates an empty case in a temporary folder, closed when
// the test ends.
func newTestCase(t *testing.T) *Case {
	t.Helper()
	c, err := Init(context.Background(), filepath.Join(t.TempDir(), "case"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestPreserve: originals are written once, read-only, under their
// SHA-256; a copy of the right size is left alone, one of the wrong
// size (cut short by a crash) is replaced, and many workers keeping the
// same original at once leave one whole copy.
func TestPreserve(t *testing.T) {
	c := newTestCase(t)
	data := bytes.Repeat([]byte("From: a@x.example\r\n\r\nbody\r\n"), 5000)
	sha := shaOf(data)
	dst := c.OriginalPath(sha)

	check := func(what string) {
		t.Helper()
		got, err := os.ReadFile(dst)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: original has %d bytes, want the %d written", what, len(got), len(data))
		}
		fi, _ := os.Stat(dst)
		if fi.Mode().Perm()&0o222 != 0 {
			t.Fatalf("%s: original is writable (%v)", what, fi.Mode())
		}
		if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".tmp-*")); len(tmps) > 0 {
			t.Fatalf("%s: temporary files left: %v", what, tmps)
		}
	}

	if err := c.PreserveBytes(data, sha); err != nil {
		t.Fatal(err)
	}
	check("new")
	before, _ := os.Stat(dst)

	if err := c.PreserveBytes(data, sha); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(dst)
	if !os.SameFile(before, after) {
		t.Error("a whole original was written again")
	}

	// A copy cut short by a crash.
	os.Remove(dst)
	if err := os.WriteFile(dst, data[:100], 0o444); err != nil {
		t.Fatal(err)
	}
	if err := c.PreserveBytes(data, sha); err != nil {
		t.Fatal(err)
	}
	check("truncated copy")

	// From a file, and from many workers at once.
	src := filepath.Join(t.TempDir(), "in.eml")
	other := append([]byte("X-Other: 1\r\n"), data...)
	if err := os.WriteFile(src, other, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Preserve(src, shaOf(other), int64(len(other))); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(c.OriginalPath(shaOf(other))); !bytes.Equal(got, other) {
		t.Error("Preserve: copy differs from the file")
	}
	os.Remove(dst)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.PreserveBytes(data, sha); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	check("concurrent")
}
