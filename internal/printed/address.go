package printed

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/model"

	"github.com/casefile/casefile/internal/lazyre"
)

// nameSpaces turns no-break spaces and tabs into spaces.
var nameSpaces = strings.NewReplacer("\u00a0", " ", "\t", " ")

// bulletSeparators turns bullets into semicolons.
var bulletSeparators = strings.NewReplacer(" • ", "; ", "•", ";")

// RedactedName is the display name given to an address whose whole value
// was redacted on the page.
const RedactedName = "[redacted]"

var (
	// OCR renders @ as © or ®, and breaks domains after a dot.
	reAtOCR      = lazyre.New(`([A-Za-z0-9._%+\-])\s?[©®]\s?([A-Za-z0-9\-])`)
	reAtParen    = lazyre.New(`([A-Za-z0-9._%+\-])\s?\((?:a|&)[,)]?\s?([A-Za-z0-9\-]+\.[A-Za-z])`)
	reDomainGap  = lazyre.New(`(@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*)\.\s([a-z]{2,10})\b`)
	reAtGap      = lazyre.New(`([A-Za-z0-9._%+\-])\s@\s?([A-Za-z0-9\-])|([A-Za-z0-9._%+\-])@\s([A-Za-z0-9\-])`)
	reEmail      = lazyre.New(`[A-Za-z0-9][A-Za-z0-9._%+'\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+`)
	reMailto     = lazyre.New(`(?i)mailto:\s*`)
	reJunkTail   = lazyre.New(`[\s_•·»«‹›<>\[\]=|,;:'"]+$`)
	reJunkHead   = lazyre.New(`^[\s_•·»«‹›<>\[\]=|,;:'"*]+`)
	reBarRun     = lazyre.New(`_{3,}|[█■▇▆▉▊▋]{2,}`)
	reBrackets   = lazyre.New(`<[^<>]*>?|\[[^\[\]]*\]?|\([^()]*@[^()]*\)`)
	reWellKnown  = []string{"gmail.com", "hotmail.com", "yahoo.com", "aol.com", "outlook.com", "icloud.com", "me.com", "mac.com", "msn.com", "live.com", "comcast.net", "verizon.net", "att.net"}
	reSpaceComma = lazyre.New(`\s+,`)
	reOpenBox    = lazyre.New(`[<\[]\s*_{3,}\s*[>\]]?`)
)

// fixOCRAddresses repairs OCR damage to e-mail addresses in a header
// value: © for @, blanks around @ or after a dot in the domain,
// `.corn` for `.com`, `grnail` for `gmail` (only when the repaired domain
// is a well-known mail provider).
func fixOCRAddresses(s string) string {
	s = reAtOCR.ReplaceAllString(s, "$1@$2")
	s = reAtParen.ReplaceAllString(s, "$1@$2")
	s = reAtGap.ReplaceAllStringFunc(s, func(m string) string {
		return strings.Join(strings.Fields(m), "")
	})
	for i := 0; i < 3; i++ {
		n := reDomainGap.ReplaceAllString(s, "$1.$2")
		if n == s {
			break
		}
		s = n
	}
	return reEmail.ReplaceAllStringFunc(s, func(a string) string {
		at := strings.LastIndexByte(a, '@')
		dom := strings.ToLower(a[at+1:])
		fixed := dom
		for _, bad := range []string{".corn", ".c0m", ".corm", ".conn"} {
			if strings.HasSuffix(fixed, bad) {
				fixed = strings.TrimSuffix(fixed, bad) + ".com"
			}
		}
		if strings.Contains(fixed, "rn") {
			try := strings.ReplaceAll(fixed, "rn", "m")
			for _, wk := range reWellKnown {
				if try == wk {
					fixed = try
				}
			}
		}
		if fixed == dom {
			return a
		}
		return a[:at+1] + fixed
	})
}

// parseAddressList splits a printed recipient value into addresses.
// Outlook separates recipients with `;`, so when a `;` is present commas
// are part of names (`Epstein, Jeffrey`). Without `;`, commas separate
// recipients except where a comma joins `Last, First` of one person.
// Redaction artefacts never become addresses: a wholly redacted value
// yields one Address with Name RedactedName.
func parseAddressList(v string) []model.Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if isRedactedValue(v) {
		return []model.Address{{Name: RedactedName}}
	}
	v = fixOCRAddresses(v)
	// A bullet never belongs to a name: OCR makes them of box edges and
	// separators.
	v = bulletSeparators.Replace(v)
	semicolons := strings.Contains(maskBrackets(v), ";")
	v = closeRedactedBrackets(v)
	low := strings.ToLower(v)
	if strings.HasPrefix(low, "undisclosed") && strings.Contains(low, "recipients") {
		return nil
	}
	var parts []string
	for _, piece := range splitOutside(v, ';') {
		if semicolons {
			parts = append(parts, piece)
			continue
		}
		parts = append(parts, mergeLastFirst(splitOutside(piece, ','))...)
	}
	var out []model.Address
	seen := map[string]bool{}
	for _, p := range parts {
		for _, a := range parseMailboxes(p) {
			k := "a:" + a.Address
			if a.Address == "" {
				k = "n:" + strings.ToLower(a.Name)
			}
			if a.IsZero() || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, a)
		}
	}
	return out
}

