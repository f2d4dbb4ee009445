package people

import (
	"fmt"
	"github.com/casefile/casefile/internal/textdist"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/lazyre"
)

// People returns every person, most active first. The slice and the
// persons are shared: do not modify them.
func (d *Directory) People() []*Person { return d.people }

// Messages is the number of messages the directory was built from.
func (d *Directory) Messages() int { return len(d.msgs) }

// Person returns the person with this ID (or with a member whose NodeID
// this is: IDs stay valid after merges).
func (d *Directory) Person(id string) (*Person, error) {
	if p := d.byID[strings.ToLower(strings.TrimSpace(id))]; p != nil {
		return p, nil
	}
	return nil, &NotFoundError{Ref: id}
}

// Aliases returns the alias registry, most used first.
func (d *Directory) Aliases() []*Alias { return d.aliases }

// Alias returns the registry entry for an alias ("Mr Big", "big").
func (d *Directory) Alias(text string) (*Alias, bool) {
	a, ok := d.aliasBy[aliasKey(text)]
	return a, ok
}

// Edits lists the identity edits of the case log with what became of
// each on this build.
func (d *Directory) Edits() []AppliedEdit { return d.edits }

// Mentions lists messages naming the person (full name, honorific and
// surname, or a resolved alias) without the person among sender and
// recipients, in date order.
func (d *Directory) Mentions(id string) ([]Mention, error) {
	p, err := d.Person(id)
	if err != nil {
		return nil, err
	}
	return nzMentions(d.mentions[p.idx]), nil
}

func nzMentions(m []Mention) []Mention {
	if m == nil {
		return []Mention{}
	}
	return m
}

var reIDPrefix = lazyre.New(`^p[0-9a-f]{4,12}$`)

// Resolve finds the person a reference names: a person ID (or unique
// prefix of at least 4 hex digits), an address, a full or partial name,
// or a resolved alias. Several matches give an *AmbiguousError listing
// them; none gives a *NotFoundError with close matches.
func (d *Directory) Resolve(ref string) (*Person, error) {
	r := strings.TrimSpace(ref)
	if r == "" {
		return nil, &NotFoundError{Ref: ref}
	}
	low := strings.ToLower(r)
	if p := d.byID[low]; p != nil {
		return p, nil
	}
	if reIDPrefix.MatchString(low) {
		var hits []*Person
		for id, p := range d.byID {
			if strings.HasPrefix(id, low) && !containsP(hits, p) {
				hits = append(hits, p)
			}
		}
		if p, err := d.pick(ref, hits); p != nil || err != nil {
			return p, err
		}
	}
	if strings.Contains(r, "@") {
		a, _ := NormalizeAddress(r)
		if p := d.byAddr[a]; p != nil {
			return p, nil
		}
		return nil, &NotFoundError{Ref: ref, Suggestions: d.closeAddresses(a)}
	}
	if p := d.resolveExact(r); p != nil {
		return p, nil
	}
	n := parseName(r)
	var exact []*Person
	for _, p := range d.people {
		if p.hasName(n, r) {
			exact = append(exact, p)
		}
	}
	if p, err := d.pick(ref, exact); p != nil || err != nil {
		return p, err
	}
	if a := d.aliasBy[aliasKey(r)]; a != nil && a.Status == AliasResolved && a.Person != nil {
		return d.byID[a.Person.ID], nil
	}
	words := n.tokens
	if len(words) == 0 {
		words = wordsOf(r)
	}
	var partial []*Person
	for _, p := range d.people {
		if len(words) > 0 && p.hasWords(words) {
			partial = append(partial, p)
		}
	}
	if p, err := d.pick(ref, partial); p != nil || err != nil {
		return p, err
	}
	return nil, &NotFoundError{Ref: ref, Suggestions: d.closeNames(words)}
}

func containsP(ps []*Person, p *Person) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// pick returns the only person, an ambiguity error for several, or
// (nil, nil) for none.
func (d *Directory) pick(ref string, ps []*Person) (*Person, error) {
	switch len(ps) {
	case 0:
		return nil, nil
	case 1:
		return ps[0], nil
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].idx < ps[j].idx })
	e := &AmbiguousError{Ref: ref}
	for _, p := range ps {
		e.Candidates = append(e.Candidates, candidate(p))
	}
	return nil, e
}

func candidate(p *Person) Candidate {
	return Candidate{ID: p.ID, Name: p.Name, Addresses: first(p.Addresses, 2)}
}

// resolveExact finds a person only by unambiguous identity: an address,
// a full name that exactly one person carries, or a resolved alias.
func (d *Directory) resolveExact(ref string) *Person {
	r := strings.TrimSpace(ref)
	if strings.Contains(r, "@") {
		a, _ := NormalizeAddress(r)
		return d.byAddr[a]
	}
	n := parseName(r)
	if n.form == formFull {
		var hit *Person
		for _, p := range d.people {
			for _, f := range p.fulls {
				if sameFullName(n, f) {
					if hit != nil && hit != p {
						return nil
					}
					hit = p
				}
			}
		}
		if hit != nil {
			return hit
		}
	}
	if a := d.aliasBy[aliasKey(r)]; a != nil && a.Status == AliasResolved && a.Person != nil {
		return d.byID[a.Person.ID]
	}
	return nil
}

