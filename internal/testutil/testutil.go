// Package testutil fetches the real third-party test data casefile's
// tests use without committing it: the Enron PST shipped in the npm
// package pst-extractor and the bounce corpus of Debian's
// python3-flufl.bounce. Each helper skips the test when the data cannot
// be had (offline machine, package not installed).
package testutil

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// EnronPST returns the path of the Enron sample PST shipped in the npm
// package pst-extractor@1.12.0 ($CASEFILE_TEST_PST overrides), or skips.
func EnronPST(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CASEFILE_TEST_PST"); p != "" {
		return p
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm not available and CASEFILE_TEST_PST not set")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "pack", "pst-extractor@1.12.0", "--silent")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("npm pack pst-extractor@1.12.0 failed (offline?): %v: %s", err, out)
	}
	tgz := filepath.Join(dir, "pst-extractor-1.12.0.tgz")
	f, err := os.Open(tgz)
	if err != nil {
		t.Skipf("npm pack produced no tarball: %v", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(h.Name, "/enron.pst") {
			p := filepath.Join(dir, "enron.pst")
			out, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(out, tr); err != nil {
				t.Fatal(err)
			}
			out.Close()
			return p
		}
	}
	t.Skip("enron.pst not found in pst-extractor tarball")
	return ""
}

// FluflBounceDirs are where Debian's python3-flufl.bounce keeps its real
// bounce messages.
var FluflBounceDirs = []string{
	"/usr/lib/python3/dist-packages/flufl/bounce/tests/data",
	"/usr/lib/python3/site-packages/flufl/bounce/tests/data",
}

// FluflBounceDir returns the bounce corpus folder or skips the test
// (install the Debian package python3-flufl.bounce).
func FluflBounceDir(t testing.TB) string {
	t.Helper()
	for _, d := range FluflBounceDirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	t.Skip("python3-flufl.bounce not installed (apt-get install python3-flufl.bounce)")
	return ""
}
