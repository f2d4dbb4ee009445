package ocr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure an Engine. The zero value is usable: no cache,
// runtime.NumCPU() workers, English, 300 DPI.
type Options struct {
	// CacheDir holds cached OCR results (normally <case>/ocr-cache).
	// Empty disables the cache.
	CacheDir string
	// Workers is the number of pages rasterised/OCR'd at once
	// (default runtime.NumCPU()).
	Workers int
	// Lang is tesseract's -l argument, e.g. "eng" or "eng+deu"
	// (default "eng").
	Lang string
	// DPI is the resolution PDF pages are rasterised at (default 300).
	DPI int
	// Disabled turns OCR off (--no-ocr): PDF and Image return ErrDisabled,
	// PDFText returns text layers only. TextLayer still works.
	Disabled bool
	// MinTextChars and MinTextWords decide when a PDF page's text layer
	// is too thin to be the page's text (see TextLayer). Defaults 20 and 5.
	MinTextChars int
	MinTextWords int
	// MaxPixels bounds the size of an image given to tesseract (default
	// 100 million pixels, e.g. 10,000 × 10,000). PDF pages that would be
	// larger at DPI are rasterised at a lower resolution; larger image
	// files are refused with ErrImageTooLarge.
	MaxPixels int64
	// Claims coordinates processes sharing CacheDir (team-mode workers):
	// a page is rasterised and OCR'd by one of them while the others wait
	// for its cached result (see claim.go). ClaimTTL (default 2 min) is
	// how long a silent holder keeps a page; ClaimPoll (default 500 ms)
	// how often a waiting process looks again.
	Claims    bool
	ClaimTTL  time.Duration
	ClaimPoll time.Duration
	// Fanout, when set with Claims, is called by PDF with the pages it is
	// about to OCR that no process has cached yet (two or more), so the
	// caller can hand them to other workers (queue units of kind
	// ocr-page) that read them with Page while this process reads the
	// rest.
	Fanout func(ctx context.Context, path string, pages []int)
	// Paths of the external programs; empty means look the tool up in
	// PATH. Tests point Tesseract at a wrapper script.
	Tesseract, Pdftoppm, Pdftotext, Pdfinfo string
}

// ErrDisabled is returned by PDF and Image when Options.Disabled is set.
var ErrDisabled = errors.New("OCR is disabled (--no-ocr)")

// ErrEncrypted marks a password-protected PDF.
var ErrEncrypted = errors.New("the PDF is encrypted (password-protected)")

// ErrNoPages marks a PDF with zero pages.
var ErrNoPages = errors.New("the PDF has no pages")

// ErrImageTooLarge marks an image file beyond Options.MaxPixels.
var ErrImageTooLarge = errors.New("image too large to OCR")

// ErrToolMissing reports that an external program is not installed.
// Test with errors.As(err, &ocr.ErrToolMissing{}) or a variable of this
// type.
type ErrToolMissing struct {
	Tool          string // program name, e.g. "tesseract"
	DebianPackage string // package that provides it, e.g. "tesseract-ocr"
}

func (e ErrToolMissing) Error() string {
	return fmt.Sprintf("%s not found: install the Debian package %s (apt-get install %s)", e.Tool, e.DebianPackage, e.DebianPackage)
}

// PageText is the text of one page.
type PageText struct {
	// Page is the 1-based page number (1 for an image file).
	Page int
	// Text is the page's text: the text layer, or for OCR'd pages the OCR
	// text followed by whatever the thin text layer held (often a Bates
	// stamp added to a scan as text).
	Text string
	// LayerText is the PDF text layer exactly as pdftotext gave it.
	LayerText string
	// NeedsOCR reports that the text layer is too thin to be the page's
	// text (image-only page).
	NeedsOCR bool
	// OCR reports that Text comes from OCR; Cached that the OCR result
	// came from the cache (tesseract did not run).
	OCR    bool
	Cached bool
	// DPI is the resolution the page was rasterised at (0 when not
	// rasterised in this call or when it is an image file).
	DPI int
	// Err is set when this page could not be OCR'd while others could.
	Err error
	// Elsewhere reports (from Page only) that another process holds the
	// page's claim and will cache its text: Text is empty.
	Elsewhere bool
}

// Stats counts an Engine's work since New.
type Stats struct {
	Pages         int64   // pages and images asked for through PDF, PDFText or Image
	OCRd          int64   // pages tesseract ran on
	CacheHits     int64   // pages answered from the cache (tesseract did not run)
	RenderSkipped int64   // of CacheHits, pages not even rasterised (known PDF page)
	Rendered      int64   // pages rasterised with pdftoppm
	OCRSeconds    float64 // summed wall time of tesseract runs
	RenderSeconds float64 // summed wall time of pdftoppm runs
}

