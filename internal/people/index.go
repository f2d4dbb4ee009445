package people

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
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
const indexSet = "people.index.v2"

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

func postingsKey(personID string) string { return "p/" + personID }

// encodePostings writes the IDs of the messages one person sent and
// received, each list sorted: uvarint(len(sent)), then every ID as
// uvarint(length) and bytes, sent first. Reading it allocates nothing
// but the IDs two persons share.
func encodePostings(sent, received []string) []byte {
	slices.Sort(sent)
	slices.Sort(received)
	b := binary.AppendUvarint(nil, uint64(len(sent)))
	for _, l := range [][]string{sent, received} {
		for _, id := range l {
			b = binary.AppendUvarint(b, uint64(len(id)))
			b = append(b, id...)
		}
	}
	return b
}

// idList walks one list of an encodePostings blob.
type idList struct {
	b []byte
	n int // IDs left
}

// decodePostings splits an encodePostings blob into its two lists.
func decodePostings(b []byte) (sent, received idList, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return sent, received, errors.New("people: damaged index entry")
	}
	sent = idList{b: b[k:], n: int(n)}
	rest := sent
	for range n {
		if _, ok := rest.next(); !ok {
			return sent, received, errors.New("people: damaged index entry")
		}
	}
	received = idList{b: rest.b, n: -1}
	return sent, received, nil
}

// next returns the next ID, or false at the end of the list.
func (l *idList) next() ([]byte, bool) {
	if l.n == 0 || len(l.b) == 0 {
		return nil, false
	}
	n, k := binary.Uvarint(l.b)
	if k <= 0 || uint64(len(l.b)-k) < n {
		return nil, false
	}
	id := l.b[k : k+int(n)]
	l.b = l.b[k+int(n):]
	if l.n > 0 {
		l.n--
	}
	return id, true
}

// intersect returns the IDs in both sorted lists.
func intersect(a, b idList) []string {
	var out []string
	x, okA := a.next()
	y, okB := b.next()
	for okA && okB {
		switch c := bytes.Compare(x, y); {
		case c < 0:
			x, okA = a.next()
		case c > 0:
			y, okB = b.next()
		default:
			out = append(out, string(x))
			x, okA = a.next()
			y, okB = b.next()
		}
	}
	return out
}

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
	sent := make([][]string, len(d.people))
	received := make([][]string, len(d.people))
	for _, m := range d.msgs {
		if m.fromP >= 0 {
			sent[m.fromP] = append(sent[m.fromP], m.id)
		}
		for _, p := range m.rcptP {
			received[p] = append(received[p], m.id)
		}
	}
	entries := make(map[string][]byte, len(d.people)+3)
	var err error
	if entries["head"], err = encode(h); err != nil {
		return err
	}
	if entries["keys"], entries["refs"], err = lookupKeys(d); err != nil {
		return err
	}
	for i, p := range d.people {
		entries[postingsKey(p.ID)] = encodePostings(sent[i], received[i])
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

// lookupKeys lists every exact reference to a person — "i:" and a
// person or member ID, "a:" and a normalised address — sorted, each
// followed by the person's index (uvarint length, key, uvarint index),
// and the persons' IDs and names in index order (JSON). They answer the
// usual references (an address, an ID) without decoding the head.
func lookupKeys(d *Directory) (keys, refs []byte, err error) {
	type entry struct {
		key string
		idx int32
	}
	var es []entry
	for _, p := range d.people {
		es = append(es, entry{"i:" + p.ID, p.idx})
		for _, m := range p.members {
			key := d.nodeKeys[m]
			es = append(es, entry{"i:" + NodeID(key), p.idx})
			if a, ok := strings.CutPrefix(key, "a:"); ok {
				es = append(es, entry{"a:" + a, p.idx})
			}
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	es = slices.CompactFunc(es, func(a, b entry) bool { return a.key == b.key })
	for _, e := range es {
		keys = binary.AppendUvarint(keys, uint64(len(e.key)))
		keys = append(keys, e.key...)
		keys = binary.AppendUvarint(keys, uint64(e.idx))
	}
	rs := make([]PersonRef, len(d.people))
	for i, p := range d.people {
		rs[i] = PersonRef{ID: p.ID, Name: p.Name}
	}
	if refs, err = json.Marshal(rs); err != nil {
		return nil, nil, fmt.Errorf("people: encode index: %w", err)
	}
	return keys, refs, nil
}

// keyEntry is one lookup key and its person's index.
type keyEntry struct {
	key []byte
	idx int
}

// decodeKeys reads a lookupKeys blob.
func decodeKeys(b []byte, persons int) ([]keyEntry, error) {
	var out []keyEntry
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, errors.New("people: damaged index keys")
		}
		key := b[k : k+int(n)]
		b = b[k+int(n):]
		idx, k := binary.Uvarint(b)
		if k <= 0 || idx >= uint64(persons) {
			return nil, errors.New("people: damaged index keys")
		}
		b = b[k:]
		out = append(out, keyEntry{key, int(idx)})
	}
	return out, nil
}

// Index answers Resolve and Contacts from the saved people index.
type Index struct {
	st   store.Store
	gen  int64
	keys []keyEntry  // sorted
	refs []PersonRef // by person index
	d    *Directory  // decoded head (people and lookup maps, no messages), on first need
}

// OpenIndex loads the case's people index, or returns ErrNoIndex when the
// case has none current.
func OpenIndex(ctx context.Context, st store.Store) (*Index, error) {
	gen, err := st.Generation(ctx)
	if err != nil {
		return nil, fmt.Errorf("people: open index: %w", err)
	}
	x := &Index{st: st, gen: gen}
	keys, err := x.entry(ctx, "keys")
	if err != nil {
		return nil, err
	}
	refs, err := x.entry(ctx, "refs")
	if err != nil {
		return nil, err
	}
	// A damaged index is as good as none: the caller builds a new one.
	if err := json.Unmarshal(refs, &x.refs); err != nil {
		return nil, fmt.Errorf("%w (damaged: %v)", ErrNoIndex, err)
	}
	if x.keys, err = decodeKeys(keys, len(x.refs)); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoIndex, err)
	}
	return x, nil
}

