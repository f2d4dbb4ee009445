package people

import (
	"fmt"
	"sort"
	"strings"
)

// Identity resolution. Every rule is conservative and records its
// evidence; nothing merges on a first name alone, a surname alone, or a
// string similarity of names. See docs/people.md for the rules.

func (b *builder) find(x int32) int32 {
	for b.uf[x] != x {
		b.uf[x] = b.uf[b.uf[x]]
		x = b.uf[x]
	}
	return x
}

func (b *builder) union(x, y int32, ev Evidence) bool {
	rx, ry := b.find(x), b.find(y)
	if rx == ry {
		return false
	}
	// Deterministic: the smaller key becomes the root.
	if b.nodes[ry].key < b.nodes[rx].key {
		rx, ry = ry, rx
	}
	b.uf[ry] = rx
	ev.Keys = []string{memberLabel(b.nodes[x].key), memberLabel(b.nodes[y].key)}
	b.edges = append(b.edges, edgeEv{a: x, b: y, ev: ev})
	return true
}

// MemberLabel turns a member key ("a:addr", "n:name") into what users
// see: the address, or "name:" and the name.
func MemberLabel(key string) string { return memberLabel(key) }

func memberLabel(key string) string {
	if strings.HasPrefix(key, "a:") {
		return key[2:]
	}
	return "name:" + strings.TrimPrefix(key, "n:")
}

func (b *builder) resolve() {
	b.uf = make([]int32, len(b.nodes))
	for i := range b.uf {
		b.uf[i] = int32(i)
	}
	b.ruleOCR()
	b.ruleSameName()
	b.ruleNameOnly()
}

// topFull returns the dominant display name of a set of names when it is
// a full name (given name and surname) used in at least half of the
// named occurrences.
func topFull(names map[string]*nameCount, total int) *nameCount {
	var best *nameCount
	for _, nc := range names {
		if best == nil || nc.count > best.count || nc.count == best.count && nc.n.key < best.n.key {
			best = nc
		}
	}
	if best == nil || best.n.form != formFull || best.count*2 < total {
		return nil
	}
	return best
}

// topRaw is the most used written form of a name.
func topRaw(nc *nameCount) string {
	best, bn := "", 0
	for r, c := range nc.raws {
		if c > bn || c == bn && r < best {
			best, bn = r, c
		}
	}
	if best == "" {
		return nc.n.display
	}
	return best
}

// deletionVariants returns s and every string made by deleting one rune:
// two strings within one edit share at least one variant.
func deletionVariants(s string) []string {
	r := []rune(s)
	out := make([]string, 0, len(r)+1)
	out = append(out, s)
	for i := range r {
		out = append(out, string(r[:i])+string(r[i+1:]))
	}
	return out
}

// ruleOCR joins an address seen in a printed message to an address on
// the same domain whose local part differs by one OCR misread, when both
// carry the same full display name.
func (b *builder) ruleOCR() {
	printedDomains := map[string]bool{}
	for _, n := range b.nodes {
		if n.addr != "" && n.printed > 0 {
			_, d := splitAddress(n.addr)
			printedDomains[d] = true
		}
	}
	if len(printedDomains) == 0 {
		return
	}
	idx := map[string][]int32{}
	for i, n := range b.nodes {
		if n.addr == "" {
			continue
		}
		l, d := splitAddress(n.addr)
		if d == "" || !printedDomains[d] {
			continue
		}
		for _, v := range deletionVariants(ocrCanon(l)) {
			k := d + "\x00" + v
			idx[k] = append(idx[k], int32(i))
		}
	}
	for i, n := range b.nodes {
		if n.addr == "" || n.printed == 0 {
			continue
		}
		top := topFull(n.names, n.namedUses)
		if top == nil {
			continue
		}
		l, d := splitAddress(n.addr)
		seen := map[int32]bool{int32(i): true}
		var cands []int32
		for _, v := range deletionVariants(ocrCanon(l)) {
			for _, j := range idx[d+"\x00"+v] {
				if !seen[j] {
					seen[j] = true
					cands = append(cands, j)
				}
			}
		}
		sort.Slice(cands, func(x, y int) bool { return b.nodes[cands[x]].key < b.nodes[cands[y]].key })
		for _, j := range cands {
			m := b.nodes[j]
			lj, _ := splitAddress(m.addr)
			if !ocrVariant(l, lj) {
				continue
			}
			tj := topFull(m.names, m.namedUses)
			if tj == nil || !sameFullName(top.n, tj.n) {
				continue
			}
			b.union(int32(i), j, Evidence{Rule: RuleOCRVariant,
				Detail: fmt.Sprintf("%s (in a printed message) differs from %s by one misread character in the local part, and both are written with the name %q",
					n.addr, m.addr, topRaw(top)),
				Messages: append(append([]string{}, n.printedEx...), first(m.sample, 2)...)})
		}
	}
}

