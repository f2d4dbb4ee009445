package printed

import (
	"github.com/casefile/casefile/internal/textdist"
	"sort"
	"strings"
	"unicode"

	"github.com/casefile/casefile/internal/model"

	"github.com/casefile/casefile/internal/lazyre"
)

// AliasTable maps the names and addresses seen in a case to people. It is
// learned from the case itself (LearnAliases): an address printed with a
// display name links the two, and addresses that differ by one OCR-misread
// character in the local part while sharing a display name are merged.
// No list of people is built in.
type AliasTable struct {
	parent map[string]string          // union-find over "a:addr" and "n:name" nodes
	names  map[string]map[string]bool // root -> normalised names in the cluster
}

// LearnAliases builds an alias table from recovered messages.
//
// Rules (all general properties of email):
//   - `Name <addr>` links the normalised name to the address when the
//     name is the address's most frequent display name, or is compatible
//     with it (see SamePerson) or with the address's local part, or
//     accounts for at least a fifth (and two) of the address's
//     occurrences; stray pairings never link two people;
//   - two addresses on the same domain whose local parts differ by one
//     character (OCR: v/y, rn/m) and that share a display name are one
//     mailbox;
//   - a name is never linked through a single-letter or one-word generic
//     form to more than its own most frequent address, so common first
//     names do not chain different people together.
func LearnAliases(msgs []*model.Message) *AliasTable {
	pair := map[[2]string]int{}
	byAddr := map[string]map[string]int{}
	byName := map[string]map[string]int{}
	add := func(a model.Address) {
		addr := strings.ToLower(strings.TrimSpace(a.Address))
		n := NormalizeName(a.Name)
		if addr == "" || n == "" || n == strings.ToLower(RedactedName) || strings.Contains(n, "@") {
			return
		}
		pair[[2]string{n, addr}]++
		if byAddr[addr] == nil {
			byAddr[addr] = map[string]int{}
		}
		byAddr[addr][n]++
		if byName[n] == nil {
			byName[n] = map[string]int{}
		}
		byName[n][addr]++
	}
	for _, m := range msgs {
		add(m.From)
		for _, l := range [][]model.Address{m.To, m.Cc, m.Bcc} {
			for _, a := range l {
				add(a)
			}
		}
	}
	t := &AliasTable{parent: map[string]string{}, names: map[string]map[string]bool{}}
	top := func(m map[string]int) string {
		best, bn := "", 0
		for k, v := range m {
			if v > bn || v == bn && k < best {
				best, bn = k, v
			}
		}
		return best
	}
	total := map[string]int{}
	for a, m := range byAddr {
		for _, c := range m {
			total[a] += c
		}
	}
	for p, c := range pair {
		n, a := p[0], p[1]
		topName := top(byAddr[a])
		local := a[:strings.LastIndexByte(a, '@')]
		switch {
		case n == topName:
		case namesCompatible(n, topName) || handleMatches(local, n):
		case c >= 2 && c*5 >= total[a]:
		default:
			continue // a stray pairing (OCR run-on, mislabelled line)
		}
		t.union("n:"+n, "a:"+a)
	}
	// OCR variants of one address.
	addrs := make([]string, 0, len(byAddr))
	for a := range byAddr {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	byDomain := map[string][]string{}
	for _, a := range addrs {
		at := strings.LastIndexByte(a, '@')
		byDomain[a[at+1:]] = append(byDomain[a[at+1:]], a)
	}
	for _, list := range byDomain {
		for i := range list {
			for j := i + 1; j < len(list); j++ {
				a, b := list[i], list[j]
				la, lb := a[:strings.LastIndexByte(a, '@')], b[:strings.LastIndexByte(b, '@')]
				if len(la) < 5 || len(lb) < 5 || textdist.Levenshtein(la, lb) != 1 {
					continue
				}
				for n := range byAddr[a] {
					if byAddr[b][n] > 0 {
						t.union("a:"+a, "a:"+b)
						break
					}
				}
			}
		}
	}
	for node := range t.parent {
		if strings.HasPrefix(node, "n:") {
			r := t.find(node)
			if t.names[r] == nil {
				t.names[r] = map[string]bool{}
			}
			t.names[r][node[2:]] = true
		}
	}
	return t
}

func (t *AliasTable) find(x string) string {
	p, ok := t.parent[x]
	if !ok {
		return x
	}
	if p == x {
		return x
	}
	r := t.find(p)
	t.parent[x] = r
	return r
}

func (t *AliasTable) union(a, b string) {
	for _, x := range []string{a, b} {
		if _, ok := t.parent[x]; !ok {
			t.parent[x] = x
		}
	}
	ra, rb := t.find(a), t.find(b)
	if ra != rb {
		t.parent[ra] = rb
	}
}

// Size is the number of names and addresses in the table.
func (t *AliasTable) Size() int { return len(t.parent) }

// clusterOf returns the cluster root of an address or a name ("" when
// unknown).
func (t *AliasTable) clusterOf(kind, v string) string {
	if t == nil || v == "" {
		return ""
	}
	k := kind + ":" + v
	if _, ok := t.parent[k]; !ok {
		return ""
	}
	return t.find(k)
}

// SamePerson reports whether a recovered address and a reference name
// (a display name or an address, as found in labels) denote the same
// person: equal normalised names, compatible names (`Kathy Smith` /
// `Kathryn Smith`, `Jeffrey E.` / `Jeffrey Epstein`, `Smith, Ann` /
// `Ann Smith`), or names and addresses linked by the alias table.
func (t *AliasTable) SamePerson(got model.Address, want string) bool {
	want = strings.TrimSpace(want)
	if want == "" || got.IsZero() {
		return false
	}
	gn := NormalizeName(got.Name)
	ga := strings.ToLower(got.Address)
	if strings.Contains(want, "@") {
		w := strings.ToLower(want)
		if ga == w || gn == w {
			return true
		}
		c := t.clusterOf("a", w)
		return c != "" && (c == t.clusterOf("a", ga) || c == t.clusterOf("n", gn))
	}
	wn := NormalizeName(want)
	if wn == "" {
		return false
	}
	if gn != "" && (gn == wn || namesCompatible(gn, wn) || givenNameOnly(gn, wn)) {
		return true
	}
	if ga != "" {
		at := strings.IndexByte(ga, '@')
		local := ga[:max(0, at)]
		if local != "" && (NormalizeName(local) == wn || handleMatches(local, wn)) {
			return true
		}
		// An organisation's sender address: info@harbor-news.example
		// for "Harbor News".
		if at >= 0 {
			dom := strings.Split(ga[at+1:], ".")
			org := strings.ReplaceAll(wn, " ", "")
			for _, d := range dom {
				if len(org) >= 5 && strings.ReplaceAll(d, "-", "") == org {
					return true
				}
			}
		}
	}
	if gn != "" && !strings.Contains(gn, " ") && handleMatches(gn, wn) {
		return true
	}
	// Through the alias table.
	var clusters []string
	if c := t.clusterOf("a", ga); c != "" {
		clusters = append(clusters, c)
	}
	if c := t.clusterOf("n", gn); c != "" {
		clusters = append(clusters, c)
	}
	wc := t.clusterOf("n", wn)
	for _, c := range clusters {
		if c == wc {
			return true
		}
		for n := range t.names[c] {
			if n == wn || namesCompatible(n, wn) {
				return true
			}
		}
	}
	if wc != "" && gn != "" {
		for n := range t.names[wc] {
			if namesCompatible(n, gn) {
				return true
			}
		}
	}
	return false
}

var (
	reParens   = lazyre.New(`\([^)]*\)?|\[[^\]]*\]?|<[^>]*>?`)
	nameTitles = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true, "professor": true, "sir": true, "dame": true, "hon": true, "honorable": true, "rev": true, "judge": true, "senator": true, "sen": true, "rep": true, "gov": true}
	nameSuffix = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "esq": true, "phd": true, "md": true, "cpa": true, "pc": true}
)

