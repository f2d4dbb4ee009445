package ocr

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestClaims: processes sharing a cache folder split a PDF's pages. A
// page another process holds is not read again: Page reports it as
// Elsewhere, and PDF waits for the holder's cached result; the claim
// of a holder that stopped refreshing it is taken over.
func TestClaims(t *testing.T) {
	needTools(t, "pdftoppm", "pdfinfo", "pdftotext")
	tess, calls := countingTesseract(t)
	dir := t.TempDir()
	cache := filepath.Join(dir, "ocr-cache")
	pdf := mixedPDF(t, dir)
	ctx := context.Background()
	opts := Options{CacheDir: cache, Tesseract: tess, Workers: 2, Claims: true, ClaimPoll: 20 * time.Millisecond, ClaimTTL: time.Hour}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var fanned []int
	optsB := opts
	optsB.Fanout = func(_ context.Context, path string, pages []int) {
		if path != pdf {
			t.Errorf("Fanout path %s, want %s", path, pdf)
		}
		fanned = append(fanned, pages...)
	}
	b, err := New(optsB)
	if err != nil {
		t.Fatal(err)
	}

	// A holds page 2 (as if OCR'ing it on another machine).
	version, err := a.tesseractVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sha, err := fileSHA256(pdf)
	if err != nil {
		t.Fatal(err)
	}
	pk2 := pageKey(sha, 2, a.opts.DPI, version, a.opts.Lang)
	release, err := a.tryClaim(pk2)
	if err != nil || release == nil {
		t.Fatalf("first claim: %v, %v", release != nil, err)
	}
	if again, err := b.tryClaim(pk2); again != nil || err != nil {
		t.Fatalf("second claim of a held page: %v, %v; want none", again != nil, err)
	}
	// A worker handed page 2 leaves it to the holder.
	pt, err := b.Page(ctx, pdf, 2)
	if err != nil || !pt.Elsewhere || pt.Text != "" || calls() != 0 {
		t.Fatalf("Page of a held page = %+v, %v (tesseract ran %d times); want Elsewhere", pt, err, calls())
	}

	// B reads the whole PDF: it fans out pages 2 and 3, OCRs page 3 and
	// waits for page 2 until A has cached it.
	var wg sync.WaitGroup
	var pages []PageText
	var berr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		pages, berr = b.PDFText(ctx, pdf, nil)
	}()
	waitUntil(t, func() bool { return calls() == 1 }) // page 3 done by B
	time.Sleep(100 * time.Millisecond)
	if n := calls(); n != 1 {
		t.Fatalf("B ran tesseract %d times while page 2 was held, want 1", n)
	}
	// The holder reads its page into the shared cache and lets go.
	holder, err := New(Options{CacheDir: cache, Tesseract: tess})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := holder.PDF(ctx, pdf, []int{2}, nil)
	if err != nil || !strings.Contains(p2[0].Text, "Warehouse") {
		t.Fatalf("the holder's page 2: %+v, %v", p2, err)
	}
	release()
	wg.Wait()
	if berr != nil {
		t.Fatal(berr)
	}
	if len(pages) != 3 || !pages[1].Cached || !strings.Contains(pages[1].Text, "Warehouse") || pages[2].Cached || !strings.Contains(pages[2].Text, "transfer") {
		t.Errorf("B's pages: %+v", pages)
	}
	if !slices.Equal(fanned, []int{2, 3}) {
		t.Errorf("B fanned out pages %v, want [2 3]", fanned)
	}
	if n := calls(); n != 2 {
		t.Errorf("tesseract ran %d times for 2 scanned pages read by two processes", n)
	}
	if st := b.Stats(); st.OCRd != 1 || st.CacheHits != 1 {
		t.Errorf("B's stats %+v: want 1 page read, 1 from A's result", st)
	}
	if ents, _ := filepath.Glob(filepath.Join(cache, "claims", "*", "*")); len(ents) != 0 {
		t.Errorf("claims left behind: %v", ents)
	}

	// A claim whose holder died (not refreshed within ClaimTTL) is taken
	// over.
	optsC := opts
	optsC.CacheDir, optsC.ClaimTTL = filepath.Join(dir, "cache2"), 200*time.Millisecond
	c, err := New(optsC)
	if err != nil {
		t.Fatal(err)
	}
	dead := writeClaim(t, c, pageKey(sha, 3, c.opts.DPI, version, c.opts.Lang))
	old := time.Now().Add(-time.Minute)
	os.Chtimes(dead, old, old)
	pages, err = c.PDFText(ctx, pdf, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkMixed(t, pages, false)

	// A holder that keeps its claim fresh but never finishes does not
	// stall the reader for ever: after 5 × ClaimTTL it reads the page.
	optsH := optsC
	optsH.CacheDir = filepath.Join(dir, "cache3")
	h, err := New(optsH)
	if err != nil {
		t.Fatal(err)
	}
	hung := writeClaim(t, h, pageKey(sha, 2, h.opts.DPI, version, h.opts.Lang))
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				now := time.Now()
				os.Chtimes(hung, now, now)
			}
		}
	}()
	start := time.Now()
	pages, err = h.PDFText(ctx, pdf, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkMixed(t, pages, false)
	if d := time.Since(start); d < 5*optsH.ClaimTTL {
		t.Errorf("read a page held by a live holder after %v, before 5 × ClaimTTL", d)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// writeClaim creates the claim of page key pk as another process would,
// and returns its path.
func writeClaim(t *testing.T, e *Engine, pk string) string {
	t.Helper()
	p := e.claimPath(pk)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("elsewhere 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
