package message

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/casefile/casefile/internal/model"
	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// quotedString escapes a MIME parameter value for a quoted string.
var quotedString = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// leaf is one non-multipart MIME part.
type leaf struct {
	seq      int
	id       string // IMAP-style part number ("1", "2.1")
	ctype    string // lower-cased type/subtype, never ""
	params   map[string]string
	disp     string
	filename string // decoded, not yet sanitised
	cte      string
	raw      []byte // transfer-encoded content

	decoded  []byte
	textual  bool // transfer encoding is line-oriented (7bit, 8bit, QP)
	haveData bool
	text     *string
}

// piece is a leaf used as body.
type piece struct {
	l      *leaf
	html   bool
	noText bool // HTML alternative of a plain part: not converted into BodyText
}

// coll collects the body pieces and attachments of a subtree.
type coll struct {
	pieces []piece
	atts   []*leaf
}

func (c *coll) add(o coll) {
	c.pieces = append(c.pieces, o.pieces...)
	c.atts = append(c.atts, o.atts...)
}

// newEnmimeParser configures enmime for maximum tolerance. Choices:
//   - RawContent: we undo transfer and charset encodings ourselves, so the
//     declared charset wins over guessing (no chardet), undeclared 8-bit
//     text falls back to Options.DefaultCharset, and every decoding problem
//     becomes a warning naming the part.
//   - SkipMalformedParts: a part whose header cannot be read is skipped
//     (and reported) instead of failing the whole message.
//   - MultipartWOBoundaryAsSinglePart: multipart/* without boundary is
//     content, not an error.
//   - SetReadPartErrorPolicy(always true): keep partial content on read
//     errors.
//   - SetCustomParseMediaType: enmime's tolerant parser first, then ours,
//     so an unparseable Content-Type never drops a part.
//   - MaxStoredPartErrors: bound memory on adversarial input.
//   - DisableTextConversion/DisableCharacterDetection: we select bodies
//     and convert HTML ourselves (enmime drops extra HTML parts).
func newEnmimeParser() *enmime.Parser {
	return enmime.NewParser(
		enmime.RawContent(true),
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(func(*enmime.Part, error) bool { return true }),
		enmime.SetCustomParseMediaType(lenientMediaType),
		enmime.MaxStoredPartErrors(50),
		enmime.DisableTextConversion(true),
		enmime.DisableCharacterDetection(true),
	)
}

// readParts runs enmime, turning a panic into an error so the message
// falls back to plain text instead of being lost.
func readParts(r io.Reader) (root *enmime.Part, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			root, err = nil, fmt.Errorf("enmime internal error: %v", rec)
		}
	}()
	return newEnmimeParser().ReadParts(r)
}

// lenientMediaType never fails: when enmime's parser rejects a value, the
// token before ';' and whatever parameters can be split are used.
func lenientMediaType(ctype string) (mtype string, params map[string]string, invalid []string, err error) {
	mt, ps, inv, perr := mediatype.ParseWithOptions(ctype, mediatype.ParseOptions{StripMediaTypeInvalidCharacters: true})
	if perr == nil {
		return mt, ps, inv, nil
	}
	token, raw := splitParams(ctype)
	params = map[string]string{}
	for _, p := range raw {
		if _, dup := params[p.name]; !dup && !strings.Contains(p.name, "*") {
			params[p.name] = p.value
		}
	}
	return token, params, nil, nil
}

// normalizeType cleans a media type token; "" stays "".
func normalizeType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if i := strings.IndexAny(t, "; \t"); i >= 0 {
		t = t[:i]
	}
	switch {
	case t == "":
		return ""
	case t == "text":
		return "text/plain"
	case !strings.Contains(t, "/") || strings.HasPrefix(t, "/") || strings.HasSuffix(t, "/"):
		return "application/octet-stream"
	}
	return t
}

// rawParamValue returns the raw (undecoded) value of parameter name.
func rawParamValue(v, name string) string {
	_, ps := splitParams(v)
	for _, p := range ps {
		if p.name == name {
			return p.value
		}
	}
	return ""
}

