package printed

import (
	"fmt"
	"strings"

	"github.com/casefile/casefile/internal/model"

	"github.com/casefile/casefile/internal/lazyre"
)

var (
	reSubjectPrefix = lazyre.New(`(?i)^\s*((re|fw|fwd|aw|wg|tr|rv|sv|vs)\s*(\[\d+\])?\s*:\s*)+`)
	reMsgID         = lazyre.New(`<?([^<>\s@]+@[^<>\s]+)>?`)
)

// messages turns headers into model messages with bodies, provenance,
// confidence and chain links.
func (p *parser) messages(doc Document, heads []*head) []*model.Message {
	msgs := make([]*model.Message, len(heads))
	for k, h := range heads {
		limit := len(p.lines) - 1
		if k+1 < len(heads) {
			limit = heads[k+1].start - 1
		}
		msgs[k] = p.message(doc, h, limit)
	}
	// Link each message to the one it quotes: the next message in the
	// printout, unless that one starts a new printout.
	for k := range msgs {
		if k+1 >= len(msgs) || p.newRoot(heads, msgs, k+1) {
			continue
		}
		m, parent := msgs[k], msgs[k+1]
		if m.InReplyTo == "" {
			m.InReplyTo = parent.MessageID
		}
		if len(m.References) == 0 {
			m.References = []string{parent.MessageID}
		}
	}
	return msgs
}

// newRoot reports whether heads[k] begins a new printed message rather
// than one quoted by the message before it: a header block not announced
// by a separator (Original Message, forwarded...) whose subject is
// unrelated to the previous message's subject. Quoted messages keep their
// subject up to Re:/Fwd: prefixes.
func (p *parser) newRoot(heads []*head, msgs []*model.Message, k int) bool {
	h := heads[k]
	if h.attribution || h.sepBefore == "reply" || h.sepBefore == "forward" {
		return false
	}
	a, b := normSubject(msgs[k-1].Subject), normSubject(msgs[k].Subject)
	return a != "" && b != "" && !strings.Contains(a, b) && !strings.Contains(b, a)
}

func normSubject(s string) string {
	s = reSubjectPrefix.ReplaceAllString(s, "")
	return strings.ToLower(collapseSpace(s))
}

