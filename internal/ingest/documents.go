package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/inbucket/html2text"
	"golang.org/x/text/encoding/charmap"

	"github.com/casefile/casefile/internal/message"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/ocr"
	"github.com/casefile/casefile/internal/printed"
	"github.com/casefile/casefile/internal/source"
	"github.com/casefile/casefile/internal/store"
)

// PrintedOptions configure PrintedDocuments.
type PrintedOptions struct {
	// NoOCR skips OCR of images and image-only PDF pages.
	NoOCR bool
	// OCR configures the OCR engine (cache folder, workers, language);
	// NoOCR sets OCR.Disabled.
	OCR ocr.Options
	// Warn receives one-time notices (a missing external tool).
	Warn func(string)
	// Printed is passed to printed.Recover.
	Printed printed.Options
}

// PrintedDocuments returns a DocumentHandler that extracts page text
// (OCR text files, HTML renders, PDF text layers via pdftotext, image-only
// PDF pages and images via tesseract, cached) and recovers printed emails
// with internal/printed. Every page with text is also kept as a document
// of its own (kind page).
func PrintedDocuments(opts PrintedOptions) DocumentHandler {
	var warned sync.Map // tool message -> struct{}: warn once per run
	warnMissing := func(err error) {
		var tm ocr.ErrToolMissing
		if opts.Warn != nil && errors.As(err, &tm) {
			if _, dup := warned.LoadOrStore(tm.Error(), struct{}{}); !dup {
				opts.Warn(tm.Error() + "; files that need it are recorded as failed and the rest continues")
			}
		}
	}
	ocrOpts := opts.OCR
	ocrOpts.Disabled = ocrOpts.Disabled || opts.NoOCR
	engine, engineErr := ocr.New(ocrOpts)
	return func(ctx context.Context, ev source.Event) ([]*model.Message, []store.Problem, error) {
		if engineErr != nil {
			return nil, nil, engineErr
		}
		path := ev.Source.Path
		if path == "" {
			path = ev.File.Path
		}
		problem := func(kind string, page int, reason string) store.Problem {
			return store.Problem{Kind: kind, Path: path, Member: ev.Source.Member, Page: page, Reason: reason}
		}
		var pages []printed.Page
		var probs []store.Problem
		ocrd := map[int]bool{}
		switch ev.Format {
		case source.FormatText, source.FormatHTML:
			data, err := documentBytes(ev)
			if err != nil {
				return nil, nil, err
			}
			if pages, err = textPages(ev.Format, data); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
		case source.FormatPDF, source.FormatImage:
			file, cleanup, err := documentFile(ev)
			if err != nil {
				return nil, nil, err
			}
			defer cleanup()
			if ev.Format == source.FormatImage && opts.NoOCR {
				p := problem("skipped", 0, "image not OCR'd (--no-ocr); the next ingest without --no-ocr reads it")
				p.Retry = true
				return nil, []store.Problem{p}, nil
			}
			var notes []PageNote
			pages, notes, err = DocumentPages(ctx, engine, ev.Format, file)
			if err != nil {
				warnMissing(err)
				if pages == nil {
					return nil, nil, fmt.Errorf("%s %s: %w", ev.Format, path, err)
				}
				probs = append(probs, problem("failed", 0, fmt.Sprintf("some pages could not be OCR'd: %v", err)))
			}
			for _, n := range notes {
				switch {
				case n.OCR:
					ocrd[n.Page] = true
				case n.Err != nil:
					probs = append(probs, problem("failed", n.Page, fmt.Sprintf("page %d could not be OCR'd: %v", n.Page, n.Err)))
				case n.NeedsOCR && opts.NoOCR:
					p := problem("skipped", n.Page, fmt.Sprintf("page %d has no text layer and was not OCR'd (--no-ocr); the next ingest without --no-ocr reads it", n.Page))
					p.Retry = true
					probs = append(probs, p)
				}
			}
		default:
			return nil, []store.Problem{problem("skipped", 0, "unsupported document format "+ev.Format)}, nil
		}
		res := printed.Recover(printed.Document{Path: path, FileSHA256: ev.File.SHA256, Pages: pages}, opts.Printed)
		if len(res.Messages) == 0 {
			probs = append(probs, problem("skipped", 0, fmt.Sprintf("%s document with %d page(s): no printed email found (its pages are searchable with kind:page)", ev.Format, len(pages))))
		}
		for _, m := range res.Messages {
			for i := range m.Sources {
				m.Sources[i].Path = path
				m.Sources[i].Member = ev.Source.Member
				m.Sources[i].FileSHA256 = ev.File.SHA256
			}
			if src := m.Sources[0]; ocrd[src.Page] || ocrd[src.PageEnd] {
				m.Warnings = append(m.Warnings, "recovered from OCR text: check the page image before quoting")
			}
			if m.ContentHash == "" {
				m.ContentHash = message.ContentHash(m)
			}
			m.ID = model.IDForKey(model.DedupKey(m))
		}
		docs := pageDocuments(path, ev, pages, res.Bates)
		for _, d := range docs {
			if ocrd[d.Sources[0].Page] {
				d.Warnings = append(d.Warnings, "text recognised by OCR")
			}
		}
		return append(res.Messages, docs...), probs, nil
	}
}

// PageNote tells how one page's text was obtained.
type PageNote struct {
	Page     int
	NeedsOCR bool  // no usable text layer
	OCR      bool  // the text is OCR output
	Err      error // OCR of this page failed
}

