// Package mask hides protected people and personal data in what casefile
// shows and exports. Caches hold victims' and bystanders' names; an
// investigator marks them protected (casefile protect add), and every
// output — CLI text and JSON, exports, the web UI — replaces each
// mention with a stable label such as "[protected 2]", so a reader can
// follow one person through the record without learning who they are.
// Optional detectors also mask personal data that needs no list: US
// Social Security numbers and phone numbers.
//
// The protected list is part of the case: it is kept in the store's
// append-only edit log (kinds "protect.add" and "protect.remove"), so it
// is audited and survives re-ingest.
package mask

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// Edit kinds in the store's edit log.
const (
	EditAdd    = "protect.add"    // Target: the name or term as given
	EditRemove = "protect.remove" // Target: the same text
)

// Term is one protected name or term with its label.
type Term struct {
	Text   string `json:"text"`
	Label  string `json:"label"`
	Reason string `json:"reason,omitempty"`
	Actor  string `json:"actor,omitempty"`
	// addresses are email addresses used with the name (masked whole).
	addresses []string
}

// Options choose the detectors.
type Options struct {
	// PII also masks US Social Security numbers and phone numbers.
	PII bool
}

// Masker rewrites text. The zero value and nil mask nothing.
type Masker struct {
	terms []Term
	re    *regexp.Regexp // every variant of every term
	label map[string]string
	pii   bool
}

