package ingest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
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

// hugePNG is a valid PNG header (signature and IHDR chunk) claiming w × h
// pixels; nothing after it, so only a header reader can get through it.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 0 // 8-bit greyscale
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	return b.Bytes()
}

// TestHugeImage: a 20,000 × 20,000 image is refused before OCR with the
// size and what to do, and the rest of the folder ingests.
func TestHugeImage(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "poster.png"), hugePNG(20000, 20000), 0o644); err != nil {
		t.Fatal(err)
	}
	eml := "From: A <a@harbor.example>\nSubject: ok\nMessage-ID: <ok2@harbor.example>\n\nhello\n"
	if err := os.WriteFile(filepath.Join(src, "ok.eml"), []byte(eml), 0o644); err != nil {
		t.Fatal(err)
	}
	// A tesseract that records being called: it must not be.
	bin := t.TempDir()
	called := filepath.Join(bin, "called")
	script := "#!/bin/sh\ntouch " + called + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "tesseract"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	c := newCase(t)
	o := ingest.Options{Documents: ingest.PrintedDocuments(ingest.PrintedOptions{})}
	if _, err := ingest.Run(context.Background(), c, src, o); err != nil {
		t.Fatal(err)
	}
	probs, err := c.Store.Problems(context.Background(), "failed", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Path != "poster.png" || !strings.Contains(probs[0].Reason, "20000 × 20000") || !strings.Contains(probs[0].Reason, "downscale") {
		t.Errorf("failures = %+v, want poster.png refused with its size", probs)
	}
	if _, err := os.Stat(called); err == nil {
		t.Error("tesseract was run on the oversized image")
	}
	if st := stats(t, c); st.Messages != 1 {
		t.Errorf("messages = %d, want 1", st.Messages)
	}
}
