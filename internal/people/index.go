package people

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// The people index is the part of a Directory that resolves references
// and answers Contacts, kept in the case as derived data (store.PutDerived)
// so that `casefile contacts` reads two persons' message lists and their
// messages instead of the whole case. It is current while the case's
// generation is the one it was built at: any ingest or edit makes it
// stale, and the next command that builds the directory saves it again.

// indexSet names the index among the case's derived data; the suffix is
// its encoding, so a casefile that encodes differently uses another set.
const indexSet = "people.index.v1"

// ErrNoIndex reports that the case has no current people index: it was
// never saved, or the case changed since.
var ErrNoIndex = errors.New("people: no current index")

type indexName struct {
	Key, First, Last, Gen, Display string
	Tokens, Middle, Titles         []string
	Form                           int
}

type indexPerson struct {
	ID, Name                  string
	Names, Addresses, Aliases []string
	FirstNames, LastNames     []string
	Fulls                     []indexName
	Members                   []int32
}

// indexHead is what resolving a reference needs.
type indexHead struct {
	People   []indexPerson
	NodeKeys []string
	NodeP    []int32
	Aliases  map[string]string // resolved alias key → person ID
}

// indexPostings are the messages one person sent and received, by ID,
// sorted.
type indexPostings struct {
	Sent, Received []string
}

func postingsKey(personID string) string { return "p/" + personID }

// SaveIndex saves the people index of d, which was built from the case
// at generation gen (read before building, so a change made meanwhile
// leaves the index stale rather than wrong).
func SaveIndex(ctx context.Context, st store.Store, d *Directory, gen int64) error {
	h := indexHead{NodeKeys: d.nodeKeys, NodeP: d.nodeP, Aliases: map[string]string{}}
	for _, p := range d.people {
		ip := indexPerson{ID: p.ID, Name: p.Name, Names: p.Names, Addresses: p.Addresses, Aliases: p.Aliases,
			FirstNames: setKeys(p.firstNames), LastNames: setKeys(p.lastNames), Members: p.members}
		for _, n := range p.fulls {
			ip.Fulls = append(ip.Fulls, indexName{Key: n.key, First: n.first, Last: n.last, Gen: n.gen, Display: n.display,
				Tokens: n.tokens, Middle: n.middle, Titles: n.titles, Form: n.form})
		}
		h.People = append(h.People, ip)
	}
	for k, a := range d.aliasBy {
		if a.Status == AliasResolved && a.Person != nil {
			h.Aliases[k] = a.Person.ID
		}
	}
	posts := make([]indexPostings, len(d.people))
	for _, m := range d.msgs {
		if m.fromP >= 0 {
			posts[m.fromP].Sent = append(posts[m.fromP].Sent, m.id)
		}
		for _, p := range m.rcptP {
			posts[p].Received = append(posts[p].Received, m.id)
		}
	}
	entries := make(map[string][]byte, len(d.people)+1)
	var err error
	if entries["head"], err = encode(h); err != nil {
		return err
	}
	for i, p := range d.people {
		slices.Sort(posts[i].Sent)
		slices.Sort(posts[i].Received)
		if entries[postingsKey(p.ID)], err = encode(posts[i]); err != nil {
			return err
		}
	}
	if err := st.PutDerived(ctx, indexSet, gen, entries); err != nil {
		return fmt.Errorf("people: save index: %w", err)
	}
	return nil
}

func setKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		return nil, fmt.Errorf("people: encode index: %w", err)
	}
	return b.Bytes(), nil
}

// Index answers Resolve and Contacts from the saved people index.
type Index struct {
	st  store.Store
	gen int64
	d   *Directory // people and the lookup maps; no messages
}

