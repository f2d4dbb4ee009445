package people

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// Options tune Build.
type Options struct {
	// Workers analyse message bodies in parallel (default: GOMAXPROCS).
	Workers int
	// Progress, when set, is called with the number of messages read
	// every 10,000 messages.
	Progress func(messages int)
}

// msgRec is what the directory keeps of a message: headers, date and
// sources, never the body.
type msgRec struct {
	idx      int32
	id       string
	date     *Stamp
	flag     string
	raw      string
	kind     string
	subject  string
	from     model.Address
	to, cc   []model.Address
	bcc      []model.Address
	sources  []model.Source
	fromNode int32
	rcpt     []int32 // recipient nodes (To, Cc, Bcc), without the sender, no repeats
	fromP    int32   // person index after assembly (-1: none)
	rcptP    []int32 // recipient persons, without the sender
	phr      [2]int32
}

// obs is one address or name as it appears in a header.
type obs struct {
	addr    string // normalised address ("" when only a name)
	rules   []string
	rawAddr string // lower-cased as written
	name    personName
	rawName string
}

type msgFacts struct {
	rec   *msgRec
	from  obs
	rcpt  []obs
	nTo   int
	toObs obs
	body  bodyFacts
}

type nameCount struct {
	n     personName
	count int
	sig   int // of which from signatures
	raws  map[string]int
}

// node is one mailbox (normalised address) or one address-less name.
type node struct {
	key       string
	addr      string
	name      personName
	names     map[string]*nameCount
	namedUses int
	uses      int
	printed   int
	variants  map[string]int
	rules     map[string]bool
	sample    []string
	printedEx []string
	sigNamed  bool
}

type salObs struct {
	rec  *msgRec
	node int32
	text string
}

type signObs struct {
	rec              *msgRec
	node             int32
	text, title, org string
}

type aliasObs struct {
	rec *msgRec
	hit aliasHit
}

type builder struct {
	nodes   []*node
	nodeIdx map[string]int32
	msgs    []*msgRec
	paths   map[string]string
	sals    []salObs
	signs   []signObs
	aliases []aliasObs
	phrases map[string]int32
	phrList []string
	arena   []int32
	uf      []int32
	edges   []edgeEv
	maybe   []maybePair
}

type edgeEv struct {
	a, b int32
	ev   Evidence
}

type maybePair struct {
	a, b   int32
	reason string
}

func newBuilder() *builder {
	return &builder{nodeIdx: map[string]int32{}, paths: map[string]string{}, phrases: map[string]int32{}}
}

// Build reads every message of the store once (bodies are analysed and
// dropped), resolves identities, applies the identity edits of the
// case's edit log in order, and returns the directory.
func Build(ctx context.Context, st store.Store, opts Options) (*Directory, error) {
	edits, err := st.Edits(ctx, store.EditFilter{KindPrefix: "person."})
	if err != nil {
		return nil, fmt.Errorf("people: read identity edits: %w", err)
	}
	b := newBuilder()
	if err := b.collect(ctx, st.EachText, opts); err != nil {
		return nil, err
	}
	return b.finish(edits), nil
}

// collect streams messages through parallel body analysis, integrating
// results in the store's order so the outcome does not depend on timing.
func (b *builder) collect(ctx context.Context, each func(context.Context, func(*model.Message) error) error, opts Options) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		seq int
		m   *model.Message
	}
	type result struct {
		seq int
		f   *msgFacts
	}
	jobs := make(chan job, 4*workers)
	results := make(chan result, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				f := analyze(j.m)
				select {
				case results <- result{j.seq, f}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pending := map[int]*msgFacts{}
		next := 0
		for r := range results {
			pending[r.seq] = r.f
			for f, ok := pending[next]; ok; f, ok = pending[next] {
				delete(pending, next)
				b.integrate(f)
				next++
			}
		}
	}()
	seq := 0
	err := each(ctx, func(m *model.Message) error {
		if m.Kind == model.KindPage {
			return nil // a document page, not a message
		}
		select {
		case jobs <- job{seq, m}:
		case <-ctx.Done():
			return ctx.Err()
		}
		seq++
		if opts.Progress != nil && seq%10000 == 0 {
			opts.Progress(seq)
		}
		return nil
	})
	close(jobs)
	if err != nil {
		cancel()
	}
	wg.Wait()
	close(results)
	<-done
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return fmt.Errorf("people: reading messages interrupted: %w", err)
		}
		return fmt.Errorf("people: reading messages: %w", err)
	}
	return nil
}

