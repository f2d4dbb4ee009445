package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/casefile/casefile/internal/model"
)

// FormatVersion is the version of the JSON shapes below; bumped on any
// incompatible change (docs/cli.md keeps the history).
const FormatVersion = 1

type sourceView struct {
	Path       string `json:"path"`
	Offset     int64  `json:"offset"`
	Length     int64  `json:"length"`
	Member     string `json:"member"`
	SHA256     string `json:"sha256"`
	FileSHA256 string `json:"file_sha256,omitempty"`
	Page       int    `json:"page,omitempty"`
	PageEnd    int    `json:"page_end,omitempty"`
	Bates      string `json:"bates,omitempty"`
	LineFrom   int    `json:"line_from,omitempty"`
	LineTo     int    `json:"line_to,omitempty"`
	Run        int64  `json:"run"`
}

type hitView struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Date     *string         `json:"date"`
	DateFlag string          `json:"date_flag,omitempty"`
	From     model.Address   `json:"from"`
	To       []model.Address `json:"to"`
	Cc       []model.Address `json:"cc"`
	Subject  string          `json:"subject"`
	Snippet  string          `json:"snippet"`
	ThreadID string          `json:"thread_id"`
	Sources  []sourceView    `json:"sources"`
}

type attachmentView struct {
	Filename  string `json:"filename"`
	MIME      string `json:"mime"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	TextError string `json:"text_error,omitempty"`
}

type messageView struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind"`
	MessageID   string           `json:"message_id"`
	Date        *string          `json:"date"`
	DateRaw     string           `json:"date_raw"`
	DateOffset  int              `json:"date_offset"`
	DateFlag    string           `json:"date_flag,omitempty"`
	From        model.Address    `json:"from"`
	Sender      *model.Address   `json:"sender,omitempty"`
	To          []model.Address  `json:"to"`
	Cc          []model.Address  `json:"cc"`
	Bcc         []model.Address  `json:"bcc"`
	ReplyTo     []model.Address  `json:"reply_to,omitempty"`
	Subject     string           `json:"subject"`
	InReplyTo   string           `json:"in_reply_to,omitempty"`
	References  []string         `json:"references"`
	ThreadID    string           `json:"thread_id"`
	ParentID    string           `json:"parent_id"`
	ContainerID string           `json:"container_id,omitempty"`
	CopyOf      string           `json:"copy_of,omitempty"`
	Copies      []string         `json:"copies,omitempty"`
	BodyText    string           `json:"body_text"`
	HasHTML     bool             `json:"has_html"`
	Attachments []attachmentView `json:"attachments"`
	Size        int64            `json:"size"`
	Confidence  float64          `json:"confidence"`
	Flags       []string         `json:"flags"`
	Warnings    []string         `json:"warnings"`
	Sources     []sourceView     `json:"sources"`
}

// dateString formats a stored date for JSON and CSV: RFC 3339 in UTC, or,
// for a printed date whose zone is unknown (flag "local"), the wall-clock
// time with no offset, so no precision is invented.
func dateString(t *time.Time, flag string) *string {
	if t == nil {
		return nil
	}
	layout := time.RFC3339
	if flag == model.DateLocal {
		layout = "2006-01-02T15:04:05"
	}
	s := t.UTC().Format(layout)
	return &s
}

func nz[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func sourcesView(srcs []model.Source) []sourceView {
	out := make([]sourceView, 0, len(srcs))
	for _, s := range srcs {
		out = append(out, sourceView{Path: s.Path, Offset: s.Offset, Length: s.Length, Member: s.Member, SHA256: s.SHA256,
			FileSHA256: s.FileSHA256, Page: s.Page, PageEnd: s.PageEnd, Bates: s.Bates, LineFrom: s.LineFrom, LineTo: s.LineTo, Run: s.RunID})
	}
	return out
}

func hitOf(m *model.Message, snippet string) hitView {
	return hitView{ID: m.ID, Kind: m.Kind, Date: dateString(m.DateUTC, m.DateFlag), DateFlag: m.DateFlag, From: m.From, To: nz(m.To), Cc: nz(m.Cc),
		Subject: m.Subject, Snippet: snippet, ThreadID: m.ThreadID, Sources: sourcesView(m.Sources)}
}

func messageOf(m *model.Message) messageView {
	v := messageView{ID: m.ID, Kind: m.Kind, MessageID: m.MessageID, Date: dateString(m.DateUTC, m.DateFlag), DateRaw: m.DateRaw, DateOffset: m.DateOffset,
		DateFlag: m.DateFlag, From: m.From, To: nz(m.To), Cc: nz(m.Cc), Bcc: nz(m.Bcc), ReplyTo: m.ReplyTo, Subject: m.Subject,
		InReplyTo: m.InReplyTo, References: nz(m.References), ThreadID: m.ThreadID, ParentID: m.ParentID, ContainerID: m.ContainerID, CopyOf: m.CopyOf, Copies: m.Copies,
		BodyText: m.BodyText, HasHTML: m.BodyHTML != "", Size: m.Size, Confidence: m.Confidence, Flags: nz(m.Flags),
		Warnings: nz(m.Warnings), Sources: sourcesView(m.Sources), Attachments: []attachmentView{}}
	if !m.Sender.IsZero() {
		s := m.Sender
		v.Sender = &s
	}
	for _, a := range m.Attachments {
		v.Attachments = append(v.Attachments, attachmentView{Filename: a.Filename, MIME: a.MIME, Size: a.Size, SHA256: a.SHA256, TextError: a.TextError})
	}
	return v
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// arrayWriter streams a JSON array element by element.
type arrayWriter struct {
	w     io.Writer
	n     int
	lines bool // JSON Lines instead of an array
}

func (a *arrayWriter) add(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	switch {
	case a.lines:
	case a.n == 0:
		if _, err := io.WriteString(a.w, "[\n"); err != nil {
			return err
		}
	default:
		if _, err := io.WriteString(a.w, ",\n"); err != nil {
			return err
		}
	}
	a.n++
	if _, err := a.w.Write(b); err != nil {
		return err
	}
	if a.lines {
		_, err := io.WriteString(a.w, "\n")
		return err
	}
	return nil
}

func (a *arrayWriter) close() error {
	if a.lines {
		return nil
	}
	if a.n == 0 {
		_, err := io.WriteString(a.w, "[]\n")
		return err
	}
	_, err := io.WriteString(a.w, "\n]\n")
	return err
}
