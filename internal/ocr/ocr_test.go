package ocr

import (
	"context"
	"errors"
	"fmt"
	"github.com/casefile/casefile/internal/testutil"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// needTools skips the test when an external tool is missing, naming the
// Debian package that provides it.
func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			pkg := "poppler-utils"
			if tool == "tesseract" {
				pkg = "tesseract-ocr"
			}
			t.Skipf("%s not installed (Debian package %s)", tool, pkg)
		}
	}
}

// countingTesseract writes a wrapper script that logs every OCR call (not
// --version) to a file and runs the real tesseract. It returns the
// script's path and a function counting the calls so far.
func countingTesseract(t *testing.T) (string, func() int) {
	t.Helper()
	real, err := exec.LookPath("tesseract")
	if err != nil {
		t.Skip("tesseract not installed (Debian package tesseract-ocr)")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	script := filepath.Join(dir, "tesseract")
	body := fmt.Sprintf("#!/bin/sh\ncase \"$1\" in --version) ;; *) echo \"$*\" >> %q ;; esac\nexec %q \"$@\"\n", log, real)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, func() int {
		b, err := os.ReadFile(log)
		if errors.Is(err, os.ErrNotExist) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(b), "\n")
	}
}

// Fixture text: fictional, and words tesseract reads reliably.
var (
	scanLines = []string{
		"From: Marta Quill <marta.quill@harbor.example>",
		"Subject: Warehouse lease renewal",
		"The invoice for the Lisbon warehouse is attached.",
	}
	scanLines2 = []string{
		"Sent: Tuesday, March 4, 2014 11:02 AM",
		"Please confirm the transfer before Friday.",
	}
	textLines = []string{
		"From: Jonas Reyes <jonas.reyes@harbor.example>",
		"To: Marta Quill <marta.quill@harbor.example>",
		"Subject: Quarterly figures for the harbour office",
		"The spreadsheet with the quarterly figures follows tomorrow morning.",
	}
)

// mixedPDF writes a three-page PDF: a text page, an image-only page and a
// scanned page whose only text layer is a Bates stamp.
func mixedPDF(t testing.TB, dir string) string {
	return testutil.WritePDF(t, dir, "mixed.pdf", []testutil.PDFPage{
		{Text: textLines},
		{Image: testutil.RenderText(t, scanLines, 2550, 1650)},
		{Image: testutil.RenderText(t, scanLines2, 2550, 1650), Text: []string{"HARBOR-000123"}},
	})
}

func TestThin(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		thin bool
	}{
		{"", true},
		{"   \n\n  ", true},
		{"HOUSE_OVERSIGHT_012345", true}, // Bates stamp only
		{"CONFIDENTIAL   HOUSE_OVERSIGHT_012345   Page 3 of 10", true}, // furniture only
		{"EFTA00012345\n\n12", true},
		{"a b c d e f g h i j k l m n o p q r s t u v w", true}, // single letters are not words
		{"From: Jonas Reyes\nTo: Marta Quill\nSubject: lease", false},
		{"The invoice for the Lisbon warehouse is attached.", false},
		{"Intentionally left blank", true}, // 3 words: OCR'd, harmless
	} {
		if got := e.thin(tc.text); got != tc.thin {
			t.Errorf("thin(%q) = %v, want %v", tc.text, got, tc.thin)
		}
	}
}

func TestTextLayer(t *testing.T) {
	needTools(t, "pdftotext")
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	pdf := mixedPDF(t, t.TempDir())
	pages, err := e.TextLayer(context.Background(), pdf)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 {
		t.Fatalf("got %d pages, want 3", len(pages))
	}
	want := []struct {
		needs    bool
		contains string
	}{
		{false, "Quarterly figures for the harbour office"},
		{true, ""},
		{true, "HARBOR-000123"},
	}
	for i, w := range want {
		p := pages[i]
		if p.Page != i+1 || p.NeedsOCR != w.needs || !strings.Contains(p.Text, w.contains) || p.OCR {
			t.Errorf("page %d: got {Page:%d NeedsOCR:%v OCR:%v Text:%q}, want NeedsOCR %v containing %q",
				i+1, p.Page, p.NeedsOCR, p.OCR, p.Text, w.needs, w.contains)
		}
	}
}