// body processes the message body: MIME structure, body text and
// attachments.
func (b *builder) body(h *header, body []byte) error {
	ctRaw := h.text8("Content-Type")
	token, params := b.d.parseParams(ctRaw, "header Content-Type")
	ctype := normalizeType(token)
	boundary := rawParamValue(h.rawValue("Content-Type"), "boundary") // raw bytes: must match the body

	var c coll
	parsed := false
	if strings.HasPrefix(ctype, "multipart/") {
		switch {
		case boundary == "":
			b.warn("mime: multipart message without boundary parameter; body treated as plain text")
		case !b.structureWithinLimits(body, boundary):
			// warned by structureWithinLimits
		default:
			hdr := "Content-Type: " + ctype + "; boundary=\"" + quotedString.Replace(boundary) + "\"\r\n\r\n"
			root, err := readParts(io.MultiReader(strings.NewReader(hdr), bytes.NewReader(body)))
			switch {
			case err != nil:
				b.warn(fmt.Sprintf("mime: multipart structure could not be parsed (%v); body kept as plain text", err))
			case root.FirstChild == nil:
				b.warn(fmt.Sprintf("mime: boundary %q never found in the body; body kept as plain text", boundary))
			default:
				c = b.visit(root, "")
				parsed = true
			}
		}
		if !parsed {
			ctype, params = "text/plain", map[string]string{}
		}
	}
	if !parsed {
		_, dparams := b.d.parseParams(h.text8("Content-Disposition"), "header Content-Disposition")
		disp, _ := splitParams(h.text8("Content-Disposition"))
		if ctype == "" {
			ctype = "text/plain"
		}
		l := &leaf{
			seq: b.nextSeq(), id: "1", ctype: ctype, params: params, disp: disp,
			filename: firstNonEmpty(dparams["filename"], params["name"], dparams["name"]),
			cte:      h.text8("Content-Transfer-Encoding"), raw: body,
		}
		if !isBodyCandidate(l) && (ctype == "text/plain" || ctype == "text/html") && l.disp != "attachment" {
			// A lone text part with a name is still the body.
			l.filename = ""
		}
		c = b.classify(l)
	}
	return b.assemble(c)
}