// message builds one message from its header and the body lines up to
// limit.
func (p *parser) message(doc Document, h *head, limit int) *model.Message {
	m := &model.Message{Kind: model.KindPrinted}
	depth := p.lines[h.start].depth
	if h.attribution {
		// The quoted text sits one quote level below its attribution.
		if n := p.next(h.end+1, -1); n >= 0 && n <= limit && p.lines[n].depth > depth {
			depth = p.lines[n].depth
		}
	}

	// Body: after the header up to the next header, minus trailing
	// separators, blank lines and furniture.
	end := limit
	for end > h.end {
		l := &p.lines[end]
		if l.blank() || l.furniture || separatorKind(l.text) != "" {
			end--
			continue
		}
		break
	}
	var body []string
	for _, i := range h.preBody {
		body = append(body, p.lines[i].text)
	}
	for i := h.end + 1; i <= end; i++ {
		l := &p.lines[i]
		if l.furniture {
			continue
		}
		if l.hadStamp {
			body = append(body, strings.Repeat("> ", max(0, l.depth-depth))+l.text)
			continue
		}
		s, _ := stripQuotes(l.raw, depth)
		body = append(body, strings.TrimRight(s, " \t"))
	}
	m.BodyText = strings.Trim(strings.Join(body, "\n"), "\n")

	// Fields.
	var warns []string
	fromSeen := false
	for _, f := range h.fields {
		v := collapseSpace(f.value)
		if !h.attribution {
			m.Headers = append(m.Headers, [2]string{f.label, v})
		}
		if f.stamped {
			warns = append(warns, fmt.Sprintf("a Bates stamp interrupted the %s value and was removed", f.label))
		}
		switch f.key {
		case keyFrom:
			if fromSeen {
				continue
			}
			fromSeen = true
			if a, snd, ok := parseSender(v); ok {
				m.From, m.Sender = a, snd
			}
		case keyDate:
			if m.DateRaw != "" {
				continue
			}
			m.DateRaw = v
		case keyTo:
			m.To = append(m.To, parseAddressList(v)...)
		case keyCc:
			m.Cc = append(m.Cc, parseAddressList(v)...)
		case keyBcc:
			m.Bcc = append(m.Bcc, parseAddressList(v)...)
		case keySubject:
			if m.Subject == "" {
				m.Subject = v
			}
		case keyAttachments:
			for _, a := range splitOutside(v, ';') {
				a = strings.TrimSpace(a)
				if a != "" && !isRedactedValue(a) {
					m.Attachments = append(m.Attachments, model.Attachment{Filename: a})
				}
			}
		case keyMessageID:
			if mm := reMsgID.FindStringSubmatch(v); mm != nil {
				m.MessageID = model.NormalizeMessageID(mm[1])
			}
		case keyInReplyTo:
			if mm := reMsgID.FindStringSubmatch(v); mm != nil {
				m.InReplyTo = model.NormalizeMessageID(mm[1])
			}
		case keyReferences:
			for _, mm := range reMsgID.FindAllStringSubmatch(v, -1) {
				m.References = append(m.References, model.NormalizeMessageID(mm[1]))
			}
		}
	}
	if m.InReplyTo != "" && len(m.References) == 0 {
		m.References = []string{m.InReplyTo}
	}
	hasTime := false
	switch {
	case m.DateRaw == "":
		m.DateFlag = model.DateMissing
	default:
		d, ok := parseDate(m.DateRaw, p.order)
		if !ok {
			// OCR sometimes runs the next column into the value:
			// "8/4/2015 10:23:22 PM Ann Lee; Bo Chan". Keep the date
			// when a timed date starts the value.
			if _, rest, pd, good := splitDatePrefix(m.DateRaw, p.order); good && pd.hasTime && rest != "" {
				d, ok = pd, true
				warns = append(warns, fmt.Sprintf("text after the date ignored: %q", rest))
			}
		}
		if !ok {
			m.DateFlag = model.DateUnparseable
			warns = append(warns, fmt.Sprintf("date %q not understood", m.DateRaw))
			break
		}
		t := d.t
		m.DateUTC = &t
		m.DateOffset = d.offset
		m.DateFlag = d.flag
		hasTime = d.hasTime
		if !d.hasTime {
			warns = append(warns, "printed date has no time of day")
		}
	}
	if m.From.IsZero() {
		warns = append(warns, "sender not printed or not legible")
	}
	if h.column {
		warns = append(warns, "header values were printed apart from their labels; matched by position")
	}
	if h.attribution && !h.wrote {
		warns = append(warns, "quote attribution without \"wrote:\" (OCR may have moved it)")
	}

	// Provenance.
	first, last := p.lines[h.start], p.lines[max(end, h.end)]
	var span []string
	for i := h.start; i <= max(end, h.end); i++ {
		span = append(span, p.lines[i].raw)
	}
	spanText := strings.Join(span, "\n")
	src := model.Source{
		Path:       doc.Path,
		FileSHA256: doc.FileSHA256,
		Page:       first.page,
		PageEnd:    last.page,
		LineFrom:   first.no,
		LineTo:     last.no,
		SHA256:     sha256Hex(spanText),
		Length:     int64(len(spanText)),
	}
	if st := first.stamp; st >= 0 {
		src.Bates = p.stampText(st)
	}
	m.Sources = []model.Source{src}
	m.RawSHA256 = src.SHA256
	m.Size = src.Length
	if m.MessageID == "" {
		m.MessageID = syntheticID(doc.Path, first.page, first.no)
	}
	m.Confidence = confidence(h, m, hasTime)
	m.Warnings = warns
	return m
}

// confidence scores how completely and how cleanly a message was read.
func confidence(h *head, m *model.Message, hasTime bool) float64 {
	c := 0.3
	if h.attribution {
		c = 0.2
	}
	switch {
	case m.From.Address != "":
		c += 0.2
	case m.From.Name != "":
		c += 0.12
	}
	if m.DateUTC != nil {
		if hasTime {
			c += 0.2
		} else {
			c += 0.1
		}
	}
	if !h.attribution {
		if len(m.To)+len(m.Cc)+len(m.Bcc) > 0 {
			c += 0.1
		}
		if m.Subject != "" {
			c += 0.1
		}
	} else if h.wrote {
		c += 0.1
	}
	if strings.TrimSpace(m.BodyText) != "" {
		c += 0.1
	}
	c -= 0.05 * float64(min(h.fuzzy, 3))
	if h.column {
		c -= 0.1
	}
	if m.DateFlag == model.DateUnparseable {
		c -= 0.1
	}
	if c < 0.05 {
		c = 0.05
	}
	if c > 1 {
		c = 1
	}
	return float64(int(c*100+0.5)) / 100
}

func (p *parser) stampText(i int) string { return p.stamps[i].Text }