// Engine extracts and OCRs page text. It is safe for concurrent use.
type Engine struct {
	opts Options
	sem  chan struct{} // bounds concurrent subprocesses

	verMu   sync.Mutex
	version string

	shaMu sync.Mutex
	shas  map[string][2]string // path → {size:mtime, SHA-256}

	pages, ocrd, hits, renderSkipped, rendered atomic.Int64
	ocrNanos, renderNanos                      atomic.Int64
}

// New returns an Engine. It does not require the external tools to be
// installed: each method reports ErrToolMissing when it needs one.
func New(opts Options) (*Engine, error) {
	if opts.Workers <= 0 {
		opts.Workers = (&Engine{}).defaultWorkers()
	}
	if opts.Lang == "" {
		opts.Lang = "eng"
	}
	if opts.DPI <= 0 {
		opts.DPI = 300
	}
	if opts.DPI < 50 || opts.DPI > 1200 {
		return nil, fmt.Errorf("ocr: DPI %d out of range (50..1200)", opts.DPI)
	}
	if strings.ContainsAny(opts.Lang, " \t\n/\\") || strings.HasPrefix(opts.Lang, "-") {
		return nil, fmt.Errorf("ocr: invalid language %q (use tesseract codes such as eng or eng+deu)", opts.Lang)
	}
	if opts.ClaimTTL <= 0 {
		opts.ClaimTTL = 2 * time.Minute
	}
	if opts.ClaimPoll <= 0 {
		opts.ClaimPoll = 500 * time.Millisecond
	}
	if opts.Claims && opts.CacheDir == "" {
		return nil, errors.New("ocr: claims need a cache folder shared by the processes")
	}
	if opts.MinTextChars <= 0 {
		opts.MinTextChars = 20
	}
	if opts.MinTextWords <= 0 {
		opts.MinTextWords = 5
	}
	if opts.MaxPixels <= 0 {
		opts.MaxPixels = 100_000_000
	}
	if opts.CacheDir != "" {
		if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("ocr: create cache folder %s: %w", opts.CacheDir, err)
		}
	}
	return &Engine{opts: opts, sem: make(chan struct{}, opts.Workers)}, nil
}

// defaultWorkers is one process per CPU.
func (*Engine) defaultWorkers() int { return runtime.NumCPU() }

// Options returns the engine's options with defaults filled in.
func (e *Engine) Options() Options { return e.opts }

// Stats returns a snapshot of the work done so far.
func (e *Engine) Stats() Stats {
	return Stats{
		Pages:         e.pages.Load(),
		OCRd:          e.ocrd.Load(),
		CacheHits:     e.hits.Load(),
		RenderSkipped: e.renderSkipped.Load(),
		Rendered:      e.rendered.Load(),
		OCRSeconds:    time.Duration(e.ocrNanos.Load()).Seconds(),
		RenderSeconds: time.Duration(e.renderNanos.Load()).Seconds(),
	}
}

// tool resolves an external program: the configured path, else PATH.
func (e *Engine) tool(name string) (string, error) {
	configured := map[string]string{
		"tesseract": e.opts.Tesseract,
		"pdftoppm":  e.opts.Pdftoppm,
		"pdftotext": e.opts.Pdftotext,
		"pdfinfo":   e.opts.Pdfinfo,
	}[name]
	pkg := "poppler-utils"
	if name == "tesseract" {
		pkg = "tesseract-ocr"
	}
	p := configured
	if p == "" {
		p = name
	}
	bin, err := exec.LookPath(p)
	if err != nil {
		return "", ErrToolMissing{Tool: name, DebianPackage: pkg}
	}
	return bin, nil
}

// tesseractVersion returns the first line of `tesseract --version`, part
// of every cache key so that an upgrade re-reads pages. A failure is not
// remembered: the next call tries again.
func (e *Engine) tesseractVersion(ctx context.Context) (string, error) {
	e.verMu.Lock()
	defer e.verMu.Unlock()
	if e.version != "" {
		return e.version, nil
	}
	bin, err := e.tool("tesseract")
	if err != nil {
		return "", err
	}
	out, err := run(ctx, bin, nil, "--version")
	if err != nil {
		return "", fmt.Errorf("tesseract --version: %w", err)
	}
	v := strings.TrimSpace(string(out.stdout))
	if v == "" {
		v = strings.TrimSpace(string(out.stderr)) // tesseract 3 printed it on stderr
	}
	if i := strings.IndexByte(v, '\n'); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	if v == "" {
		return "", fmt.Errorf("tesseract --version printed nothing (%s)", bin)
	}
	e.version = v
	return v, nil
}

// acquire takes a worker slot, or fails when ctx ends first.
func (e *Engine) acquire(ctx context.Context) error {
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) release() { <-e.sem }
