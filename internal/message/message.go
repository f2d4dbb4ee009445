// Package message turns raw RFC 5322 bytes into a model.Message.
//
// It owns everything between "bytes of one email" and the decoded message:
// header splitting and decoding (RFC 2047 encoded-words in every charset
// golang.org/x/text knows, RFC 2231 parameters, raw 8-bit headers), lenient
// address, Message-ID and Date parsing, MIME structure (via enmime),
// transfer and charset decoding, body selection, attachment hashing and
// text extraction (text, HTML, PDF via pdftotext, nested messages), and the
// content hash used for de-duplication.
//
// Body selection: text/plain and text/html parts without a filename or
// "attachment" disposition are body parts. In multipart/alternative the
// first non-empty plain alternative gives BodyText and the last HTML one
// BodyHTML (converted into BodyText only when no plain text exists); in
// other multiparts all body parts are joined. Every other part, including
// unused alternatives and text after the closing boundary, becomes an
// Attachment, so no content is dropped. Attachment Size and SHA256 are
// computed on the decoded bytes; for parts not sent as base64/binary the
// line ends are first made CRLF (MIME canonical form), so copies stored
// with LF (mbox, Maildir) and CRLF (.eml, PST) hash alike.
//
// Parsing is as tolerant as possible and never loses evidence silently:
// every problem is recorded in Message.Warnings, every string in the
// result is valid UTF-8, and Parse fails only when the input has no
// recognisable header at all.
package message

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Defaults for zero Options fields.
const (
	DefaultMaxTextBytes = 8 << 20
	DefaultCharsetName  = "windows-1252"
	DefaultPDFTimeout   = 60 * time.Second
	maxDepth            = 8     // nested message/rfc822 levels parsed into Children
	maxWarnings         = 200   // per message; further ones are counted
	maxNesting          = 64    // multipart nesting beyond this is not parsed
	maxOpenAtEOF        = 14    // unterminated nested multiparts beyond this are not parsed
	maxParts            = 10000 // MIME parts beyond this are not parsed
)

// Options configure Parse. The zero value means the documented defaults.
type Options struct {
	// MaxTextBytes caps the extracted text kept per attachment and for the
	// body (BodyText, BodyHTML); longer text is cut on a rune boundary and
	// a warning added. Default 8 MiB.
	MaxTextBytes int
	// PDFToText extracts text from a PDF. Nil means: run the `pdftotext`
	// CLI (poppler-utils) if it is on PATH, otherwise set the attachment's
	// TextError to "pdftotext not found: install poppler-utils".
	PDFToText func(ctx context.Context, pdf []byte) (string, error)
	// PDFTimeout bounds one PDF extraction (in addition to ctx).
	// Default 60s.
	PDFTimeout time.Duration
	// DefaultCharset decodes raw 8-bit headers and bodies that declare no
	// charset (or us-ascii) and are not valid UTF-8. Default
	// "windows-1252" (a superset of ISO-8859-1). Exceptions: raw
	// ISO-2022-JP escapes are decoded as such, and undeclared body text
	// that chardet confidently (>=85%) identifies as a CJK or Cyrillic
	// charset is decoded with it (with a warning), since windows-1252
	// would turn it into unreadable mojibake.
	DefaultCharset string
}

// parser holds the resolved options of one Parse call.
type parser struct {
	ctx     context.Context
	opts    Options
	def     encoding.Encoding
	defName string
	defWarn string
	// panicHook is called at the start of every parse (tests only).
	panicHook func(raw []byte)
}

func newParser(ctx context.Context, opts Options) *parser {
	p := &parser{ctx: ctx, opts: opts}
	if p.opts.MaxTextBytes <= 0 {
		p.opts.MaxTextBytes = DefaultMaxTextBytes
	}
	if p.opts.PDFTimeout <= 0 {
		p.opts.PDFTimeout = DefaultPDFTimeout
	}
	name := strings.TrimSpace(p.opts.DefaultCharset)
	if name == "" {
		name = DefaultCharsetName
	}
	switch kind, enc := resolveCharset(name); kind {
	case csEncoding:
		p.def, p.defName = enc, cleanCharsetLabel(name)
	case csUTF8:
		p.def, p.defName = unicode.UTF8, "utf-8"
	default:
		p.def, p.defName = charmap.Windows1252, DefaultCharsetName
		p.defWarn = fmt.Sprintf("options: unknown DefaultCharset %q; using %s", name, DefaultCharsetName)
	}
	return p
}

// Parse parses one raw RFC 5322 message. It returns an error only when
// raw has no recognisable header in its first 4096 bytes (empty input,
// binary junk), when ctx is cancelled, or when the parser itself failed
// ("internal parser error"); every other problem becomes a Warning.
//
// Parse sets Kind, Confidence, Size, RawSHA256, ContentHash and ID, and
// does the same for Children (parsed message/rfc822 parts, whose raw bytes
// are their own), whose ContainerID is set to the parent's ID.
func Parse(ctx context.Context, raw []byte, opts Options) (*model.Message, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return newParser(ctx, opts).parse(raw, 0)
}

