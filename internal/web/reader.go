package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/extract"
	"github.com/casefile/casefile/internal/message"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// sourceView is one row of the provenance panel.
type sourceView struct {
	N int // 1-based, for /m/{id}/copy/{n}
	model.Source
	Preserved bool // the original is kept in the case
	Printed   bool
	Location  string
}

// attView is one attachment row.
type attView struct {
	N int // 1-based, for /m/{id}/attachment/{n}
	model.Attachment
	// Withheld says why a masked viewer cannot download it ("" if they can).
	Withheld string
}

// related is another message that is probably a copy of this one.
type related struct {
	ID, Subject, Kind, Date, Why string
	From                         model.Address
}

type readerData struct {
	M           *model.Message
	HasHTML     bool
	Date        string
	Sources     []sourceView
	Attachments []attView
	Related     []related
	Blocked     []string
	Edits       editsData
	Container   string
}

// handleReader renders GET /m/{id}: headers, text, the sandboxed HTML
// body, attachments, provenance, related copies, tags and notes.
func (s *Server) handleReader(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := s.resolve(ctx, r.PathValue("id"))
	if err != nil {
		s.lookupError(w, r, "message", err)
		return
	}
	if id != r.PathValue("id") {
		http.Redirect(w, r, s.url("/m/"+id), http.StatusSeeOther)
		return
	}
	m, err := s.st.Get(ctx, id)
	if err != nil {
		s.lookupError(w, r, "message", err)
		return
	}
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	d := readerData{M: m, HasHTML: m.BodyHTML != "", Date: formatDate(m.DateUTC, m.DateFlag), Container: m.ContainerID}
	for i, src := range m.Sources {
		v := sourceView{N: i + 1, Source: src, Printed: src.Page > 0 || src.LineFrom > 0}
		if src.FileSHA256 != "" {
			v.Preserved = s.c.HasOriginal(src.FileSHA256)
		}
		v.Location = location(src)
		d.Sources = append(d.Sources, v)
	}
	for i, a := range m.Attachments {
		av := attView{N: i + 1, Attachment: a, Withheld: withheld(v, a)}
		av.Text = "" // not shown; no need to mask it
		d.Attachments = append(d.Attachments, av)
	}
	if m.BodyHTML != "" {
		d.Blocked = blockedResources(m.BodyHTML)
	}
	// The page shows neither the HTML (it is in the frame) nor the
	// attachments' text: leave them out of what is masked and rendered.
	shown := *m
	shown.BodyHTML = ""
	shown.Attachments = nil
	d.M = &shown
	if d.Related, err = s.related(ctx, m); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Edits, err = s.edits(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	title := m.Subject
	if title == "" {
		title = "(no subject)"
	}
	if !s.record(w, r, "open", id, nil) {
		return
	}
	s.render(w, r, http.StatusOK, "reader", page{Title: title, Nav: "search", Data: d})
}

// location renders where in its file a copy is.
func location(src model.Source) string {
	if src.Page > 0 || src.LineFrom > 0 {
		loc := fmt.Sprintf("page %d", src.Page)
		if src.PageEnd > src.Page {
			loc = fmt.Sprintf("pages %d–%d", src.Page, src.PageEnd)
		}
		if src.LineFrom > 0 {
			loc += fmt.Sprintf(", lines %d–%d", src.LineFrom, src.LineTo)
		}
		return loc
	}
	return fmt.Sprintf("offset %d, length %d", src.Offset, src.Length)
}

// related lists the other messages that are the same email: the native
// message a printed copy was matched to and the printed copies matched
// to a native message (both linked by ingest), and, for a message
// flagged mid_conflict, the messages with the same Message-ID but
// different content.
func (s *Server) related(ctx context.Context, m *model.Message) ([]related, error) {
	var out []related
	seen := map[string]bool{m.ID: true}
	add := func(o *model.Message, why string) {
		if seen[o.ID] {
			return
		}
		seen[o.ID] = true
		out = append(out, related{ID: o.ID, Subject: o.Subject, Kind: o.Kind, From: o.From,
			Date: formatDate(o.DateUTC, o.DateFlag), Why: why})
	}
	ids := []struct{ id, why string }{}
	if m.CopyOf != "" {
		ids = append(ids, struct{ id, why string }{m.CopyOf, "the email this printed page is a copy of"})
	}
	for _, c := range m.Copies {
		ids = append(ids, struct{ id, why string }{c, "printed copy of this email"})
	}
	for _, x := range ids {
		o, err := s.st.Get(ctx, x.id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		add(o, x.why)
	}
	if mid := model.NormalizeMessageID(m.MessageID); mid != "" && slices.Contains(m.Flags, "mid_conflict") {
		q := query.Term{Field: query.FieldMID, Value: mid, Phrase: true}
		err := s.st.Search(ctx, q, store.SearchOptions{Sort: "date", Limit: 20}, func(h store.Hit) error {
			add(h.Message, "same Message-ID, different content")
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// bodyPage wraps the sanitised body for the iframe.
const bodyHead = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>message body</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:12px;color:#111;background:#fff;overflow-wrap:anywhere}
img{max-width:100%}
table{max-width:100%}
a[data-link]{color:#1a4d8f;text-decoration:underline dotted;cursor:help}
span[title^="remote"]{color:#8a5a00;background:#fff3d6;font-size:12px;padding:0 3px}
</style></head><body>
`

// handleBodyHTML serves GET /m/{id}/body.html: the sanitised HTML body as
// its own document for the reader's <iframe sandbox>, under a CSP that
// forbids every script and every request except data: images.
func (s *Server) handleBodyHTML(w http.ResponseWriter, r *http.Request) {
	m, ok := s.message(w, r)
	if !ok {
		return
	}
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	body := s.sanitizer.sanitize(m.BodyHTML).HTML
	if m.BodyHTML == "" {
		body = "<p><i>This message has no HTML body.</i></p>"
	} else if v.on() {
		masked, ok := maskHTML(v.m, body)
		if !ok {
			// A name split over elements cannot be masked in place:
			// show the masked text instead.
			masked = "<p><i>This HTML body mentions a protected name in a way that cannot be masked in the formatted " +
				"view; its text is shown instead.</i></p>\n<pre style=\"white-space:pre-wrap\">" +
				html.EscapeString(v.m.String(m.BodyText)) + "</pre>"
		}
		body = masked
	}
	h := w.Header()
	h.Set("Content-Security-Policy", BodyCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, v.str(bodyHead+body+"\n</body></html>\n"))
}

// message loads the message named by the {id} path value (exact ID).
func (s *Server) message(w http.ResponseWriter, r *http.Request) (*model.Message, bool) {
	id, err := s.resolve(r.Context(), r.PathValue("id"))
	if err == nil {
		var m *model.Message
		if m, err = s.st.Get(r.Context(), id); err == nil {
			return m, true
		}
	}
	s.lookupError(w, r, "message", err)
	return nil, false
}

// handleAttachment serves GET /m/{id}/attachment/{n}: the attachment's
// bytes, re-extracted from a preserved original and checked against the
// recorded SHA-256, always as a download (never rendered).
func (s *Server) handleAttachment(w http.ResponseWriter, r *http.Request) {
	m, ok := s.message(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(m.Attachments) {
		s.showError(w, r, http.StatusNotFound, fmt.Sprintf("Message %s has no attachment %q.", m.ID, r.PathValue("n")),
			fmt.Sprintf("It has %d attachment(s), numbered from 1.", len(m.Attachments)))
		return
	}
	att := m.Attachments[n-1]
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	if why := withheld(v, att); why != "" {
		s.showError(w, r, http.StatusForbidden, fmt.Sprintf("Attachment %d of message %s is not downloaded while protected names are masked: %s.", n, m.ID, why),
			"A download is the original file, which masking cannot change. Show protected names (the banner at the top) to download it, if your role allows.")
		return
	}
	b, err := s.attachmentBytes(r.Context(), m, att)
	if errors.Is(err, extract.ErrNoBytes) {
		s.showError(w, r, http.StatusNotFound, err.Error(),
			"The attachment's name, type, size and SHA-256 are still listed on the message page.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.on() {
		if why := contentLeak(r.Context(), v, att, b); why != "" {
			s.showError(w, r, http.StatusForbidden, fmt.Sprintf("Attachment %d of message %s is not downloaded while protected names are masked: %s.", n, m.ID, why),
				"A download is the original file, which masking cannot change. Show protected names (the banner at the top) to download it, if your role allows.")
			return
		}
	}
	if !s.record(w, r, "export", m.ID, map[string]any{"what": "attachment", "n": n, "sha256": att.SHA256}) {
		return
	}
	download(w, safeFilename(att.Filename, fmt.Sprintf("%s-attachment-%d", m.ID, n)), b)
}

// handleCopy serves GET /m/{id}/copy/{n}: the raw bytes of copy n, read
// from the preserved original, as a download.
func (s *Server) handleCopy(w http.ResponseWriter, r *http.Request) {
	m, ok := s.message(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(m.Sources) {
		s.showError(w, r, http.StatusNotFound, fmt.Sprintf("Message %s has no copy %q.", m.ID, r.PathValue("n")),
			fmt.Sprintf("It has %d copies, numbered from 1.", len(m.Sources)))
		return
	}
	src := m.Sources[n-1]
	raw, _, err := s.rawCopy(r.Context(), src)
	if errors.Is(err, extract.ErrNoBytes) {
		s.showError(w, r, http.StatusNotFound, err.Error(), "The provenance panel still cites the copy's file, offset and SHA-256.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	name := fmt.Sprintf("%s-copy-%d.eml", m.ID, n)
	details := map[string]any{"what": "copy", "n": n, "sha256": src.SHA256}
	if v.on() {
		masked, err := s.maskCopy(r.Context(), v, m, raw)
		if err != nil {
			s.showError(w, r, http.StatusForbidden, fmt.Sprintf("Copy %d of message %s is not downloaded while protected names are masked: %v.", n, m.ID, err),
				"The masked text is on the message page. Show protected names (the banner at the top) to download the original, if your role allows.")
			return
		}
		if string(masked) != string(raw) {
			raw, name = masked, fmt.Sprintf("%s-copy-%d-masked.eml", m.ID, n)
			details["masked"] = true
		}
	}
	if !s.record(w, r, "export", m.ID, details) {
		return
	}
	download(w, name, raw)
}

// maskCopy masks the protected names in a copy's bytes and checks the
// result the way a mail program would read it (encoded words, transfer
// encodings, character sets, attached messages, by casefile's own
// parser): a name hidden from a byte-level replacement — in base64, in
// quoted-printable, in another character set — cannot be masked without
// rewriting the email, so such a copy is refused. So is a copy of a
// message with a withheld attachment (its bytes are inside the copy).
func (s *Server) maskCopy(ctx context.Context, v view, m *model.Message, raw []byte) ([]byte, error) {
	for i, a := range m.Attachments {
		if why := withheld(v, a); why != "" {
			return nil, fmt.Errorf("it contains attachment %d, and %s", i+1, why)
		}
	}
	out := []byte(v.m.String(string(raw)))
	if err := decodedLeak(ctx, v, out); err != nil {
		return nil, err
	}
	return out, nil
}

// decodedLeak parses an email with casefile's parser and reports a
// protected name anywhere in what it decodes (headers, bodies,
// attachment names and texts, attached messages).
func decodedLeak(ctx context.Context, v view, raw []byte) error {
	parsed, err := message.Parse(ctx, raw, message.Options{
		PDFToText: func(context.Context, []byte) (string, error) { return "", nil }, // attachment texts are checked from the case
	})
	if err != nil {
		return fmt.Errorf("it could not be decoded to check it (%v)", err)
	}
	if !reflect.DeepEqual(maskDeep(v.m, parsed), parsed) {
		return errors.New("it mentions a protected name in encoded form (base64, quoted-printable, an encoded header or another character set), which cannot be masked without rewriting the email")
	}
	return nil
}

// contentLeak says why an attachment's bytes may not go to a masked
// viewer ("" when they may): they mention a protected name as text, or
// they are an email that does once decoded.
func contentLeak(ctx context.Context, v view, a model.Attachment, b []byte) string {
	if v.m.String(string(b)) != string(b) {
		return "its content mentions a protected name"
	}
	mt := strings.ToLower(a.MIME)
	if mt == "message/rfc822" || mt == "message/global" || strings.HasSuffix(strings.ToLower(a.Filename), ".eml") || extract.LooksLikeHeader(b) {
		if err := decodedLeak(ctx, v, b); err != nil {
			return "it is an email, and " + err.Error()
		}
	}
	return ""
}

// download sends b as an attachment named name, never sniffed or rendered.
func download(w http.ResponseWriter, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// contentDisposition builds an attachment header with an ASCII fallback
// name and the UTF-8 name (RFC 6266 / RFC 5987).
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	v := mime.FormatMediaType("attachment", map[string]string{"filename": ascii})
	if ascii != name {
		v += "; filename*=UTF-8''" + pathEscapeRFC5987(name)
	}
	return v
}

func pathEscapeRFC5987(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// safeFilename makes an attachment name safe to save: no path
// separators, no control or bidi characters, no leading dots, no
// reserved Windows names, at most 150 bytes; fallback when nothing is
// left.
func safeFilename(name, fallback string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|':
			return '_'
		case r < 0x20 || r == 0x7f || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ". ")
	name = strings.TrimRight(name, ". ")
	if len(name) > 150 {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 10 {
			ext = name[i:]
		}
		cut := 150 - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + ext
	}
	base := strings.ToUpper(name)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "LPT1", "LPT2", "LPT3":
		name = "_" + name
	}
	if name == "" {
		return fallback
	}
	return name
}

// rawCopy reads back the raw bytes of one copy (extract.Copy).
func (s *Server) rawCopy(ctx context.Context, src model.Source) ([]byte, bool, error) {
	formats, err := s.fileFormats(ctx)
	if err != nil {
		return nil, false, err
	}
	return extract.Copy(ctx, s.c, formats, src)
}

// attachmentBytes re-extracts an attachment (extract.Attachment).
func (s *Server) attachmentBytes(ctx context.Context, m *model.Message, att model.Attachment) ([]byte, error) {
	formats, err := s.fileFormats(ctx)
	if err != nil {
		return nil, err
	}
	return extract.Attachment(ctx, s.c, formats, m, att)
}