func (b *builder) nextSeq() int {
	b.seq++
	return b.seq
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// visit walks an enmime part tree.
func (b *builder) visit(p *enmime.Part, parentType string) coll {
	var c coll
	if p == nil {
		return c
	}
	for _, e := range p.Errors {
		if e.Name == enmime.ErrorMissingContentType {
			continue // legal: the part defaults to text/plain (message/rfc822 in a digest)
		}
		id := p.PartID
		if id == "0" || id == "" {
			id = "root"
		}
		b.warn(fmt.Sprintf("mime part %s: %s", id, e.Error()))
	}
	isMulti := strings.HasPrefix(p.ContentType, "multipart/")
	if p.FirstChild == nil && (!isMulti || len(p.Content) > 0) {
		return b.classify(b.leafFromPart(p, parentType))
	}
	if p.FirstChild == nil {
		b.warn(fmt.Sprintf("mime part %s: multipart part without any readable parts; its content could not be recovered", p.PartID))
		return c
	}
	var subs []coll
	for ch := p.FirstChild; ch != nil; ch = ch.NextSibling {
		subs = append(subs, b.visit(ch, p.ContentType))
	}
	if p.ContentType == "multipart/alternative" {
		c = b.alternative(subs)
	} else {
		for _, s := range subs {
			c.add(s)
		}
	}
	if ep := bytes.TrimSpace(p.Epilogue); len(ep) > 0 {
		id := strings.TrimSuffix(p.PartID, ".0")
		if id == "" {
			id = "0"
		}
		name := fmt.Sprintf("part-%s-epilogue.txt", id)
		b.warn(fmt.Sprintf("mime part %s: %d bytes after the closing boundary kept as attachment %s", id, len(ep), name))
		c.atts = append(c.atts, &leaf{seq: b.nextSeq(), id: id + "-epilogue", ctype: "text/plain", params: map[string]string{}, filename: name, raw: p.Epilogue})
	}
	return c
}

// alternative keeps the first child with plain text and the last child
// with HTML; every other body candidate is demoted to an attachment so
// nothing is lost.
func (b *builder) alternative(subs []coll) coll {
	plainIdx, htmlIdx := -1, -1
	plainHasText := false
	for i, s := range subs {
		for _, pc := range s.pieces {
			if !pc.html && strings.TrimSpace(b.leafText(pc.l)) != "" && !plainHasText {
				plainIdx, plainHasText = i, true
			}
			if pc.html {
				htmlIdx = i
			}
		}
	}
	if plainIdx < 0 {
		for i, s := range subs {
			for _, pc := range s.pieces {
				if !pc.html && plainIdx < 0 {
					plainIdx = i
				}
			}
		}
	}
	var out coll
	for i, s := range subs {
		out.atts = append(out.atts, s.atts...)
		for _, pc := range s.pieces {
			switch {
			case !pc.html && i == plainIdx:
				out.pieces = append(out.pieces, pc)
			case pc.html && i == htmlIdx:
				if plainHasText && htmlIdx != plainIdx {
					pc.noText = true
				}
				out.pieces = append(out.pieces, pc)
			default:
				out.atts = append(out.atts, pc.l)
			}
		}
	}
	return out
}

// leafFromPart builds a leaf from an enmime part using our own decoding
// of its Content-Type and Content-Disposition (enmime keeps raw 8-bit
// bytes and ignores RFC 2231 charsets other than UTF-8).
func (b *builder) leafFromPart(p *enmime.Part, parentType string) *leaf {
	id := p.PartID
	what := "mime part " + id
	ctRaw := p.Header.Get("Content-Type")
	token, params := b.d.parseParams(ctRaw, what)
	ctype := normalizeType(p.ContentType)
	if ctype == "" {
		ctype = normalizeType(token)
	}
	if strings.HasPrefix(ctype, "multipart/") {
		b.warn(fmt.Sprintf("%s: %s part without boundary parameter; treated as plain text", what, ctype))
		ctype = "text/plain"
	}
	if ctype == "" {
		if parentType == "multipart/digest" {
			ctype = "message/rfc822"
		} else {
			ctype = "text/plain"
		}
	}
	cdRaw := p.Header.Get("Content-Disposition")
	disp, _ := splitParams(cdRaw)
	_, dparams := b.d.parseParams(cdRaw, what)
	return &leaf{
		seq: b.nextSeq(), id: id, ctype: ctype, params: params, disp: disp,
		filename: firstNonEmpty(dparams["filename"], params["name"], dparams["name"], params["filename"]),
		cte:      p.Header.Get("Content-Transfer-Encoding"),
		raw:      p.Content,
	}
}

func isBodyCandidate(l *leaf) bool {
	if l.ctype != "text/plain" && l.ctype != "text/html" {
		return false
	}
	return l.disp != "attachment" && strings.TrimSpace(l.filename) == ""
}

// classify makes a leaf a body piece or an attachment.
func (b *builder) classify(l *leaf) coll {
	if isBodyCandidate(l) {
		return coll{pieces: []piece{{l: l, html: l.ctype == "text/html"}}}
	}
	return coll{atts: []*leaf{l}}
}

// leafData returns the transfer-decoded content of l (cached).
func (b *builder) leafData(l *leaf) []byte {
	if !l.haveData {
		l.decoded, l.textual = decodeTransfer(l.raw, l.cte, "mime part "+l.id, b.warn)
		l.haveData = true
	}
	return l.decoded
}

// leafText returns the charset-decoded text of l with LF line ends
// (cached).
func (b *builder) leafText(l *leaf) string {
	if l.text != nil {
		return *l.text
	}
	data := b.leafData(l)
	cs := l.params["charset"]
	if cs == "" && l.ctype == "text/html" {
		cs = htmlMetaCharset(data)
	}
	s := normalizeNewlines(b.d.decodeBody(data, cs, "mime part "+l.id))
	l.text = &s
	return s
}

// assemble turns the collected pieces into BodyText, BodyHTML and
// Attachments.
func (b *builder) assemble(c coll) error {
	m := b.m
	var texts, htmls []string
	for _, pc := range c.pieces {
		t := b.leafText(pc.l)
		if pc.html {
			htmls = append(htmls, t)
			if !pc.noText {
				texts = append(texts, htmlToText(t))
			}
			continue
		}
		texts = append(texts, t)
	}
	if len(texts) > 1 {
		kept := texts[:0]
		for _, t := range texts {
			if strings.TrimSpace(t) != "" {
				kept = append(kept, t)
			}
		}
		texts = kept
	}
	if len(texts) == 1 {
		m.BodyText = texts[0]
	} else {
		for i := range texts {
			texts[i] = strings.TrimRight(texts[i], "\n")
		}
		m.BodyText = strings.Join(texts, "\n\n")
	}
	m.BodyHTML = strings.Join(htmls, "\n")
	max := b.p.opts.MaxTextBytes
	var cut bool
	if m.BodyText, cut = trimToBytes(m.BodyText, max); cut {
		b.warn(fmt.Sprintf("body: text longer than %d bytes; truncated for indexing", max))
	}
	if m.BodyHTML, cut = trimToBytes(m.BodyHTML, max); cut {
		b.warn(fmt.Sprintf("body: HTML longer than %d bytes; truncated", max))
	}

	sort.SliceStable(c.atts, func(i, j int) bool { return c.atts[i].seq < c.atts[j].seq })
	for _, l := range c.atts {
		if err := b.p.ctx.Err(); err != nil {
			return fmt.Errorf("%w: %w", errCancelled, err)
		}
		m.Attachments = append(m.Attachments, b.attachment(l))
		// Free the part's bytes as soon as possible (large attachments).
		l.raw, l.decoded = nil, nil
	}
	return nil
}

// attachment hashes l and extracts its text.
func (b *builder) attachment(l *leaf) model.Attachment {
	data := b.leafData(l)
	hashed := data
	if l.textual {
		// Line ends of non-base64 parts belong to the transport (mbox and
		// Maildir store LF, .eml and PST CRLF): hash the canonical CRLF
		// form so copies of one message de-duplicate.
		hashed = canonicalCRLF(data)
	}
	sum := sha256.Sum256(hashed)
	a := model.Attachment{
		Filename: sanitizeFilename(l.filename, l.id, l.ctype),
		MIME:     l.ctype,
		Size:     int64(len(hashed)),
		SHA256:   hex.EncodeToString(sum[:]),
	}
	lowName := strings.ToLower(l.filename)
	switch {
	case l.ctype == "message/rfc822" || l.ctype == "message/global" ||
		((l.ctype == "application/octet-stream" || strings.HasSuffix(lowName, ".eml")) && looksLikeEmail(data)):
		if child := b.child(data, l); child != nil {
			a.Text = child.BodyText
		} else {
			// Keep whatever text is there (scrubbed or damaged message).
			a.Text = normalizeNewlines(b.d.decodeBody(data, "", "mime part "+l.id))
		}
	case l.ctype == "text/html":
		a.Text = htmlToText(b.leafText(l))
	case strings.HasPrefix(l.ctype, "text/") || textualMessageTypes[l.ctype]:
		a.Text = b.leafText(l)
	case l.ctype == "application/pdf" || l.ctype == "application/x-pdf" || bytes.HasPrefix(data, []byte("%PDF-")) ||
		(l.ctype == "application/octet-stream" && strings.HasSuffix(lowName, ".pdf")):
		a.Text, a.TextError = b.pdfText(data, a.Filename)
	}
	var cut bool
	if a.Text, cut = trimToBytes(a.Text, b.p.opts.MaxTextBytes); cut {
		b.warn(fmt.Sprintf("attachment %s: text longer than %d bytes; truncated for indexing", a.Filename, b.p.opts.MaxTextBytes))
	}
	return a
}

// textualMessageTypes are non-text/* types whose content is readable text.
var textualMessageTypes = map[string]bool{
	"message/delivery-status":          true,
	"message/global-delivery-status":   true,
	"message/disposition-notification": true,
	"message/global-headers":           true,
	"message/feedback-report":          true,
	"application/pgp-signature":        true,
	"application/ics":                  true,
}

// child parses an attached message into m.Children.
func (b *builder) child(data []byte, l *leaf) *model.Message {
	if b.depth+1 > maxDepth {
		b.warn(fmt.Sprintf("mime part %s: attached message nested deeper than %d levels; not parsed", l.id, maxDepth))
		return nil
	}
	c, err := b.p.parse(data, b.depth+1)
	if err != nil {
		b.warn(fmt.Sprintf("mime part %s: attached message could not be parsed: %v", l.id, err))
		return nil
	}
	// Where the part's bytes sit in this message, when they are there
	// verbatim (7bit/8bit/binary encoding), so its source can cite them.
	if i := bytes.Index(b.raw, data); i > 0 && len(data) > 0 {
		c.RawOffset = int64(i)
	}
	b.m.Children = append(b.m.Children, c)
	return c
}

// looksLikeEmail sniffs whether data starts with an RFC 5322 header.
func looksLikeEmail(data []byte) bool {
	if len(data) > headerScanLimit {
		data = data[:headerScanLimit]
	}
	known := map[string]bool{
		"from": true, "to": true, "subject": true, "date": true, "message-id": true,
		"received": true, "return-path": true, "mime-version": true, "cc": true,
		"sender": true, "reply-to": true, "delivered-to": true, "content-type": true,
	}
	strong := map[string]bool{"from": true, "date": true, "subject": true, "message-id": true, "received": true}
	nKnown, nStrong := 0, 0
	pos := 0
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		pos = 3
	}
	first := true
	for pos < len(data) {
		line, next := lineAt(data, pos)
		pos = next
		if len(line) == 0 {
			break
		}
		if first && isMboxFrom(line) {
			first = false
			continue
		}
		first = false
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		name, ok := fieldName(line)
		if !ok {
			if pos >= len(data) {
				break // cut mid-line by the sniff limit
			}
			return false
		}
		n := strings.ToLower(name)
		if known[n] {
			nKnown++
		}
		if strong[n] {
			nStrong++
		}
	}
	return nKnown >= 2 && nStrong >= 1
}

