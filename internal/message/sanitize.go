package message

import (
	"strings"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/model"
)

// validText makes s valid UTF-8 and removes NUL bytes (which SQLite and
// FTS5 treat as string terminators).
func validText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// validLine is validText for single-line fields: control characters
// become spaces.
func validLine(s string) string {
	return cleanHeaderText(validText(s))
}

func sanitizeAddr(a *model.Address) {
	a.Name = validLine(a.Name)
	a.Address = validLine(a.Address)
}

func sanitizeAddrs(l []model.Address) {
	for i := range l {
		sanitizeAddr(&l[i])
	}
}

// sanitize is the final pass guaranteeing that every string in m is
// valid UTF-8 (children are sanitised by their own parse).
func sanitize(m *model.Message) {
	m.MessageID = validLine(m.MessageID)
	m.InReplyTo = validLine(m.InReplyTo)
	for i := range m.References {
		m.References[i] = validLine(m.References[i])
	}
	m.DateRaw = validLine(m.DateRaw)
	sanitizeAddr(&m.From)
	sanitizeAddr(&m.Sender)
	sanitizeAddrs(m.To)
	sanitizeAddrs(m.Cc)
	sanitizeAddrs(m.Bcc)
	sanitizeAddrs(m.ReplyTo)
	m.Subject = validLine(m.Subject)
	m.BodyText = validText(m.BodyText)
	m.BodyHTML = validText(m.BodyHTML)
	for i := range m.Attachments {
		a := &m.Attachments[i]
		a.Filename = validLine(a.Filename)
		a.MIME = validLine(a.MIME)
		a.Text = validText(a.Text)
		a.TextError = validLine(a.TextError)
	}
	for i := range m.Warnings {
		m.Warnings[i] = validText(m.Warnings[i])
	}
	for i := range m.Headers {
		m.Headers[i][0] = validLine(m.Headers[i][0])
		m.Headers[i][1] = validLine(m.Headers[i][1])
	}
}
