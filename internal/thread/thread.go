// Package thread owns conversation threading for casefile: given the
// header facts of every message in a case (Message-ID, In-Reply-To,
// References, Subject, Date, participants) it decides which thread each
// message belongs to and which message it replies to. It is pure Go with
// no I/O and no knowledge of the store.
//
// The algorithm is Jamie Zawinski's (https://www.jwz.org/doc/threading.html)
// with these exact choices:
//
//   - Containers are keyed by normalised Message-ID (surrounding white
//     space and angle brackets removed; compared case-sensitively).
//     A message without a Message-ID, and the second and later of several
//     different messages sharing one Message-ID, get a container of their
//     own that is not entered in the id table (a synthetic unique key):
//     they thread by their own References but nothing can reply to them.
//     Of messages sharing a Message-ID, the earliest dated (then lowest
//     ID) owns it.
//   - A message's parent is the last entry of its References; when
//     References is absent (or holds only the message's own id) the first
//     id of In-Reply-To is used. This own-header link always wins: all
//     messages' own links are made before any link implied by the rest of
//     a References chain, and a chain link (References[i] is the parent
//     of References[i+1]) is only made when the child has no parent yet.
//     So a message whose own headers were lost keeps the parent that
//     other messages' References imply for it.
//   - No link is made that would create a loop (A refs B, B refs A).
//     Own links are applied newest message first, so in such a loop the
//     later message's claim wins.
//   - Pruning: an empty container (a message referenced but not in the
//     cache) without real messages below it is removed. An empty thread
//     root with at least one child is kept as a placeholder root, so the
//     UI can show "message not in cache" (JWZ would promote a single
//     child instead). A non-root empty container is kept when it has two
//     or more children after its own empty children were spliced;
//     with one child it is replaced by that child, as in JWZ.
//   - No JWZ subject grouping (step 5). Instead a conservative subject
//     join, see Options.
//
// Sibling and thread order is by date (unknown dates last), then ID; a
// placeholder sorts by the date of its earliest child. Build sorts its
// input, so any permutation of the same nodes gives the same Result.
package thread

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strings"
	"time"
)

// Node holds the facts about one message that threading needs.
type Node struct {
	ID           string    // casefile message id
	MessageID    string    // normalised, no brackets ("" if none)
	InReplyTo    string    // first id is used when References is empty
	References   []string  // oldest first
	Subject      string    // decoded
	Date         time.Time // zero if unknown
	Participants []string  // lower-cased addresses
}

// Placeholder is a message that other messages reference but that is not
// in the cache. ID is "p" followed by the first 15 hex digits of the
// SHA-256 of MessageID; ParentID is "" for a thread root.
type Placeholder struct {
	ID, MessageID, ThreadID, ParentID string
}

// Result is the threading of a set of nodes. Every input node ID (after
// dropping repeated IDs) is a key of ThreadID and Parent.
type Result struct {
	// ThreadID maps a message ID to its thread ID: the ID of the thread's
	// root, a message ID or a placeholder ID.
	ThreadID map[string]string
	// Parent maps a message ID to its parent (a message ID or placeholder
	// ID); "" for roots.
	Parent map[string]string
	// Placeholders lists the kept placeholders, sorted by ID.
	Placeholders []Placeholder
	// SubjectJoins counts parent links made by the subject join.
	SubjectJoins int
	// Order lists every message and placeholder ID in display order:
	// threads by root date then ID, each thread depth first with siblings
	// by date then ID.
	Order []string
}

// DefaultSubjectJoinWindow is used when Options.SubjectJoinWindow <= 0.
const DefaultSubjectJoinWindow = 30 * 24 * time.Hour

// maxSubjectScan bounds how many earlier same-subject messages the
// subject join inspects for one candidate, so a huge group of identical
// subjects cannot make Build quadratic. Candidates are inspected newest
// first, so only joins to very old messages in very busy subjects are lost.
const maxSubjectScan = 5000