func TestPDFOCRAndCache(t *testing.T) {
	needTools(t, "pdftoppm", "pdfinfo", "pdftotext")
	tess, calls := countingTesseract(t)
	dir := t.TempDir()
	cache := filepath.Join(dir, "ocr-cache")
	pdf := mixedPDF(t, dir)
	ctx := context.Background()

	// First run: both scanned pages are rasterised and OCR'd.
	e1, err := New(Options{CacheDir: cache, Tesseract: tess, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	pages, err := e1.PDFText(ctx, pdf, func(done, total int) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) })
	if err != nil {
		t.Fatal(err)
	}
	checkMixed(t, pages, false)
	if got := strings.Join(progress, " "); got != "1/2 2/2" {
		t.Errorf("progress calls %q, want \"1/2 2/2\"", got)
	}
	if n := calls(); n != 2 {
		t.Errorf("first run: tesseract ran %d times, want 2", n)
	}
	st := e1.Stats()
	if st.OCRd != 2 || st.CacheHits != 0 || st.Rendered != 2 || st.Pages != 2 || st.OCRSeconds <= 0 {
		t.Errorf("first run stats %+v", st)
	}

	// Second run (new engine, as in a new process): every page from the
	// cache, nothing rasterised, tesseract never invoked.
	e2, err := New(Options{CacheDir: cache, Tesseract: tess, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	pages, err = e2.PDFText(ctx, pdf, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkMixed(t, pages, true)
	if n := calls(); n != 2 {
		t.Errorf("second run invoked tesseract: %d calls in total, want still 2", n)
	}
	st = e2.Stats()
	if st.OCRd != 0 || st.CacheHits != 2 || st.RenderSkipped != 2 || st.Rendered != 0 {
		t.Errorf("second run stats %+v, want 2 cache hits without rasterising", st)
	}

	// Another PDF holding the same scanned page: rasterised (unknown
	// file) but not OCR'd again (same page image).
	other := testutil.WritePDF(t, dir, "other.pdf", []testutil.PDFPage{
		{Image: testutil.RenderText(t, scanLines, 2550, 1650)},
		{Text: []string{"Cover sheet for exhibit 12, produced by the harbour authority office"}},
	})
	e3, err := New(Options{CacheDir: cache, Tesseract: tess})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e3.PDF(ctx, other, []int{1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !got[0].Cached || !strings.Contains(got[0].Text, "Lisbon") {
		t.Errorf("same image in another PDF: %+v, want a cached page mentioning Lisbon", got)
	}
	if st := e3.Stats(); st.Rendered != 1 || st.OCRd != 0 || st.CacheHits != 1 || st.RenderSkipped != 0 {
		t.Errorf("other PDF stats %+v, want rendered once and answered from the image cache", st)
	}
	if n := calls(); n != 2 {
		t.Errorf("same page image OCR'd again: %d calls", n)
	}

	// No cache entry may be left half-written.
	filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left in cache: %s", p)
		}
		return nil
	})
}

// checkMixed checks PDFText's result for mixedPDF.
func checkMixed(t *testing.T, pages []PageText, cached bool) {
	t.Helper()
	if len(pages) != 3 {
		t.Fatalf("got %d pages, want 3", len(pages))
	}
	for i, tc := range []struct {
		ocr  bool
		want []string
	}{
		{false, []string{"Quarterly figures"}},
		{true, []string{"Lisbon", "warehouse", "invoice", "marta.quill@harbor.example"}},
		{true, []string{"transfer", "Friday", "HARBOR-000123"}},
	} {
		p := pages[i]
		if p.OCR != tc.ocr || p.Err != nil || (tc.ocr && p.Cached != cached) {
			t.Errorf("page %d: OCR=%v Cached=%v Err=%v, want OCR=%v Cached=%v", p.Page, p.OCR, p.Cached, p.Err, tc.ocr, cached && tc.ocr)
		}
		for _, w := range tc.want {
			if !strings.Contains(p.Text, w) {
				t.Errorf("page %d text lacks %q:\n%s", p.Page, w, p.Text)
			}
		}
	}
}

func TestImage(t *testing.T) {
	tess, calls := countingTesseract(t)
	dir := t.TempDir()
	img := filepath.Join(dir, "scan.png")
	testutil.WritePNG(t, img, testutil.RenderText(t, scanLines, 2550, 800))
	for run := 1; run <= 2; run++ {
		e, err := New(Options{CacheDir: filepath.Join(dir, "cache"), Tesseract: tess})
		if err != nil {
			t.Fatal(err)
		}
		pt, err := e.Image(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(pt.Text, "Warehouse lease renewal") || pt.Page != 1 || !pt.OCR || pt.Cached != (run == 2) {
			t.Errorf("run %d: %+v", run, pt)
		}
		if n := calls(); n != 1 {
			t.Errorf("run %d: tesseract called %d times, want 1 in total", run, n)
		}
	}
}

func TestToolMissing(t *testing.T) {
	needTools(t, "pdftotext")
	dir := t.TempDir()
	pdf := mixedPDF(t, dir)
	e, err := New(Options{Tesseract: filepath.Join(dir, "no-such-tesseract")})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := e.PDFText(context.Background(), pdf, nil)
	var tm ErrToolMissing
	if !errors.As(err, &tm) || tm.Tool != "tesseract" || tm.DebianPackage != "tesseract-ocr" {
		t.Fatalf("err = %v, want ErrToolMissing for tesseract", err)
	}
	if !strings.Contains(err.Error(), "tesseract-ocr") {
		t.Errorf("message %q does not name the Debian package", err)
	}
	if len(pages) != 3 || !strings.Contains(pages[0].Text, "Quarterly") || pages[1].OCR {
		t.Errorf("text layers not kept when OCR is unavailable: %+v", pages)
	}
	if _, err := e.Image(context.Background(), pdf); !errors.As(err, &tm) {
		t.Errorf("Image: err = %v, want ErrToolMissing", err)
	}
	e2, _ := New(Options{Pdftotext: filepath.Join(dir, "no-such-pdftotext")})
	if _, err := e2.TextLayer(context.Background(), pdf); !errors.As(err, &tm) || tm.DebianPackage != "poppler-utils" {
		t.Errorf("TextLayer: err = %v, want ErrToolMissing naming poppler-utils", err)
	}
}

func TestDisabled(t *testing.T) {
	needTools(t, "pdftotext")
	dir := t.TempDir()
	pdf := mixedPDF(t, dir)
	e, _ := New(Options{Disabled: true, Tesseract: filepath.Join(dir, "must-not-run")})
	pages, err := e.PDFText(context.Background(), pdf, nil)
	if err != nil || len(pages) != 3 || !pages[1].NeedsOCR || pages[1].OCR {
		t.Errorf("PDFText with OCR disabled: %v %+v", err, pages)
	}
	if _, err := e.PDF(context.Background(), pdf, nil, nil); !errors.Is(err, ErrDisabled) {
		t.Errorf("PDF: err = %v, want ErrDisabled", err)
	}
	if _, err := e.Image(context.Background(), pdf); !errors.Is(err, ErrDisabled) {
		t.Errorf("Image: err = %v, want ErrDisabled", err)
	}
}

func TestCancel(t *testing.T) {
	needTools(t, "pdftoppm", "pdfinfo", "tesseract")
	dir := t.TempDir()
	real, _ := exec.LookPath("tesseract")
	pids := filepath.Join(dir, "pids")
	// A tesseract that hangs: its child sleep must die with it.
	script := filepath.Join(dir, "slow-tesseract")
	body := fmt.Sprintf("#!/bin/sh\ncase \"$1\" in --version) exec %q --version ;; esac\nsleep 60 &\necho $! >> %q\nwait\n", real, pids)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	img := testutil.RenderText(t, scanLines, 1275, 825)
	pdf := testutil.WritePDF(t, dir, "scan.pdf", []testutil.PDFPage{{Image: img}, {Image: img}, {Image: img}})
	e, err := New(Options{Tesseract: script, Workers: 2, DPI: 150})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Bool
	go func() {
		for range 100 {
			if b, _ := os.ReadFile(pids); len(b) > 0 {
				started.Store(true)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
	}()
	begin := time.Now()
	_, err = e.PDF(ctx, pdf, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	if !started.Load() {
		t.Fatal("the slow tesseract never started")
	}
	b, _ := os.ReadFile(pids)
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		// Killed children are reaped by init; allow a moment.
		deadline := time.Now().Add(3 * time.Second)
		for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("tesseract's child %d still running after cancellation", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func TestBadPDFs(t *testing.T) {
	needTools(t, "pdftotext", "pdfinfo", "pdftoppm", "tesseract")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := testutil.WritePDF(t, dir, "ok.pdf", []testutil.PDFPage{{Text: textLines}})
	for _, tc := range []struct {
		name  string
		path  string
		call  string // "layer" or "ocr"
		is    error
		words string
	}{
		{"zero pages", write("empty.pdf", testutil.BuildPDF(t, nil, false)), "layer", ErrNoPages, "no pages"},
		{"zero pages ocr", filepath.Join(dir, "empty.pdf"), "ocr", ErrNoPages, "no pages"},
		{"encrypted", write("locked.pdf", testutil.BuildPDF(t, []testutil.PDFPage{{Text: textLines}}, true)), "layer", ErrEncrypted, "encrypted"},
		{"encrypted ocr", filepath.Join(dir, "locked.pdf"), "ocr", ErrEncrypted, "encrypted"},
		{"corrupt", write("junk.pdf", []byte("%PDF-1.4\nthis is not really a PDF\n")), "layer", nil, "junk.pdf"},
		{"corrupt ocr", filepath.Join(dir, "junk.pdf"), "ocr", nil, "junk.pdf"},
		{"missing file", filepath.Join(dir, "absent.pdf"), "layer", nil, "absent.pdf"},
		{"page out of range", ok, "ocr7", nil, "page 7 does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := New(Options{})
			var err error
			switch tc.call {
			case "layer":
				_, err = e.TextLayer(context.Background(), tc.path)
			case "ocr":
				_, err = e.PDF(context.Background(), tc.path, nil, nil)
			case "ocr7":
				_, err = e.PDF(context.Background(), tc.path, []int{7}, nil)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.words) {
				t.Errorf("err = %q, want it to mention %q", err, tc.words)
			}
		})
	}
}

func TestSizeLimits(t *testing.T) {
	needTools(t, "tesseract")
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.png")
	if err := os.WriteFile(huge, testutil.PNGHeaderOnly(20000, 20000), 0o644); err != nil {
		t.Fatal(err)
	}
	e, _ := New(Options{})
	_, err := e.Image(context.Background(), huge)
	if !errors.Is(err, ErrImageTooLarge) || !strings.Contains(err.Error(), "20000 × 20000") {
		t.Errorf("20,000 × 20,000 image: err = %v, want ErrImageTooLarge naming the size", err)
	}
	for _, tc := range []struct {
		w, h float64
		max  int64
		want int
	}{
		{612, 792, 0, 300},                 // letter at 300 DPI: 8.4 MP
		{14400, 14400, 0, 50},              // 200 in square: 100 MP at 50 DPI
		{612, 792, 2_000_000, 146},         // tight limit
		{1e6, 1e6, 0, 10},                  // absurd page: floor
		{0, 0, 0, 300},                     // unknown size
		{612, 792, 8_415_000, 300},         // just fits
		{612, 792, 8_410_000, 299},         // just does not
		{2 * 612, 2 * 792, 8_415_000, 150}, // twice as wide and tall
	} {
		e, _ := New(Options{MaxPixels: tc.max})
		if got := e.dpiFor([2]float64{tc.w, tc.h}); got != tc.want {
			t.Errorf("dpiFor(%g × %g pt, max %d) = %d, want %d", tc.w, tc.h, tc.max, got, tc.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for _, o := range []Options{{DPI: 20}, {DPI: 5000}, {Lang: "-psm 6"}, {Lang: "eng deu"}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted invalid options", o)
		}
	}
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o := e.Options(); o.Workers < 1 || o.Lang != "eng" || o.DPI != 300 || o.MinTextChars != 20 {
		t.Errorf("defaults not filled: %+v", o)
	}
}