var (
	reSSN   = regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`)
	rePhone = regexp.MustCompile(`(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)|\d{2,4})[\s.-]\d{3,4}[\s.-]\d{3,4}\b`)
)

// Load builds the Masker of a case from its edit log. A protected name's
// email addresses are masked too: those the case shows used under that
// name (as sender or recipient), whatever their local part.
func Load(ctx context.Context, st store.Store, opts Options) (*Masker, error) {
	terms, err := List(ctx, st)
	if err != nil {
		return nil, err
	}
	for i, t := range terms {
		addrs, err := addressesOf(ctx, st, t.Text)
		if err != nil {
			return nil, err
		}
		terms[i].addresses = addrs
	}
	return New(terms, opts), nil
}

// addressesOf finds the addresses written with a protected name.
func addressesOf(ctx context.Context, st store.Store, name string) ([]string, error) {
	if len(strings.Fields(name)) < 2 || strings.ContainsAny(name, `"\`) {
		return nil, nil // a single word is too weak to tie an address to
	}
	want := map[string]bool{}
	for _, v := range variants(name) {
		want[normKey(v)] = true
	}
	q, err := query.Parse(fmt.Sprintf(`from:"%[1]s" OR to:"%[1]s" OR cc:"%[1]s"`, name))
	if err != nil {
		return nil, nil
	}
	seen := map[string]bool{}
	var out []string
	err = st.Search(ctx, q, store.SearchOptions{Limit: 1000, Sort: "date"}, func(h store.Hit) error {
		m := h.Message
		for _, a := range append(append([]model.Address{m.From}, m.To...), m.Cc...) {
			if a.Address != "" && want[normKey(a.Name)] && !seen[strings.ToLower(a.Address)] {
				seen[strings.ToLower(a.Address)] = true
				out = append(out, a.Address)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mask: addresses of a protected name: %w", err)
	}
	return out, nil
}

// List returns the case's protected terms in the order they were added,
// labelled "[protected N]" by that order (a removed term keeps its number
// unused, so labels never shift).
func List(ctx context.Context, st store.Store) ([]Term, error) {
	edits, err := st.Edits(ctx, store.EditFilter{KindPrefix: "protect."})
	if err != nil {
		return nil, fmt.Errorf("mask: %w", err)
	}
	n := 0
	byKey := map[string]int{}
	var terms []Term
	var live []bool
	for _, e := range edits {
		key := strings.ToLower(strings.Join(strings.Fields(e.Target), " "))
		switch e.Kind {
		case EditAdd:
			if i, ok := byKey[key]; ok {
				live[i] = true
				continue
			}
			n++
			byKey[key] = len(terms)
			terms = append(terms, Term{Text: e.Target, Label: fmt.Sprintf("[protected %d]", n), Reason: e.Reason, Actor: e.Actor})
			live = append(live, true)
		case EditRemove:
			if i, ok := byKey[key]; ok {
				live[i] = false
			}
		}
	}
	var out []Term
	for i, t := range terms {
		if live[i] {
			out = append(out, t)
		}
	}
	return out, nil
}

// Add protects a name or term (audited in the edit log).
func Add(ctx context.Context, st store.Store, text, actor, reason string) error {
	text = strings.Join(strings.Fields(text), " ")
	if len([]rune(text)) < 3 {
		return fmt.Errorf("mask: %q is too short to protect safely (at least 3 characters)", text)
	}
	_, err := st.AddEdit(ctx, store.Edit{Kind: EditAdd, Target: text, Actor: actor, Reason: reason})
	return err
}

// Remove withdraws protection (audited; the label number is not reused).
func Remove(ctx context.Context, st store.Store, text, actor, reason string) error {
	terms, err := List(ctx, st)
	if err != nil {
		return err
	}
	key := strings.ToLower(strings.Join(strings.Fields(text), " "))
	for _, t := range terms {
		if strings.ToLower(t.Text) == key {
			_, err := st.AddEdit(ctx, store.Edit{Kind: EditRemove, Target: t.Text, Actor: actor, Reason: reason})
			return err
		}
	}
	return fmt.Errorf("%w: %q is not protected (casefile protect list)", store.ErrNotFound, text)
}

// New builds a Masker for terms.
func New(terms []Term, opts Options) *Masker {
	m := &Masker{terms: terms, label: map[string]string{}, pii: opts.PII}
	var alts []string
	for _, t := range terms {
		for _, v := range append(variants(t.Text), t.addresses...) {
			k := normKey(v)
			if _, dup := m.label[k]; dup {
				continue
			}
			m.label[k] = t.Label
			alts = append(alts, v)
		}
	}
	if len(alts) == 0 {
		return m
	}
	// Longest first, so "Jane Q. Doe" wins over "Jane Doe" and "Doe".
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	parts := make([]string, len(alts))
	for i, a := range alts {
		words := strings.Fields(a)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `[\s,]+`)
	}
	// Letters of any script bound a name (\b is ASCII-only in Go).
	m.re = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_])(` + strings.Join(parts, "|") + `)(?:$|[^\p{L}\p{N}_])`)
	return m
}

// variants are the written forms of a protected name: as given; for a
// two-or-more-word name also "First Last" without middle names, "Last,
// First", "F. Last", and the address local parts first.last, firstlast,
// flast. A one-word term is matched as a word only.
func variants(text string) []string {
	out := []string{text}
	w := strings.Fields(strings.ReplaceAll(text, ",", " "))
	if len(w) < 2 {
		return out
	}
	first, last := w[0], w[len(w)-1]
	f := strings.ToLower(first)
	l := strings.ToLower(last)
	out = append(out, first+" "+last, last+", "+first, first[:1]+". "+last, f+"."+l, f+l, f[:1]+l, f+"_"+l)
	return out
}

// Active reports whether the Masker changes anything.
func (m *Masker) Active() bool { return m != nil && (m.re != nil || m.pii) }

// Terms returns the protected terms.
func (m *Masker) Terms() []Term {
	if m == nil {
		return nil
	}
	return m.terms
}

// String masks s.
func (m *Masker) String(s string) string {
	if !m.Active() || s == "" {
		return s
	}
	if m.re != nil {
		// Twice: a match consumes the separator after it, so a name right
		// after another ("Jane Doe, Jane Doe") is only found by a second
		// pass. Labels never match a name, so the passes cannot compound.
		for range 2 {
			s = m.re.ReplaceAllStringFunc(s, func(hit string) string {
				sub := m.re.FindStringSubmatch(hit)
				return strings.Replace(hit, sub[1], m.lookup(sub[1]), 1)
			})
		}
	}
	if m.pii {
		s = reSSN.ReplaceAllString(s, "[SSN]")
		s = rePhone.ReplaceAllString(s, "[phone]")
	}
	return s
}

// lookup finds the label of a hit, whatever its case, spacing or commas.
func (m *Masker) lookup(hit string) string {
	if l, ok := m.label[normKey(hit)]; ok {
		return l
	}
	return "[protected]"
}

// normKey lower-cases s and reduces runs of spaces and commas to one space.
func normKey(s string) string {
	return strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), " "))
}

// Address masks a name and address: a protected address (or one whose
// local part is a protected name) becomes the label at the same domain.
func (m *Masker) Address(a model.Address) model.Address {
	if !m.Active() {
		return a
	}
	a.Name = m.String(a.Name)
	if l, ok := m.label[normKey(a.Address)]; ok && a.Address != "" {
		a.Address = l // an address used under a protected name
		return a
	}
	if at := strings.LastIndexByte(a.Address, '@'); at > 0 {
		local := m.String(a.Address[:at])
		if local != a.Address[:at] {
			a.Address = local + a.Address[at:]
		}
	}
	return a
}

func (m *Masker) addresses(as []model.Address) []model.Address {
	if as == nil {
		return nil
	}
	out := make([]model.Address, len(as))
	for i, a := range as {
		out[i] = m.Address(a)
	}
	return out
}

// Message returns a masked copy of msg: names, addresses, subject, body,
// HTML, headers and attachment names. Sources (paths, hashes) are left as
// they are: they cite files, not people.
func (m *Masker) Message(msg *model.Message) *model.Message {
	if !m.Active() || msg == nil {
		return msg
	}
	c := *msg
	c.From = m.Address(msg.From)
	c.Sender = m.Address(msg.Sender)
	c.To, c.Cc, c.Bcc, c.ReplyTo = m.addresses(msg.To), m.addresses(msg.Cc), m.addresses(msg.Bcc), m.addresses(msg.ReplyTo)
	c.Subject = m.String(msg.Subject)
	c.BodyText = m.String(msg.BodyText)
	c.BodyHTML = m.String(msg.BodyHTML)
	if msg.Headers != nil {
		c.Headers = make([][2]string, len(msg.Headers))
		for i, h := range msg.Headers {
			c.Headers[i] = [2]string{h[0], m.String(h[1])}
		}
	}
	if msg.Attachments != nil {
		c.Attachments = make([]model.Attachment, len(msg.Attachments))
		for i, a := range msg.Attachments {
			a.Filename = m.String(a.Filename)
			a.Text = m.String(a.Text)
			c.Attachments[i] = a
		}
	}
	return &c
}
