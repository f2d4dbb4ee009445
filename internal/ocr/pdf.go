package ocr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// TextLayer returns the text layer of every page of the PDF at path, via
// `pdftotext -layout`, one PageText per page in order. NeedsOCR is set on
// pages whose layer has fewer than Options.MinTextChars non-space
// characters or fewer than Options.MinTextWords words of two or more
// letters: image-only pages, and scans whose only text is a Bates stamp
// or page number added on top.
func (e *Engine) TextLayer(ctx context.Context, path string) ([]PageText, error) {
	bin, err := e.tool("pdftotext")
	if err != nil {
		return nil, err
	}
	out, err := run(ctx, bin, nil, "-layout", "-enc", "UTF-8", path, "-")
	if err != nil {
		return nil, pdfError(ctx, path, "read the text layer of", out, err)
	}
	text := strings.ToValidUTF8(string(out.stdout), "\uFFFD")
	// pdftotext ends every page with a form feed.
	parts := strings.Split(text, "\f")
	if len(parts) > 0 && strings.TrimSpace(parts[len(parts)-1]) == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrNoPages)
	}
	pages := make([]PageText, len(parts))
	for i, p := range parts {
		pages[i] = PageText{Page: i + 1, Text: p, LayerText: p, NeedsOCR: e.thin(p)}
	}
	return pages, nil
}

// thin reports whether a text layer is too thin to be the page's text.
// Tokens holding a digit (Bates stamps, page numbers, dates) and single
// letters do not count as words.
func (e *Engine) thin(s string) bool {
	chars, words := 0, 0
	for _, tok := range strings.Fields(s) {
		chars += utf8.RuneCountInString(tok)
		if strings.ContainsFunc(tok, unicode.IsDigit) {
			continue
		}
		run := 0
		for _, r := range tok + " " {
			if unicode.IsLetter(r) {
				run++
				continue
			}
			if run >= 2 {
				words++
			}
			run = 0
		}
	}
	return chars < e.opts.MinTextChars || words < e.opts.MinTextWords
}

// pdfError turns a poppler failure into an error a journalist can act on.
func pdfError(ctx context.Context, path, what string, out output, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", path, ctx.Err())
	}
	msg := string(out.stderr)
	if strings.Contains(msg, "can not be after the last page (0)") {
		return fmt.Errorf("%s: %w", path, ErrNoPages)
	}
	if strings.Contains(msg, "Incorrect password") || strings.Contains(msg, "ncrypt") {
		return fmt.Errorf("%s: %w: remove the protection (e.g. qpdf --decrypt --password=... in.pdf out.pdf) and ingest the copy", path, ErrEncrypted)
	}
	return fmt.Errorf("%s: could not %s the PDF (damaged or not a PDF?): %w", path, what, err)
}

// pdfInfo is what pdfinfo says about a PDF.
type pdfInfo struct {
	pages int
	// size[i] is page i+1's size in points (width, height); zero if unknown.
	size [][2]float64
}

var (
	rePages    = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)
	reLastPage = regexp.MustCompile(`can not be after the last page \((\d+)\)`)
	rePageSize = regexp.MustCompile(`(?m)^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)`)
)

// info reads the page count and the sizes of pages first..last (all
// pages when first is 0) with pdfinfo.
func (e *Engine) info(ctx context.Context, path string, first, last int) (pdfInfo, error) {
	bin, err := e.tool("pdfinfo")
	if err != nil {
		return pdfInfo{}, err
	}
	args := []string{path}
	if first > 0 {
		args = []string{"-f", strconv.Itoa(first), "-l", strconv.Itoa(last), path}
	}
	out, err := run(ctx, bin, nil, args...)
	if err != nil && first > 0 {
		// A page past the end: the caller says which page is missing.
		if m := reLastPage.FindSubmatch(out.stderr); m != nil {
			if n, _ := strconv.Atoi(string(m[1])); n > 0 {
				return pdfInfo{pages: n, size: make([][2]float64, n)}, nil
			}
		}
	}
	if err != nil {
		return pdfInfo{}, pdfError(ctx, path, "open", out, err)
	}
	m := rePages.FindSubmatch(out.stdout)
	if m == nil {
		return pdfInfo{}, fmt.Errorf("%s: pdfinfo reported no page count (damaged PDF?)", path)
	}
	n, _ := strconv.Atoi(string(m[1]))
	if n == 0 {
		return pdfInfo{}, fmt.Errorf("%s: %w", path, ErrNoPages)
	}
	inf := pdfInfo{pages: n, size: make([][2]float64, n)}
	if first == 0 {
		if out, err = run(ctx, bin, nil, "-f", "1", "-l", strconv.Itoa(n), path); err != nil {
			return pdfInfo{}, pdfError(ctx, path, "open", out, err)
		}
	}
	for _, m := range rePageSize.FindAllSubmatch(out.stdout, -1) {
		p, _ := strconv.Atoi(string(m[1]))
		w, _ := strconv.ParseFloat(string(m[2]), 64)
		h, _ := strconv.ParseFloat(string(m[3]), 64)
		if p >= 1 && p <= n {
			inf.size[p-1] = [2]float64{w, h}
		}
	}
	return inf, nil
}