// OpenIndex loads the case's people index, or returns ErrNoIndex when the
// case has none current.
func OpenIndex(ctx context.Context, st store.Store) (*Index, error) {
	gen, err := st.Generation(ctx)
	if err != nil {
		return nil, fmt.Errorf("people: open index: %w", err)
	}
	hgen, data, err := st.Derived(ctx, indexSet, "head")
	if errors.Is(err, store.ErrNotFound) || err == nil && hgen != gen {
		return nil, ErrNoIndex
	}
	if err != nil {
		return nil, fmt.Errorf("people: open index: %w", err)
	}
	var h indexHead
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&h); err != nil {
		return nil, fmt.Errorf("people: open index: %w", err)
	}
	d := &Directory{byID: map[string]*Person{}, byAddr: map[string]*Person{}, aliasBy: map[string]*Alias{},
		nodeKeys: h.NodeKeys, nodeP: h.NodeP, nodeIdx: make(map[string]int32, len(h.NodeKeys))}
	for i, k := range h.NodeKeys {
		d.nodeIdx[k] = int32(i)
	}
	for i, ip := range h.People {
		p := &Person{ID: ip.ID, Name: ip.Name, Names: ip.Names, Addresses: ip.Addresses, Aliases: ip.Aliases,
			idx: int32(i), members: ip.Members, firstNames: map[string]bool{}, lastNames: map[string]bool{}}
		for _, f := range ip.FirstNames {
			p.firstNames[f] = true
		}
		for _, l := range ip.LastNames {
			p.lastNames[l] = true
		}
		for _, n := range ip.Fulls {
			p.fulls = append(p.fulls, personName{key: n.Key, tokens: n.Tokens, first: n.First, middle: n.Middle, last: n.Last,
				gen: n.Gen, form: n.Form, titles: n.Titles, display: n.Display})
		}
		d.people = append(d.people, p)
		d.byID[p.ID] = p
		for _, m := range p.members {
			key := h.NodeKeys[m]
			d.byID[NodeID(key)] = p
			if a, ok := strings.CutPrefix(key, "a:"); ok {
				d.byAddr[a] = p
			}
		}
	}
	for k, id := range h.Aliases {
		if p := d.byID[id]; p != nil {
			d.aliasBy[k] = &Alias{Key: k, Status: AliasResolved, Person: &PersonRef{ID: p.ID, Name: p.Name}}
		}
	}
	return &Index{st: st, gen: hgen, d: d}, nil
}

// People returns the index's persons (without counts, roles or evidence,
// which only a built Directory has).
func (x *Index) People() []*Person { return x.d.people }

// Resolve finds a person as Directory.Resolve does.
func (x *Index) Resolve(ref string) (*Person, error) { return x.d.Resolve(ref) }

func (x *Index) postings(ctx context.Context, p *Person) (indexPostings, error) {
	var ps indexPostings
	gen, data, err := x.st.Derived(ctx, indexSet, postingsKey(p.ID))
	if errors.Is(err, store.ErrNotFound) || err == nil && gen != x.gen {
		return ps, ErrNoIndex // replaced since OpenIndex
	}
	if err != nil {
		return ps, fmt.Errorf("people: read index: %w", err)
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&ps); err != nil {
		return ps, fmt.Errorf("people: read index: %w", err)
	}
	return ps, nil
}

// Contacts answers as Directory.Contacts does, reading only the two
// persons' message lists and the messages between them. It returns
// ErrNoIndex when the index was replaced since OpenIndex.
func (x *Index) Contacts(ctx context.Context, a, b string, f Filter) (*Contacts, error) {
	pa, err := x.d.Resolve(a)
	if err != nil {
		return nil, err
	}
	pb, err := x.d.Resolve(b)
	if err != nil {
		return nil, err
	}
	if pa == pb {
		return nil, fmt.Errorf("%w: %q and %q are both %s (%s)", ErrSamePerson, a, b, pa.Name, pa.ID)
	}
	la, err := x.postings(ctx, pa)
	if err != nil {
		return nil, err
	}
	lb, err := x.postings(ctx, pb)
	if err != nil {
		return nil, err
	}
	dir := map[string]int{}
	var ids []string
	for _, id := range intersect(la.Sent, lb.Received) {
		dir[id] = 1
		ids = append(ids, id)
	}
	for _, id := range intersect(lb.Sent, la.Received) {
		dir[id] = 2
		ids = append(ids, id)
	}
	var recs []*msgRec
	err = x.st.Messages(ctx, ids, func(m *model.Message) error {
		recs = append(recs, newRec(m))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("people: read messages: %w", err)
	}
	sort.SliceStable(recs, func(i, j int) bool { return msgLess(recs[i], recs[j]) })
	return contactsOf(pa, pb, recs, func(m *msgRec) int { return dir[m.id] }, f), nil
}

// intersect returns the strings in both sorted lists.
func intersect(a, b []string) []string {
	var out []string
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch c := strings.Compare(a[i], b[j]); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