// entry reads one entry of the index, checking that it belongs to the
// generation the index was opened at.
func (x *Index) entry(ctx context.Context, key string) ([]byte, error) {
	gen, data, err := x.st.Derived(ctx, indexSet, key)
	if errors.Is(err, store.ErrNotFound) || err == nil && gen != x.gen {
		return nil, ErrNoIndex
	}
	if err != nil {
		return nil, fmt.Errorf("people: read index: %w", err)
	}
	return data, nil
}

// dir decodes the head: everything Directory.Resolve needs.
func (x *Index) dir(ctx context.Context) (*Directory, error) {
	if x.d != nil {
		return x.d, nil
	}
	data, err := x.entry(ctx, "head")
	if err != nil {
		return nil, err
	}
	var h indexHead
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&h); err != nil {
		return nil, fmt.Errorf("%w (damaged: %v)", ErrNoIndex, err)
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
	x.d = d
	return d, nil
}

// People returns the index's persons (without counts, roles or evidence,
// which only a built Directory has).
func (x *Index) People(ctx context.Context) ([]*Person, error) {
	d, err := x.dir(ctx)
	if err != nil {
		return nil, err
	}
	return d.people, nil
}

// lookup finds an exact key among the lookup keys.
func (x *Index) lookup(key string) (int, bool) {
	k := []byte(key)
	i := sort.Search(len(x.keys), func(i int) bool { return bytes.Compare(x.keys[i].key, k) >= 0 })
	if i < len(x.keys) && bytes.Equal(x.keys[i].key, k) {
		return x.keys[i].idx, true
	}
	return 0, false
}

// Resolve finds a person as Directory.Resolve does. An ID or an address
// is looked up among the keys; anything else decodes the head.
func (x *Index) Resolve(ctx context.Context, ref string) (PersonRef, error) {
	r := strings.TrimSpace(ref)
	if i, ok := x.lookup("i:" + strings.ToLower(r)); ok && r != "" {
		return x.refs[i], nil
	}
	if strings.Contains(r, "@") {
		a, _ := NormalizeAddress(r)
		if i, ok := x.lookup("a:" + a); ok {
			return x.refs[i], nil
		}
	}
	d, err := x.dir(ctx)
	if err != nil {
		return PersonRef{}, err
	}
	p, err := d.Resolve(ref)
	if err != nil {
		return PersonRef{}, err
	}
	return PersonRef{ID: p.ID, Name: p.Name}, nil
}

func (x *Index) postings(ctx context.Context, personID string) (sent, received idList, err error) {
	data, err := x.entry(ctx, postingsKey(personID))
	if err != nil {
		return sent, received, err
	}
	if sent, received, err = decodePostings(data); err != nil {
		return sent, received, fmt.Errorf("%w (%v)", ErrNoIndex, err)
	}
	return sent, received, nil
}

// Contacts answers as Directory.Contacts does, reading only the two
// persons' message lists and the messages between them. It returns
// ErrNoIndex when the index was replaced since OpenIndex.
func (x *Index) Contacts(ctx context.Context, a, b string, f Filter) (*Contacts, error) {
	pa, err := x.Resolve(ctx, a)
	if err != nil {
		return nil, err
	}
	pb, err := x.Resolve(ctx, b)
	if err != nil {
		return nil, err
	}
	if pa.ID == pb.ID {
		return nil, fmt.Errorf("%w: %q and %q are both %s (%s)", ErrSamePerson, a, b, pa.Name, pa.ID)
	}
	aSent, aRecv, err := x.postings(ctx, pa.ID)
	if err != nil {
		return nil, err
	}
	bSent, bRecv, err := x.postings(ctx, pb.ID)
	if err != nil {
		return nil, err
	}
	dir := map[string]int{}
	var ids []string
	for _, id := range intersect(aSent, bRecv) {
		dir[id] = 1
		ids = append(ids, id)
	}
	for _, id := range intersect(bSent, aRecv) {
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
