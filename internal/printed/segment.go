package printed

import (
	"sort"
	"strings"
	"unicode"

	"github.com/casefile/casefile/internal/lazyre"
)

// listSeparators turns commas and bullets into semicolons.
var listSeparators = strings.NewReplacer(",", ";", "•", ";")

// field is one header field of a printed header block.
type field struct {
	key, label, value string
	fuzzy             bool
	stamped           bool // a Bates stamp was cut out of the value
	pos               int  // line index of the label (for ordering)
	lastLen           int  // length of the last printed line of the value
}

// head is the header of one recovered message: a block of `Label: value`
// lines or an attribution line (`On <date>, <name> wrote:`).
type head struct {
	attribution bool
	start, end  int // line indices, inclusive
	fields      []field
	column      bool   // values printed in a separate column/run
	wrote       bool   // attribution ended with "wrote:"
	sepBefore   string // "forward", "reply", "rule" or ""
	preBody     []int  // body lines OCR printed between labels and values
	fuzzy       int    // labels recognised through OCR tolerance
}

func (h *head) get(key string) (field, bool) {
	for _, f := range h.fields {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

type parser struct {
	lines  []line
	order  string
	stamps []BatesStamp
	labels []cachedLabel // matchLabel per line, computed lazily
}

type cachedLabel struct {
	done, ok bool
	lm       labelMatch
}

// label is matchLabel on line i, cached.
func (p *parser) label(i int) (labelMatch, bool) {
	if p.labels == nil {
		p.labels = make([]cachedLabel, len(p.lines))
	}
	c := &p.labels[i]
	if !c.done {
		c.lm, c.ok = matchLabel(p.lines[i].text)
		c.done = true
	}
	return c.lm, c.ok
}

var (
	reSeparator = lazyre.New(`(?i)^[\s\-_=*]*(?:(original|forwarded|forward|weitergeleitete|urspr[üu]ngliche)\s+(?:message|e-?mail|nachricht)|message\s+(?:original|transf[ée]r[ée])|mensaje\s+(?:original|reenviado)|(begin\s+forwarded\s+message)|(end\s+of\s+forwarded\s+message)|forwarded\s+by\s+.{0,60}|reply\s+message)[\s:\-_=*]*$`)
	reRule      = lazyre.New(`^[_\-=]{10,}$`)
	reWrote     = lazyre.New(`(?i)(?:\bwrote|\ba\s+[ée]crit|\bschrieb|\bescribi[óo])\s*:?\s*$`)
	reWroteAny  = lazyre.New(`(?i)\bwrote\s*:|\ba\s+[ée]crit\s*:|\bschrieb\s*:|\bescribi[óo]\s*:`)
	reOnStart   = lazyre.New(`^(?:On|on|Le|Am|El)\s+\S`)
)

// separatorKind classifies a separator line.
func separatorKind(t string) string {
	if reRule.MatchString(t) {
		return "rule"
	}
	m := reSeparator.FindStringSubmatch(t)
	if m == nil {
		return ""
	}
	low := strings.ToLower(t)
	switch {
	case m[3] != "":
		return "end"
	case strings.Contains(low, "forward") || strings.Contains(low, "weitergeleitet") || strings.Contains(low, "transf") || strings.Contains(low, "reenviado"):
		return "forward"
	}
	return "reply"
}

// detectOrder looks for numeric dates that can only be day-first.
func (p *parser) detectOrder() string {
	dmy, mdy := 0, 0
	for i := range p.lines {
		t := p.lines[i].text
		lm, ok := p.label(i)
		if !ok || lm.key != keyDate {
			if !reOnStart.MatchString(t) {
				continue
			}
		} else {
			t = lm.value
		}
		for _, tok := range strings.Fields(t) {
			m := reNumDate.FindStringSubmatch(strings.Trim(tok, ",."))
			if m == nil || len(m[1]) == 4 {
				continue
			}
			a, b := atoi(m[1]), atoi(m[3])
			if a > 12 && b <= 12 {
				dmy++
			} else if b > 12 && a <= 12 {
				mdy++
			}
		}
	}
	if dmy > 0 && mdy == 0 {
		return DateOrderDMY
	}
	return DateOrderMDY
}

// next returns the index of the next line at or after i that is neither
// blank nor furniture, or -1. maxBlank limits the blank lines skipped
// (furniture is always skipped).
func (p *parser) next(i, maxBlank int) int {
	blanks := 0
	for ; i < len(p.lines); i++ {
		l := &p.lines[i]
		if l.furniture {
			continue
		}
		if l.blank() {
			blanks++
			if maxBlank >= 0 && blanks > maxBlank {
				return -1
			}
			continue
		}
		return i
	}
	return -1
}

// crossesPage reports whether a page boundary or page furniture lies
// between lines a and b.
func (p *parser) crossesPage(a, b int) bool {
	for i := a; i <= b && i < len(p.lines); i++ {
		if p.lines[i].furniture || p.lines[i].page != p.lines[a].page {
			return true
		}
	}
	return false
}

func (p *parser) isLabel(i int) bool {
	if i < 0 || i >= len(p.lines) {
		return false
	}
	_, ok := p.label(i)
	return ok
}

// scan finds every message header in document order.
func (p *parser) scan() []*head {
	var heads []*head
	sep := ""
	for i := 0; i < len(p.lines); {
		l := &p.lines[i]
		if l.furniture || l.blank() {
			i++
			continue
		}
		if k := separatorKind(l.text); k != "" {
			if k != "end" {
				sep = k
			}
			i++
			continue
		}
		if h := p.parseBlock(i); h != nil {
			h.sepBefore = sep
			sep = ""
			heads = append(heads, h)
			i = h.end + 1
			continue
		}
		if h := p.parseAttribution(i); h != nil {
			heads = append(heads, h)
			sep = ""
			i = h.end + 1
			continue
		}
		if sep != "" && sep != "rule" {
			// a forward separator followed by text that is not a header:
			// keep it pending only across a couple of lines.
			if n := p.next(i+1, 1); n < 0 || n-i > 3 {
				sep = ""
			}
		}
		i++
	}
	return heads
}

// reHeaderLike is an RFC 5322-style header line: one capitalised word or
// hyphenated words, a colon, a value.
var reHeaderLike = lazyre.New(`^([A-Z][A-Za-z]{1,20}(?:-[A-Za-z]{1,20}){0,3}):\s+(\S.*)$`)

var starterKeys = map[string]bool{keyFrom: true, keyDate: true, keyTo: true, keySubject: true}

// parseBlock parses a header block starting at line i, or returns nil.
func (p *parser) parseBlock(i int) *head {
	first, ok := p.label(i)
	if !ok {
		return nil
	}
	if !starterKeys[first.key] {
		// Resent-From:, Reply-To: ... may precede the core labels.
		n := p.next(i+1, 0)
		if first.key != keyOther || first.value == "" || n < 0 {
			return nil
		}
		if nm, ok := p.label(n); !ok || !starterKeys[nm.key] {
			return nil
		}
	}
	h := &head{start: i, end: i}
	seen := map[string]bool{}
	var pending []pendingLabel
	lastField := -1
	sandwich := 0
	addField := func(lm labelMatch, stamped bool, pos int) {
		h.fields = append(h.fields, field{key: lm.key, label: lm.label, value: lm.value, fuzzy: lm.fuzzy, stamped: stamped, pos: pos, lastLen: len(p.lines[pos].text)})
		if lm.key != keyOther {
			seen[lm.key] = true
		}
		if lm.fuzzy {
			h.fuzzy++
		}
		lastField = len(h.fields) - 1
	}
	flushPending := func() {
		for _, pl := range pending {
			addField(pl.labelMatch, false, pl.pos)
		}
		pending = nil
	}
	j := i
	for j < len(p.lines) {
		l := &p.lines[j]
		if l.furniture {
			j++
			continue
		}
		if l.blank() {
			if strings.TrimSpace(l.raw) != "" && lastField >= 0 && isRecipientKey(h.fields[lastField].key) {
				// ">>" debris of bracketed addresses in a wrapped list
				j++
				continue
			}
			n := p.next(j, 2)
			if n >= 0 && (p.isLabel(n) || len(pending) > 0) && len(h.fields)+len(pending) > 0 {
				j = n
				continue
			}
			// A page break inside the header: the value goes on at the
			// top of the next page, after the footer and Bates stamp.
			if n >= 0 && lastField >= 0 && p.crossesPage(j, n) && isRecipientKey(h.fields[lastField].key) && containsAddressSyntax(p.lines[n].text) {
				j = n
				continue
			}
			break
		}
		if lm, ok := p.label(j); ok {
			parts := splitInline(lm)
			stop := false
			for _, pt := range parts {
				if pt.key != keyOther && (seen[pt.key] || pendingHas(pending, pt.key)) {
					stop = true
				}
			}
			if stop {
				break
			}
			for _, pt := range parts {
				if pt.value == "" {
					pending = append(pending, pendingLabel{pt, j})
				} else {
					addField(pt, l.hadStamp, j)
				}
			}
			h.end = j
			sandwich = 0
			j++
			continue
		}
		if separatorKind(l.text) != "" || p.isAttributionStart(j) {
			break
		}
		if len(pending) > 0 {
			interrupted := false
			for _, f := range h.fields {
				if f.pos > pending[0].pos {
					interrupted = true
				}
			}
			n := p.resolvePending(h, pending, j, interrupted, addField)
			pending = nil
			lastField = -1
			for k := range h.fields {
				if lastField < 0 || h.fields[k].pos >= h.fields[lastField].pos {
					lastField = k
				}
			}
			if n > j {
				h.end = n - 1
				j = n
				continue
			}
		}
		if lastField >= 0 && isRecipientKey(h.fields[lastField].key) && isDebrisLine(l.text) {
			// "1", "I", "11": a redaction box read as characters.
			j++
			continue
		}
		if m := reHeaderLike.FindStringSubmatch(l.text); m != nil && lastField >= 0 && len(pending) == 0 {
			// An unlisted header (Organization:, X-Mailer:, Thread-Topic:)
			// inside the block: keep it, do not glue it to a value.
			addField(labelMatch{key: keyOther, label: m[1], value: strings.TrimSpace(m[2])}, l.hadStamp, j)
			h.end = j
			j++
			continue
		}
		if lastField >= 0 && p.continuation(h, lastField, j) {
			h.end = j
			j++
			continue
		}
		// Lines between two labels belong to the field above (wrapped
		// subjects and recipient lists).
		if lastField >= 0 && sandwich < 3 && !reWroteAny.MatchString(l.text) {
			if n := p.next(j+1, 1); n >= 0 && p.isLabel(n) && !p.startsNewBlock(n, seen) {
				f := &h.fields[lastField]
				if strings.HasPrefix(l.text, ";") {
					// `; Name` continues the recipient list even when
					// OCR printed it after another field.
					for k := len(h.fields) - 1; k >= 0; k-- {
						if isRecipientKey(h.fields[k].key) {
							f = &h.fields[k]
							break
						}
					}
				}
				if isRecipientKey(f.key) {
					f.value = joinRecipients(f.value, l.text, f.lastLen)
					f.lastLen = len(l.text)
				} else {
					f.value = strings.TrimSpace(f.value + " " + l.text)
				}
				sandwich++
				h.end = j
				j++
				continue
			}
		}
		break
	}
	flushPending()
	sort.SliceStable(h.fields, func(a, b int) bool { return h.fields[a].pos < h.fields[b].pos })
	// A recipient list wrapped below the block, printed after the subject
	// (`; Other Person`).
	if n := p.next(h.end+1, 0); n >= 0 && strings.HasPrefix(p.lines[n].text, ";") {
		for k := len(h.fields) - 1; k >= 0; k-- {
			if isRecipientKey(h.fields[k].key) {
				h.fields[k].value = strings.TrimSpace(h.fields[k].value + " " + p.lines[n].text)
				h.end = n
				break
			}
		}
	}
	if !validBlock(h) {
		return nil
	}
	return h
}

// pendingLabel is a label printed without its value, waiting for one.
type pendingLabel struct {
	labelMatch
	pos int
}

func pendingHas(p []pendingLabel, key string) bool {
	if key == keyOther {
		return false
	}
	for _, lm := range p {
		if lm.key == key {
			return true
		}
	}
	return false
}

// startsNewBlock reports whether the label at line n repeats a core key
// already seen (so it begins the next message, not this block).
func (p *parser) startsNewBlock(n int, seen map[string]bool) bool {
	lm, ok := p.label(n)
	return ok && lm.key != keyOther && seen[lm.key]
}

func isRecipientKey(k string) bool { return k == keyTo || k == keyCc || k == keyBcc }

// validBlock: at least two distinct core fields, one of them recognised
// exactly, and a sender or a date.
func validBlock(h *head) bool {
	core := map[string]bool{}
	exact := false
	for _, f := range h.fields {
		if coreKeys[f.key] {
			core[f.key] = true
			if !f.fuzzy {
				exact = true
			}
		}
	}
	if len(core) < 2 || !exact {
		return false
	}
	if !core[keyFrom] && !(core[keyDate] && (core[keyTo] || core[keySubject])) {
		return false
	}
	// "To: / From:" alone is a memo or form, not an email, unless an
	// address shows it is mail.
	if !core[keyDate] && !core[keySubject] {
		mail := false
		for _, f := range h.fields {
			if reEmail.MatchString(fixOCRAddresses(f.value)) || strings.Contains(strings.ToLower(f.value), "mailto") {
				mail = true
			}
		}
		if !mail {
			return false
		}
	}
	// A date field must hold something date-like when it is the only
	// thing besides one other field (memo/police-report forms).
	if len(core) == 2 && !core[keyFrom] {
		f, _ := h.get(keyDate)
		if _, ok := parseDate(f.value, DateOrderMDY); !ok {
			return false
		}
	}
	return true
}

// continuation accepts line j as a continuation of the recipient field
// lastField (wrapped recipient lists).
func (p *parser) continuation(h *head, lastField, j int) bool {
	f := &h.fields[lastField]
	if !isRecipientKey(f.key) {
		return false
	}
	t := p.lines[j].text
	if reWroteAny.MatchString(t) {
		return false
	}
	prevEnds := strings.HasSuffix(strings.TrimSpace(f.value), ";") || strings.HasSuffix(strings.TrimSpace(f.value), ",")
	if strings.HasPrefix(t, ";") || strings.HasPrefix(t, ",") || (prevEnds || f.value == "") && personList(t) || containsAddressSyntax(t) && looksLikeAddressList(t) {
		f.value = joinRecipients(f.value, t, f.lastLen)
		f.lastLen = len(t)
		if p.lines[j].hadStamp {
			f.stamped = true
		}
		return true
	}
	return false
}

func containsAddressSyntax(t string) bool {
	return reEmail.MatchString(fixOCRAddresses(t)) || strings.Contains(t, "mailto:") || strings.ContainsAny(t, "<>[];")
}

// joinRecipients appends a wrapped line to a recipient value. When the
// value ends with a bracket (an address, or a redaction box that hid one)
// or the previous printed line was short (so the break was not a soft
// wrap), the line starts a new recipient even if OCR lost the separator.
func joinRecipients(prev, next string, prevLineLen int) string {
	p := strings.TrimSpace(prev)
	n := strings.TrimSpace(next)
	switch {
	case p == "":
		return n
	case strings.HasSuffix(p, ";") || strings.HasSuffix(p, ",") || strings.HasPrefix(n, ";") || strings.HasPrefix(n, ","):
		return p + " " + n
	case strings.HasSuffix(p, "[") || strings.HasSuffix(p, "<") || strings.HasSuffix(p, "]") || strings.HasSuffix(p, ">") || prevLineLen > 0 && prevLineLen < shortLine:
		if r := []rune(n); len(r) > 0 && (unicode.IsUpper(r[0]) || unicode.IsLetter(r[0]) && looksLikeAddressList(n)) {
			return p + "; " + n
		}
	}
	return p + " " + n
}

// personList: one or more `;`/`,`-separated person names (no address
// syntax needed), e.g. a wrapped recipient line.
func personList(t string) bool {
	if looksLikeProse(t) {
		return false
	}
	items := splitOutside(strings.ReplaceAll(t, ";", ","), ',')
	if len(items) == 0 {
		return false
	}
	if len(items) == 2 && isSurnamePart(items[0]) && isGivenPart(items[1]) {
		return true // Last, First
	}
	for _, it := range items {
		if !looksLikePersonName(it) && !isRedactedValue(it) {
			return false
		}
	}
	return true
}

// isDebrisLine: a short line without a word of two letters, what OCR
// makes of a redaction box or a rule.
func isDebrisLine(t string) bool {
	t = strings.TrimSpace(t)
	if t == "" || len(t) > 4 {
		return false
	}
	letters := 0
	for _, r := range t {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters <= 1
}

// shortLine is the printed length under which a line break in a header
// value cannot be a soft wrap (printouts wrap at 70-110 characters).
const shortLine = 50

// looksLikeProse: a greeting or a sentence rather than a recipient.
func looksLikeProse(t string) bool {
	ws := strings.Fields(t)
	if len(ws) == 0 {
		return false
	}
	if greetings[strings.ToLower(strings.Trim(ws[0], ",.:!"))] {
		return true
	}
	last := ws[len(ws)-1]
	return strings.ContainsAny(last, "!?") || strings.HasSuffix(last, ".") && len(last) > 3 || strings.HasSuffix(last, ",") && len(ws) <= 3 && !strings.Contains(t, ";") && !reEmail.MatchString(t)
}

// looksLikeAddressList: every `;`/`,` separated item is an address, a
// bracketed fragment, a redaction or a short capitalised name.
func looksLikeAddressList(t string) bool {
	t = strings.TrimSpace(t)
	if t == "" || len(t) > 400 {
		return false
	}
	if isRedactedValue(t) {
		return true
	}
	t = fixOCRAddresses(t)
	items := splitOutside(listSeparators.Replace(t), ';')
	if len(items) == 0 {
		return false
	}
	for _, it := range items {
		if reEmail.MatchString(it) || isRedactedValue(it) {
			continue
		}
		name := strings.TrimSpace(reBrackets.ReplaceAllString(it, " "))
		name = strings.Trim(name, "<>[]»«•·_ \t")
		if name == "" {
			continue // only bracket debris
		}
		if strings.ContainsAny(name, ":?!") {
			return false
		}
		if i := strings.IndexByte(name, '('); i > 0 {
			name = strings.TrimSpace(name[:i])
		}
		ws := strings.Fields(strings.Trim(name, `"'`))
		if len(ws) == 0 || len(ws) > 5 {
			return false
		}
		caps := 0
		for _, w := range ws {
			r := []rune(strings.Trim(w, `"'`))
			if len(r) > 0 && (unicode.IsUpper(r[0]) || nameSuffixes[strings.ToLower(w)]) {
				caps++
			}
		}
		if caps*2 < len(ws)+1 && !(len(ws) == 1 && len(ws[0]) <= 20) && !looksLikePersonName(cleanName(name)) {
			return false
		}
		if strings.HasSuffix(name, ".") && len(ws) > 3 {
			return false
		}
	}
	return true
}

// resolvePending assigns values to label-only lines (`From:` alone on its
// line) from the lines that follow: column layouts print all labels, then
// all values, and fields left empty print no value line. Values are
// matched to labels in order by a small dynamic programme that scores how
// well each value suits each label (a date for Sent:, addresses for To:,
// a file name for Attachments:...). Returns the index after the consumed
// lines (j when nothing was consumed).
func (p *parser) resolvePending(h *head, pending []pendingLabel, j int, interrupted bool, add func(labelMatch, bool, int)) int {
	k := len(pending)
	// Collect up to k candidate value lines.
	var vals []int
	for n := j; n < len(p.lines) && len(vals) < k; n++ {
		l := &p.lines[n]
		if l.furniture {
			continue
		}
		if l.blank() {
			if len(vals) > 0 && p.next(n, 1) < 0 {
				break
			}
			continue
		}
		if p.isLabel(n) || separatorKind(l.text) != "" || p.isAttributionStart(n) {
			break
		}
		vals = append(vals, n)
	}
	skipAll := func() int {
		for _, pl := range pending {
			add(pl.labelMatch, false, pl.pos)
		}
		return j
	}
	if len(vals) == 0 {
		return skipAll()
	}
	if k == 1 {
		pl := pending[0]
		v := p.lines[vals[0]].text
		after := p.next(vals[0]+1, 1)
		followedByLabel := after >= 0 && p.isLabel(after)
		if !valueFits(pl.key, v, followedByLabel) || interrupted && fitScore(pl.key, v, p.order) < 3 {
			return skipAll()
		}
		pl.value = v
		add(pl.labelMatch, p.lines[vals[0]].hadStamp, pl.pos)
		h.fields[len(h.fields)-1].lastLen = len(v)
		return vals[0] + 1
	}
	h.column = true
	// Allow a couple of extra lines: OCR often puts the first body line
	// before the values.
	for n := vals[len(vals)-1] + 1; n < len(p.lines) && len(vals) < k+2; n++ {
		l := &p.lines[n]
		if l.furniture || l.blank() {
			continue
		}
		if p.isLabel(n) || separatorKind(l.text) != "" || p.isAttributionStart(n) {
			break
		}
		vals = append(vals, n)
	}
	m := len(vals)
	hasDateLabel, hasDateValue := false, false
	for _, pl := range pending {
		if pl.key == keyDate {
			hasDateLabel = true
		}
	}
	for _, n := range vals {
		if _, ok := parseDate(p.lines[n].text, p.order); ok {
			hasDateValue = true
		}
	}
	if hasDateLabel && !hasDateValue {
		// The lines below are not the missing values (a printed
		// Sent:/Date: value is always a date).
		return skipAll()
	}
	const neg = -1e9
	const skipValue = -0.5
	// best[i][jj]: first i labels and first jj values decided.
	// how: 0 label skipped, 1 value skipped, 2 assigned.
	best := make([][]float64, k+1)
	how := make([][]int8, k+1)
	for i := range best {
		best[i] = make([]float64, m+1)
		how[i] = make([]int8, m+1)
		for jj := range best[i] {
			best[i][jj] = neg
		}
	}
	best[0][0] = 0
	for i := 0; i <= k; i++ {
		for jj := 0; jj <= m; jj++ {
			if i == 0 && jj == 0 {
				continue
			}
			if i > 0 && best[i-1][jj] > best[i][jj] {
				best[i][jj], how[i][jj] = best[i-1][jj], 0
			}
			if jj > 0 && best[i][jj-1] > neg && best[i][jj-1]+skipValue > best[i][jj] {
				best[i][jj], how[i][jj] = best[i][jj-1]+skipValue, 1
			}
			if i > 0 && jj > 0 && best[i-1][jj-1] > neg {
				if s := best[i-1][jj-1] + fitScore(pending[i-1].key, p.lines[vals[jj-1]].text, p.order); s > best[i][jj] {
					best[i][jj], how[i][jj] = s, 2
				}
			}
		}
	}
	t := 0
	for jj := 1; jj <= m; jj++ {
		if how[k][jj] != 1 && best[k][jj] > 0 && best[k][jj] > best[k][t]+1e-9 {
			t = jj
		}
	}
	if t == 0 {
		return skipAll()
	}
	assign := make([]int, k)
	for i := range assign {
		assign[i] = -1
	}
	skipped := map[int]bool{}
	for i, jj := k, t; i > 0 || jj > 0; {
		switch how[i][jj] {
		case 0:
			i--
		case 1:
			skipped[jj-1] = true
			jj--
		default:
			assign[i-1] = jj - 1
			i--
			jj--
		}
	}
	lastAssigned := -1
	strong := false
	for i, a := range assign {
		if a > lastAssigned {
			lastAssigned = a
		}
		if a >= 0 && fitScore(pending[i].key, p.lines[vals[a]].text, p.order) >= 3 {
			strong = true
		}
	}
	if interrupted && !strong {
		return skipAll()
	}
	for jj := 0; jj < lastAssigned; jj++ {
		if skipped[jj] {
			h.preBody = append(h.preBody, vals[jj])
		}
	}
	for i, pl := range pending {
		if a := assign[i]; a >= 0 {
			pl.value = p.lines[vals[a]].text
			add(pl.labelMatch, p.lines[vals[a]].hadStamp, pl.pos)
			h.fields[len(h.fields)-1].lastLen = len(pl.value)
		} else {
			add(pl.labelMatch, false, pl.pos)
		}
	}
	return vals[lastAssigned] + 1
}

var (
	reSubjectLike = lazyre.New(`(?i)^\s*(re|fw|fwd|aw|wg|tr)\s*:`)
	reFileName    = lazyre.New(`\.[A-Za-z0-9]{2,5}\b`)
)

// fitScore says how well value v suits a header field (positive: fits).
func fitScore(key, v, order string) float64 {
	_, isDate := parseDate(v, order)
	subj := reSubjectLike.MatchString(v)
	email := reEmail.MatchString(fixOCRAddresses(v))
	switch key {
	case keyDate:
		if isDate {
			return 4
		}
		return -6
	case keyFrom, keyTo, keyCc, keyBcc:
		bonus := map[string]float64{keyFrom: 0.2, keyTo: 0.1}[key]
		switch {
		case isDate || subj || !email && strings.ContainsAny(v, "?!"):
			return -3
		case email:
			return 3 + bonus
		case isRedactedValue(v):
			return 1.5 + bonus
		case looksLikePersonName(cleanName(v)) || isSurnamePart(strings.SplitN(v, ",", 2)[0]) && strings.Contains(v, ","):
			return 1.8 + bonus
		case looksLikeAddressList(v):
			return 0.3 + bonus
		}
		return -3
	case keySubject:
		switch {
		case subj:
			return 3
		case isDate:
			return -3
		case email:
			return -1
		}
		return 1
	case keyAttachments:
		if reFileName.MatchString(v) && !email {
			return 3
		}
		return -2
	default:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "high", "normal", "low", "urgent", "confidential", "private", "personal":
			return 3
		}
		if len(strings.Fields(v)) <= 2 && !isDate && !email {
			return 0.5
		}
		return -2
	}
}

// valueFits checks that a value printed on the line below a lone label
// suits the label, so that a body line does not become a header value.
func valueFits(key, v string, followedByLabel bool) bool {
	switch key {
	case keyFrom:
		return fitScore(keyFrom, v, DateOrderMDY) > 0 && (reEmail.MatchString(fixOCRAddresses(v)) || looksLikePersonName(cleanName(v)))
	case keyTo, keyCc, keyBcc:
		// a lone word below an empty To: is more often the body
		return fitScore(key, v, DateOrderMDY) >= 1.5
	case keyDate:
		_, ok := parseDate(v, DateOrderMDY)
		return ok
	case keyAttachments:
		return followedByLabel || strings.Contains(v, ".") && len(strings.Fields(v)) <= 12
	default:
		return followedByLabel
	}
}

var greetings = map[string]bool{"hi": true, "hello": true, "dear": true, "hey": true, "thanks": true, "thank": true, "from": true, "sent": true, "to": true, "re": true, "fwd": true, "fw": true}

// looksLikePersonName: two to five capitalised words (initials and
// particles allowed), no sentence punctuation, not a greeting.
func looksLikePersonName(v string) bool {
	v = strings.TrimSpace(v)
	ws := strings.Fields(v)
	if len(ws) < 2 || len(ws) > 5 || greetings[strings.ToLower(strings.Trim(ws[0], ",.:"))] {
		return false
	}
	last := ws[len(ws)-1]
	if strings.ContainsAny(v, "?!:") || strings.HasSuffix(v, ",") || strings.HasSuffix(v, ".") && len(last) > 3 {
		return false
	}
	caps, long := 0, 0
	for _, w := range ws {
		w = strings.Trim(w, `"'•·`)
		if w == "" {
			continue
		}
		r := []rune(w)
		lw := strings.ToLower(w)
		switch {
		case unicode.IsUpper(r[0]) && isNameWordLoose(w):
			caps++
		case nameParticles[lw] || nameSuffixes[lw]:
		case unicode.IsLower(r[0]) && isNameWordLoose(w):
			// lower-case names occur ("jeffrey epstein") but count less
		default:
			return false
		}
		if len([]rune(strings.Trim(w, ".,"))) >= 2 {
			long++
		}
	}
	if long == 0 {
		return false
	}
	// Everyday English words written in lower case do not occur in
	// names ("Keep it coming"); capitalised ones may (Will, May, New).
	for _, w := range ws {
		lw := strings.Trim(w, ".,")
		if r := []rune(w); unicode.IsLower(r[0]) && stopWords[lw] && !(orgJoiners[lw] && caps >= 2) {
			return false
		}
	}
	if caps*2 >= len(ws) || caps == len(ws) {
		return true
	}
	// Lower-case display names ("ana perez") are common; accept two or
	// three name-like words.
	return len(ws) <= 3
}

// orgJoiners may sit in lower case between capitalised words of an
// organisation's name ("Friends of the Library").
var orgJoiners = map[string]bool{"of": true, "for": true, "and": true, "the": true, "at": true, "in": true, "on": true}

// stopWords are frequent English words that do not occur in names; they
// keep short body lines ("call me now") from passing as names.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if of to in on at by for with from as is are was were be been
		am i me my you your we our us he him his she her it its they them their this that these those
		what which who whom why how when where not no yes ok okay please thanks thank call now later soon
		will would can could should may might must do does did done have has had get got go going see
		here there all any some more most very just also too so than then about into over after before
		again still only up down out new good great well sure fine hi hello dear re fw fwd sent subject
		keep let make know think need want like just coming`) {
		m[w] = true
	}
	return m
}()

var nameParticles = map[string]bool{"de": true, "da": true, "del": true, "della": true, "di": true, "du": true, "van": true, "von": true, "der": true, "den": true, "la": true, "le": true, "bin": true, "bint": true, "al": true, "el": true, "ben": true, "ibn": true, "y": true, "st.": true, "mac": true}

// isNameWordLoose: letters with inner hyphens, apostrophes, dots (for
// initials) and a trailing comma (`Last, First`).
func isNameWordLoose(w string) bool {
	w = strings.TrimSuffix(w, ",")
	if w == "" {
		return false
	}
	letters := 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == '-' || r == '\'' || r == '.' || r == '’':
		default:
			return false
		}
	}
	return letters > 0
}

// isAttributionStart reports whether line i begins an attribution
// (`On <date>, <name> wrote:`).
func (p *parser) isAttributionStart(i int) bool {
	return reOnStart.MatchString(p.lines[i].text) && p.parseAttribution(i) != nil
}

// attributionText joins an attribution wrapped over up to three lines.
// It returns the joined text, the last line index and whether the line
// looks like an attribution at all.
func (p *parser) attributionText(i int) (string, int, bool) {
	t := p.lines[i].text
	if !reOnStart.MatchString(t) || len(t) > 300 {
		return "", i, false
	}
	end := i
	if !reWrote.MatchString(t) {
		n := i
		for k := 0; k < 2; k++ {
			n = p.next(n+1, 0)
			if n < 0 {
				break
			}
			nt := p.lines[n].text
			if p.isLabel(n) || separatorKind(nt) != "" || reOnStart.MatchString(nt) {
				break
			}
			if reWroteAny.MatchString(nt) {
				if loc := reWroteAny.FindStringIndex(nt); loc != nil && loc[1] >= len(strings.TrimSpace(nt))-1 && len(nt) < 120 {
					t = t + " " + nt
					end = n
				}
				break
			}
		}
	}
	return t, end, true
}

// parseAttribution parses `On <date>, <name> <addr> wrote:` at line i.
func (p *parser) parseAttribution(i int) *head {
	t, end, ok := p.attributionText(i)
	if !ok {
		return nil
	}
	wrote := false
	if loc := reWroteAny.FindStringIndex(t); loc != nil {
		t = t[:loc[0]]
		wrote = true
	}
	// drop the leading "On"/"Le"/"Am"/"El"
	sp := strings.IndexByte(t, ' ')
	body := strings.TrimSpace(t[sp+1:])
	dateText, rest, pd, ok := splitDatePrefix(body, p.order)
	if !ok {
		return nil
	}
	rest = strings.TrimSpace(strings.TrimLeft(rest, ", "))
	rest = strings.TrimSpace(strings.TrimSuffix(rest, ","))
	if !wrote {
		// Without "wrote:" accept only a time-stamped date followed by a
		// short name/address.
		if !pd.hasTime || rest == "" {
			return nil
		}
		if !containsAddressSyntax(rest) && !looksLikeAddressList(strings.TrimRight(rest, " <[")) {
			return nil
		}
		if len(strings.Fields(rest)) > 8 {
			return nil
		}
	}
	h := &head{attribution: true, start: i, end: end, wrote: wrote}
	h.fields = append(h.fields, field{key: keyDate, label: "On", value: dateText})
	if rest != "" {
		h.fields = append(h.fields, field{key: keyFrom, label: "wrote", value: rest})
	}
	return h
}

// splitDatePrefix finds the longest prefix of s (cut at a word boundary)
// that parses as a date; the rest is the author.
func splitDatePrefix(s, order string) (dateText, rest string, pd parsedDate, ok bool) {
	words := strings.Fields(s)
	if len(words) > 40 {
		words = words[:40]
	}
	best := -1
	for n := 1; n <= len(words) && n <= 12; n++ {
		cand := strings.TrimRight(strings.Join(words[:n], " "), ", ")
		if d, good := parseDate(cand, order); good {
			best, pd = n, d
		}
	}
	if best < 0 {
		return "", "", parsedDate{}, false
	}
	dateText = strings.TrimRight(strings.Join(words[:best], " "), ", ")
	rest = strings.Join(words[best:], " ")
	return dateText, rest, pd, true
}