// newRec is what the directory keeps of a message.
func newRec(m *model.Message) *msgRec {
	rec := &msgRec{id: m.ID, flag: m.DateFlag, raw: m.DateRaw, kind: m.Kind, subject: m.Subject,
		from: m.From, to: m.To, cc: m.Cc, bcc: m.Bcc, sources: m.Sources, fromNode: -1, fromP: -1}
	if m.DateUTC != nil {
		rec.date = &Stamp{Time: m.DateUTC.UTC(), Local: m.DateFlag == model.DateLocal}
	}
	if rec.flag == model.DateOK && rec.date == nil {
		rec.flag = model.DateMissing
	}
	return rec
}

// analyze parses the headers and body of one message (in a worker).
func analyze(m *model.Message) *msgFacts {
	rec := newRec(m)
	f := &msgFacts{rec: rec, from: observe(m.From), nTo: len(m.To)}
	for _, l := range [][]model.Address{m.To, m.Cc, m.Bcc} {
		for _, a := range l {
			f.rcpt = append(f.rcpt, observe(a))
		}
	}
	if len(m.To) == 1 {
		f.toObs = f.rcpt[0]
	}
	f.body = analyzeBody(m.BodyText)
	return f
}

func observe(a model.Address) obs {
	o := obs{rawName: a.Name}
	if a.Address != "" {
		o.addr, o.rules = NormalizeAddress(a.Address)
		o.rawAddr = fold(a.Address)
	}
	o.name = parseName(a.Name)
	if o.name.form != formNone && o.addr != "" && fold(o.name.key) == o.addr {
		o.name = personName{}
	}
	return o
}

// nodeKey is the key of the node an observation belongs to ("" when it
// has neither an address nor a usable name).
func nodeKey(o obs) string {
	switch {
	case o.addr != "":
		return "a:" + o.addr
	case o.name.form != formNone:
		return "n:" + o.name.key
	}
	return ""
}

// NodeID is the stable ID of a member key: "p" and the first 12 hex
// digits of the SHA-256 of the key ("a:" + normalised address or "n:" +
// normalised name). A person's ID is the NodeID of its anchor member.
func NodeID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "p" + hex.EncodeToString(sum[:6])
}

// integrate adds one analysed message to the builder (single goroutine).
func (b *builder) integrate(f *msgFacts) {
	rec := f.rec
	for i := range rec.sources {
		rec.sources[i].Path = b.intern(rec.sources[i].Path)
		rec.sources[i].FileSHA256 = b.intern(rec.sources[i].FileSHA256)
	}
	rec.fromNode = b.observe(f.from, rec, true)
	for _, o := range f.rcpt {
		n := b.observe(o, rec, false)
		if n < 0 || n == rec.fromNode || containsI32(rec.rcpt, n) {
			continue
		}
		rec.rcpt = append(rec.rcpt, n)
	}
	if f.body.salutation != "" && f.nTo == 1 {
		if k := nodeKey(f.toObs); k != "" {
			b.sals = append(b.sals, salObs{rec: rec, node: b.nodeIdx[k], text: f.body.salutation})
		}
	}
	if f.body.signoff != "" && rec.fromNode >= 0 {
		b.signs = append(b.signs, signObs{rec: rec, node: rec.fromNode, text: f.body.signoff, title: f.body.sigTitle, org: f.body.sigOrg})
	}
	for _, h := range f.body.aliases {
		b.aliases = append(b.aliases, aliasObs{rec: rec, hit: h})
	}
	rec.phr[0] = int32(len(b.arena))
	for _, p := range f.body.phrases {
		id, ok := b.phrases[p]
		if !ok {
			id = int32(len(b.phrList))
			b.phrases[p] = id
			b.phrList = append(b.phrList, p)
		}
		b.arena = append(b.arena, id)
	}
	rec.phr[1] = int32(len(b.arena))
	b.msgs = append(b.msgs, rec)
}

func (b *builder) intern(s string) string {
	if s == "" {
		return s
	}
	if v, ok := b.paths[s]; ok {
		return v
	}
	b.paths[s] = s
	return s
}