// DocumentPages returns the page texts of the PDF or image file at path
// exactly as ingest reads them (so citations can be re-checked later):
// the PDF text layer (pdftotext -layout), with image-only pages OCR'd by
// engine (cached), or the OCR text of an image (a multi-page TIFF gives
// several pages). When some pages could not be OCR'd it returns the pages
// it has together with the error.
func DocumentPages(ctx context.Context, engine *ocr.Engine, format, path string) ([]printed.Page, []PageNote, error) {
	switch format {
	case source.FormatPDF:
		pts, err := engine.PDFText(ctx, path, nil)
		if pts == nil {
			return nil, nil, err
		}
		pages := make([]printed.Page, len(pts))
		notes := make([]PageNote, len(pts))
		for i, p := range pts {
			pages[i] = printed.Page{Number: p.Page, Text: p.Text}
			notes[i] = PageNote{Page: p.Page, NeedsOCR: p.NeedsOCR, OCR: p.OCR, Err: p.Err}
		}
		return pages, notes, err
	case source.FormatImage:
		pt, err := engine.Image(ctx, path)
		if err != nil {
			return nil, nil, err
		}
		pages := printed.SplitPages(pt.Text)
		notes := make([]PageNote, len(pages))
		for i, p := range pages {
			notes[i] = PageNote{Page: p.Number, NeedsOCR: true, OCR: true}
		}
		return pages, notes, nil
	}
	return nil, nil, fmt.Errorf("no page text for %s files", format)
}

// textPages returns the pages of a text or HTML document (split at form
// feeds).
func textPages(format string, data []byte) ([]printed.Page, error) {
	switch format {
	case source.FormatText:
		return printed.SplitPages(toUTF8(data)), nil
	case source.FormatHTML:
		txt, err := html2text.FromString(toUTF8(data), html2text.Options{})
		if err != nil {
			return nil, fmt.Errorf("html: %w", err)
		}
		return printed.SplitPages(txt), nil
	}
	return nil, fmt.Errorf("no page text for %s documents", format)
}

// ExtractPages returns the page texts of a document file as ingest read
// them; see DocumentPages and textPages.
func ExtractPages(ctx context.Context, engine *ocr.Engine, format, path string) ([]printed.Page, error) {
	if format == source.FormatText || format == source.FormatHTML {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return textPages(format, data)
	}
	pages, _, err := DocumentPages(ctx, engine, format, path)
	return pages, err
}

// documentBytes returns the document's bytes: from the container, from
// the walker's read-ahead, or from disk.
func documentBytes(ev source.Event) ([]byte, error) {
	if ev.DocBytes != nil {
		return ev.DocBytes, nil
	}
	if ev.File.Data != nil {
		return ev.File.Data, nil
	}
	b, err := os.ReadFile(ev.File.AbsPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ev.File.Path, err)
	}
	return b, nil
}

// documentFile returns a path holding the document: the input file
// itself, or for a container member a temporary copy.
func documentFile(ev source.Event) (string, func(), error) {
	if ev.DocBytes == nil {
		return ev.File.AbsPath, func() {}, nil
	}
	f, err := os.CreateTemp("", "casefile-doc-*"+filepath.Ext(ev.Source.Member))
	if err != nil {
		return "", nil, fmt.Errorf("temporary copy of %s member %s: %w", ev.File.Path, ev.Source.Member, err)
	}
	cleanup := func() { os.Remove(f.Name()) }
	if _, err := f.Write(ev.DocBytes); err != nil {
		f.Close()
		cleanup()
		return "", nil, fmt.Errorf("temporary copy of %s member %s: %w", ev.File.Path, ev.Source.Member, err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return "", nil, err
	}
	return f.Name(), cleanup, nil
}

// pageDocuments keeps every page with text as a searchable document of
// its own (kind page), cited by page number, line span, the page's Bates
// stamp and the SHA-256 of its text. Identical pages (the same exhibit
// released twice) become one document with two sources.
func pageDocuments(path string, ev source.Event, pages []printed.Page, stamps []printed.BatesStamp) []*model.Message {
	bates := map[int]string{}
	for _, s := range stamps { // prefer a standalone stamp (the page's own), else the first seen
		if _, ok := bates[s.Page]; !ok || s.Standalone {
			bates[s.Page] = s.Text
		}
	}
	var out []*model.Message
	for _, p := range pages {
		norm := strings.Join(strings.Fields(p.Text), " ")
		if norm == "" {
			continue
		}
		lines := printed.PageLines(p.Text)
		text := strings.Join(lines, "\n") // what the source cites: printed.SpanText of the whole page
		sum := sha256.Sum256([]byte(text))
		key := sha256.Sum256([]byte("page\x00" + norm))
		subject := fmt.Sprintf("%s, page %d", filepath.Base(path), p.Number)
		if b := bates[p.Number]; b != "" {
			subject += " (" + b + ")"
		}
		m := &model.Message{
			Kind:        model.KindPage,
			Subject:     subject,
			BodyText:    p.Text,
			DateFlag:    model.DateMissing,
			Confidence:  1,
			Size:        int64(len(p.Text)),
			RawSHA256:   hex.EncodeToString(sum[:]),
			ContentHash: hex.EncodeToString(key[:]),
			Sources: []model.Source{{Path: path, Member: ev.Source.Member, FileSHA256: ev.File.SHA256, Page: p.Number, PageEnd: p.Number,
				Bates: bates[p.Number], LineFrom: 1, LineTo: len(lines), SHA256: hex.EncodeToString(sum[:]),
				Length: int64(len(text))}},
		}
		m.ID = model.IDForKey(model.DedupKey(m))
		out = append(out, m)
	}
	return out
}

func toUTF8(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}