// Options tunes Build. The zero value means: subject join on, with a
// 30-day window.
//
// The subject join repairs replies whose References and In-Reply-To were
// lost. A message that is still a thread root after header threading,
// whose subject carries a reply or forward marker (Re:, AW:, (fwd),
// [fwd: ...]; see BaseSubject), whose date is known and whose base
// subject is not generic, is attached to the latest message in a
// different thread that has the same base subject, shares at least one
// participant and is dated strictly earlier but no more than
// SubjectJoinWindow earlier. Candidates are processed oldest first, so a
// run of such replies forms a chain. Generic base subjects, never joined
// on: any base with fewer than three letters or digits, and (ignoring
// surrounding punctuation) "", "hi", "hello", "hey", "question(s)",
// "quick question", "(no subject)", "no subject", "(none)", "untitled",
// "fyi", "update", "thanks", "thank you", "test", "meeting", "call",
// "follow up" (and variants), "urgent", "important", "info", "document(s)",
// "attachment", "scan". At most 5000 earlier same-subject messages are
// inspected per candidate.
type Options struct {
	SubjectJoinWindow  time.Duration // <= 0 means DefaultSubjectJoinWindow
	DisableSubjectJoin bool
}

const none = -1

type container struct {
	pos         int32 // index into builder.nodes; none for an empty container
	parent      int32
	firstChild  int32
	nextSibling int32
	mid         string // normalised Message-ID (placeholders need it)
}

type builder struct {
	nodes []*Node // de-duplicated, sorted by date (unknown last), then ID
	keys  []dateKey
	tids  map[string]string // node ID -> thread ID, filled by finish
	own   []int32           // container of each node
	mids  []string
	cs    []container
	table map[string]int32
	// refC[refOff[p]:refOff[p+1]] are the containers of node p's
	// reference chain, oldest first.
	refOff []int32
	refC   []int32
}

// Build threads nodes. It never fails: malformed ids are ignored, loops
// are broken, and repeated node IDs keep only the first node in sorted
// order (date, then ID, then the other fields).
func Build(nodes []Node, opts Options) Result {
	b := newBuilder(nodes)
	b.resolveRefs()
	b.linkOwn()
	b.linkChains()
	return b.finish(opts)
}

// dateKey is a Node's date as a cheap sort key; unknown dates sort last.
type dateKey struct {
	sec  int64
	nsec int32
}

var unknownDate = dateKey{sec: math.MaxInt64}

func keyOf(t time.Time) dateKey {
	if t.IsZero() {
		return unknownDate
	}
	return dateKey{t.Unix(), int32(t.Nanosecond())}
}

func (k dateKey) known() bool { return k != unknownDate }

func cmpDate(a, b dateKey) int {
	if c := cmp.Compare(a.sec, b.sec); c != 0 {
		return c
	}
	return cmp.Compare(a.nsec, b.nsec)
}

type sortNode struct {
	key dateKey
	id  string
	nd  *Node
	mid string
}

func newBuilder(in []Node) *builder {
	sn := make([]sortNode, len(in))
	for i := range in {
		// Input order reads memory sequentially; sorted order would not.
		nd := &in[i]
		sn[i] = sortNode{keyOf(nd.Date), nd.ID, nd, normID(nd.MessageID)}
	}
	slices.SortFunc(sn, func(a, b sortNode) int {
		if c := cmpDate(a.key, b.key); c != 0 {
			return c
		}
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmpNode(a.nd, b.nd)
	})
	// Drop repeated IDs: the first in sorted order wins. The map becomes
	// Result.ThreadID.
	seen := make(map[string]string, len(sn))
	nodes := make([]*Node, 0, len(sn))
	keys := make([]dateKey, 0, len(sn))
	mids := make([]string, 0, len(sn))
	for _, x := range sn {
		if _, dup := seen[x.id]; dup {
			continue
		}
		seen[x.id] = ""
		nodes = append(nodes, x.nd)
		keys = append(keys, x.key)
		mids = append(mids, x.mid)
	}
	n := len(nodes)
	b := &builder{
		nodes: nodes,
		keys:  keys,
		tids:  seen,
		own:   make([]int32, n),
		mids:  mids,
		cs:    make([]container, 0, n+n/4+1),
		table: make(map[string]int32, n+n/4+1),
	}
	for p, mid := range mids {
		b.own[p] = b.newContainer(int32(p), mid)
	}
	// Newest first, so the earliest node with a Message-ID owns it.
	for p := n - 1; p >= 0; p-- {
		if mids[p] != "" {
			b.table[mids[p]] = b.own[p]
		}
	}
	return b
}

