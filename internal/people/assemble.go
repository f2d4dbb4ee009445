package people

import (
	"fmt"
	"sort"
	"strings"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// group is a set of nodes that will become one person, with the
// investigator's overrides.
type group struct {
	members  []int32
	rename   string
	aliases  map[string]aliasEdit // by alias key
	evidence []Evidence
	alive    bool
}

type aliasEdit struct {
	text string
	ev   Evidence
}

// Directory is the resolved people of a case. It is read-only after
// Build and safe for concurrent readers.
type Directory struct {
	people   []*Person
	byID     map[string]*Person // person IDs and every member's NodeID
	byAddr   map[string]*Person
	nodeKeys []string
	nodeIdx  map[string]int32
	nodeP    []int32
	msgs     []*msgRec
	aliases  []*Alias
	aliasBy  map[string]*Alias
	mentions map[int32][]Mention
	edits    []AppliedEdit
}

func (b *builder) assemble(edits []store.Edit) *Directory {
	nodeGroup := make([]int32, len(b.nodes))
	var groups []*group
	rootGroup := map[int32]int32{}
	for i := range b.nodes {
		r := b.find(int32(i))
		g, ok := rootGroup[r]
		if !ok {
			g = int32(len(groups))
			groups = append(groups, &group{alive: true})
			rootGroup[r] = g
		}
		nodeGroup[i] = g
		groups[g].members = append(groups[g].members, int32(i))
	}
	nodeByID := make(map[string]int32, len(b.nodes))
	for i, n := range b.nodes {
		nodeByID[NodeID(n.key)] = int32(i)
	}
	d := &Directory{byID: map[string]*Person{}, byAddr: map[string]*Person{}, nodeIdx: b.nodeIdx, msgs: b.msgs,
		aliasBy: map[string]*Alias{}, mentions: map[int32][]Mention{}}
	d.nodeKeys = make([]string, len(b.nodes))
	for i, n := range b.nodes {
		d.nodeKeys[i] = n.key
	}
	groupOf := func(id, keys string) (int32, bool) {
		if n, ok := nodeByID[id]; ok {
			return nodeGroup[n], true
		}
		for _, k := range strings.Split(keys, "\n") {
			if n, ok := b.nodeIdx[k]; ok && k != "" {
				return nodeGroup[n], true
			}
		}
		return -1, false
	}
	for _, e := range edits {
		d.edits = append(d.edits, applyEdit(e, groupOf, &groups, nodeGroup, b))
	}

	// Persons.
	var people []*Person
	groupPerson := make([]int32, len(groups))
	for gi, g := range groups {
		groupPerson[gi] = -1
		if !g.alive || len(g.members) == 0 {
			continue
		}
		p := b.newPerson(g)
		p.idx = int32(len(people))
		groupPerson[gi] = p.idx
		people = append(people, p)
	}
	d.nodeP = make([]int32, len(b.nodes))
	for i := range b.nodes {
		d.nodeP[i] = groupPerson[nodeGroup[i]]
	}
	for _, e := range b.edges {
		if nodeGroup[e.a] == nodeGroup[e.b] {
			p := people[groupPerson[nodeGroup[e.a]]]
			p.Evidence = append(p.Evidence, e.ev)
		}
	}
	for gi, g := range groups {
		if pi := groupPerson[gi]; pi >= 0 {
			people[pi].Evidence = append(people[pi].Evidence, g.evidence...)
		}
	}
	for _, m := range b.maybe {
		pa, pb := d.nodeP[m.a], d.nodeP[m.b]
		if pa == pb || pa < 0 || pb < 0 {
			continue
		}
		addMaybe(people[pa], people[pb], m.reason)
		addMaybe(people[pb], people[pa], m.reason)
	}

	// Messages to persons; counts and dates.
	for _, m := range b.msgs {
		if m.fromNode >= 0 {
			m.fromP = d.nodeP[m.fromNode]
		}
		for _, r := range m.rcpt {
			p := d.nodeP[r]
			if p >= 0 && p != m.fromP && !containsI32(m.rcptP, p) {
				m.rcptP = append(m.rcptP, p)
			}
		}
		touch := func(p *Person) {
			p.msgs = append(p.msgs, m.idx)
			if m.kind == model.KindPrinted {
				p.Printed++
			}
			if m.date != nil {
				if p.First == nil || m.date.Before(p.First.Time) {
					p.First = m.date
				}
				if p.Last == nil || m.date.After(p.Last.Time) {
					p.Last = m.date
				}
			}
		}
		if m.fromP >= 0 {
			people[m.fromP].Sent++
			touch(people[m.fromP])
		}
		for _, p := range m.rcptP {
			people[p].Received++
			touch(people[p])
		}
	}

	// Stable order: most active first.
	order := make([]*Person, len(people))
	copy(order, people)
	sort.SliceStable(order, func(i, j int) bool {
		a, c := order[i], order[j]
		if x, y := a.Sent+a.Received, c.Sent+c.Received; x != y {
			return x > y
		}
		if a.Name != c.Name {
			return a.Name < c.Name
		}
		return a.ID < c.ID
	})
	remap := make([]int32, len(people))
	for i, p := range order {
		remap[p.idx] = int32(i)
		p.idx = int32(i)
	}
	for i := range d.nodeP {
		if d.nodeP[i] >= 0 {
			d.nodeP[i] = remap[d.nodeP[i]]
		}
	}
	for _, m := range b.msgs {
		if m.fromP >= 0 {
			m.fromP = remap[m.fromP]
		}
		for k := range m.rcptP {
			m.rcptP[k] = remap[m.rcptP[k]]
		}
	}
	d.people = order
	for _, p := range order {
		d.byID[p.ID] = p
		for _, mi := range p.members {
			d.byID[NodeID(b.nodes[mi].key)] = p
			if a := b.nodes[mi].addr; a != "" {
				d.byAddr[a] = p
			}
		}
	}
	for _, p := range order {
		sort.Slice(p.PossibleMatches, func(i, j int) bool { return p.PossibleMatches[i].ID < p.PossibleMatches[j].ID })
	}

	d.roles(b)
	d.registry(b, groups, groupPerson, remap)
	d.findMentions(b)
	for _, p := range order {
		p.Aliases = nz(p.Aliases)
		p.Roles = nzRoles(p.Roles)
		p.Evidence = nzEv(p.Evidence)
		p.PossibleMatches = nzMaybe(p.PossibleMatches)
	}
	return d
}

func nz(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nzRoles(s []Role) []Role {
	if s == nil {
		return []Role{}
	}
	return s
}

func nzEv(s []Evidence) []Evidence {
	if s == nil {
		return []Evidence{}
	}
	return s
}

func nzMaybe(s []PossibleMatch) []PossibleMatch {
	if s == nil {
		return []PossibleMatch{}
	}
	return s
}

func addMaybe(p, other *Person, reason string) {
	for _, m := range p.PossibleMatches {
		if m.ID == other.ID {
			return
		}
	}
	p.PossibleMatches = append(p.PossibleMatches, PossibleMatch{ID: other.ID, Name: other.Name, Reason: reason})
}

// applyEdit applies one identity edit to the partition.
func applyEdit(e store.Edit, groupOf func(id, keys string) (int32, bool), groups *[]*group, nodeGroup []int32, b *builder) AppliedEdit {
	ae := AppliedEdit{Edit: e, Status: "applied"}
	at := e.At
	ev := Evidence{Rule: RuleInvestigator, EditID: e.ID, Actor: e.Actor, Reason: e.Reason, At: &at}
	g, ok := groupOf(e.Target, e.Data["keys"])
	if !ok {
		ae.Status, ae.Note = "stale", "the person "+e.Target+" no longer exists in this case (none of its addresses or names was found)"
		return ae
	}
	gs := *groups
	switch e.Kind {
	case EditMerge:
		o, ok := groupOf(e.Data["with"], e.Data["with_keys"])
		if !ok {
			ae.Status, ae.Note = "stale", "the person "+e.Data["with"]+" no longer exists in this case"
			return ae
		}
		if o == g {
			ae.Status, ae.Note = "no-op", "already one person"
			return ae
		}
		ga, gb := gs[g], gs[o]
		for _, m := range gb.members {
			nodeGroup[m] = g
		}
		ga.members = append(ga.members, gb.members...)
		if ga.rename == "" {
			ga.rename = gb.rename
		}
		for k, v := range gb.aliases {
			if ga.aliases == nil {
				ga.aliases = map[string]aliasEdit{}
			}
			ga.aliases[k] = v
		}
		ev.Detail = fmt.Sprintf("merged %s with %s", e.Target, e.Data["with"])
		ev.Keys = []string{e.Target, e.Data["with"]}
		ga.evidence = append(append(ga.evidence, gb.evidence...), ev)
		gb.members, gb.alive, gb.evidence = nil, false, nil
	case EditSplit:
		var move []int32
		for _, k := range strings.Split(e.Data["members"], "\n") {
			if n, ok := b.nodeIdx[k]; ok && nodeGroup[n] == g && !containsI32(move, n) {
				move = append(move, n)
			}
		}
		src := gs[g]
		switch {
		case len(move) == 0:
			ae.Status, ae.Note = "stale", "none of the addresses to split off belongs to the person any more"
			return ae
		case len(move) == len(src.members):
			ae.Status, ae.Note = "no-op", "the split would move every address; nothing left to split from"
			return ae
		}
		ng := int32(len(gs))
		var keep []int32
		for _, m := range src.members {
			if containsI32(move, m) {
				nodeGroup[m] = ng
			} else {
				keep = append(keep, m)
			}
		}
		src.members = keep
		var labels []string
		for _, m := range move {
			labels = append(labels, memberLabel(b.nodes[m].key))
		}
		ev.Detail = fmt.Sprintf("split %s off %s", strings.Join(labels, ", "), e.Target)
		ev.Keys = labels
		src.evidence = append(src.evidence, ev)
		*groups = append(gs, &group{members: move, alive: true, evidence: []Evidence{ev}})
	case EditRename:
		gs[g].rename = e.Value
		ev.Detail = fmt.Sprintf("renamed to %q", e.Value)
		gs[g].evidence = append(gs[g].evidence, ev)
	case EditAlias:
		k := aliasKey(e.Value)
		if k == "" {
			ae.Status, ae.Note = "stale", "empty alias"
			return ae
		}
		if gs[g].aliases == nil {
			gs[g].aliases = map[string]aliasEdit{}
		}
		if e.Data["op"] == "remove" {
			if _, had := gs[g].aliases[k]; !had {
				ae.Status, ae.Note = "no-op", "the person had no such alias"
				return ae
			}
			delete(gs[g].aliases, k)
			ev.Detail = fmt.Sprintf("alias %q removed", e.Value)
		} else {
			ev.Detail = fmt.Sprintf("alias %q added", e.Value)
			gs[g].aliases[k] = aliasEdit{text: e.Value, ev: ev}
		}
		gs[g].evidence = append(gs[g].evidence, ev)
	default:
		ae.Status, ae.Note = "stale", "unknown identity edit kind "+e.Kind
	}
	return ae
}

// newPerson builds a person from a group of nodes.
func (b *builder) newPerson(g *group) *Person {
	members := append([]int32(nil), g.members...)
	sort.Slice(members, func(i, j int) bool { return b.nodes[members[i]].key < b.nodes[members[j]].key })
	p := &Person{members: members, firstNames: map[string]bool{}, lastNames: map[string]bool{}}
	// Anchor: the smallest key; "a:" sorts before "n:", so an address
	// anchors the person whenever it has one.
	p.ID = NodeID(b.nodes[members[0]].key)
	type cnt struct {
		s string
		n int
	}
	var addrs []cnt
	raws := map[string]int{}
	fullRaws := map[string]int{}
	variants := map[string]bool{}
	seenFull := map[string]bool{}
	for _, mi := range members {
		n := b.nodes[mi]
		if n.addr != "" {
			addrs = append(addrs, cnt{n.addr, n.uses})
			for v := range n.variants {
				variants[v] = true
			}
			if len(n.rules) > 0 {
				var rs []string
				for r := range n.rules {
					rs = append(rs, r)
				}
				sort.Strings(rs)
				var vs []string
				for v := range n.variants {
					vs = append(vs, v)
				}
				sort.Strings(vs)
				p.Evidence = append(p.Evidence, Evidence{Rule: strings.Join(rs, "+"),
					Detail: fmt.Sprintf("%s is also written %s (%s)", n.addr, strings.Join(first(vs, 5), ", "), strings.Join(rs, ", ")),
					Keys:   []string{n.addr}, Messages: first(n.sample, 3)})
			}
		}
		if n.sigNamed {
			for _, nc := range n.names {
				p.Evidence = append(p.Evidence, Evidence{Rule: RuleSignature,
					Detail: fmt.Sprintf("%s has no display name; %d of its messages are signed %q", n.addr, nc.count, topRaw(nc)),
					Keys:   []string{n.addr}, Messages: first(n.sample, 3)})
			}
		}
		for _, nc := range n.names {
			for r, c := range nc.raws {
				raws[r] += c
				if nc.n.form == formFull {
					fullRaws[r] += c
				}
			}
			switch nc.n.form {
			case formFull:
				if !seenFull[nc.n.key] {
					seenFull[nc.n.key] = true
					p.fulls = append(p.fulls, nc.n)
				}
				p.firstNames[nc.n.first] = true
				p.lastNames[nc.n.last] = true
			case formInitial:
				p.lastNames[nc.n.last] = true
			case formSingle:
				p.firstNames[nc.n.first] = true
			}
		}
	}
	sort.Slice(p.fulls, func(i, j int) bool { return p.fulls[i].key < p.fulls[j].key })
	sort.Slice(addrs, func(i, j int) bool {
		if addrs[i].n != addrs[j].n {
			return addrs[i].n > addrs[j].n
		}
		return addrs[i].s < addrs[j].s
	})
	for _, a := range addrs {
		p.Addresses = append(p.Addresses, a.s)
	}
	p.Names = byCount(raws)
	for v := range variants {
		p.Variants = append(p.Variants, v)
	}
	sort.Strings(p.Variants)
	switch {
	case g.rename != "":
		p.Name = g.rename
	case len(fullRaws) > 0:
		p.Name = byCount(fullRaws)[0]
	case len(p.Names) > 0:
		p.Name = p.Names[0]
	case len(p.Addresses) > 0:
		p.Name = p.Addresses[0]
	default:
		p.Name = memberLabel(b.nodes[members[0]].key)
	}
	p.Names = nz(p.Names)
	p.Addresses = nz(p.Addresses)
	keys := make([]string, 0, len(g.aliases))
	for k := range g.aliases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Aliases = append(p.Aliases, g.aliases[k].text)
	}
	return p
}

// byCount sorts strings by count (descending), then prefers the form
// with accents ("Tomás" over "Tomas"), then alphabetically.
func byCount(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		ai, aj := accented(out[i]), accented(out[j])
		if ai != aj {
			return ai
		}
		return out[i] < out[j]
	})
	return out
}