// structureWithinLimits pre-scans the multipart structure (without
// decoding anything) and refuses pathological nesting or part counts,
// which would make enmime's byte-by-byte nested boundary readers and its
// sibling list appends take quadratic time.
func (b *builder) structureWithinLimits(body []byte, boundary string) bool {
	depth, open, parts := scanMultipart(body, boundary, maxNesting, maxParts)
	switch {
	case depth > maxNesting:
		b.warn(fmt.Sprintf("mime: multipart nesting deeper than %d levels; MIME structure not parsed, body kept as plain text", maxNesting))
		return false
	case open > maxOpenAtEOF:
		// enmime's cost doubles with every multipart level still open at
		// the end of input (truncated messages).
		b.warn(fmt.Sprintf("mime: message ends inside %d unterminated nested multiparts (more than %d); MIME structure not parsed, body kept as plain text", open, maxOpenAtEOF))
		return false
	case parts > maxParts:
		b.warn(fmt.Sprintf("mime: more than %d MIME parts; MIME structure not parsed, body kept as plain text", maxParts))
		return false
	}
	return true
}

// scanMultipart estimates the multipart nesting depth, the number of
// multiparts still open at the end of body and the part count, stopping
// early once a limit is exceeded.
func scanMultipart(body []byte, boundary string, depthLimit, partLimit int) (maxDepth, openAtEOF, parts int) {
	stack := [][]byte{[]byte("--" + boundary)}
	maxDepth = 1
	inHeader := false
	var ct []byte
	capturing := false
	for pos := 0; pos < len(body) && len(stack) > 0; {
		line, next := lineAt(body, pos)
		pos = next
		if inHeader {
			switch {
			case len(line) == 0:
				inHeader = false
				if token, _ := splitParams(string(ct)); strings.HasPrefix(token, "multipart/") {
					if nb := rawParamValue(string(ct), "boundary"); nb != "" {
						stack = append(stack, []byte("--"+nb))
						if len(stack) > maxDepth {
							maxDepth = len(stack)
							if maxDepth > depthLimit {
								return maxDepth, len(stack), parts
							}
						}
					}
				}
				ct, capturing = ct[:0], false
			case line[0] == ' ' || line[0] == '\t':
				if capturing {
					ct = append(ct, line...)
				}
			default:
				capturing = len(line) > 13 && strings.EqualFold(string(line[:13]), "content-type:")
				if capturing {
					ct = append(ct[:0], line[13:]...)
				}
			}
			continue
		}
		if !bytes.HasPrefix(line, []byte("--")) {
			continue
		}
		for i := len(stack) - 1; i >= 0; i-- {
			if !bytes.HasPrefix(line, stack[i]) {
				continue
			}
			if bytes.HasPrefix(line[len(stack[i]):], []byte("--")) {
				stack = stack[:i]
			} else {
				stack = stack[:i+1]
				parts++
				if parts > partLimit {
					return maxDepth, len(stack), parts
				}
				inHeader = true
			}
			break
		}
	}
	return maxDepth, len(stack), parts
}