// NormalizeName makes display names comparable: lower case, no quotes,
// brackets, titles (Mr, Dr, Hon...) or suffixes (Jr, III, Esq, PhD),
// `Last, First` turned into `First Last`, punctuation removed.
func NormalizeName(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if strings.Contains(s, "@") && !strings.Contains(s, " ") {
		return strings.ToLower(strings.Trim(s, "<>[]'\""))
	}
	s = reParens.ReplaceAllString(s, " ")
	s = strings.Trim(s, " '\"")
	if i := strings.IndexByte(s, ','); i > 0 && strings.Count(s, ",") == 1 {
		last, first := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		if fl := strings.Fields(strings.ToLower(strings.Trim(first, "."))); len(fl) == 1 && nameSuffix[strings.Trim(fl[0], ".")] {
			s = last // "Ann Lee, Jr."
		} else if first != "" && last != "" {
			s = first + " " + last
		}
	}
	var ws []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '-'
	}) {
		w = strings.Trim(w, "'-")
		if w == "" || nameTitles[w] || nameSuffix[w] {
			continue
		}
		ws = append(ws, w)
	}
	return strings.Join(ws, " ")
}

// namesCompatible reports whether two normalised names can denote one
// person, allowing for what printing and OCR do to names:
//   - the same words in another order (`hachem johnny el` / `johnny el hachem`),
//     or one name's words all contained in the other's plus one word
//     (a middle name: `robert kuhn` / `robert lawrence kuhn`);
//   - a truncated or abbreviated last name when the first names agree
//     (`jeffrey e` / `jeffrey epstein`, `lisa ne` / `lisa new`);
//   - first names that are the same given name (common English
//     diminutives, `larry` / `lawrence`) or share three leading letters
//     (`kathy` / `kathryn`);
//   - one misread letter in a last name of five letters or more
//     (`lndyke` / `indyke`, `bannor` / `bannon`).
func namesCompatible(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) < 2 || len(y) < 2 {
		return false
	}
	if sameWords(x, y) || containsWords(x, y) || containsWords(y, x) {
		return true
	}
	fx, fy := x[0], y[0]
	lx, ly := x[len(x)-1], y[len(y)-1]
	firstSame := fx == fy || sameGivenName(fx, fy)
	firstClose := firstSame
	if !firstClose {
		n := 0
		for n < len(fx) && n < len(fy) && fx[n] == fy[n] {
			n++
		}
		firstClose = n >= 3
	}
	if !firstClose && (len(fx) == 1 && strings.HasPrefix(fy, fx) || len(fy) == 1 && strings.HasPrefix(fx, fy)) {
		// an initial for the given name needs the same last name
		return lx == ly && len(lx) >= 3
	}
	if !firstClose {
		return false
	}
	switch {
	case lx == ly:
		return true
	case firstSame && (strings.HasPrefix(ly, lx) || strings.HasPrefix(lx, ly)):
		return true
	case len(lx) >= 5 && len(ly) >= 5 && textdist.Levenshtein(lx, ly) <= 1:
		return true
	case len(lx) >= 4 && len(ly) >= 4 && (strings.HasPrefix(ly, lx) || strings.HasPrefix(lx, ly)):
		return true
	}
	return false
}