// maskBrackets replaces bracketed and quoted content with spaces so that
// separators inside them are ignored. A bracket that is not closed
// before the next `;` (OCR lost the closer, or a redaction box hid it)
// masks nothing.
func maskBrackets(s string) string {
	b := []byte(s)
	depth := 0
	var closer byte
	inQuote := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case depth == 0 && c == '"':
			if strings.IndexByte(s[i+1:], '"') >= 0 {
				inQuote = !inQuote
			}
		case inQuote:
			if c < 0x80 {
				b[i] = ' '
			}
		case depth == 0 && (c == '<' || c == '['):
			want := byte('>')
			if c == '[' {
				want = ']'
			}
			rest := s[i+1:]
			end := strings.IndexByte(rest, want)
			semi := strings.IndexByte(rest, ';')
			if end >= 0 && (semi < 0 || end < semi) {
				depth, closer = 1, want
			}
		case depth > 0 && c == closer:
			depth = 0
		case depth > 0:
			if c < 0x80 {
				b[i] = ' '
			}
		}
	}
	return string(b)
}

// splitOutside splits s at sep where sep is not inside brackets/quotes.
func splitOutside(s string, sep byte) []string {
	m := maskBrackets(s)
	var out []string
	start := 0
	for i := 0; i < len(m); i++ {
		if m[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	out = append(out, s[start:])
	var clean []string
	for _, p := range out {
		if strings.TrimSpace(p) != "" {
			clean = append(clean, strings.TrimSpace(p))
		}
	}
	return clean
}

var nameSuffixes = map[string]bool{"jr": true, "jr.": true, "sr": true, "sr.": true, "ii": true, "iii": true, "iv": true, "esq": true, "esq.": true, "phd": true, "ph.d.": true, "md": true, "m.d.": true}

// mergeLastFirst re-joins `Last, First` pairs that a comma split broke
// apart. A pair is joined when the first part has no address and is one
// or two words (a surname, possibly with Jr./III), and the second part is
// a short given name (plus initials, an optional parenthesised office and
// an optional address). With more than two parts, only pairs whose second
// part carries an address are joined, so that `Ann, Bob, Carl` stays three
// people.
func mergeLastFirst(parts []string) []string {
	if len(parts) < 2 {
		return parts
	}
	var out []string
	for i := 0; i < len(parts); i++ {
		if i+1 < len(parts) && isSurnamePart(parts[i]) && isGivenPart(parts[i+1]) &&
			(len(parts) == 2 || hasAddress(parts[i+1]) || strings.Contains(parts[i+1], "(")) {
			out = append(out, parts[i]+", "+parts[i+1])
			i++
			continue
		}
		out = append(out, parts[i])
	}
	return out
}

// hasAddress reports an address or the debris of one (brackets left
// when OCR lost or a redaction hid the address).
func hasAddress(s string) bool { return reEmail.MatchString(s) || strings.ContainsAny(s, "<>[]»«") }

// closeRedactedBrackets turns `<_____` (a redaction box that swallowed
// the closing bracket and often the separator after it) into `;`.
func closeRedactedBrackets(s string) string {
	return reOpenBox.ReplaceAllString(s, ";")
}

func isSurnamePart(s string) bool {
	if hasAddress(s) || strings.ContainsAny(s, "@()") {
		return false
	}
	ws := strings.Fields(strings.Trim(s, `"' `))
	if len(ws) == 0 || len(ws) > 3 {
		return false
	}
	n := 0
	for _, w := range ws {
		if nameSuffixes[strings.ToLower(w)] {
			continue
		}
		if !isNameWord(w) {
			return false
		}
		n++
	}
	return n >= 1 && n <= 2
}

func isGivenPart(s string) bool {
	name := s
	if i := strings.IndexAny(name, "<["); i >= 0 {
		name = name[:i]
	}
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = name[:i]
	}
	ws := strings.Fields(strings.Trim(name, `"' `))
	if len(ws) == 0 || len(ws) > 3 {
		return false
	}
	for _, w := range ws {
		if !isNameWord(w) && !nameSuffixes[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

// isNameWord: a capitalised word or an initial ("J."), letters, hyphens,
// apostrophes and dots only.
func isNameWord(w string) bool {
	w = strings.Trim(w, `"'`)
	if w == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) {
		return false
	}
	for _, r := range w {
		if !unicode.IsLetter(r) && r != '-' && r != '\'' && r != '.' && r != '’' {
			return false
		}
	}
	return true
}

// parseMailboxes parses one recipient item: `Name <addr>`,
// `Name [mailto:addr]`, `"Name" <mailto:addr>`, `addr`, `Name (addr)`,
// or a bare `Name`. Redaction bars and OCR debris inside brackets are
// dropped; an item may occasionally hold two bare addresses.
func parseMailboxes(p string) []model.Address {
	p = strings.TrimSpace(p)
	if p == "" {
		return nil
	}
	if isRedactedValue(p) {
		return []model.Address{{Name: RedactedName}}
	}
	p = reMailto.ReplaceAllString(p, "")
	emails := reEmail.FindAllString(p, -1)
	// The display name is what remains outside brackets, minus addresses.
	name := reBrackets.ReplaceAllString(p, " ")
	for _, e := range emails {
		name = strings.ReplaceAll(name, e, " ")
	}
	name = cleanName(name)
	if len(emails) == 0 {
		if name == "" || !plausibleName(name) {
			return nil
		}
		return []model.Address{{Name: name}}
	}
	var out []model.Address
	for i, e := range emails {
		a := model.Address{Address: strings.ToLower(strings.Trim(e, ".'-"))}
		if i == 0 {
			a.Name = name
			// "addr" written as the name too: 'x@y.example' <x@y.example>
			if strings.EqualFold(strings.Trim(a.Name, `'" `), a.Address) {
				a.Name = ""
			}
		}
		out = append(out, a)
	}
	return out
}

// cleanName trims quotes, redaction bars and OCR debris from a display
// name.
func cleanName(s string) string {
	// Lotus Notes prints hierarchical names: CN=Ann Lee/O=Harbor/C=US.
	if m := reNotesCN.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	s = reBarRun.ReplaceAllString(s, " ")
	s = nameSpaces.Replace(s)
	s = reJunkHead.ReplaceAllString(s, "")
	s = reJunkTail.ReplaceAllString(s, "")
	s = collapseSpace(s)
	s = reSpaceComma.ReplaceAllString(s, ",")
	s = strings.Trim(s, `"'‘’“” `)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ","))
	s = strings.TrimSuffix(s, "()")
	if strings.Count(s, "(") > strings.Count(s, ")") && !strings.HasSuffix(s, "(") {
		s += ")"
	}
	s = strings.TrimSpace(strings.TrimRight(s, "( "))
	s = dropDebrisTokens(s)
	if isRedactedValue(s) {
		return RedactedName
	}
	return s
}

var reGluedDebris = lazyre.New(`\.{2,}|\d{2,}|\d\.`)

var reNotesCN = lazyre.New(`(?i)\bCN=([^/<>\[\]]+)/`)

// dropDebrisTokens removes trailing OCR debris from a name: tokens
// without letters (".1.11.") and a lone I, l or | left by the edge of a
// redaction box ("Ann Lee I").
func dropDebrisTokens(s string) string {
	ws := strings.Fields(s)
	if len(ws) > 1 {
		// "Kuhn...MM." / "Lee1111.1": cut the last word at a run of dots
		// or digits glued to it.
		w := ws[len(ws)-1]
		if loc := reGluedDebris.FindStringIndex(w); loc != nil && loc[0] >= 2 {
			ws[len(ws)-1] = w[:loc[0]]
		}
	}
	for len(ws) > 1 {
		w := ws[len(ws)-1]
		hasLetter := strings.IndexFunc(w, unicode.IsLetter) >= 0
		if !hasLetter && !strings.ContainsAny(w, "()#&") || len(ws) > 2 && (w == "I" || w == "l" || w == "|" || w == "1") {
			ws = ws[:len(ws)-1]
			continue
		}
		break
	}
	return strings.Join(ws, " ")
}

// plausibleName rejects OCR debris: a name needs at least two letters
// and mostly letters.
func plausibleName(s string) bool {
	if s == RedactedName {
		return true
	}
	letters, other := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == ' ' || r == '.' || r == '-' || r == '\'' || r == ',' || r == '(' || r == ')' || r == '&' || r == '#' || r == '/':
		default:
			other++
		}
	}
	return letters >= 1 && other*2 <= letters && utf8.RuneCountInString(s) <= 80
}

var reOnBehalf = lazyre.New(`(?i)(?:^|\s+)on\s+behalf\s+of(?:\s+|$)`)

// parseSender parses a From value. Outlook prints `A on behalf of B`
// when A sent for B: B is the author (From), A the Sender.
func parseSender(v string) (from, sender model.Address, ok bool) {
	if loc := reOnBehalf.FindStringIndex(v); loc != nil {
		a, okA := parseSingleAddress(v[:loc[0]])
		b, okB := parseSingleAddress(v[loc[1]:])
		if okB {
			return b, a, true
		}
		if okA {
			return a, model.Address{}, true
		}
		return model.Address{}, model.Address{}, false
	}
	a, ok := parseSingleAddress(v)
	return a, model.Address{}, ok
}

// parseSingleAddress parses a From value: the first mailbox found.
func parseSingleAddress(v string) (model.Address, bool) {
	l := parseAddressList(v)
	if len(l) == 0 {
		return model.Address{}, false
	}
	// "From: Last, First" must stay one person even without `;`.
	if len(l) > 1 && !strings.Contains(v, ";") && l[0].Address == "" && l[1].Address == "" {
		joined := parseMailboxes(v)
		if len(joined) == 1 {
			return joined[0], true
		}
	}
	return l[0], true
}