// cmpNode orders nodes with equal dates by ID, then every other field so
// that even repeated IDs sort the same whatever the input order.
func cmpNode(a, b *Node) int {
	if c := strings.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	if c := strings.Compare(a.MessageID, b.MessageID); c != 0 {
		return c
	}
	if c := strings.Compare(a.InReplyTo, b.InReplyTo); c != 0 {
		return c
	}
	if c := strings.Compare(a.Subject, b.Subject); c != 0 {
		return c
	}
	if c := slices.Compare(a.References, b.References); c != 0 {
		return c
	}
	return slices.Compare(a.Participants, b.Participants)
}

// normID strips white space and angle brackets from a Message-ID. When
// the value holds several ids (or comments) the first <...> is used, or
// else the first white-space separated word.
func normID(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '<' || c == '>' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	if i := strings.IndexByte(s, '<'); i >= 0 {
		s = s[i+1:]
		if j := strings.IndexByte(s, '>'); j >= 0 {
			s = s[:j]
		}
		return strings.TrimSpace(s)
	}
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, ">")
}

func (b *builder) newContainer(pos int32, mid string) int32 {
	b.cs = append(b.cs, container{pos: pos, parent: none, firstChild: none, nextSibling: none, mid: mid})
	return int32(len(b.cs) - 1)
}

// lookup returns the container for a Message-ID, creating an empty one.
func (b *builder) lookup(mid string) int32 {
	if c, ok := b.table[mid]; ok {
		return c
	}
	c := b.newContainer(none, mid)
	b.table[mid] = c
	return c
}

// resolveRefs looks up (creating empty containers as needed) every
// node's reference chain: its normalised References without empty ids
// and without its own Message-ID, or, when that leaves nothing, the first
// id of In-Reply-To.
func (b *builder) resolveRefs() {
	b.refOff = make([]int32, len(b.nodes)+1)
	b.refC = make([]int32, 0, len(b.nodes)*2)
	for p, nd := range b.nodes {
		own, start := b.mids[p], len(b.refC)
		for _, r := range nd.References {
			if r = normID(r); r != "" && r != own {
				b.refC = append(b.refC, b.lookup(r))
			}
		}
		if len(b.refC) == start && nd.InReplyTo != "" {
			if r := normID(nd.InReplyTo); r != "" && r != own {
				b.refC = append(b.refC, b.lookup(r))
			}
		}
		b.refOff[p+1] = int32(len(b.refC))
	}
}

func (b *builder) refs(p int) []int32 { return b.refC[b.refOff[p]:b.refOff[p+1]] }

// wouldLoop reports whether making parent the parent of child creates a
// cycle, i.e. parent is child or lies in child's subtree.
func (b *builder) wouldLoop(child, parent int32) bool {
	if child == parent {
		return true
	}
	if b.cs[child].firstChild == none {
		return false
	}
	for p := b.cs[parent].parent; p != none; p = b.cs[p].parent {
		if p == child {
			return true
		}
	}
	return false
}

func (b *builder) link(child, parent int32) {
	b.cs[child].parent = parent
	b.cs[child].nextSibling = b.cs[parent].firstChild
	b.cs[parent].firstChild = child
}

// linkOwn makes each message a child of its own last reference, newest
// message first.
func (b *builder) linkOwn() {
	for p := len(b.nodes) - 1; p >= 0; p-- {
		refs := b.refs(p)
		if len(refs) == 0 {
			continue
		}
		c, par := b.own[p], refs[len(refs)-1]
		if b.cs[c].parent == none && !b.wouldLoop(c, par) {
			b.link(c, par)
		}
	}
}

// linkChains links consecutive References entries where the child has no
// parent yet, newest message first.
func (b *builder) linkChains() {
	for p := len(b.nodes) - 1; p >= 0; p-- {
		refs := b.refs(p)
		if len(refs) < 2 {
			continue
		}
		par := refs[0]
		for _, c := range refs[1:] {
			if b.cs[c].parent == none && !b.wouldLoop(c, par) {
				b.link(c, par)
			}
			par = c
		}
	}
}