func accented(s string) bool { return fold(s) != strings.ToLower(s) }

// signedAs reports whether a sign-off fits the person's names: the full
// name, the given name, or its initial. A person known only by address
// accepts any sign-off.
func (p *Person) signedAs(text string) bool {
	if len(p.fulls) == 0 && len(p.firstNames) == 0 {
		return true
	}
	sn := parseName(text)
	switch sn.form {
	case formFull:
		for _, f := range p.fulls {
			if sameFullName(sn, f) {
				return true
			}
		}
		return p.firstNames[sn.first] && p.lastNames[sn.last]
	case formSingle, formInitial, formInitials:
		if p.firstNames[sn.first] {
			return true
		}
		if len([]rune(sn.first)) == 1 {
			for f := range p.firstNames {
				if strings.HasPrefix(f, sn.first) {
					return true
				}
			}
		}
	}
	return false
}

// roles collects titles and organisations from signatures that fit the
// sender's names.
func (d *Directory) roles(b *builder) {
	type agg struct {
		r           Role
		first, last *msgRec
	}
	per := map[int32]map[string]*agg{}
	var order []struct {
		p int32
		k string
	}
	for _, s := range b.signs {
		if s.title == "" && s.org == "" {
			continue
		}
		pi := d.nodeP[s.node]
		if pi < 0 {
			continue
		}
		p := d.people[pi]
		if !p.signedAs(s.text) {
			continue
		}
		k := fold(s.title) + "|" + fold(s.org)
		if per[pi] == nil {
			per[pi] = map[string]*agg{}
		}
		a := per[pi][k]
		if a == nil {
			a = &agg{r: Role{Title: s.title, Organisation: s.org}}
			per[pi][k] = a
			order = append(order, struct {
				p int32
				k string
			}{pi, k})
		}
		a.r.Messages++
		m := s.rec
		if a.first == nil || msgLess(m, a.first) {
			a.first = m
		}
		if a.last == nil || m.date != nil && (a.last.date == nil || msgLess(a.last, m)) {
			a.last = m
		}
	}
	for _, o := range order {
		a := per[o.p][o.k]
		a.r.First, a.r.FirstMessage = a.first.date, a.first.id
		a.r.Last, a.r.LastMessage = a.last.date, a.last.id
		p := d.people[o.p]
		p.Roles = append(p.Roles, a.r)
	}
	for _, p := range d.people {
		sort.SliceStable(p.Roles, func(i, j int) bool {
			a, c := p.Roles[i].First, p.Roles[j].First
			if a == nil || c == nil {
				return a != nil
			}
			return a.Before(c.Time)
		})
	}
}

