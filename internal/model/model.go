// Package model holds the plain data types that flow through casefile's
// pipeline: sources produce Items, the message parser turns them into
// Messages, the store persists Messages with their Sources (provenance),
// and analysis packages (thread, people, printed) read them back.
//
// The types carry no behaviour beyond small helpers; every package may
// import model, and model imports nothing from casefile.
package model

import (
	"strings"
	"time"
)

// Kind tells how a message reached the case.
const (
	KindNative  = "native"  // parsed from RFC 5322 bytes (mbox, Maildir, .eml, PST, zip member)
	KindPrinted = "printed" // recovered from a printed/OCR'd page (PDF, image, OCR text)
	// KindPage is one page of a document (PDF, image, OCR text, HTML
	// render) kept as a searchable document of its own, whether or not
	// emails were recovered from it. Pages are not messages: searches
	// leave them out unless the query names kind:page, and they are not
	// threaded or counted as messages.
	KindPage = "page"
)

// Date quality flags (Message.DateFlag).
const (
	DateOK          = ""            // Date parsed; DateUTC and DateOffset are meaningful
	DateMissing     = "missing"     // no Date header at all
	DateUnparseable = "unparseable" // Date header present but unparseable; DateRaw keeps it
	DateLocal       = "local"       // printed date without a zone: DateUTC holds the wall clock as if UTC, zone unknown
)

// Address is one mailbox: a display name and an addr-spec. Address is
// lower-cased for matching; Name is kept as written (decoded to UTF-8).
type Address struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// String renders the address as `Name <addr>` (or whichever part exists).
func (a Address) String() string {
	switch {
	case a.Name != "" && a.Address != "":
		return a.Name + " <" + a.Address + ">"
	case a.Address != "":
		return a.Address
	default:
		return a.Name
	}
}

// IsZero reports whether the address has neither name nor addr-spec.
func (a Address) IsZero() bool { return a.Name == "" && a.Address == "" }

