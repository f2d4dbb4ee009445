// Package verify re-checks citations. Every source casefile records ends
// in a SHA-256: of the bytes [Offset, Offset+Length) of a file, or of the
// printed lines a message was recovered from. verify reads those bytes or
// lines back from the case's preserved originals and compares, so a
// citation in a story can be shown to hold, and a damaged or tampered
// case folder is noticed.
package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/ocr"
	"github.com/casefile/casefile/internal/printed"
	"github.com/casefile/casefile/internal/store"
)

// Statuses of a check.
const (
	OK        = "ok"        // the bytes or lines hash to the recorded SHA-256
	Mismatch  = "mismatch"  // they do not: the original or the record changed
	Missing   = "missing"   // the original is not in the case (ingested with --no-preserve?)
	Unchecked = "unchecked" // this kind of source cannot be re-read on its own (Detail says why)
)

// Result is the outcome of one check.
type Result struct {
	Source model.Source `json:"source"`
	Status string       `json:"status"`
	Detail string       `json:"detail,omitempty"`
}

// Verifier checks sources against one case's originals. It caches page
// texts per file, so it is not safe for concurrent use.
type Verifier struct {
	c       *casedir.Case
	formats map[string]string // file SHA-256 → detected format
	pages   map[string][]printed.Page
	engine  *ocr.Engine
}

// New returns a Verifier for c.
func New(ctx context.Context, c *casedir.Case) (*Verifier, error) {
	files, err := c.Store.Files(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	// Re-reading OCR'd pages uses the case's OCR cache, so the text is the
	// one ingest recognised (tesseract runs again only on a cache miss).
	engine, err := ocr.New(ocr.Options{CacheDir: c.OCRCacheDir()})
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	v := &Verifier{c: c, formats: map[string]string{}, pages: map[string][]printed.Page{}, engine: engine}
	for _, f := range files {
		v.formats[f.SHA256] = f.Format
	}
	return v, nil
}

// Source checks one source.
func (v *Verifier) Source(ctx context.Context, src model.Source) Result {
	r := Result{Source: src}
	o, err := v.c.OpenOriginal(src.FileSHA256)
	if errors.Is(err, fs.ErrNotExist) {
		r.Status, r.Detail = Missing, "the original file is not in the case (was it ingested with --no-preserve?)"
		return r
	}
	if err != nil {
		r.Status, r.Detail = Mismatch, err.Error()
		return r
	}
	defer o.Close()
	switch {
	case src.Page > 0:
		return v.printedSpan(ctx, r, o)
	case src.Member != "" && !strings.HasPrefix(src.Member, "#rfc822-"):
		r.Status, r.Detail = Unchecked, "inside an archive or PST (member "+src.Member+"): check the archive file's own hash with verify --originals"
		return r
	}
	got, err := rangeHash(o, src.Offset, src.Length)
	if err != nil {
		r.Status, r.Detail = Mismatch, err.Error()
		return r
	}
	if got == src.SHA256 {
		r.Status = OK
		return r
	}
	if strings.Contains(src.Member, "#rfc822-") {
		r.Status, r.Detail = Unchecked, "an attached message stored encoded (base64 or quoted-printable) inside its parent: check the parent message's source"
		return r
	}
	r.Status, r.Detail = Mismatch, fmt.Sprintf("bytes %d-%d hash to %s", src.Offset, src.Offset+src.Length, got)
	return r
}

func (v *Verifier) printedSpan(ctx context.Context, r Result, o *casedir.Original) Result {
	src := r.Source
	if src.Member != "" {
		r.Status, r.Detail = Unchecked, "a document inside an archive (member "+src.Member+"): check the archive file's own hash with verify --originals"
		return r
	}
	format := v.formats[src.FileSHA256]
	pages, ok := v.pages[src.FileSHA256]
	if !ok {
		path := o.Path
		if path == "" { // kept in a pack: the extractors read files
			tmp, err := os.MkdirTemp("", "casefile-verify-*")
			if err != nil {
				r.Status, r.Detail = Unchecked, err.Error()
				return r
			}
			defer os.RemoveAll(tmp)
			if path, err = v.c.OriginalFile(src.FileSHA256, tmp); err != nil {
				r.Status, r.Detail = Unchecked, err.Error()
				return r
			}
		}
		var err error
		if pages, err = ingest.ExtractPages(ctx, v.engine, format, path); err != nil {
			r.Status, r.Detail = Unchecked, fmt.Sprintf("cannot extract the page text again: %v", err)
			return r
		}
		v.pages[src.FileSHA256] = pages
	}
	text, ok := printed.SpanText(pages, src.Page, src.LineFrom, max(src.PageEnd, src.Page), src.LineTo)
	if !ok {
		r.Status, r.Detail = Mismatch, fmt.Sprintf("page %d lines %d-%d are not in the document", src.Page, src.LineFrom, src.LineTo)
		return r
	}
	sum := sha256.Sum256([]byte(text))
	if got := hex.EncodeToString(sum[:]); got != src.SHA256 {
		r.Status, r.Detail = Mismatch, fmt.Sprintf("page %d lines %d-%d hash to %s", src.Page, src.LineFrom, src.LineTo, got)
		return r
	}
	r.Status = OK
	return r
}

// Original re-hashes the preserved copy of one input file.
func (v *Verifier) Original(f store.FileRecord) Result {
	r := Result{Source: model.Source{Path: f.Path, FileSHA256: f.SHA256, SHA256: f.SHA256, Length: f.Size}}
	var got string
	o, err := v.c.OpenOriginal(f.SHA256)
	if err == nil {
		got, err = rangeHash(o, 0, -1)
		o.Close()
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Status, r.Detail = Missing, "the original file is not in the case (was it ingested with --no-preserve?)"
	case err != nil:
		r.Status, r.Detail = Mismatch, err.Error()
	case got != f.SHA256:
		r.Status, r.Detail = Mismatch, "the preserved copy hashes to "+got
	default:
		r.Status = OK
	}
	return r
}

// rangeHash hashes length bytes at offset of an original (all of it
// when length < 0).
func rangeHash(o *casedir.Original, offset, length int64) (string, error) {
	h := sha256.New()
	var r io.Reader = o
	if length >= 0 {
		r = io.NewSectionReader(o, offset, length)
	}
	n, err := io.Copy(h, r)
	if err != nil {
		return "", fmt.Errorf("read the original: %w", err)
	}
	if length >= 0 && n != length {
		return "", fmt.Errorf("the original has only %d of bytes %d-%d", n, offset, offset+length)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
