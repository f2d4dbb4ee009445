package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/tiff"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/inbucket/html2text"
	"golang.org/x/text/encoding/charmap"

	"github.com/casefile/casefile/internal/message"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/printed"
	"github.com/casefile/casefile/internal/source"
	"github.com/casefile/casefile/internal/store"
)

// PrintedOptions configure PrintedDocuments.
type PrintedOptions struct {
	// NoOCR skips OCR of images and image-only PDF pages.
	NoOCR bool
	// Warn receives one-time notices (a missing external tool).
	Warn func(string)
	// Printed is passed to printed.Recover.
	Printed printed.Options
}

// PrintedDocuments returns a DocumentHandler that extracts page text
// (OCR text files, HTML renders, PDF text layers via pdftotext, images
// via tesseract) and recovers printed emails with internal/printed.
func PrintedDocuments(opts PrintedOptions) DocumentHandler {
	var warned sync.Map // tool message -> struct{}: warn once per run
	warnMissing := func(err error) {
		if opts.Warn != nil && errors.Is(err, ErrToolMissing) {
			if _, dup := warned.LoadOrStore(err.Error(), struct{}{}); !dup {
				opts.Warn(err.Error() + "; files that need it are recorded as failed and the rest continues")
			}
		}
	}
	return func(ctx context.Context, ev source.Event) ([]*model.Message, []store.Problem, error) {
		data := ev.DocBytes
		if data == nil {
			data = ev.File.Data
		}
		if data == nil {
			b, err := os.ReadFile(ev.File.AbsPath)
			if err != nil {
				return nil, nil, fmt.Errorf("read %s: %w", ev.File.Path, err)
			}
			data = b
		}
		path := ev.Source.Path
		if path == "" {
			path = ev.File.Path
		}
		var pages []printed.Page
		var probs []store.Problem
		switch ev.Format {
		case source.FormatText, source.FormatHTML:
			var err error
			if pages, err = ExtractPages(ctx, ev.Format, data); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
		case source.FormatPDF:
			var err error
			if pages, err = ExtractPages(ctx, ev.Format, data); err != nil {
				warnMissing(err)
				return nil, nil, fmt.Errorf("pdf %s: %w", path, err)
			}
			var empty []int
			for _, p := range pages {
				if strings.TrimSpace(p.Text) == "" {
					empty = append(empty, p.Number)
				}
			}
			if len(empty) > 0 {
				probs = append(probs, store.Problem{Kind: "warning", Path: path, Member: ev.Source.Member, Page: empty[0],
					Reason: fmt.Sprintf("%d page(s) have no text layer (image-only); OCR of PDF pages is not implemented yet", len(empty))})
			}
		case source.FormatImage:
			if opts.NoOCR {
				return nil, []store.Problem{{Kind: "skipped", Path: path, Member: ev.Source.Member, Reason: "image not OCR'd (--no-ocr)"}}, nil
			}
			if err := checkImageSize(data); err != nil {
				return nil, nil, fmt.Errorf("image %s: %w", path, err)
			}
			txt, err := ocrImage(ctx, data)
			if err != nil {
				warnMissing(err)
				return nil, nil, fmt.Errorf("image %s: %w", path, err)
			}
			pages = []printed.Page{{Number: 1, Text: txt}}
		default:
			return nil, []store.Problem{{Kind: "skipped", Path: path, Member: ev.Source.Member, Reason: "unsupported document format " + ev.Format}}, nil
		}
		res := printed.Recover(printed.Document{Path: path, FileSHA256: ev.File.SHA256, Pages: pages}, opts.Printed)
		if len(res.Messages) == 0 {
			probs = append(probs, store.Problem{Kind: "skipped", Path: path, Member: ev.Source.Member,
				Reason: fmt.Sprintf("%s document with %d page(s): no printed email found", ev.Format, len(pages))})
		}
		for _, m := range res.Messages {
			for i := range m.Sources {
				m.Sources[i].Path = path
				m.Sources[i].Member = ev.Source.Member
				m.Sources[i].FileSHA256 = ev.File.SHA256
			}
			if m.ContentHash == "" {
				m.ContentHash = message.ContentHash(m)
			}
			m.ID = model.IDForKey(model.DedupKey(m))
		}
		return append(res.Messages, pageDocuments(path, ev, pages, res.Bates)...), probs, nil
	}
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

// ExtractPages returns the page texts of a text, HTML or PDF document
// exactly as ingest reads them (so citations can be re-checked later):
// text and HTML split at form feeds, PDFs through pdftotext -layout.
// Images need OCR and are not handled here.
func ExtractPages(ctx context.Context, format string, data []byte) ([]printed.Page, error) {
	switch format {
	case source.FormatText:
		return printed.SplitPages(toUTF8(data)), nil
	case source.FormatHTML:
		txt, err := html2text.FromString(toUTF8(data), html2text.Options{})
		if err != nil {
			return nil, fmt.Errorf("html: %w", err)
		}
		return printed.SplitPages(txt), nil
	case source.FormatPDF:
		txt, err := pdfText(ctx, data)
		if err != nil {
			return nil, err
		}
		return printed.SplitPages(txt), nil
	}
	return nil, fmt.Errorf("no page text for %s documents without OCR", format)
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

// ErrToolMissing marks a missing optional external tool.
var ErrToolMissing = errors.New("external tool missing")

func pdfText(ctx context.Context, data []byte) (string, error) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return "", fmt.Errorf("%w: pdftotext not found: install the Debian package poppler-utils", ErrToolMissing)
	}
	cmd := exec.CommandContext(ctx, bin, "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(data)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "Incorrect password") || strings.Contains(msg, "encrypted") {
			return "", fmt.Errorf("the PDF is encrypted (pdftotext: %s)", msg)
		}
		return "", fmt.Errorf("pdftotext failed: %v: %s", err, lastLine(msg))
	}
	return toUTF8(out.Bytes()), nil
}

func ocrImage(ctx context.Context, data []byte) (string, error) {
	bin, err := exec.LookPath("tesseract")
	if err != nil {
		return "", fmt.Errorf("%w: tesseract not found: install the Debian package tesseract-ocr", ErrToolMissing)
	}
	dir, err := os.MkdirTemp("", "casefile-ocr-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "page")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, in, "stdout")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tesseract failed: %v: %s", err, lastLine(stderr.String()))
	}
	return toUTF8(out.Bytes()), nil
}

// MaxOCRPixels bounds the images handed to OCR: a 20,000 × 20,000 scan
// would take tesseract minutes and gigabytes for one page.
const MaxOCRPixels = 100_000_000

// checkImageSize refuses images too large to OCR, reading only the
// header. Formats Go cannot decode (TIFF) pass unchecked.
func checkImageSize(data []byte) error {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > MaxOCRPixels {
		return fmt.Errorf("the image is %d × %d pixels (%d megapixels), more than the OCR limit of %d megapixels: downscale it (e.g. to 300 DPI) and ingest it again",
			cfg.Width, cfg.Height, px/1_000_000, MaxOCRPixels/1_000_000)
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
