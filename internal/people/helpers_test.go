package people

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// memStore is a store.Store holding messages and an edit log in memory;
// only the methods Build and the edit helpers use are implemented.
type memStore struct {
	store.Store
	msgs    []*model.Message
	edits   []store.Edit
	gen     int64
	derived map[string]map[string][]byte
	derGen  map[string]int64
}

func (s *memStore) Messages(ctx context.Context, ids []string, fn func(*model.Message) error) error {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	return s.Each(ctx, func(m *model.Message) error {
		if !want[m.ID] {
			return nil
		}
		return fn(m)
	})
}

func (s *memStore) Generation(context.Context) (int64, error) { return s.gen, nil }

func (s *memStore) PutDerived(_ context.Context, set string, gen int64, entries map[string][]byte) error {
	if s.derived == nil {
		s.derived, s.derGen = map[string]map[string][]byte{}, map[string]int64{}
	}
	s.derived[set], s.derGen[set] = entries, gen
	return nil
}

func (s *memStore) Derived(_ context.Context, set, key string) (int64, []byte, error) {
	d, ok := s.derived[set][key]
	if !ok {
		return 0, nil, store.ErrNotFound
	}
	return s.derGen[set], d, nil
}

func (s *memStore) Each(ctx context.Context, fn func(*model.Message) error) error {
	ms := append([]*model.Message(nil), s.msgs...)
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i].DateUTC, ms[j].DateUTC
		if a == nil || b == nil {
			return a != nil
		}
		return a.Before(*b)
	})
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Hand out a copy, as a store does: Build may keep slices.
		c := *m
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) EachText(ctx context.Context, fn func(*model.Message) error) error {
	return s.Each(ctx, fn)
}

func (s *memStore) Edits(_ context.Context, f store.EditFilter) ([]store.Edit, error) {
	var out []store.Edit
	for _, e := range s.edits {
		if strings.HasPrefix(e.Kind, f.KindPrefix) && (f.Target == "" || e.Target == f.Target) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memStore) AddEdit(_ context.Context, e store.Edit) (store.Edit, error) {
	e.ID = int64(len(s.edits) + 1)
	if e.At.IsZero() {
		e.At = time.Date(2026, 1, 1, 0, 0, len(s.edits), 0, time.UTC)
	}
	s.edits = append(s.edits, e)
	s.gen++
	return e, nil
}

// addr parses "Name <a@b>", "a@b" or a bare name.
func addr(s string) model.Address {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		return model.Address{Name: strings.TrimSpace(s[:i]), Address: strings.ToLower(s[i+1 : len(s)-1])}
	}
	if strings.Contains(s, "@") {
		return model.Address{Address: s}
	}
	return model.Address{Name: s}
}

func addrs(ss ...string) []model.Address {
	var out []model.Address
	for _, s := range ss {
		out = append(out, addr(s))
	}
	return out
}

// tm describes a synthetic message.
type tm struct {
	id      string
	date    string // "2008-03-04 10:00" UTC, "local:2008-03-04 10:00", "" (missing) or "bad:TEXT"
	from    string
	to      []string
	cc      []string
	subject string
	body    string
	printed bool
}

func (t tm) message() *model.Message {
	m := &model.Message{ID: t.id, Kind: model.KindNative, From: addr(t.from), To: addrs(t.to...), Cc: addrs(t.cc...),
		Subject: t.subject, BodyText: t.body}
	if m.Subject == "" {
		m.Subject = "subject " + t.id
	}
	if t.printed {
		m.Kind = model.KindPrinted
	}
	switch {
	case t.date == "":
		m.DateFlag = model.DateMissing
	case strings.HasPrefix(t.date, "bad:"):
		m.DateFlag, m.DateRaw = model.DateUnparseable, t.date[4:]
	default:
		v := t.date
		if strings.HasPrefix(v, "local:") {
			v, m.DateFlag = v[6:], model.DateLocal
		}
		d, err := time.Parse("2006-01-02 15:04", v)
		if err != nil {
			panic(fmt.Sprintf("bad test date %q", t.date))
		}
		m.DateUTC, m.DateRaw = &d, v
	}
	src := model.Source{Path: "mail/" + t.id + ".eml", Length: 100, SHA256: strings.Repeat("ab", 32)}
	if t.printed {
		src = model.Source{Path: "exhibits/EX-" + t.id + ".pdf", Page: 3, LineFrom: 1, LineTo: 9, Bates: "EX-000" + t.id, SHA256: strings.Repeat("cd", 32)}
	}
	m.Sources = []model.Source{src}
	return m
}

func newStore(ms ...tm) *memStore {
	s := &memStore{}
	for _, m := range ms {
		s.msgs = append(s.msgs, m.message())
	}
	return s
}

func build(t *testing.T, st *memStore) *Directory {
	t.Helper()
	d, err := Build(context.Background(), st, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// personOf returns the person holding an address or printed name.
func personOf(t *testing.T, d *Directory, member string) *Person {
	t.Helper()
	k := memberKey(member)
	i, ok := d.nodeIdx[k]
	if !ok {
		t.Fatalf("no member %q (key %q) in the directory", member, k)
	}
	return d.people[d.nodeP[i]]
}

func evidenceRules(p *Person) []string {
	var out []string
	for _, e := range p.Evidence {
		out = append(out, e.Rule)
	}
	return out
}
