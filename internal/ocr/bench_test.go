package ocr

import (
	"context"
	"fmt"
	"github.com/casefile/casefile/internal/testutil"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchPage is a letter-size scanned printout with about 30 lines.
func benchPage(b *testing.B, n int) testutil.PDFPage {
	lines := []string{
		"From: Marta Quill <marta.quill@harbor.example>",
		fmt.Sprintf("Sent: Tuesday, March %d, 2014 11:02 AM", n%28+1),
		"To: Jonas Reyes <jonas.reyes@harbor.example>",
		"Subject: Warehouse lease renewal, page " + strconv.Itoa(n),
		"",
	}
	for i := 0; len(lines) < 32; i++ {
		lines = append(lines, fmt.Sprintf("Line %d: the invoice for the Lisbon warehouse and the transfer of funds.", i+1))
	}
	return testutil.PDFPage{Image: testutil.RenderText(b, lines, 2550, 3300), W: 612, H: 792}
}

const benchPages = 4

func benchPDF(b *testing.B) string {
	needTools(b, "pdftoppm", "pdfinfo", "tesseract")
	pages := make([]testutil.PDFPage, benchPages)
	for i := range pages {
		pages[i] = benchPage(b, i)
	}
	return testutil.WritePDF(b, b.TempDir(), "bench.pdf", pages)
}

// BenchmarkOCRPages measures Engine.PDF on image-only letter pages at 300
// DPI with a cold cache (rasterise + OCR), all cores.
func BenchmarkOCRPages(b *testing.B) {
	pdf := benchPDF(b)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		e, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.PDF(ctx, pdf, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchPages)/time.Since(start).Seconds(), "pages/s")
}

// BenchmarkOCRPagesCached measures a re-run: every page from the cache.
func BenchmarkOCRPagesCached(b *testing.B) {
	pdf := benchPDF(b)
	cache := filepath.Join(b.TempDir(), "cache")
	ctx := context.Background()
	e, err := New(Options{CacheDir: cache})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.PDF(ctx, pdf, nil, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		e, _ := New(Options{CacheDir: cache})
		if _, err := e.PDF(ctx, pdf, nil, nil); err != nil {
			b.Fatal(err)
		}
		if e.Stats().OCRd != 0 {
			b.Fatal("cache missed")
		}
	}
	b.ReportMetric(float64(b.N*benchPages)/time.Since(start).Seconds(), "pages/s")
}

// BenchmarkBareTesseract is the baseline: the same pages, pre-rendered,
// read by tesseract directly, one process per core.
func BenchmarkBareTesseract(b *testing.B) {
	pdf := benchPDF(b)
	dir := b.TempDir()
	if out, err := exec.Command("pdftoppm", "-r", "300", "-tiff", "-tiffcompression", "none", "-gray", pdf, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		b.Fatalf("pdftoppm: %v %s", err, out)
	}
	imgs, _ := filepath.Glob(filepath.Join(dir, "p*.tif"))
	if len(imgs) != benchPages {
		b.Fatalf("rendered %d pages", len(imgs))
	}
	workers := len(imgs)
	if n := (&Engine{}).defaultWorkers(); n < workers {
		workers = n
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		sem := make(chan struct{}, workers)
		var wg sync.WaitGroup
		for _, img := range imgs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				cmd := exec.Command("tesseract", img, "stdout", "-l", "eng", "--dpi", "300")
				cmd.Env = append(cmd.Environ(), "OMP_THREAD_LIMIT=1")
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Errorf("tesseract: %v %s", err, out)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.N*benchPages)/time.Since(start).Seconds(), "pages/s")
}