// Attachment is one non-body MIME part (or a file attached to a printed
// message). Text is the extracted text used for indexing (may be empty).
type Attachment struct {
	Filename string `json:"filename"`
	MIME     string `json:"mime"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Text     string `json:"-"`
	// TextError explains why no text could be extracted (empty when fine
	// or when the type carries no text).
	TextError string `json:"text_error,omitempty"`
}

// Source is one place a message was found: the provenance of a copy.
// A message found in three mailboxes has three Sources.
type Source struct {
	// Path is relative to the ingested root, using forward slashes.
	Path string `json:"path"`
	// Offset and Length locate the raw message bytes inside Path (mbox)
	// or inside Member when Member is set. For a whole file Offset is 0
	// and Length the file size.
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
	// Member is the path inside a container (zip member, PST folder/item,
	// nested zip as "outer.zip/inner.zip/x.eml"); empty for plain files.
	Member string `json:"member"`
	// SHA256 is the hex SHA-256 of the raw message bytes of this copy.
	SHA256 string `json:"sha256"`
	// FileSHA256 is the SHA-256 of the top-level file (the key of the
	// preserved original in the case's originals store).
	FileSHA256 string `json:"file_sha256,omitempty"`
	// Page and Bates locate printed messages (1-based page; 0 = n/a).
	Page     int    `json:"page,omitempty"`
	PageEnd  int    `json:"page_end,omitempty"`
	Bates    string `json:"bates,omitempty"`
	LineFrom int    `json:"line_from,omitempty"`
	LineTo   int    `json:"line_to,omitempty"`
	// RunID is the ingest run that first recorded this source.
	RunID int64 `json:"run"`
}

// Message is one logical email. Fields are decoded UTF-8.
type Message struct {
	// ID is casefile's stable identifier (16 hex digits derived from
	// DedupKey). Set by the store layer's helper model.MessageIDFor.
	ID string `json:"id"`
	// Kind is KindNative or KindPrinted.
	Kind string `json:"kind"`
	// MessageID is the Message-ID header without angle brackets.
	MessageID string `json:"message_id"`
	InReplyTo string `json:"in_reply_to,omitempty"`
	// References lists Message-IDs (no brackets), oldest first.
	References []string `json:"references,omitempty"`

	// DateUTC is the parsed date in UTC (nil when missing/unparseable).
	DateUTC *time.Time `json:"-"`
	// DateOffset is the original zone offset in seconds east of UTC.
	DateOffset int `json:"date_offset"`
	// DateRaw is the header exactly as found (decoded), always kept.
	DateRaw string `json:"date_raw"`
	// DateFlag is one of the Date* constants.
	DateFlag string `json:"date_flag,omitempty"`

	From    Address   `json:"from"`
	Sender  Address   `json:"-"`
	To      []Address `json:"to"`
	Cc      []Address `json:"cc"`
	Bcc     []Address `json:"bcc"`
	ReplyTo []Address `json:"-"`
	Subject string    `json:"subject"`

	// BodyText is the text used for reading and indexing: the text/plain
	// body, or the HTML body converted to text when there is no plain part.
	BodyText string `json:"body_text"`
	// BodyHTML is the original HTML body (unsanitised; the web UI must
	// sanitise it before display).
	BodyHTML string `json:"-"`

	Attachments []Attachment `json:"attachments"`

	// Children are message/rfc822 parts (forwarded-as-attachment mails),
	// parsed as messages of their own. The store links them to this one.
	Children []*Message `json:"-"`
	// ContainerID is the ID of the message this one was attached to.
	ContainerID string `json:"container_id,omitempty"`
	// CopyOf, on a printed message, is the native message it is a copy
	// of (the same email, printed): searches and counts see the email
	// once, as the native message, whose Sources include the copy's and
	// whose Copies list it.
	CopyOf string   `json:"copy_of,omitempty"`
	Copies []string `json:"copies,omitempty"`

	// Warnings are non-fatal parse problems (bad base64, unknown charset,
	// missing closing boundary...). They are stored and shown.
	Warnings []string `json:"warnings,omitempty"`

	// Headers keeps the decoded top-level header fields in order
	// (name, value) for display and for `show --headers`.
	Headers [][2]string `json:"-"`

	// RawSHA256 is the SHA-256 of the raw bytes this copy was parsed from;
	// Size their length.
	RawSHA256 string `json:"-"`
	Size      int64  `json:"size"`
	// RawOffset, for a child (message/rfc822 part), is where its raw
	// bytes start inside its parent's raw bytes; 0 when they are not
	// there verbatim (a base64-encoded part), so no byte range can be
	// cited for it beyond the parent's.
	RawOffset int64 `json:"-"`

	// ContentHash is the SHA-256 over the normalised content used for
	// de-duplication (see dedup rules in internal/message).
	ContentHash string `json:"-"`

	// Threading, filled by the thread package after ingest.
	ThreadID string `json:"thread_id"`
	ParentID string `json:"parent_id"`

	// Confidence is 1 for native messages; printed recovery sets 0..1.
	Confidence float64 `json:"confidence,omitempty"`
	// Flags such as "mid_conflict" (same Message-ID, different content).
	Flags []string `json:"flags,omitempty"`

	// Sources is filled when reading a message back from the store.
	Sources []Source `json:"sources"`
}

// Participants returns every address on the message (from, sender, to,
// cc, bcc), lower-cased and de-duplicated, in that order.
func (m *Message) Participants() []string {
	seen := map[string]bool{}
	var out []string
	add := func(a Address) {
		k := strings.ToLower(a.Address)
		if k == "" {
			k = strings.ToLower(strings.TrimSpace(a.Name))
		}
		if k == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, k)
	}
	add(m.From)
	add(m.Sender)
	for _, l := range [][]Address{m.To, m.Cc, m.Bcc} {
		for _, a := range l {
			add(a)
		}
	}
	return out
}
