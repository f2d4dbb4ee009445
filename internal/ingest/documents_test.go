package ingest_test

import (
	"context"
	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/ocr"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/testutil"
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

// TestHugeImage: a 20,000 × 20,000 image is refused before OCR with the
// size and what to do, and the rest of the folder ingests.
func TestHugeImage(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "poster.png"), testutil.PNGHeaderOnly(20000, 20000), 0o644); err != nil {
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
	if len(probs) != 1 || probs[0].Path != "poster.png" || !strings.Contains(probs[0].Reason, "20000 × 20000") || !strings.Contains(probs[0].Reason, "scale it down") {
		t.Errorf("failures = %+v, want poster.png refused with its size", probs)
	}
	if _, err := os.Stat(called); err == nil {
		t.Error("tesseract was run on the oversized image")
	}
	if st := stats(t, c); st.Messages != 1 {
		t.Errorf("messages = %d, want 1", st.Messages)
	}
}

// TestPDFDocuments ingests a folder of PDFs the way court releases come:
// a text-layer exhibit, a scanned (image-only) page, and broken files.
// The exhibit yields a printed message and searchable pages; the scan is
// OCR'd (when tesseract is installed); each broken file fails with its
// own reason and the rest continues. Under --no-ocr the scan is left for
// the next run, which OCRs it.
func TestPDFDocuments(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdftoppm", "tesseract"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian: poppler-utils, tesseract-ocr)", tool)
		}
	}
	src := t.TempDir()
	exhibit := []testutil.PDFPage{
		{Text: []string{"From: Mara Lefkowitz", "Sent: Monday, February 6, 2012 3:12 PM", "To: Jonas Reyes",
			"Subject: Quayside accounts", "", "Jonas, the quayside ledger is in the blue folder.", "M.", "", "HARBOR-000201"}},
		{Text: []string{"Appendix: berth schedule for the spring season, not an email.", "", "HARBOR-000202"}},
	}
	scan := testutil.RenderText(t, []string{"From: Petra Quinn", "Sent: Tuesday, March 4, 2014 11:02 AM",
		"To: Jonas Reyes", "Subject: Lisbon crane", "", "The Lisbon crane arrives on Friday."}, 2550, 1650)
	files := map[string][]byte{
		"exhibit.pdf":   testutil.BuildPDF(t, exhibit, false),
		"scan.pdf":      testutil.BuildPDF(t, []testutil.PDFPage{{Image: scan}}, false),
		"corrupt.pdf":   []byte("%PDF-1.4\nthis is not really a PDF\n"),
		"locked.pdf":    testutil.BuildPDF(t, exhibit[:1], true),
		"empty.pdf":     testutil.BuildPDF(t, nil, false),
		"brochure.html": []byte("<html><body><h1>Harbor open day</h1><p>Bring the family.</p></body></html>"),
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(src, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	c := newCase(t)
	run := func(noOCR bool) ingest.Summary {
		t.Helper()
		o := ingest.Options{Documents: ingest.PrintedDocuments(ingest.PrintedOptions{NoOCR: noOCR, OCR: ocr.Options{CacheDir: c.OCRCacheDir()}})}
		sum, err := ingest.Run(ctx, c, src, o)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	count := func(q string) int {
		t.Helper()
		n, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		k, err := c.Store.Count(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	sum := run(true)
	if sum.Printed != 1 || count(`subject:quayside`) != 1 || count(`lisbon`) != 0 {
		t.Errorf("--no-ocr run: printed %d, quayside %d, lisbon %d; want the exhibit only", sum.Printed, count(`subject:quayside`), count(`lisbon`))
	}
	if n := count(`kind:page bates:HARBOR-000202 schedule`); n != 1 {
		t.Errorf("appendix page (no email on it) searchable as a page: %d, want 1", n)
	}
	probs, err := c.Store.Problems(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, p := range probs {
		reasons[p.Path] += p.Kind + ": " + p.Reason + "\n"
	}
	for path, want := range map[string]string{
		"corrupt.pdf":   "failed",
		"locked.pdf":    "encrypted",
		"empty.pdf":     "no pages",
		"scan.pdf":      "--no-ocr",
		"brochure.html": "no printed email found",
	} {
		if !strings.Contains(reasons[path], want) {
			t.Errorf("%s: problems %q, want one mentioning %q", path, reasons[path], want)
		}
	}
	// The next run without --no-ocr reads the scan again and OCRs it.
	sum = run(false)
	if sum.Printed != 1 || count(`lisbon`) != 1 || count(`from:petra`) != 1 {
		t.Errorf("OCR run: printed %d, lisbon %d, from:petra %d; want the scanned email recovered", sum.Printed, count(`lisbon`), count(`from:petra`))
	}
	ids := search(t, c, `lisbon`)
	if len(ids) == 1 {
		m, err := c.Store.Get(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind != "printed" || m.Sources[0].Path != "scan.pdf" || m.Sources[0].Page != 1 || !strings.Contains(strings.Join(m.Warnings, " "), "OCR") {
			t.Errorf("OCR'd message: kind %s sources %+v warnings %q", m.Kind, m.Sources, m.Warnings)
		}
	}
	// A third run changes nothing.
	if sum = run(false); sum.New != 0 || sum.Pages != 0 {
		t.Errorf("third run: %+v, want nothing new", sum)
	}
}

func search(t *testing.T, c *casedir.Case, q string) []string {
	t.Helper()
	n, err := query.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := c.Store.Search(context.Background(), n, store.SearchOptions{}, func(h store.Hit) error {
		ids = append(ids, h.Message.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}