// dpiFor lowers dpi so that a page of size pts stays within MaxPixels.
func (e *Engine) dpiFor(pts [2]float64) int {
	dpi := e.opts.DPI
	px := pts[0] / 72 * float64(dpi) * pts[1] / 72 * float64(dpi)
	if px <= float64(e.opts.MaxPixels) || px == 0 {
		return dpi
	}
	scaled := int(float64(dpi) * math.Sqrt(float64(e.opts.MaxPixels)/px))
	return max(scaled, 10)
}

// fileSHA256 hashes the file at path, once per engine while its size
// and modification time stay the same: a worker handed many pages of one
// large PDF reads it whole only once.
func (e *Engine) fileSHA256(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	stamp := fmt.Sprintf("%d:%d", fi.Size(), fi.ModTime().UnixNano())
	e.shaMu.Lock()
	c, ok := e.shas[path]
	e.shaMu.Unlock()
	if ok && c[0] == stamp {
		return c[1], nil
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return "", err
	}
	e.shaMu.Lock()
	if e.shas == nil {
		e.shas = map[string][2]string{}
	}
	e.shas[path] = [2]string{stamp, sum}
	e.shaMu.Unlock()
	return sum, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// PDF OCRs the given 1-based pages of the PDF at path (every page when
// pages is empty) and returns one PageText per requested page, in the
// order given. Pages are rasterised with pdftoppm at Options.DPI (lower
// for pages too large for MaxPixels) to uncompressed greyscale TIFF
// (PNG compression would cost half as much again as the OCR) and read by
// tesseract, up to
// Options.Workers at once; cached pages are neither rasterised nor read
// again. progress, when not nil, is called after each page (never
// concurrently).
//
// A page that fails to rasterise or OCR gets Err set and the others
// continue; the returned error then names the first failure. A missing
// tool, a cancelled context or an unreadable PDF fail the whole call.
func (e *Engine) PDF(ctx context.Context, path string, pages []int, progress func(done, total int)) ([]PageText, error) {
	return e.pdf(ctx, path, pages, progress, false)
}

// Page OCRs one page of the PDF at path for a worker that was handed it
// (see Options.Fanout). With Options.Claims, when another process holds
// the page it returns at once with Elsewhere set: that process caches
// the text.
func (e *Engine) Page(ctx context.Context, path string, page int) (PageText, error) {
	out, err := e.pdf(ctx, path, []int{page}, nil, true)
	if len(out) == 1 {
		return out[0], err
	}
	return PageText{Page: page}, err
}

func (e *Engine) pdf(ctx context.Context, path string, pages []int, progress func(done, total int), noWait bool) ([]PageText, error) {
	if e.opts.Disabled {
		return nil, ErrDisabled
	}
	pdftoppm, err := e.tool("pdftoppm")
	if err != nil {
		return nil, err
	}
	tess, err := e.tool("tesseract")
	if err != nil {
		return nil, err
	}
	version, err := e.tesseractVersion(ctx)
	if err != nil {
		return nil, err
	}
	from, to := 0, 0
	if len(pages) == 1 {
		from, to = pages[0], pages[0] // a page unit: one page of a PDF of any size
	}
	inf, err := e.info(ctx, path, from, to)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		pages = make([]int, inf.pages)
		for i := range pages {
			pages[i] = i + 1
		}
	}
	for _, p := range pages {
		if p < 1 || p > inf.pages {
			return nil, fmt.Errorf("%s: page %d does not exist (the PDF has %d pages)", path, p, inf.pages)
		}
	}
	pdfSHA, err := e.fileSHA256(path)
	if err != nil {
		return nil, fmt.Errorf("ocr %s: %w", path, err)
	}
	if e.opts.Claims && e.opts.Fanout != nil && !noWait {
		var open []int
		for _, p := range pages {
			if _, ok, err := e.cachedPage(pageKey(pdfSHA, p, e.opts.DPI, version, e.opts.Lang)); err == nil && !ok {
				open = append(open, p)
			}
		}
		if len(open) >= 2 {
			e.opts.Fanout(ctx, path, open)
		}
	}
	tmp, err := os.MkdirTemp("", "casefile-ocr-")
	if err != nil {
		return nil, fmt.Errorf("ocr %s: temporary folder: %w", path, err)
	}
	defer os.RemoveAll(tmp)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]PageText, len(pages))
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
	)
	e.pages.Add(int64(len(pages)))
	for i, p := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pt := e.pdfPage(ctx, pdfJob{path: path, sha: pdfSHA, page: p, size: inf.size[p-1], tmp: tmp,
				pdftoppm: pdftoppm, tesseract: tess, version: version, slot: i, noWait: noWait})
			mu.Lock()
			defer mu.Unlock()
			results[i] = pt
			done++
			if progress != nil {
				progress(done, len(pages))
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ocr %s: %w", path, err)
	}
	var first error
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			if first == nil {
				first = r.Err
			}
		}
	}
	if first != nil {
		return results, fmt.Errorf("ocr %s: %d of %d page(s) could not be OCR'd: %w", path, failed, len(pages), first)
	}
	return results, nil
}

