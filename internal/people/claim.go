package people

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"
)

// ClaimKind is a structured claim about two persons.
type ClaimKind string

// Claim kinds.
const (
	NoContactAfter  ClaimKind = "no-contact-after"  // A and B had no contact after DATE
	NoContactBefore ClaimKind = "no-contact-before" // A and B had no contact before DATE
	NeverWrote      ClaimKind = "never-wrote"       // A never wrote to B
)

// Verdicts.
const (
	VerdictContradicted = "contradicted" // at least one message certainly contradicts the claim
	VerdictConsistent   = "consistent"   // nothing contradicts it, and the case covers the period
	VerdictInsufficient = "insufficient" // the case cannot say: no coverage, or contacts that cannot be placed in time
)

// Printed dates without a zone are wall-clock times somewhere between
// UTC-12 and UTC+14: the true instant lies within these bounds.
const (
	maxAhead  = 14 * time.Hour
	maxBehind = 12 * time.Hour
)

// Claim is a claim to check. A and B are references as for Resolve; Date
// (for the no-contact kinds) is YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339.
type Claim struct {
	Kind ClaimKind
	A, B string
	Date string
}

// Verdict is the answer to a claim with the messages that bear on it.
type Verdict struct {
	Verdict  string            `json:"verdict"`
	Claim    ClaimStatement    `json:"claim"`
	Reason   string            `json:"reason"`
	Evidence []EvidenceMessage `json:"evidence"`
	// Nearest is, when nothing contradicts a no-contact claim, the
	// contact closest to the boundary (the last one before it, or the
	// first one after it).
	Nearest  *EvidenceMessage `json:"nearest,omitempty"`
	Coverage Coverage         `json:"coverage"`
	Method   string           `json:"method"`
}

// ClaimStatement restates the claim with the persons it was resolved to.
type ClaimStatement struct {
	Kind ClaimKind `json:"kind"`
	Text string    `json:"text"`
	A    PersonRef `json:"a"`
	B    PersonRef `json:"b"`
	Date string    `json:"date,omitempty"`
	// Window is the period in which a contact contradicts the claim, in
	// UTC: [from, to).
	WindowFrom *time.Time `json:"window_from,omitempty"`
	WindowTo   *time.Time `json:"window_to,omitempty"`
}

// EvidenceMessage is a message bearing on a claim.
type EvidenceMessage struct {
	MessageRef
	Direction string `json:"direction"` // a_to_b or b_to_a
	// Certain is false when the message's date cannot place it inside the
	// claim's window for sure (undated, or a printed date without zone
	// near the boundary); Note says why.
	Certain bool   `json:"certain"`
	Note    string `json:"note,omitempty"`
}

// Coverage says how much of the record speaks to the claim's window.
type Coverage struct {
	Window    string `json:"window"`
	AMessages int    `json:"a_messages"` // A's messages with anyone, certainly in the window
	BMessages int    `json:"b_messages"`
}