func (d *Directory) ref(pi int32) *PersonRef {
	p := d.people[pi]
	return &PersonRef{ID: p.ID, Name: p.Name}
}

func msgRef(m *msgRec) MessageRef {
	return MessageRef{ID: m.id, Date: m.date, DateFlag: m.flag, DateRaw: m.raw, Kind: m.kind, From: m.from,
		To: nzAddr(m.to), Cc: nzAddr(m.cc), Bcc: m.bcc, Subject: m.subject, Sources: nzSrc(m.sources)}
}

func nzAddr(s []model.Address) []model.Address {
	if s == nil {
		return []model.Address{}
	}
	return s
}

func nzSrc(s []model.Source) []model.Source {
	if s == nil {
		return []model.Source{}
	}
	return s
}

// registry builds the alias registry from text hits, salutations,
// sign-offs and investigator aliases.
func (d *Directory) registry(b *builder, groups []*group, groupPerson, remap []int32) {
	// Words that are somebody's name are names, not aliases.
	nameTok := map[string]bool{}
	fullKeys := map[string]bool{}
	firstOwners := map[string]map[int32]bool{}
	for _, p := range d.people {
		for f := range p.firstNames {
			nameTok[f] = true
			if firstOwners[f] == nil {
				firstOwners[f] = map[int32]bool{}
			}
			firstOwners[f][p.idx] = true
		}
		for l := range p.lastNames {
			nameTok[l] = true
		}
		for _, f := range p.fulls {
			fullKeys[f.key] = true
		}
	}
	isName := func(key string) bool {
		if fullKeys[key] {
			return true
		}
		ws := strings.Fields(key)
		for _, w := range ws {
			if !nameTok[w] {
				return false
			}
		}
		return len(ws) > 0
	}
	get := func(key string) *Alias {
		a := d.aliasBy[key]
		if a == nil {
			a = &Alias{Key: key, Messages: []AliasUse{}, Suggestions: []Suggestion{}, Evidence: []Evidence{}}
			d.aliasBy[key] = a
		}
		return a
	}
	forms := map[string]map[string]int{}
	addForm := func(a *Alias, f string) {
		if forms[a.Key] == nil {
			forms[a.Key] = map[string]int{}
		}
		forms[a.Key][f]++
	}
	addKind := func(a *Alias, k string) {
		for _, x := range a.Kinds {
			if x == k {
				return
			}
		}
		a.Kinds = append(a.Kinds, k)
	}
	lastUse := map[string]string{}
	addUse := func(a *Alias, m *msgRec, form, sentence string) {
		addForm(a, form)
		if lastUse[a.Key] == m.id {
			return
		}
		lastUse[a.Key] = m.id
		a.Uses++
		if len(a.Messages) < maxAliasUses {
			a.Messages = append(a.Messages, AliasUse{ID: m.id, Date: m.date, Form: form, Sentence: sentence})
		}
	}

	// Text aliases.
	type sugKey struct{ alias, name string }
	sugIdx := map[sugKey]int{}
	for _, o := range b.aliases {
		h := o.hit
		if isName(h.key) {
			continue
		}
		a := get(h.key)
		addKind(a, h.kind)
		addUse(a, o.rec, h.text, h.sentence)
		if h.defName != "" {
			k := sugKey{h.key, fold(h.defName)}
			if i, ok := sugIdx[k]; ok {
				a.Suggestions[i].Count++
				continue
			}
			s := Suggestion{Name: h.defName, Rule: h.defRule, Sentence: h.sentence, Count: 1, Message: msgRef(o.rec)}
			if p := d.resolveExact(h.defName); p != nil {
				s.Person = &PersonRef{ID: p.ID, Name: p.Name}
			}
			sugIdx[k] = len(a.Suggestions)
			a.Suggestions = append(a.Suggestions, s)
		}
	}

	// Nicknames from salutations (the single recipient) and sign-offs
	// (the sender).
	type nick struct {
		kind string
		byP  map[int32][]*msgRec
		form map[string]int
	}
	nicks := map[string]*nick{}
	var nickKeys []string
	addNick := func(kind string, pi int32, text string, m *msgRec) {
		ws := wordsOf(text)
		if pi < 0 || len(ws) != 1 || len([]rune(ws[0])) < 2 {
			return
		}
		w := ws[0]
		p := d.people[pi]
		if p.firstNames[w] || p.lastNames[w] || notNames[w] || aliasHonorifics[w] {
			return
		}
		if owners := firstOwners[w]; len(owners) > 0 {
			return // another person's given name: a name, not a nickname
		}
		k := kind + "\x00" + w
		n := nicks[k]
		if n == nil {
			n = &nick{kind: kind, byP: map[int32][]*msgRec{}, form: map[string]int{}}
			nicks[k] = n
			nickKeys = append(nickKeys, k)
		}
		n.byP[pi] = append(n.byP[pi], m)
		n.form[strings.TrimRight(text, ".")]++
	}
	for _, s := range b.sals {
		addNick(AliasSalutation, d.nodeP[s.node], s.text, s.rec)
	}
	for _, s := range b.signs {
		addNick(AliasSignoff, d.nodeP[s.node], s.text, s.rec)
	}
	for _, k := range nickKeys {
		n := nicks[k]
		w := k[strings.IndexByte(k, 0)+1:]
		a := get(w)
		addKind(a, n.kind)
		var ps []int32
		for pi := range n.byP {
			ps = append(ps, pi)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		form := byCount(n.form)[0]
		for _, pi := range ps {
			p := d.people[pi]
			ms := n.byP[pi]
			for _, m := range ms {
				addUse(a, m, form, "")
			}
			rule := "greets the message's only recipient"
			what := fmt.Sprintf("%d message(s) addressed to %s alone open with %q", len(ms), p.Name, form)
			if n.kind == AliasSignoff {
				rule = "signs the sender's messages"
				what = fmt.Sprintf("%d message(s) from %s are signed %q", len(ms), p.Name, form)
			}
			a.Suggestions = append(a.Suggestions, Suggestion{Name: p.Name, Person: &PersonRef{ID: p.ID, Name: p.Name}, Rule: rule,
				Sentence: what, Count: len(ms), Message: msgRef(ms[0])})
			compat := false
			for f := range p.firstNames {
				if nicknameOf(w, f) {
					compat = true
				}
			}
			if len(ps) == 1 && (compat || len(ms) >= 2) && a.Person == nil {
				ids := make([]string, 0, len(ms))
				for _, m := range first(idsOf(ms), maxSamples) {
					ids = append(ids, m)
				}
				why := what
				if compat {
					why += fmt.Sprintf("; %q is a familiar form of the given name", form)
				}
				ev := Evidence{Rule: n.kind, Detail: why, Keys: []string{form}, Messages: ids}
				a.Status = AliasResolved
				a.Person = &PersonRef{ID: p.ID, Name: p.Name}
				a.Evidence = append(a.Evidence, ev)
				p.Aliases = append(p.Aliases, form)
				p.Evidence = append(p.Evidence, ev)
			}
		}
	}

	// Investigator aliases win over everything.
	for gi, g := range groups {
		pi := groupPerson[gi]
		if pi < 0 {
			continue
		}
		p := d.people[remap[pi]]
		for k, v := range g.aliases {
			a := get(k)
			addKind(a, AliasInvestigator)
			addForm(a, v.text)
			if a.Person != nil && a.Person.ID != p.ID {
				// The investigator overrules a nickname attributed from
				// salutations or sign-offs.
				if prev := d.byID[a.Person.ID]; prev != nil {
					var keep []string
					for _, x := range prev.Aliases {
						if aliasKey(x) != k {
							keep = append(keep, x)
						}
					}
					prev.Aliases = keep
				}
			}
			a.Status = AliasResolved
			a.Person = &PersonRef{ID: p.ID, Name: p.Name}
			a.Evidence = append(a.Evidence, v.ev)
		}
	}

	keys := make([]string, 0, len(d.aliasBy))
	for k := range d.aliasBy {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := d.aliasBy[k]
		fs := byCount(forms[k])
		a.Forms = fs
		if len(fs) > 0 {
			a.Alias = fs[0]
		} else {
			a.Alias = k
		}
		if a.Status == "" {
			if len(a.Suggestions) > 0 {
				a.Status = AliasSuggested
			} else {
				a.Status = AliasUnresolved
			}
		}
		sort.Strings(a.Kinds)
		d.aliases = append(d.aliases, a)
	}
	sort.SliceStable(d.aliases, func(i, j int) bool { return d.aliases[i].Uses > d.aliases[j].Uses })
}

const maxAliasUses = 200

func idsOf(ms []*msgRec) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.id
	}
	return out
}