type pdfJob struct {
	path, sha           string
	page                int
	size                [2]float64
	tmp                 string
	pdftoppm, tesseract string
	version             string
	slot                int
	noWait              bool // return Elsewhere instead of waiting for a claim's holder
}

// cachedPage returns the cached text of a PDF page read before (level 1:
// no rasterising).
func (e *Engine) cachedPage(pk string) (string, bool, error) {
	ref, ok, err := e.cacheGet("pdf", pk, ".ref")
	if err != nil || !ok || !validKey(ref) {
		return "", false, err
	}
	return e.cacheGet("text", ref, ".txt")
}

func (e *Engine) pdfPage(ctx context.Context, j pdfJob) PageText {
	pt := PageText{Page: j.page, NeedsOCR: true, OCR: true}
	fail := func(err error) PageText {
		pt.OCR = false
		pt.Err = fmt.Errorf("page %d: %w", j.page, err)
		return pt
	}
	lang := e.opts.Lang
	pk := pageKey(j.sha, j.page, e.opts.DPI, j.version, lang)
	var waitStart time.Time
	for {
		// Level 1: a page of this very PDF read before; no rasterising.
		if txt, ok, err := e.cachedPage(pk); err != nil {
			return fail(err)
		} else if ok {
			e.hits.Add(1)
			e.renderSkipped.Add(1)
			pt.Text, pt.Cached = txt, true
			return pt
		}
		if err := e.acquire(ctx); err != nil {
			return fail(err)
		}
		if !e.opts.Claims {
			break
		}
		release, err := e.tryClaim(pk)
		if err != nil {
			e.release()
			return fail(err)
		}
		if release != nil {
			defer release()
			// The holder before us may have cached it just now.
			if txt, ok, err := e.cachedPage(pk); err == nil && ok {
				e.release()
				e.hits.Add(1)
				e.renderSkipped.Add(1)
				pt.Text, pt.Cached = txt, true
				return pt
			}
			break
		}
		// Another process is reading this page; waiting holds no slot.
		e.release()
		if j.noWait {
			pt.OCR, pt.Elsewhere = false, true
			return pt
		}
		if waitStart.IsZero() {
			waitStart = time.Now()
		}
		if time.Since(waitStart) > 5*e.opts.ClaimTTL {
			// A holder that keeps its claim but never finishes (a hung
			// tesseract): read the page here rather than wait forever.
			if err := e.acquire(ctx); err != nil {
				return fail(err)
			}
			break
		}
		if err := e.waitTurn(ctx); err != nil {
			return fail(err)
		}
	}
	defer e.release()
	dpi := e.dpiFor(j.size)
	pt.DPI = dpi
	prefix := filepath.Join(j.tmp, "p"+strconv.Itoa(j.slot))
	img := prefix + ".tif"
	defer os.Remove(img)
	start := time.Now()
	out, err := run(ctx, j.pdftoppm, nil, "-r", strconv.Itoa(dpi), "-f", strconv.Itoa(j.page), "-l", strconv.Itoa(j.page),
		"-tiff", "-tiffcompression", "none", "-gray", "-singlefile", j.path, prefix)
	e.renderNanos.Add(int64(time.Since(start)))
	if err != nil {
		return fail(pdfError(ctx, j.path, "rasterise", out, err))
	}
	e.rendered.Add(1)
	data, err := os.ReadFile(img)
	if err != nil {
		return fail(fmt.Errorf("pdftoppm wrote no image: %w", err))
	}
	sum := sha256.Sum256(data)
	tk := textKey(j.version, lang, hex.EncodeToString(sum[:]))
	// Level 2: the same page image seen before (another copy of the PDF).
	txt, ok, err := e.cacheGet("text", tk, ".txt")
	if err != nil {
		return fail(err)
	}
	if ok {
		e.hits.Add(1)
		pt.Cached = true
	} else {
		txt, err = e.tesseractFile(ctx, j.tesseract, img, dpi)
		if err != nil {
			return fail(err)
		}
		if err := e.cachePut("text", tk, ".txt", txt); err != nil {
			return fail(err)
		}
	}
	if err := e.cachePut("pdf", pk, ".ref", tk); err != nil {
		return fail(err)
	}
	pt.Text = txt
	return pt
}

