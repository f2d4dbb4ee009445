package ingest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/ocr"
	"github.com/casefile/casefile/internal/source"
	"github.com/casefile/casefile/internal/testutil"
)

// BenchmarkTextPDFPages measures the printed-document handler on a
// 200-page PDF with a text layer (a printed email per page, Bates
// stamped): text extraction, recovery and page documents. Reports
// pages/s (target: 50 on 2 cores).
func BenchmarkTextPDFPages(b *testing.B) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		b.Skip("pdftotext not installed (Debian: poppler-utils)")
	}
	const n = 200
	pages := make([]testutil.PDFPage, n)
	for i := range pages {
		pages[i] = testutil.PDFPage{Text: []string{
			"From: Mara Lefkowitz", fmt.Sprintf("Sent: Monday, February %d, 2012 3:12 PM", i%28+1), "To: Jonas Reyes",
			fmt.Sprintf("Subject: Ledger %d", i), "", fmt.Sprintf("Jonas, ledger page %d is in the blue folder.", i), "M.", "",
			fmt.Sprintf("HARBOR-%06d", i+1)}}
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "production.pdf")
	if err := os.WriteFile(path, testutil.BuildPDF(b, pages, false), 0o644); err != nil {
		b.Fatal(err)
	}
	h := ingest.PrintedDocuments(ingest.PrintedOptions{OCR: ocr.Options{CacheDir: filepath.Join(dir, "cache")}})
	ev := source.Event{Type: source.EventDocument, Format: source.FormatPDF,
		File: source.FileInfo{Path: "production.pdf", AbsPath: path, SHA256: "bench"}}
	b.ResetTimer()
	for range b.N {
		msgs, _, err := h(context.Background(), ev)
		if err != nil {
			b.Fatal(err)
		}
		if len(msgs) < n { // n printed messages + n pages
			b.Fatalf("%d messages and pages from %d pages", len(msgs), n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pages/s")
}