// parse parses raw at nesting depth; panics become errors.
func (p *parser) parse(raw []byte, depth int) (m *model.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m = nil
			err = fmt.Errorf("message: internal parser error (please report it with the message file): %v%s", r, panicSite(string(debug.Stack())))
		}
	}()
	if err := p.ctx.Err(); err != nil {
		return nil, fmt.Errorf("message: parse cancelled: %w", err)
	}
	if p.panicHook != nil {
		p.panicHook(raw)
	}
	b := &builder{p: p, depth: depth}
	b.d = &textDecoder{def: p.def, defName: p.defName, warn: b.warn}
	if p.defWarn != "" {
		b.warn(p.defWarn)
	}
	m, err = b.build(raw)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// panicSite extracts the function and file:line where a panic happened
// from a goroutine stack trace.
func panicSite(stack string) string {
	lines := strings.Split(stack, "\n")
	for i, l := range lines {
		if strings.Contains(l, "runtime/panic.go") && i+2 < len(lines) {
			return " at " + strings.TrimSpace(lines[i+1]) + " " + strings.TrimSpace(lines[i+2])
		}
	}
	return ""
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// builder accumulates one message.
type builder struct {
	p        *parser
	d        *textDecoder
	depth    int
	warnings []string
	seen     map[string]bool
	dropped  int
	seq      int
	m        *model.Message
	raw      []byte // the message being built
}

func (b *builder) warn(s string) {
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	if b.seen[s] {
		return
	}
	b.seen[s] = true
	if len(b.warnings) >= maxWarnings {
		b.dropped++
		return
	}
	b.warnings = append(b.warnings, s)
}

// build does the work of parse.
func (b *builder) build(raw []byte) (*model.Message, error) {
	fields, body, err := splitHeader(raw, b.warn)
	if err != nil {
		return nil, err
	}
	h := b.d.decodeHeader(fields)
	sum := sha256.Sum256(raw)
	m := &model.Message{
		Kind:       model.KindNative,
		Confidence: 1,
		Size:       int64(len(raw)),
		RawSHA256:  hex.EncodeToString(sum[:]),
	}
	b.m = m
	b.raw = raw
	for i, f := range fields {
		m.Headers = append(m.Headers, [2]string{f.name, h.decoded[i]})
	}
	m.MessageID = firstMsgID(h.text8("Message-ID"))
	m.InReplyTo = firstMsgID(h.text8("In-Reply-To"))
	m.References = msgIDs(strings.Join(h.all("References"), " "))
	m.Subject = h.value("Subject")

	if !h.has("Date") {
		m.DateFlag = model.DateMissing
	} else {
		m.DateRaw = h.value("Date")
		pd := parseDate(m.DateRaw)
		m.DateFlag = pd.flag
		switch pd.flag {
		case model.DateOK, model.DateLocal:
			t := pd.t
			m.DateUTC = &t
			m.DateOffset = pd.offset
			if pd.flag == model.DateLocal {
				b.warn("date: Date header has no recognisable time zone; kept as wall-clock time (zone unknown)")
			}
		default:
			b.warn(fmt.Sprintf("date: unparseable Date header %q", m.DateRaw))
		}
		if pd.note != "" {
			b.warn("date: " + pd.note)
		}
	}

	addrs := func(name string) []model.Address {
		var out []model.Address
		for _, v := range h.all(name) {
			out = append(out, b.d.parseAddressList(v, "header "+name)...)
		}
		return out
	}
	if from := addrs("From"); len(from) > 0 {
		m.From = from[0]
		if len(from) > 1 {
			b.warn(fmt.Sprintf("header: From has %d addresses; the first is used", len(from)))
		}
	}
	if s := addrs("Sender"); len(s) > 0 {
		m.Sender = s[0]
	}
	m.To = addrs("To")
	m.Cc = addrs("Cc")
	m.Bcc = addrs("Bcc")
	m.ReplyTo = addrs("Reply-To")

	if err := b.body(h, body); err != nil {
		return nil, err
	}

	if b.dropped > 0 {
		b.warnings = append(b.warnings, fmt.Sprintf("%d further warnings not shown", b.dropped))
	}
	m.Warnings = b.warnings
	sanitize(m)
	m.ContentHash = ContentHash(m)
	m.ID = model.IDForKey(model.DedupKey(m))
	for _, c := range m.Children {
		c.ContainerID = m.ID
	}
	return m, nil
}

// errCancelled wraps context errors raised during body processing.
var errCancelled = errors.New("message: parse cancelled")