func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// cluster is the current union of nodes with their names aggregated.
type cluster struct {
	root      int32
	nodes     []int32
	names     map[string]*nameCount
	namedUses int
	hasAddr   bool
	personal  bool // has an address that is not a role mailbox
}

func (b *builder) clusters() map[int32]*cluster {
	out := map[int32]*cluster{}
	for i, n := range b.nodes {
		r := b.find(int32(i))
		c := out[r]
		if c == nil {
			c = &cluster{root: r, names: map[string]*nameCount{}}
			out[r] = c
		}
		c.nodes = append(c.nodes, int32(i))
		if n.addr != "" {
			c.hasAddr = true
			if !isRoleAddress(n.addr) {
				c.personal = true
			}
		}
		c.namedUses += n.namedUses
		for k, nc := range n.names {
			agg := c.names[k]
			if agg == nil {
				agg = &nameCount{n: nc.n, raws: map[string]int{}}
				c.names[k] = agg
			}
			agg.count += nc.count
			agg.sig += nc.sig
			for r, x := range nc.raws {
				agg.raws[r] += x
			}
		}
	}
	return out
}

func sortedRoots(cs map[int32]*cluster, b *builder) []int32 {
	roots := make([]int32, 0, len(cs))
	for r := range cs {
		roots = append(roots, r)
	}
	sort.Slice(roots, func(i, j int) bool { return b.nodes[roots[i]].key < b.nodes[roots[j]].key })
	return roots
}

// ruleSameName joins address clusters whose dominant display name is the
// same full name, when the record corroborates it: they wrote to each
// other, or they share a correspondent. Without corroboration they are
// listed as possible matches only.
func (b *builder) ruleSameName() {
	cs := b.clusters()
	byFL := map[string][]int32{}
	tops := map[int32]*nameCount{}
	for _, r := range sortedRoots(cs, b) {
		c := cs[r]
		if !c.personal {
			continue
		}
		top := topFull(c.names, c.namedUses)
		if top == nil {
			continue
		}
		tops[r] = top
		byFL[top.n.flKey()] = append(byFL[top.n.flKey()], r)
	}
	cand := map[int32]bool{}
	for _, rs := range byFL {
		if len(rs) > 1 {
			for _, r := range rs {
				cand[r] = true
			}
		}
	}
	if len(cand) == 0 {
		return
	}
	corr := map[int32]map[int32]bool{}
	link := func(x, y int32) {
		if cand[x] {
			if corr[x] == nil {
				corr[x] = map[int32]bool{}
			}
			corr[x][y] = true
		}
	}
	for _, m := range b.msgs {
		if m.fromNode < 0 {
			continue
		}
		f := b.find(m.fromNode)
		for _, rn := range m.rcpt {
			r := b.find(rn)
			if r == f {
				continue
			}
			link(f, r)
			link(r, f)
		}
	}
	keys := make([]string, 0, len(byFL))
	for k := range byFL {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rs := byFL[k]
		for i := 0; i < len(rs); i++ {
			for j := i + 1; j < len(rs); j++ {
				x, y := rs[i], rs[j]
				if b.find(x) == b.find(y) {
					continue
				}
				tx, ty := tops[x], tops[y]
				ax, ay := b.nodes[x].addr, b.nodes[y].addr
				if !sameFullName(tx.n, ty.n) {
					b.maybe = append(b.maybe, maybePair{x, y, fmt.Sprintf("same given name and surname (%q, %q) but different middle names", topRaw(tx), topRaw(ty))})
					continue
				}
				var shared []string
				for c := range corr[x] {
					if corr[y][c] && c != x && c != y {
						shared = append(shared, memberLabel(b.nodes[c].key))
					}
				}
				sort.Strings(shared)
				direct := corr[x][y]
				switch {
				case direct || len(shared) > 0:
					why := "they wrote to each other"
					if !direct {
						why = "both corresponded with " + strings.Join(first(shared, 3), ", ")
						if len(shared) > 3 {
							why += fmt.Sprintf(" and %d more", len(shared)-3)
						}
					}
					b.union(x, y, Evidence{Rule: RuleSameName,
						Detail:   fmt.Sprintf("%s and %s are both written with the full name %q as their main display name, and %s", ax, ay, topRaw(tx), why),
						Messages: append(first(b.nodes[x].sample, 2), first(b.nodes[y].sample, 2)...)})
				default:
					b.maybe = append(b.maybe, maybePair{x, y, fmt.Sprintf("same display name %q, but no shared correspondent corroborates it", topRaw(tx))})
				}
			}
		}
	}
}