// ParsePeriod reads YYYY, YYYY-MM, YYYY-MM-DD (UTC periods) or an RFC
// 3339 instant, and returns the period as [start, end).
func ParsePeriod(s string) (time.Time, time.Time, error) {
	v := strings.TrimSpace(s)
	for _, l := range []struct {
		layout string
		add    func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	} {
		if len(v) == len(l.layout) {
			if t, err := time.ParseInLocation(l.layout, v, time.UTC); err == nil {
				return t, l.add(t), nil
			}
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		t = t.UTC()
		return t, t.Add(time.Nanosecond), nil
	}
	return time.Time{}, time.Time{}, &DateError{Value: s}
}

// placement of a message relative to a window: certainly in, possibly
// in (with a note), or out.
type placement int

const (
	out placement = iota
	possibly
	certainly
)

func place(m *msgRec, from, to time.Time) (placement, string) {
	in := func(t time.Time) bool {
		return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
	}
	switch {
	case m.date == nil:
		what := "no date"
		if m.flag == model.DateUnparseable {
			what = fmt.Sprintf("a date that cannot be read (%q)", m.raw)
		}
		return possibly, "the message has " + what + ", so it cannot be placed in time"
	case m.flag == model.DateLocal:
		lo, hi := m.date.Add(-maxAhead), m.date.Add(maxBehind)
		switch {
		case in(lo) && in(hi):
			return certainly, "printed date without time zone; inside the period whatever the zone"
		case in(lo) || in(hi):
			return possibly, "printed date without time zone, within 14 hours of the boundary: inside the period only in some time zones"
		}
		return out, ""
	case in(m.date.Time):
		return certainly, ""
	}
	return out, ""
}

// Claim checks a claim against the record.
func (d *Directory) Claim(c Claim) (*Verdict, error) {
	pa, err := d.Resolve(c.A)
	if err != nil {
		return nil, err
	}
	pb, err := d.Resolve(c.B)
	if err != nil {
		return nil, err
	}
	if pa == pb {
		return nil, fmt.Errorf("%w: %q and %q are both %s (%s)", ErrSamePerson, c.A, c.B, pa.Name, pa.ID)
	}
	v := &Verdict{Claim: ClaimStatement{Kind: c.Kind, A: PersonRef{pa.ID, pa.Name}, B: PersonRef{pb.ID, pb.Name}},
		Evidence: []EvidenceMessage{}}
	var from, to time.Time
	switch c.Kind {
	case NoContactAfter, NoContactBefore:
		start, end, err := ParsePeriod(c.Date)
		if err != nil {
			return nil, err
		}
		v.Claim.Date = strings.TrimSpace(c.Date)
		if c.Kind == NoContactAfter {
			from = end
			v.Claim.Text = fmt.Sprintf("%s and %s had no contact after %s", pa.Name, pb.Name, v.Claim.Date)
			v.Claim.WindowFrom = &from
			v.Coverage.Window = "from " + from.Format(time.RFC3339)
		} else {
			to = start
			v.Claim.Text = fmt.Sprintf("%s and %s had no contact before %s", pa.Name, pb.Name, v.Claim.Date)
			v.Claim.WindowTo = &to
			v.Coverage.Window = "before " + to.Format(time.RFC3339)
		}
	case NeverWrote:
		v.Claim.Text = fmt.Sprintf("%s never wrote to %s", pa.Name, pb.Name)
		v.Coverage.Window = "all messages"
	default:
		return nil, fmt.Errorf("unknown claim kind %q (use %s, %s or %s)", c.Kind, NoContactAfter, NoContactBefore, NeverWrote)
	}

	var certain, maybe []EvidenceMessage
	var nearest *msgRec
	for _, m := range d.between(pa, pb) {
		dir := direction(m, pa.idx, pb.idx)
		if dir == 0 || c.Kind == NeverWrote && dir != 1 {
			continue
		}
		em := EvidenceMessage{MessageRef: msgRef(m), Direction: "a_to_b"}
		if dir == 2 {
			em.Direction = "b_to_a"
		}
		if c.Kind == NeverWrote {
			em.Certain = true
			certain = append(certain, em)
			continue
		}
		pl, note := place(m, from, to)
		em.Note = note
		switch pl {
		case certainly:
			em.Certain = true
			certain = append(certain, em)
		case possibly:
			maybe = append(maybe, em)
		default:
			if m.date != nil && (nearest == nil ||
				c.Kind == NoContactAfter && m.date.After(nearest.date.Time) ||
				c.Kind == NoContactBefore && m.date.Before(nearest.date.Time)) {
				nearest = m
			}
		}
	}
	v.Evidence = append(append(v.Evidence, certain...), maybe...)
	if nearest != nil && len(certain) == 0 {
		em := EvidenceMessage{MessageRef: msgRef(nearest), Direction: "a_to_b", Certain: true}
		if direction(nearest, pa.idx, pb.idx) == 2 {
			em.Direction = "b_to_a"
		}
		v.Nearest = &em
	}
	v.Coverage.AMessages, v.Coverage.BMessages = d.coverage(pa, c.Kind, from, to), d.coverage(pb, c.Kind, from, to)

	switch {
	case len(certain) > 0:
		v.Verdict = VerdictContradicted
		e := certain[0]
		if c.Kind == NeverWrote {
			v.Reason = fmt.Sprintf("%d message(s) from %s are addressed to %s; the first is %s", len(certain), pa.Name, pb.Name, describe(e.MessageRef))
		} else {
			v.Reason = fmt.Sprintf("%d message(s) between %s and %s are dated inside the period the claim excludes; the earliest is %s",
				len(certain), pa.Name, pb.Name, describe(e.MessageRef))
		}
	case len(maybe) > 0:
		v.Verdict = VerdictInsufficient
		v.Reason = fmt.Sprintf("no message between %s and %s is certainly dated inside the period the claim excludes, but %d message(s) between them cannot be placed in time (see their notes)",
			pa.Name, pb.Name, len(maybe))
	case c.Kind == NeverWrote && pa.Sent == 0:
		v.Verdict = VerdictInsufficient
		v.Reason = fmt.Sprintf("the case holds no message sent by %s, so it cannot show whom %s wrote to", pa.Name, pa.Name)
	case c.Kind == NeverWrote:
		v.Verdict = VerdictConsistent
		v.Reason = fmt.Sprintf("none of the %d message(s) %s sent in this case is addressed to %s (To, Cc or Bcc)", pa.Sent, pa.Name, pb.Name)
	case v.Coverage.AMessages == 0 && v.Coverage.BMessages == 0:
		v.Verdict = VerdictInsufficient
		v.Reason = fmt.Sprintf("the case holds no message from or to either %s or %s in that period, so their silence in it proves nothing", pa.Name, pb.Name)
	default:
		v.Verdict = VerdictConsistent
		v.Reason = fmt.Sprintf("no message between %s and %s is dated in that period, although the case holds %d message(s) of %s and %d of %s from it",
			pa.Name, pb.Name, v.Coverage.AMessages, pa.Name, v.Coverage.BMessages, pb.Name)
		if nearest != nil {
			v.Reason += "; the nearest contact is " + describe(msgRef(nearest))
		}
	}
	v.Method = "Messages count as contact when one person is the sender and the other is in To, Cc or Bcc, after identity resolution (casefile people). " +
		"Native and printed messages count alike. Dates are compared in UTC; a printed date without time zone counts as inside the period only if it is inside in every zone from UTC-12 to UTC+14, " +
		"undated messages, and printed dates without zone within 14 hours of the boundary, are listed but cannot contradict the claim on their own: " +
		"if nothing certain does, the verdict is insufficient. \"Consistent\" means only that this case holds no contradicting message: the record may be incomplete."
	return v, nil
}

// coverage counts a person's messages certainly inside the window.
func (d *Directory) coverage(p *Person, k ClaimKind, from, to time.Time) int {
	n := 0
	for _, i := range p.msgs {
		m := d.msgs[i]
		if k == NeverWrote {
			if m.fromP == p.idx {
				n++
			}
			continue
		}
		if pl, _ := place(m, from, to); pl == certainly {
			n++
		}
	}
	return n
}

// describe is a one-line citation of a message.
func describe(m MessageRef) string {
	return fmt.Sprintf("%s %s, %q (message %s)", fmtDate(m), fromTo(m), m.Subject, m.ID)
}

func fmtDate(m MessageRef) string {
	switch {
	case m.Date == nil && m.DateRaw != "":
		return fmt.Sprintf("undated (date written %q)", m.DateRaw)
	case m.Date == nil:
		return "undated"
	case m.DateFlag == model.DateLocal:
		return "on " + m.Date.Format("2006-01-02 15:04") + " (printed, time zone unknown)"
	}
	return "on " + m.Date.Format("2006-01-02 15:04 UTC")
}

func fromTo(m MessageRef) string {
	var to []string
	for _, l := range [][]model.Address{m.To, m.Cc, m.Bcc} {
		for _, a := range l {
			to = append(to, a.String())
		}
	}
	return fmt.Sprintf("from %s to %s", m.From.String(), strings.Join(to, ", "))
}

// CiteSource renders one source as a citation: path, member, byte
// range or page/lines, Bates number and SHA-256.
func CiteSource(s model.Source) string {
	var b strings.Builder
	b.WriteString(s.Path)
	if s.Member != "" {
		b.WriteString(", member " + s.Member)
	}
	if s.Page > 0 {
		fmt.Fprintf(&b, ", page %d", s.Page)
		if s.PageEnd > s.Page {
			fmt.Fprintf(&b, "–%d", s.PageEnd)
		}
		if s.LineFrom > 0 {
			fmt.Fprintf(&b, ", lines %d–%d", s.LineFrom, s.LineTo)
		}
		if s.Bates != "" {
			b.WriteString(", Bates " + s.Bates)
		}
	} else {
		fmt.Fprintf(&b, ", byte offset %d, length %d", s.Offset, s.Length)
	}
	if s.SHA256 != "" {
		b.WriteString(", SHA-256 " + s.SHA256)
	}
	return b.String()
}

// Markdown renders the verdict as a short memo an editor can read, with
// every message cited to its sources.
func (v *Verdict) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Claim check: %s\n\n", v.Claim.Text)
	fmt.Fprintf(&b, "**Verdict: %s.** %s.\n\n", v.Verdict, upperFirst(v.Reason))
	fmt.Fprintf(&b, "- A: %s (`%s`)\n- B: %s (`%s`)\n", v.Claim.A.Name, v.Claim.A.ID, v.Claim.B.Name, v.Claim.B.ID)
	fmt.Fprintf(&b, "- Record: %d message(s) of A and %d of B in the period checked (%s)\n\n", v.Coverage.AMessages, v.Coverage.BMessages, v.Coverage.Window)
	if len(v.Evidence) > 0 {
		b.WriteString("## Evidence\n\n")
		for i, e := range v.Evidence {
			writeEvidence(&b, i+1, e)
		}
	}
	if v.Nearest != nil {
		b.WriteString("## Nearest contact\n\n")
		writeEvidence(&b, 1, *v.Nearest)
	}
	b.WriteString("## Method\n\n" + v.Method + "\n")
	return b.String()
}

func writeEvidence(b *strings.Builder, n int, e EvidenceMessage) {
	fmt.Fprintf(b, "%d. %s %s — %q (message `%s`, %s)\n", n, upperFirst(fmtDate(e.MessageRef)), fromTo(e.MessageRef), e.Subject, e.ID, e.Kind)
	if e.Note != "" {
		fmt.Fprintf(b, "   - Note: %s.\n", e.Note)
	}
	srcs := append([]model.Source(nil), e.Sources...)
	sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].Path < srcs[j].Path })
	for _, s := range srcs {
		fmt.Fprintf(b, "   - Source: %s\n", CiteSource(s))
	}
	b.WriteString("\n")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	return string(r)
}