// Container states after pruning.
const (
	stDropped = iota // empty container, spliced out or removed
	stReal           // holds a message
	stKept           // kept placeholder
)

func (b *builder) finish(opts Options) Result {
	cs := b.cs
	nc := len(cs)

	// Pre-order of the header forest (ancestors before descendants).
	pre := make([]int32, 0, nc)
	stack := make([]int32, 0, 64)
	for c := range cs {
		if cs[c].parent != none {
			continue
		}
		stack = append(stack, int32(c))
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			pre = append(pre, x)
			for ch := cs[x].firstChild; ch != none; ch = cs[ch].nextSibling {
				stack = append(stack, ch)
			}
		}
	}

	// Prune, children before parents.
	state := make([]uint8, nc)
	eff := make([]int32, nc) // children an empty container has after splicing
	for i := len(pre) - 1; i >= 0; i-- {
		c := pre[i]
		if cs[c].pos != none {
			state[c] = stReal
			continue
		}
		var n int32
		for ch := cs[c].firstChild; ch != none; ch = cs[ch].nextSibling {
			if state[ch] != stDropped {
				n++
			} else {
				n += eff[ch]
			}
		}
		eff[c] = n
		if (cs[c].parent == none && n >= 1) || n >= 2 {
			state[c] = stKept
		}
	}

	// Parents in the pruned forest, and thread roots.
	up := eff // reuse: nearest live container at or above each container
	fparent := make([]int32, nc)
	troot := make([]int32, nc)
	for _, c := range pre {
		p := cs[c].parent
		if p != none {
			p = up[p]
		}
		if state[c] == stDropped {
			up[c] = p
			continue
		}
		up[c] = c
		fparent[c] = p
		if p == none {
			troot[c] = c
		} else {
			troot[c] = troot[p]
		}
	}

	// Output IDs of live containers.
	outID := make([]string, nc)
	for c := range cs {
		switch state[c] {
		case stReal:
			outID[c] = b.nodes[cs[c].pos].ID
		case stKept:
			outID[c] = PlaceholderID(cs[c].mid)
		}
	}

	// Conservative subject join; uf maps thread roots to merged roots.
	uf := troot
	joins := 0
	if !opts.DisableSubjectJoin {
		window := opts.SubjectJoinWindow
		if window <= 0 {
			window = DefaultSubjectJoinWindow
		}
		find := func(r int32) int32 {
			for uf[r] != r {
				uf[r] = uf[uf[r]]
				r = uf[r]
			}
			return r
		}
		// The current thread root of any live container c is
		// find(troot[c]): troot of a header root is itself, and a joined
		// root's entry is redirected to the root of the thread it joined.
		joins = b.subjectJoin(window, fparent, func(c int32) int32 {
			return find(troot[c])
		}, func(r, m int32) {
			fparent[r] = m
			uf[r] = find(troot[m])
		})
		for c := range cs {
			if state[c] != stDropped {
				troot[c] = find(troot[c])
			}
		}
	}

	res := Result{
		ThreadID:     b.tids,
		Parent:       make(map[string]string, len(b.nodes)),
		SubjectJoins: joins,
	}
	for c := range cs {
		switch state[c] {
		case stReal:
			id := outID[c]
			res.ThreadID[id] = outID[troot[c]]
			if fparent[c] != none {
				res.Parent[id] = outID[fparent[c]]
			} else {
				res.Parent[id] = ""
			}
		case stKept:
			ph := Placeholder{ID: outID[c], MessageID: cs[c].mid, ThreadID: outID[troot[c]]}
			if fparent[c] != none {
				ph.ParentID = outID[fparent[c]]
			}
			res.Placeholders = append(res.Placeholders, ph)
		}
	}
	slices.SortFunc(res.Placeholders, func(x, y Placeholder) int { return strings.Compare(x.ID, y.ID) })
	res.Order = b.order(state, fparent, outID)
	return res
}

