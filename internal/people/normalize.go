package people

import (
	"github.com/casefile/casefile/internal/textdist"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ocrGroups maps the letter groups OCR confuses to one form (ocrCanon).
var ocrGroups = strings.NewReplacer("rn", "m", "cl", "d", "vv", "w", "0", "o", "1", "l", "|", "l")

// Address normalisation rules (recorded as evidence when they change an
// address).
const (
	RulePlusTag    = "plus-tag"    // local+tag@domain is local@domain (RFC 5233 sub-addressing)
	RuleGooglemail = "googlemail"  // googlemail.com is gmail.com (one Google mailbox under two domains)
	RuleGmailDots  = "gmail-dots"  // Gmail ignores dots in the local part
	RuleCase       = "letter-case" // addresses compare case-insensitively in practice
)

// NormalizeAddress returns the mailbox key of an e-mail address and the
// rules that changed it beyond trimming: lower case; a "+tag" suffix of
// the local part dropped; googlemail.com read as gmail.com and dots in a
// Gmail local part ignored (both documented Gmail behaviour, so two
// spellings are provably one mailbox). Nothing else is folded: two
// addresses that differ otherwise stay two mailboxes unless a resolution
// rule with evidence joins them.
func NormalizeAddress(s string) (string, []string) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "mailto:"), "MAILTO:")
	s = strings.Trim(s, "<>\"' \t")
	var rules []string
	low := strings.ToLower(s)
	if low != s {
		rules = append(rules, RuleCase)
	}
	s = strings.TrimRight(low, ".")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return s, rules
	}
	local, domain := s[:at], strings.TrimRight(s[at+1:], ".")
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
		rules = append(rules, RulePlusTag)
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
		rules = append(rules, RuleGooglemail)
	}
	if domain == "gmail.com" && strings.Contains(local, ".") {
		local = strings.ReplaceAll(local, ".", "")
		rules = append(rules, RuleGmailDots)
	}
	return local + "@" + domain, rules
}

// splitAddress returns the local part and the domain of a normalised
// address ("" domain when there is no @).
func splitAddress(a string) (string, string) {
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return a, ""
	}
	return a[:at], a[at+1:]
}

// roleLocals are mailbox names that denote a function, not a person
// (RFC 2142 and common practice). Names seen with them are never used to
// link identities.
var roleLocals = setOf("info", "admin", "administrator", "office", "noreply", "no-reply", "donotreply", "do-not-reply",
	"support", "contact", "sales", "press", "media", "hello", "team", "board", "all", "staff", "hr", "legal",
	"billing", "accounts", "finance", "mailer-daemon", "postmaster", "webmaster", "hostmaster", "abuse", "security",
	"help", "helpdesk", "enquiries", "inquiries", "reception", "news", "newsletter", "notifications", "list", "lists",
	"marketing", "jobs", "careers", "invoices", "orders", "service", "customerservice", "feedback", "secretary")

func isRoleAddress(addr string) bool {
	local, _ := splitAddress(addr)
	return roleLocals[local]
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// fold lower-cases s and removes accents ("Tomás" → "tomas").
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		s = strings.Map(func(r rune) rune {
			if unicode.Is(unicode.Mn, r) {
				return -1
			}
			return r
		}, norm.NFD.String(s))
		s = norm.NFC.String(s)
	}
	return strings.ToLower(s)
}

// Titles dropped from the front of a display name (kept for display) and
// post-nominal letters dropped from its end. Generational suffixes
// (Jr, Sr, II, III, IV) are kept: a father and a son are two people.
var (
	leadingTitles = setOf("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
		"baron", "baroness", "the", "rt", "right", "hon", "honourable", "honorable", "rev", "reverend", "revd", "fr",
		"father", "judge", "justice", "senator", "sen", "rep", "gov", "governor", "amb", "ambassador", "capt", "captain",
		"col", "colonel", "gen", "general", "lt", "sgt", "cllr", "councillor", "councilor", "president", "minister",
		"herr", "frau", "mme", "mlle", "monsieur", "madame", "señor", "senor", "sra", "dott", "ing")
	postNominals = setOf("mp", "mep", "msp", "qc", "kc", "obe", "cbe", "mbe", "kbe", "dbe", "frs", "phd", "md", "esq",
		"cpa", "ma", "msc", "bsc", "mba", "llb", "llm", "jp", "pc", "rn", "ba", "dphil", "frcs", "facs")
	generational = setOf("jr", "sr", "ii", "iii", "iv")
)

// Name forms.
const (
	formNone     = iota
	formSingle   // one word: a first name or a surname alone — never merges
	formInitials // only initials ("J R")
	formInitial  // an initial and a surname ("J. Reyes")
	formFull     // a given name and a surname ("Jonas Reyes")
)