// ruleNameOnly joins names printed without an address to the one
// address cluster that consistently uses that full name (a third of its
// named occurrences or its main name); initials ("J. Reyes") join the one
// person in the case whose full name fits them. Ambiguity leaves them
// apart, listed as possible matches.
func (b *builder) ruleNameOnly() {
	cs := b.clusters()
	roots := sortedRoots(cs, b)
	type entry struct {
		root int32
		nc   *nameCount
		c    *cluster
	}
	byFL := map[string][]entry{}
	for _, r := range roots {
		c := cs[r]
		if !c.personal {
			continue
		}
		var top *nameCount
		for _, nc := range c.names {
			if top == nil || nc.count > top.count || nc.count == top.count && nc.n.key < top.n.key {
				top = nc
			}
		}
		for _, nc := range c.names {
			if nc.n.form != formFull || !(nc == top || nc.count*3 >= c.namedUses) {
				continue
			}
			byFL[nc.n.flKey()] = append(byFL[nc.n.flKey()], entry{r, nc, c})
		}
	}
	for _, r := range roots {
		n := b.nodes[r]
		if n.addr != "" || n.name.form != formFull || len(cs[r].nodes) != 1 {
			continue
		}
		var hits []entry
		for _, e := range byFL[n.name.flKey()] {
			if sameFullName(n.name, e.nc.n) {
				hits = append(hits, e)
			}
		}
		switch {
		case len(hits) == 1:
			e := hits[0]
			addrs := clusterAddrs(b, e.c)
			src := "display name"
			if e.nc.sig == e.nc.count {
				src = "signature name"
			}
			b.union(r, e.root, Evidence{Rule: RuleNameAddress,
				Detail: fmt.Sprintf("the name %q appears without an address (%d occurrence(s), %d printed); it is the %s of %s in %d of %d named occurrences, and of no other address",
					n.name.display, n.uses, n.printed, src, strings.Join(first(addrs, 3), ", "), e.nc.count, e.c.namedUses),
				Messages: append(first(n.sample, 3), first(b.nodes[e.root].sample, 2)...)})
		case len(hits) > 1:
			for _, e := range hits {
				b.maybe = append(b.maybe, maybePair{r, e.root, fmt.Sprintf("the name %q without an address fits %d people", n.name.display, len(hits))})
			}
		}
	}
	// Initials, against every full name now known (clusters and lone names).
	cs = b.clusters()
	roots = sortedRoots(cs, b)
	type full struct {
		root int32
		n    personName
	}
	bySurname := map[string][]full{}
	for _, r := range roots {
		c := cs[r]
		if c.hasAddr && !c.personal {
			continue
		}
		for _, nc := range c.names {
			if nc.n.form == formFull && (nc.count*3 >= c.namedUses || !c.hasAddr) {
				bySurname[nc.n.last] = append(bySurname[nc.n.last], full{r, nc.n})
			}
		}
	}
	for _, r := range roots {
		n := b.nodes[r]
		if n.addr != "" || n.name.form != formInitial || len(cs[r].nodes) != 1 {
			continue
		}
		var hit []int32
		var names []string
		for _, f := range bySurname[n.name.last] {
			if initialMatches(n.name, f.n) && !containsI32(hit, f.root) {
				hit = append(hit, f.root)
				names = append(names, f.n.display)
			}
		}
		switch {
		case len(hit) == 1:
			b.union(r, hit[0], Evidence{Rule: RuleInitialName,
				Detail: fmt.Sprintf("the name %q appears without an address and %q is the only person in the case whose name it fits",
					n.name.display, names[0]),
				Messages: append(first(n.sample, 3), first(b.nodes[hit[0]].sample, 2)...)})
		case len(hit) > 1:
			for _, h := range hit {
				b.maybe = append(b.maybe, maybePair{r, h, fmt.Sprintf("the initials %q fit %d people (%s)", n.name.display, len(hit), strings.Join(names, ", "))})
			}
		}
	}
}

func clusterAddrs(b *builder, c *cluster) []string {
	var out []string
	for _, i := range c.nodes {
		if a := b.nodes[i].addr; a != "" {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}