// subjectJoin runs the conservative subject join and returns how many
// links it made. root returns the current thread root of a container;
// join attaches root r below message m.
func (b *builder) subjectJoin(window time.Duration, fparent []int32, root func(int32) int32, join func(r, m int32)) int {
	type cand struct {
		pos  int32
		base string
	}
	groups := make(map[string][]int32)
	var cands []cand
	for p, nd := range b.nodes {
		if !b.keys[p].known() || nd.Subject == "" {
			continue // nodes are date-sorted with unknown dates last
		}
		base, refwd := baseSubject(nd.Subject)
		if isGeneric(base) {
			continue
		}
		groups[base] = append(groups[base], int32(p))
		if refwd && fparent[b.own[p]] == none {
			cands = append(cands, cand{int32(p), base})
		}
	}
	joins := 0
	for _, cd := range cands {
		nd := b.nodes[cd.pos]
		g := groups[cd.base]
		// g is sorted by date: first index with a date not before nd's.
		i, _ := slices.BinarySearchFunc(g, b.keys[cd.pos], func(q int32, k dateKey) int {
			if cmpDate(b.keys[q], k) < 0 {
				return -1
			}
			return 1
		})
		r := b.own[cd.pos]
		rr := root(r)
		for j, scanned := i-1, 0; j >= 0 && scanned < maxSubjectScan; j, scanned = j-1, scanned+1 {
			m := b.nodes[g[j]]
			if nd.Date.Sub(m.Date) > window {
				break
			}
			mc := b.own[g[j]]
			if root(mc) == rr || !sharesParticipant(nd.Participants, m.Participants) {
				continue
			}
			join(r, mc)
			joins++
			break
		}
	}
	return joins
}

func sharesParticipant(a, b []string) bool {
	for _, x := range a {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		for _, y := range b {
			if strings.EqualFold(x, strings.TrimSpace(y)) {
				return true
			}
		}
	}
	return false
}

// order lists live containers depth first, siblings by date then ID.
func (b *builder) order(state []uint8, fparent []int32, outID []string) []string {
	cs := b.cs
	nc := len(cs)
	// Children lists in CSR form; roots go under the virtual index nc.
	start := make([]int32, nc+2)
	live := 0
	for c := range cs {
		if state[c] == stDropped {
			continue
		}
		live++
		p := fparent[c]
		if p == none {
			p = int32(nc)
		}
		start[p+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	kids := make([]int32, live)
	fill := slices.Clone(start)
	for c := range cs {
		if state[c] == stDropped {
			continue
		}
		p := fparent[c]
		if p == none {
			p = int32(nc)
		}
		kids[fill[p]] = int32(c)
		fill[p]++
	}

	// Sort keys: a message's date; a placeholder takes its earliest
	// child's date. Post-order over the final forest so children are
	// keyed before their parents.
	date := make([]dateKey, nc)
	for c := range cs {
		if state[c] == stReal {
			date[c] = b.keys[cs[c].pos]
		} else {
			date[c] = unknownDate
		}
	}
	byDate := func(x, y int32) int {
		if c := cmpDate(date[x], date[y]); c != 0 {
			return c
		}
		return strings.Compare(outID[x], outID[y])
	}
	pre := make([]int32, 0, live)
	stack := append([]int32(nil), kids[start[nc]:start[nc+1]]...)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pre = append(pre, x)
		stack = append(stack, kids[start[x]:start[x+1]]...)
	}
	for i := len(pre) - 1; i >= 0; i-- {
		x := pre[i]
		ks := kids[start[x]:start[x+1]]
		slices.SortFunc(ks, byDate)
		if state[x] == stKept && len(ks) > 0 {
			date[x] = date[ks[0]]
		}
	}
	slices.SortFunc(kids[start[nc]:start[nc+1]], byDate)

	out := make([]string, 0, live)
	roots := kids[start[nc]:start[nc+1]]
	stack = stack[:0]
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, roots[i])
	}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, outID[x])
		ks := kids[start[x]:start[x+1]]
		for i := len(ks) - 1; i >= 0; i-- {
			stack = append(stack, ks[i])
		}
	}
	return out
}

// PlaceholderID is the ID of the placeholder for a Message-ID that is
// referenced but not in the cache: "p" and the first 15 hex digits of the
// SHA-256 of the normalised Message-ID.
func PlaceholderID(messageID string) string {
	sum := sha256.Sum256([]byte(messageID))
	return "p" + hex.EncodeToString(sum[:8])[:15]
}