// findMentions matches the capitalised words of every message against a
// gazetteer of the case's people: full names, an honorific with a
// surname only one person has, resolved aliases, and (weak, match
// "given-name") a given name exactly one person has. People on the
// message itself are not "mentioned".
func (d *Directory) findMentions(b *builder) {
	type hit struct {
		p     int32
		match string
	}
	gaz := map[string][]int32{}
	add := func(k string, p int32) {
		if !containsI32(gaz[k], p) {
			gaz[k] = append(gaz[k], p)
		}
	}
	surnames := map[string][]int32{}
	for _, p := range d.people {
		for _, f := range p.fulls {
			add(f.key, p.idx)
			add(f.first+" "+f.last, p.idx)
			if !containsI32(surnames[f.last], p.idx) {
				surnames[f.last] = append(surnames[f.last], p.idx)
			}
		}
	}
	honor := []string{"mr", "mrs", "ms", "miss", "mister", "dr", "lord", "lady", "sir", "dame", "prof", "professor", "minister", "senator"}
	hon := map[string]int32{}
	for s, ps := range surnames {
		if len(ps) == 1 {
			for _, h := range honor {
				hon[h+" "+s] = ps[0]
			}
		}
	}
	aliasP := map[string]int32{}
	for _, a := range d.aliases {
		if a.Status == AliasResolved && a.Person != nil {
			aliasP[a.Key] = d.byID[a.Person.ID].idx
		}
	}
	// Given names only one person in the case carries, and that are no
	// other person's name word, count as weak mentions ("given-name").
	givenOwner := map[string]int32{}
	nameWords := map[string]int{}
	for _, p := range d.people {
		seen := map[string]bool{}
		for w := range p.firstNames {
			seen[w] = true
		}
		for w := range p.lastNames {
			seen[w] = true
		}
		for w := range seen {
			nameWords[w]++
		}
		for _, f := range p.fulls {
			if _, dup := givenOwner[f.first]; dup && givenOwner[f.first] != p.idx {
				givenOwner[f.first] = -1
			} else {
				givenOwner[f.first] = p.idx
			}
		}
	}
	match := make([]hit, len(b.phrList))
	for i, ph := range b.phrList {
		match[i] = hit{p: -1}
		if ps := gaz[ph]; len(ps) == 1 && strings.Contains(ph, " ") {
			match[i] = hit{ps[0], "name"}
			continue
		}
		if p, ok := hon[ph]; ok {
			match[i] = hit{p, "honorific"}
			continue
		}
		if k := aliasKey(ph); k != "" {
			if p, ok := aliasP[k]; ok && (ph == k || len(strings.Fields(ph)) == len(strings.Fields(k))+1) {
				match[i] = hit{p, "alias"}
				continue
			}
		}
		if p, ok := givenOwner[ph]; ok && p >= 0 && nameWords[ph] == 1 && len(ph) >= 3 && !notNames[ph] {
			match[i] = hit{p, "given-name"}
		}
	}
	rank := map[string]int{"name": 4, "alias": 3, "honorific": 2, "given-name": 1}
	for _, m := range b.msgs {
		var best []Mention
		var who []int32
		for _, id := range b.arena[m.phr[0]:m.phr[1]] {
			h := match[id]
			if h.p < 0 || h.p == m.fromP || containsI32(m.rcptP, h.p) {
				continue
			}
			mn := Mention{ID: m.id, Date: m.date, Text: b.phrList[id], Match: h.match}
			i := 0
			for i < len(who) && who[i] != h.p {
				i++
			}
			switch {
			case i == len(who):
				who, best = append(who, h.p), append(best, mn)
			case rank[h.match] > rank[best[i].Match]:
				best[i] = mn
			}
		}
		for i, p := range who {
			d.mentions[p] = append(d.mentions[p], best[i])
		}
	}
}