func containsI32(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

const maxSamples = 5

// observe records one header occurrence on its node and returns the node.
func (b *builder) observe(o obs, rec *msgRec, sender bool) int32 {
	k := nodeKey(o)
	if k == "" {
		return -1
	}
	i, ok := b.nodeIdx[k]
	if !ok {
		i = int32(len(b.nodes))
		n := &node{key: k, addr: o.addr, names: map[string]*nameCount{}}
		if o.addr == "" {
			n.name = o.name
		}
		b.nodes = append(b.nodes, n)
		b.nodeIdx[k] = i
	}
	n := b.nodes[i]
	n.uses++
	if len(n.sample) < maxSamples {
		n.sample = append(n.sample, rec.id)
	}
	if rec.kind == model.KindPrinted {
		n.printed++
		if len(n.printedEx) < maxSamples {
			n.printedEx = append(n.printedEx, rec.id)
		}
	}
	if o.addr != "" {
		if o.rawAddr != o.addr {
			if n.variants == nil {
				n.variants = map[string]int{}
			}
			if len(n.variants) < 20 || n.variants[o.rawAddr] > 0 {
				n.variants[o.rawAddr]++
			}
			for _, r := range o.rules {
				if r == RuleCase {
					continue
				}
				if n.rules == nil {
					n.rules = map[string]bool{}
				}
				n.rules[r] = true
			}
		}
	}
	if o.name.form != formNone {
		n.addName(o.name, o.rawName, false)
		n.namedUses++
	}
	return i
}

func (n *node) addName(pn personName, raw string, sig bool) {
	nc := n.names[pn.key]
	if nc == nil {
		nc = &nameCount{n: pn, raws: map[string]int{}}
		n.names[pn.key] = nc
	}
	nc.count++
	if sig {
		nc.sig++
	}
	if raw = cleanDisplay(raw); raw != "" {
		nc.raws[raw]++
	}
}

// cleanDisplay is a display name as shown to users: quotes and brackets
// removed, spaces collapsed; "Last, First" kept as written.
func cleanDisplay(s string) string {
	return stripBracketed(trimQuotes(s))
}

func trimQuotes(s string) string {
	for {
		t := trimPair(s)
		if t == s {
			return s
		}
		s = t
	}
}

func trimPair(s string) string {
	s = stripSpaces(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

func stripSpaces(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// finish resolves identities and assembles the directory.
func (b *builder) finish(edits []store.Edit) *Directory {
	sort.SliceStable(b.msgs, func(i, j int) bool { return msgLess(b.msgs[i], b.msgs[j]) })
	for i, m := range b.msgs {
		m.idx = int32(i)
	}
	b.signatureNames()
	b.resolve()
	return b.assemble(edits)
}

// msgLess orders messages by date (undated last), then by ID.
func msgLess(a, b *msgRec) bool {
	switch {
	case a.date != nil && b.date != nil:
		if !a.date.Equal(b.date.Time) {
			return a.date.Before(b.date.Time)
		}
	case a.date != nil:
		return true
	case b.date != nil:
		return false
	}
	return a.id < b.id
}

// signatureNames gives addresses that never carry a display name the full
// name their messages are signed with (rule signature-name), when at
// least two messages agree and no other full name is used.
func (b *builder) signatureNames() {
	type agg struct {
		names map[string]*nameCount
		total int
	}
	per := map[int32]*agg{}
	for _, s := range b.signs {
		n := b.nodes[s.node]
		if n.addr == "" || n.namedUses > 0 || isRoleAddress(n.addr) {
			continue
		}
		pn := parseName(s.text)
		if pn.form != formFull {
			continue
		}
		a := per[s.node]
		if a == nil {
			a = &agg{names: map[string]*nameCount{}}
			per[s.node] = a
		}
		a.total++
		nc := a.names[pn.key]
		if nc == nil {
			nc = &nameCount{n: pn, raws: map[string]int{}}
			a.names[pn.key] = nc
		}
		nc.count++
		nc.raws[s.text]++
	}
	for i, a := range per {
		if len(a.names) != 1 || a.total < 2 {
			continue
		}
		n := b.nodes[i]
		for _, nc := range a.names {
			nc.sig = nc.count
			n.names[nc.n.key] = nc
			n.namedUses = nc.count
			n.sigNamed = true
		}
	}
}