// personName is a parsed display name.
type personName struct {
	key     string   // normalised words joined by spaces (titles and post-nominals removed)
	tokens  []string // normalised words, generational suffix included
	first   string
	middle  []string
	last    string
	gen     string // generational suffix ("jr"), "" when none
	form    int
	titles  []string // leading titles as written, lower case ("dr", "the rt hon")
	display string   // cleaned display form ("Jonas Reyes")
}

// flKey is the identity key of a full name: given name, surname and
// generational suffix. Middle names are compared separately.
func (n personName) flKey() string {
	if n.form != formFull && n.form != formInitial {
		return ""
	}
	k := n.first + " " + n.last
	if n.gen != "" {
		k += " " + n.gen
	}
	return k
}

// parseName normalises a display name: quotes, bracketed parts and
// embedded addresses removed; "Last, First" turned around; leading titles
// (Lord, Dr, The Rt. Hon.) and post-nominals (MP, QC, PhD) dropped;
// accents folded; lower case.
func parseName(raw string) personName {
	s := strings.TrimSpace(raw)
	if s == "" || strings.EqualFold(s, "[redacted]") || strings.EqualFold(s, "undisclosed-recipients") {
		return personName{}
	}
	if strings.Contains(s, "@") {
		var keep []string
		for _, w := range strings.Fields(s) {
			if !strings.Contains(w, "@") {
				keep = append(keep, w)
			}
		}
		s = strings.Join(keep, " ")
	}
	s = stripBracketed(s)
	s = strings.Trim(s, " \t'\"“”‘’`")
	if s == "" {
		return personName{}
	}
	// "Last, First" (one comma, or a comma followed only by a suffix).
	if i := strings.IndexByte(s, ','); i > 0 {
		left, right := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		suffix := ""
		if j := strings.IndexByte(right, ','); j >= 0 {
			// "Lee, Ann, Jr." keeps the suffix; "Reyes, Jonas, Director"
			// keeps the name part only.
			if rest := strings.TrimSpace(right[j+1:]); allIn(wordsOf(rest), postNominals, generational) {
				suffix = " " + rest
			}
			right = strings.TrimSpace(right[:j])
		}
		switch {
		case right == "":
			s = left
		case allIn(wordsOf(right), postNominals, generational):
			s = left + " " + right
		case len(wordsOf(left)) <= 3:
			s = right + " " + left + suffix
		default:
			s = left
		}
	}
	words := wordsOf(s)
	var n personName
	var titles []string
	for len(words) > 1 && leadingTitles[words[0]] {
		titles = append(titles, words[0])
		words = words[1:]
	}
	for len(words) > 1 && postNominals[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	if len(words) == 0 {
		return personName{}
	}
	n.titles = titles
	n.tokens = words
	n.key = strings.Join(words, " ")
	core := words
	if len(core) > 1 && generational[core[len(core)-1]] {
		n.gen = core[len(core)-1]
		core = core[:len(core)-1]
	}
	n.first, n.last = core[0], core[len(core)-1]
	if len(core) > 2 {
		n.middle = core[1 : len(core)-1]
	}
	switch {
	case len(core) == 1:
		n.form = formSingle
		n.last = ""
	case allShort(core):
		n.form = formInitials
	case len([]rune(n.first)) == 1 && len([]rune(n.last)) >= 2:
		n.form = formInitial
	case len([]rune(n.first)) >= 2 && len([]rune(n.last)) >= 2:
		n.form = formFull
	default:
		n.form = formInitials
	}
	n.display = displayName(s, titles)
	return n
}

// displayName is the cleaned name as written, without leading titles.
func displayName(s string, titles []string) string {
	f := strings.Fields(s)
	drop := len(titles)
	for drop > 0 && len(f) > 1 {
		f = f[1:]
		drop--
	}
	return strings.Join(f, " ")
}

func allIn(ws []string, sets ...map[string]bool) bool {
	if len(ws) == 0 {
		return false
	}
	for _, w := range ws {
		ok := false
		for _, s := range sets {
			if s[w] {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func allShort(ws []string) bool {
	for _, w := range ws {
		if len([]rune(w)) > 1 {
			return false
		}
	}
	return true
}

// wordsOf splits a name into normalised words: accents folded, lower
// case, split on anything but letters, digits, apostrophes and hyphens;
// words with digits are dropped.
func wordsOf(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' && r != '-'
	}) {
		w = strings.Trim(w, "'’-")
		if w == "" || strings.ContainsFunc(w, unicode.IsDigit) {
			continue
		}
		out = append(out, strings.ReplaceAll(w, "’", "'"))
	}
	return out
}

func stripBracketed(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[', '<', '{':
			depth++
			continue
		case ')', ']', '>', '}':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// sameFullName reports whether two full names denote the same name: equal
// given name, surname and generational suffix, and middle names that do
// not conflict (absent on one side, or the same initial).
func sameFullName(a, b personName) bool {
	if a.form != formFull || b.form != formFull || a.flKey() != b.flKey() {
		return false
	}
	return middlesAgree(a.middle, b.middle)
}

func middlesAgree(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	ra, rb := []rune(a[0]), []rune(b[0])
	return ra[0] == rb[0] && (len(ra) == 1 || len(rb) == 1 || a[0] == b[0])
}

// initialMatches reports whether an initial form ("J. Reyes") can stand
// for a full name ("Jonas Reyes"): same surname and suffix, and the
// initial is the given name's first letter.
func initialMatches(init, full personName) bool {
	if init.form != formInitial || full.form != formFull {
		return false
	}
	return init.last == full.last && init.gen == full.gen && strings.HasPrefix(full.first, init.first)
}

// givenNameGroups lists common diminutives with their full forms. This
// is general linguistic knowledge used to recognise nicknames in
// salutations, never to merge two people.
var givenNameGroups = func() map[string]int {
	groups := []string{
		"william bill billy will willy liam", "robert bob bobby rob robbie bert", "richard rich rick ricky dick",
		"james jim jimmy jamie", "john jack johnny jon", "michael mike mick mickey", "lawrence laurence larry",
		"thomas tom tommy", "joseph joe joey", "charles charlie chuck", "edward ed eddie ted ned", "david dave davey",
		"daniel dan danny", "stephen steven steve", "anthony tony", "christopher chris kit", "nicholas nick nicky",
		"benjamin ben benny", "samuel sam sammy", "alexander alex sandy", "andrew andy drew", "matthew matt",
		"peter pete petie", "patrick pat paddy", "jonathan jon jonny", "timothy tim timmy", "gregory greg",
		"kenneth ken kenny", "ronald ron ronnie", "donald don donnie", "leonard leo len lenny", "frederick fred freddie",
		"gerald gerry jerry", "jeffrey jeff", "douglas doug", "raymond ray", "henry hank harry", "francis frank frankie",
		"katherine kathryn catherine kathy kate katie cathy kat", "elizabeth liz lizzie beth betsy betty eliza",
		"margaret maggie meg peggy marge", "jennifer jen jenny", "rebecca becky becca", "susan sue susie suzy",
		"deborah debbie deb", "patricia pat patty trish", "victoria vicky tori", "alexandra alex sandra sandy",
		"christine chris chrissy tina", "jessica jess jessie", "samantha sam", "abigail abby", "dorothy dot dotty",
		"barbara barb babs", "judith judy", "pamela pam", "theresa teresa terry tess", "eleanor ellie nell",
		"josephine jo josie", "joanna jo joanne", "ines inesita", "tomas tom tomi", "jonas jo jonny",
	}
	m := map[string]int{}
	for i, g := range groups {
		for _, w := range strings.Fields(g) {
			if _, ok := m[w]; !ok {
				m[w] = i + 1
			}
		}
	}
	return m
}()

// nicknameOf reports whether word (normalised) is a plausible familiar
// form of the given name: a prefix of it of two or more letters ("jo" for
// "jonas"), the name plus a diminutive ending ("jonny"), or a diminutive
// listed with it.
func nicknameOf(word, given string) bool {
	if word == "" || given == "" || word == given {
		return false
	}
	if len(word) >= 2 && strings.HasPrefix(given, word) {
		return true
	}
	if g, ok := givenNameGroups[word]; ok && g == givenNameGroups[given] {
		return true
	}
	for _, end := range []string{"y", "ie", "ey", "o", "i", "ny", "ly"} {
		if stem := strings.TrimSuffix(word, end); stem != word && len(stem) >= 2 && strings.HasPrefix(given, stem) {
			return true
		}
	}
	return false
}

// ocrCanon maps the letter groups OCR typically confuses to one form, so
// that "rn"/"m", "cl"/"d", "vv"/"w", "0"/"o" and "1"/"l" count as one
// misread.
func ocrCanon(s string) string {
	return ocrGroups.Replace(s)
}

// ocrVariant reports whether two local parts differ by exactly one OCR
// misread: one inserted, deleted or substituted character, or one of the
// confusable groups of ocrCanon. A difference between two digits is not a
// misread (jsmith1 and jsmith2 are two mailboxes).
func ocrVariant(a, b string) bool {
	if a == b || len(a) < 3 || len(b) < 3 {
		return false
	}
	if d := textdist.Levenshtein(a, b); d == 1 {
		return !digitSwap(a, b)
	}
	return ocrCanon(a) == ocrCanon(b)
}

func digitSwap(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return a[i] >= '0' && a[i] <= '9' && b[i] >= '0' && b[i] <= '9'
		}
	}
	return false
}

// handleMentions reports whether an address's local part carries a
// person's given name or surname (three letters or more): "jonas.reyes",
// "jreyes", "reyesj".
func handleMentions(local string, n personName) bool {
	l := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, fold(local))
	for _, w := range []string{n.first, n.last} {
		w = strings.ReplaceAll(strings.ReplaceAll(w, "'", ""), "-", "")
		if len(w) >= 3 && strings.Contains(l, w) {
			return true
		}
	}
	return false
}