// hasName: the reference is one of the person's names (full name with
// compatible middle names, or the same normalised name as written).
func (p *Person) hasName(n personName, raw string) bool {
	if n.form == formNone {
		return false
	}
	for _, f := range p.fulls {
		if sameFullName(n, f) {
			return true
		}
	}
	if strings.EqualFold(strings.TrimSpace(raw), p.Name) {
		return true
	}
	for _, nm := range p.Names {
		if parseName(nm).key == n.key && n.form != formSingle {
			return true
		}
	}
	return false
}

// hasWords: every word of the reference is one of the person's name
// words or resolved aliases.
func (p *Person) hasWords(ws []string) bool {
	mine := map[string]bool{}
	for f := range p.firstNames {
		mine[f] = true
	}
	for l := range p.lastNames {
		mine[l] = true
	}
	for _, w := range wordsOf(p.Name) {
		mine[w] = true
	}
	for _, a := range p.Aliases {
		for _, w := range wordsOf(a) {
			mine[w] = true
		}
	}
	for _, w := range ws {
		if !mine[w] {
			return false
		}
	}
	return true
}

// closeNames suggests persons with a name word within a small edit
// distance of, or starting like, a word of the reference.
func (d *Directory) closeNames(ws []string) []Candidate {
	var out []Candidate
	for _, p := range d.people {
		if len(out) >= 5 {
			break
		}
		tokens := wordsOf(p.Name)
		for f := range p.firstNames {
			tokens = append(tokens, f)
		}
		for l := range p.lastNames {
			tokens = append(tokens, l)
		}
		if close := func() bool {
			for _, w := range ws {
				for _, t := range tokens {
					if len(w) >= 3 && len(t) >= 3 && (textdist.Levenshtein(w, t) <= max(1, len(w)/4) || strings.HasPrefix(t, w[:3])) {
						return true
					}
				}
			}
			return false
		}(); close {
			out = append(out, candidate(p))
		}
	}
	return out
}

func (d *Directory) closeAddresses(a string) []Candidate {
	local, dom := splitAddress(a)
	var out []Candidate
	for _, p := range d.people {
		if len(out) >= 5 {
			break
		}
		for _, x := range p.Addresses {
			l, dm := splitAddress(x)
			if textdist.Levenshtein(x, a) <= 2 || l == local && local != "" || dm == dom && dom != "" && textdist.Levenshtein(l, local) <= 2 {
				out = append(out, candidate(p))
				break
			}
		}
	}
	return out
}

// MemberKeys returns the person's member keys ("a:address" or "n:name"),
// as stored with identity edits so they still apply when IDs change.
func (d *Directory) MemberKeys(p *Person) []string {
	out := make([]string, len(p.members))
	for i, m := range p.members {
		out[i] = d.nodeKeys[m]
	}
	return out
}

// ContactMessage is a message between the two persons of a Contacts
// result.
type ContactMessage struct {
	MessageRef
	Direction string `json:"direction"` // a_to_b or b_to_a
}

// Contacts is the record of who wrote to whom between two persons.
type Contacts struct {
	A        PersonRef        `json:"a"`
	B        PersonRef        `json:"b"`
	Total    int              `json:"total"`
	First    *Stamp           `json:"first"`
	Last     *Stamp           `json:"last"`
	Undated  int              `json:"undated"`
	ByYear   map[string]int   `json:"by_year"`
	ByMonth  map[string]int   `json:"by_month"`
	AToB     int              `json:"a_to_b"`
	BToA     int              `json:"b_to_a"`
	Native   int              `json:"native"`
	Printed  int              `json:"printed"`
	Filter   *FilterView      `json:"filter,omitempty"`
	Messages []ContactMessage `json:"messages"`
}

// FilterView echoes a date filter in results.
type FilterView struct {
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
}

func (f Filter) view() *FilterView {
	if !f.active() {
		return nil
	}
	v := &FilterView{}
	if !f.From.IsZero() {
		t := f.From
		v.From = &t
	}
	if !f.To.IsZero() {
		t := f.To
		v.To = &t
	}
	return v
}

// keep reports whether a message passes the filter.
func (f Filter) keep(m *msgRec) bool {
	if !f.active() {
		return true
	}
	if m.date == nil {
		return false
	}
	if !f.From.IsZero() && m.date.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !m.date.Before(f.To) {
		return false
	}
	return true
}

// direction of a message between persons a and b: 1 a→b, 2 b→a, 0 none.
func direction(m *msgRec, a, b int32) int {
	switch {
	case m.fromP == a && containsI32(m.rcptP, b):
		return 1
	case m.fromP == b && containsI32(m.rcptP, a):
		return 2
	}
	return 0
}