// givenNameOnly: a one-word printed display name that is the reference's
// given name (`joi` / `joi ito`); printouts often show first names only.
// Used only for the printed name itself, never through the alias table.
func givenNameOnly(printed, ref string) bool {
	p, r := strings.Fields(printed), strings.Fields(ref)
	return len(p) == 1 && len(r) >= 2 && len(p[0]) >= 2 && (p[0] == r[0] || sameGivenName(p[0], r[0]))
}

func sameWords(x, y []string) bool {
	if len(x) != len(y) {
		return false
	}
	a := append([]string(nil), x...)
	b := append([]string(nil), y...)
	sort.Strings(a)
	sort.Strings(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// containsWords: every word of small (two or more, not initials) is in
// big, which has one word more (a middle name).
func containsWords(big, small []string) bool {
	if len(small) < 2 || len(big) != len(small)+1 {
		return false
	}
	set := map[string]bool{}
	for _, w := range big {
		set[w] = true
	}
	for _, w := range small {
		if len(w) < 2 || !set[w] {
			return false
		}
	}
	return true
}

// givenNames groups common English diminutives with their full forms.
// This is general linguistic knowledge, not a list of people.
var givenNames = func() map[string]string {
	groups := []string{
		"william bill billy will willy liam", "robert bob bobby rob robbie bert",
		"richard rich rick ricky dick", "james jim jimmy jamie", "john jack johnny jon",
		"michael mike mick mickey", "lawrence laurence larry", "thomas tom tommy",
		"joseph joe joey", "charles charlie chuck", "edward ed eddie ted ned",
		"david dave davey", "daniel dan danny", "stephen steven steve",
		"anthony tony", "christopher chris kit", "nicholas nick nicky",
		"benjamin ben benny", "samuel sam sammy", "alexander alex sandy",
		"andrew andy drew", "matthew matt", "peter pete", "patrick pat paddy",
		"jonathan jon jonny", "timothy tim timmy", "gregory greg", "kenneth ken kenny",
		"ronald ron ronnie", "donald don donnie", "leonard leo len lenny",
		"frederick fred freddie", "gerald gerry jerry", "jeffrey jeff geoffrey",
		"douglas doug", "raymond ray", "harold hal harry", "henry hank harry",
		"katherine kathryn catherine kathy kate katie cathy kat", "elizabeth liz lizzie beth betsy betty eliza",
		"margaret maggie meg peggy marge", "jennifer jen jenny", "rebecca becky becca",
		"susan sue susie suzanne", "deborah debra deb debbie", "patricia pat patty trish",
		"barbara barb babs", "victoria vicky tori", "christina christine chris tina",
		"alexandra alex sandra lexi", "jessica jess jessie", "abigail abby",
		"dorothy dot dottie", "judith judy", "pamela pam", "kimberly kim",
		"theodore ted teddy theo", "philip phil", "eugene gene", "francis frank",
		"gwendolyn gwen", "melanie mel", "leslie les", "lesley les", "nathaniel nate nathan",
	}
	m := map[string]string{}
	for _, g := range groups {
		ws := strings.Fields(g)
		for _, w := range ws {
			if _, ok := m[w]; !ok {
				m[w] = ws[0]
			}
		}
	}
	return m
}()

func sameGivenName(a, b string) bool {
	ga, oka := givenGroup(a)
	gb, okb := givenGroup(b)
	return oka && okb && ga == gb
}

// givenGroup looks a given name up, tolerating one misspelt letter in
// names of six letters or more (`lawrance`).
func givenGroup(w string) (string, bool) {
	if g, ok := givenNames[w]; ok {
		return g, true
	}
	if len(w) < 6 {
		return "", false
	}
	for k, g := range givenNames {
		if len(k) >= 6 && textdist.Levenshtein(k, w) == 1 {
			return g, true
		}
	}
	return "", false
}

// handleMatches reports whether an e-mail local part or a one-word
// handle is built from a name in one of the usual ways: first+last,
// initial+last, last+first, last+initial, a prefix of the first name +
// last (`ehbarak`), with digits ignored and one misread letter allowed
// in handles of seven letters or more.
func handleMatches(handle, name string) bool {
	h := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, handle)
	ws := strings.Fields(name)
	if len(h) < 4 || len(ws) < 2 {
		return false
	}
	f, l := ws[0], strings.ReplaceAll(ws[len(ws)-1], "-", "")
	var cands []string
	for k := 1; k <= len(f); k++ {
		cands = append(cands, f[:k]+l)
	}
	cands = append(cands, l+f, l+f[:1], f+l[:1])
	if len(ws) == 3 {
		cands = append(cands, f[:1]+ws[1][:1]+l)
	}
	for _, c := range cands {
		if h == c || len(h) >= 7 && textdist.Levenshtein(h, c) <= 1 {
			return true
		}
	}
	return false
}
