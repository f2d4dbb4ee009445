package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/ingest"
)

// TestMissingOCRToolIsNamed: without tesseract an image fails with the
// Debian package to install, the user is warned once, and the rest of
// the folder still ingests.
func TestMissingOCRToolIsNamed(t *testing.T) {
	src := t.TempDir()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for _, n := range []string{"scan1.png", "scan2.png"} {
		if err := os.WriteFile(filepath.Join(src, n), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eml := "From: A <a@harbor.example>\nTo: b@harbor.example\nDate: Mon, 1 Feb 2010 10:00:00 +0000\nSubject: ok\nMessage-ID: <ok@harbor.example>\n\nhello\n"
	if err := os.WriteFile(filepath.Join(src, "ok.eml"), []byte(eml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir()) // no tesseract, no pdftotext
	var warnings []string
	c := newCase(t)
	o := ingest.Options{Documents: ingest.PrintedDocuments(ingest.PrintedOptions{Warn: func(s string) { warnings = append(warnings, s) }}), Workers: 1}
	if _, err := ingest.Run(context.Background(), c, src, o); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "tesseract-ocr") {
		t.Errorf("warnings = %q, want one naming tesseract-ocr", warnings)
	}
	probs, err := c.Store.Problems(context.Background(), "failed", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 2 || !strings.Contains(probs[0].Reason, "tesseract-ocr") {
		t.Errorf("failures = %+v, want 2 naming tesseract-ocr", probs)
	}
	if st := stats(t, c); st.Messages != 1 {
		t.Errorf("messages = %d, want 1 (the eml still ingests)", st.Messages)
	}
}