// Contacts returns every message one of the two persons (references as
// for Resolve) sent to the other, with counts by year and month (UTC;
// printed dates without zone by their wall clock) and direction.
func (d *Directory) Contacts(a, b string, f Filter) (*Contacts, error) {
	pa, err := d.Resolve(a)
	if err != nil {
		return nil, err
	}
	pb, err := d.Resolve(b)
	if err != nil {
		return nil, err
	}
	if pa == pb {
		return nil, fmt.Errorf("%w: %q and %q are both %s (%s)", ErrSamePerson, a, b, pa.Name, pa.ID)
	}
	return contactsOf(PersonRef{pa.ID, pa.Name}, PersonRef{pb.ID, pb.Name}, d.between(pa, pb),
		func(m *msgRec) int { return direction(m, pa.idx, pb.idx) }, f), nil
}

// contactsOf counts and lists the messages between pa and pb among msgs
// (in date order); dir gives a message's direction (1 a→b, 2 b→a, 0: not
// between them).
func contactsOf(pa, pb PersonRef, msgs []*msgRec, dir func(*msgRec) int, f Filter) *Contacts {
	c := &Contacts{A: pa, B: pb, ByYear: map[string]int{}, ByMonth: map[string]int{},
		Filter: f.view(), Messages: []ContactMessage{}}
	for _, m := range msgs {
		dir := dir(m)
		if dir == 0 || !f.keep(m) {
			continue
		}
		c.Total++
		if dir == 1 {
			c.AToB++
		} else {
			c.BToA++
		}
		if m.kind == "printed" {
			c.Printed++
		} else {
			c.Native++
		}
		if m.date == nil {
			c.Undated++
		} else {
			if c.First == nil || m.date.Before(c.First.Time) {
				c.First = m.date
			}
			if c.Last == nil || m.date.After(c.Last.Time) {
				c.Last = m.date
			}
			c.ByYear[m.date.Format("2006")]++
			c.ByMonth[m.date.Format("2006-01")]++
		}
		cm := ContactMessage{MessageRef: msgRef(m), Direction: "a_to_b"}
		if dir == 2 {
			cm.Direction = "b_to_a"
		}
		c.Messages = append(c.Messages, cm)
	}
	return c
}

// between returns the messages of the less active of the two persons
// (every message between them is among them), in date order.
func (d *Directory) between(a, b *Person) []*msgRec {
	src := a.msgs
	if len(b.msgs) < len(src) {
		src = b.msgs
	}
	out := make([]*msgRec, 0, len(src))
	var last int32 = -1
	for _, i := range src {
		if i == last {
			continue
		}
		last = i
		out = append(out, d.msgs[i])
	}
	return out
}

// ContactCount summarises one correspondent of a person.
type ContactCount struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Total    int    `json:"total"`
	Sent     int    `json:"sent"`     // messages the person sent to this contact
	Received int    `json:"received"` // messages the person received from this contact
	First    *Stamp `json:"first"`
	Last     *Stamp `json:"last"`
}

// Profile is a person with top contacts, monthly activity and mentions.
type Profile struct {
	*Person
	TopContacts     []ContactCount `json:"top_contacts"`
	ActivityByMonth map[string]int `json:"activity_by_month"`
	Undated         int            `json:"undated"`
	MentionCount    int            `json:"mention_count"`
	Mentions        []Mention      `json:"mentions"`
}

// Profile returns the person's profile with up to top contacts (0: all)
// and up to 100 mentions.
func (d *Directory) Profile(id string, top int) (*Profile, error) {
	p, err := d.Resolve(id)
	if err != nil {
		return nil, err
	}
	pr := &Profile{Person: p, ActivityByMonth: map[string]int{}, TopContacts: []ContactCount{}}
	per := map[int32]*ContactCount{}
	var last int32 = -1
	for _, i := range p.msgs {
		if i == last {
			continue
		}
		last = i
		m := d.msgs[i]
		if m.date == nil {
			pr.Undated++
		} else {
			pr.ActivityByMonth[m.date.Format("2006-01")]++
		}
		var others []int32
		sent := m.fromP == p.idx
		if sent {
			others = m.rcptP
		} else if m.fromP >= 0 {
			others = []int32{m.fromP}
		}
		for _, o := range others {
			cc := per[o]
			if cc == nil {
				op := d.people[o]
				cc = &ContactCount{ID: op.ID, Name: op.Name}
				per[o] = cc
			}
			cc.Total++
			if sent {
				cc.Sent++
			} else {
				cc.Received++
			}
			if m.date != nil {
				if cc.First == nil || m.date.Before(cc.First.Time) {
					cc.First = m.date
				}
				if cc.Last == nil || m.date.After(cc.Last.Time) {
					cc.Last = m.date
				}
			}
		}
	}
	for _, cc := range per {
		pr.TopContacts = append(pr.TopContacts, *cc)
	}
	sort.Slice(pr.TopContacts, func(i, j int) bool {
		a, b := pr.TopContacts[i], pr.TopContacts[j]
		if a.Total != b.Total {
			return a.Total > b.Total
		}
		return a.ID < b.ID
	})
	if top > 0 && len(pr.TopContacts) > top {
		pr.TopContacts = pr.TopContacts[:top]
	}
	ms := d.mentions[p.idx]
	pr.MentionCount = len(ms)
	pr.Mentions = nzMentions(first(ms, 100))
	return pr, nil
}