// tesseractFile OCRs one image file. dpi > 0 tells tesseract the
// resolution (rendered pages); 0 lets it read or estimate it.
func (e *Engine) tesseractFile(ctx context.Context, bin, img string, dpi int) (string, error) {
	args := []string{img, "stdout", "-l", e.opts.Lang}
	if dpi > 0 {
		args = append(args, "--dpi", strconv.Itoa(dpi))
	}
	start := time.Now()
	// One thread per process: the engine already runs Workers processes.
	out, err := run(ctx, bin, []string{"OMP_THREAD_LIMIT=1"}, args...)
	e.ocrNanos.Add(int64(time.Since(start)))
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if strings.Contains(string(out.stderr), "Failed loading language") {
			return "", fmt.Errorf("tesseract has no %q language data: install the Debian package tesseract-ocr-%s: %w",
				e.opts.Lang, strings.SplitN(e.opts.Lang, "+", 2)[0], err)
		}
		return "", err
	}
	e.ocrd.Add(1)
	txt := strings.ToValidUTF8(string(out.stdout), "\uFFFD")
	return strings.TrimRight(txt, "\f\n\r\t "), nil
}

// PDFText returns the text of every page of the PDF at path: the text
// layer, and OCR for pages that need it (see TextLayer) unless OCR is
// disabled. For an OCR'd page, Text is the OCR text followed by the thin
// text layer (which often holds the Bates stamp). When OCR cannot run
// (tool missing, failed pages) PDFText still returns every page's text
// layer together with the error, so the caller can keep what it has.
func (e *Engine) PDFText(ctx context.Context, path string, progress func(done, total int)) ([]PageText, error) {
	pages, err := e.TextLayer(ctx, path)
	if err != nil {
		return nil, err
	}
	var need []int
	for _, p := range pages {
		if p.NeedsOCR {
			need = append(need, p.Page)
		}
	}
	if len(need) == 0 || e.opts.Disabled {
		return pages, nil
	}
	ocrd, err := e.PDF(ctx, path, need, progress)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", path, ctx.Err())
	}
	for _, o := range ocrd {
		p := &pages[o.Page-1]
		p.OCR, p.Cached, p.DPI, p.Err = o.OCR, o.Cached, o.DPI, o.Err
		if o.OCR {
			p.Text = o.Text
			if layer := strings.TrimSpace(p.LayerText); layer != "" {
				p.Text += "\n" + layer
			}
		}
	}
	return pages, err
}
