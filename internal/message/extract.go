package message

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"strings"
	"unicode/utf8"

	"github.com/inbucket/html2text"

	"github.com/casefile/casefile/internal/lazyre"
)

var (
	metaCharsetRe = lazyre.New(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)`)
	styleScriptRe = lazyre.New(`(?is)<(style|script|head)\b.*?</(style|script|head)\s*>`)
	commentRe     = lazyre.New(`(?s)<!--.*?-->`)
	blockTagRe    = lazyre.New(`(?i)<\s*(br|/p|/div|/tr|/li|/h[1-6]|/table|p|div|tr|li)\b[^>]*>`)
	tagRe         = lazyre.New(`(?s)<[^>]*>`)
	blankLinesRe  = lazyre.New(`\n[ \t]*\n(?:[ \t]*\n)+`)
	spacesRe      = lazyre.New(`[ \t\f\v]+`)
)

// htmlMetaCharset finds a <meta charset> declaration in the first 8 KiB.
func htmlMetaCharset(data []byte) string {
	if len(data) > 8192 {
		data = data[:8192]
	}
	if m := metaCharsetRe.FindSubmatch(data); m != nil {
		return string(m[1])
	}
	return ""
}

// htmlToText converts HTML to readable text for indexing: <style>,
// <script> and <head> are dropped, links keep their URL. It falls back to
// a tag stripper when the HTML converter fails.
func htmlToText(h string) (out string) {
	if strings.TrimSpace(h) == "" {
		return ""
	}
	defer func() {
		if r := recover(); r != nil {
			out = stripTags(h)
		}
	}()
	t, err := html2text.FromString(h, html2text.Options{})
	if err != nil {
		return stripTags(h)
	}
	return t
}

// stripTags is a crude HTML-to-text fallback.
func stripTags(h string) string {
	h = styleScriptRe.ReplaceAllString(h, " ")
	h = commentRe.ReplaceAllString(h, " ")
	h = blockTagRe.ReplaceAllString(h, "\n")
	h = tagRe.ReplaceAllString(h, " ")
	h = html.UnescapeString(h)
	h = spacesRe.ReplaceAllString(h, " ")
	h = blankLinesRe.ReplaceAllString(h, "\n\n")
	return strings.TrimSpace(h)
}

// limitedBuffer keeps the first max bytes written to it and discards the
// rest (so a child process never blocks on a full pipe).
type limitedBuffer struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	room := l.max - l.buf.Len()
	if room <= 0 {
		l.truncated = l.truncated || len(p) > 0
		return len(p), nil
	}
	if len(p) > room {
		l.buf.Write(p[:room])
		l.truncated = true
		return len(p), nil
	}
	l.buf.Write(p)
	return len(p), nil
}

// pdfText extracts text from a PDF with Options.PDFToText or pdftotext.
// The second result explains a failure (Attachment.TextError).
func (b *builder) pdfText(data []byte, name string) (string, string) {
	ctx, cancel := context.WithTimeout(b.p.ctx, b.p.opts.PDFTimeout)
	defer cancel()
	var text string
	if f := b.p.opts.PDFToText; f != nil {
		t, err := f(ctx, data)
		if err != nil {
			return "", "pdf text extraction failed: " + err.Error()
		}
		text = t
	} else {
		t, errMsg := runPDFToText(ctx, data, b.p.opts.MaxTextBytes)
		if errMsg != "" {
			return "", errMsg
		}
		text = t
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	text = strings.TrimRight(normalizeNewlines(text), " \t\n\f")
	if strings.TrimSpace(strings.ReplaceAll(text, "\f", "")) == "" {
		return "", "pdf has no text layer (scanned image?); OCR needed to read it"
	}
	return text, ""
}

// runPDFToText runs the pdftotext CLI on a temporary copy of data.
func runPDFToText(ctx context.Context, data []byte, max int) (string, string) {
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		return "", "pdftotext not found: install poppler-utils"
	}
	f, err := os.CreateTemp("", "casefile-pdf-*.pdf")
	if err != nil {
		return "", fmt.Sprintf("pdf text extraction: cannot create temporary file: %v", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", fmt.Sprintf("pdf text extraction: cannot write temporary file %s: %v", tmp, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Sprintf("pdf text extraction: cannot write temporary file %s: %v", tmp, err)
	}
	out := &limitedBuffer{max: max + 4}
	errOut := &limitedBuffer{max: 2048}
	cmd := exec.CommandContext(ctx, path, "-q", "-enc", "UTF-8", tmp, "-")
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			if errors.Is(ctxErr, context.DeadlineExceeded) {
				return "", "pdftotext timed out; the PDF may be very large or damaged"
			}
			return "", "pdftotext cancelled: " + ctxErr.Error()
		}
		msg := strings.TrimSpace(errOut.buf.String())
		if msg == "" {
			msg = err.Error()
		} else {
			msg = err.Error() + ": " + firstLines(msg, 3)
		}
		return "", "pdftotext failed (damaged or encrypted PDF?): " + msg
	}
	return out.buf.String(), ""
}

// extByType gives a file extension for generated attachment names.
var extByType = map[string]string{
	"text/plain": "txt", "text/html": "html", "text/calendar": "ics", "text/csv": "csv",
	"text/rtf": "rtf", "application/rtf": "rtf", "text/xml": "xml", "application/xml": "xml",
	"text/rfc822-headers": "txt", "message/rfc822": "eml", "message/global": "eml",
	"message/delivery-status": "txt", "message/disposition-notification": "txt",
	"application/pdf": "pdf", "application/zip": "zip", "application/msword": "doc",
	"application/vnd.ms-excel": "xls", "application/vnd.ms-powerpoint": "ppt",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
	"application/pgp-signature": "asc", "application/pkcs7-signature": "p7s",
	"application/x-pkcs7-signature": "p7s", "application/ms-tnef": "dat",
	"application/json": "json", "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
	"image/bmp": "bmp", "image/tiff": "tif", "image/webp": "webp", "image/svg+xml": "svg",
	"audio/mpeg": "mp3", "audio/wav": "wav", "video/mp4": "mp4",
}

// bidiControls are invisible characters used to disguise file extensions.
func isBidiControl(r rune) bool {
	return r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// sanitizeFilename reduces name to a safe base name: no directories, no
// control or bidi characters, at most 255 bytes (keeping the extension).
// An empty result becomes "part-<id>.<ext>".
func sanitizeFilename(name, id, mimeType string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if isControl(r) || isBidiControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	if len(name) > 255 {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i >= 0 && len(name)-i <= 16 {
			ext = name[i:]
		}
		base, _ := trimToBytes(name[:len(name)-len(ext)], 255-len(ext))
		name = base + ext
	}
	if name == "" {
		ext := extByType[mimeType]
		if ext == "" {
			ext = "bin"
		}
		id = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '.' || r >= 'a' && r <= 'z' || r == '-' {
				return r
			}
			return -1
		}, id)
		name = fmt.Sprintf("part-%s.%s", id, ext)
	}
	return name
}
