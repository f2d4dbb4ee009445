package people

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/lazyre"
)

// Limits on how much of a body is analysed: salutations, signatures and
// code names are in the new text at the top, not in a long quoted tail.
const (
	maxBodyBytes  = 32 << 10
	maxBodyLines  = 400
	maxSentence   = 280
	maxSigLines   = 6
	maxNameRunes  = 40
	maxTitleRunes = 90
)

// bodyFacts is what one message body tells about people. It is computed
// once per message while streaming; the body itself is not kept.
type bodyFacts struct {
	salutation string // name the message greets ("Jo" in "Jo," or "Hi Jo"), as written
	signoff    string // name or initial it is signed with ("J", "Jonas Reyes"), as written
	sigTitle   string // title line of the signature block
	sigOrg     string // organisation line of the signature block
	aliases    []aliasHit
	phrases    []string // normalised capitalised words and runs (for mentions)
}

// aliasHit is one use of a candidate alias in a sentence.
type aliasHit struct {
	text     string // as written: "Mr Big", "Lefky"
	key      string // registry key: folded, honorific removed ("big")
	kind     string // AliasQuoted, AliasStated, AliasHonorific, AliasNickname
	sentence string // the sentence (trimmed to maxSentence)
	defName  string // who the sentence says it is ("Victor Lang"), "" when it says nothing
	defRule  string // the pattern that gave defName
}

var (
	reQuoteStart = lazyre.New(`(?i)^(?:-{2,}\s*(?:original message|forwarded message|begin forwarded message)|begin forwarded message:|_{10,}\s*$)`)
	reOnWrote    = lazyre.New(`(?i)^(?:on\s.{4,200}\s(?:wrote|writes):\s*$|le\s.{4,200}\sa\s+écrit\s*:\s*$|am\s.{4,200}\sschrieb\s.{0,80}:\s*$)`)
	reHeaderFrom = lazyre.New(`(?i)^(?:from|von|de|van)\s*:\s*\S`)
	reHeaderNext = lazyre.New(`(?i)^(?:sent|date|to|subject|gesendet|envoyé|datum|an|cc)\s*:`)

	nameWord   = `\p{Lu}[\p{L}'’-]*\.?`
	reGreeting = lazyre.New(`^(?i:(?:hi|hello|hey|dear|hiya|morning|good morning|good afternoon|good evening|greetings|yo)[\s,]+)?(` +
		nameWord + `(?:\s+` + nameWord + `){0,2})\s*(?:[,:!–—]|\s-\s|$)`)
	reGreetPrefix = lazyre.New(`^(?i:hi|hello|hey|dear|hiya|morning|good morning|good afternoon|good evening|greetings|yo)[\s,]`)
	reClosing     = closingRegexp()
	reContact     = lazyre.New(`(?i)(?:@|https?://|www\.|\d[\d\s().+/-]{6,}\d|^(?:tel|phone|mobile|mob|fax|cell|direct|t|m|e|w|p|f)\s*[:.])`)

	reQuoted = lazyre.New(`(?:^|[\s(\[:;,])["“'‘](\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){0,2})["”'’](?:$|[\s).,;:!?\]])`)
	reHonor  = lazyre.New(`(?:^|[^\p{L}])(Mr\.?|Mister|Mrs\.?|Ms\.?|Miss|Señor|Senor|Signor|Monsieur|Herr|Madame|Uncle|Auntie|Aunt)\s+(\p{Lu}[\p{L}'’-]+)`)
	reStated = lazyre.New(`(?i:\b(?:a\.?k\.?a\.?|also known as|known as|nicknamed|code[- ]?named|code[- ]?name|codename|goes by|going by|alias|referred to as|we call (?:him|her|them|it)|they call (?:him|her|them)|calls? (?:himself|herself)))\s*:?\s*["“'‘]?(\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){0,2})`)
	reWeCall = lazyre.New(`(?i:\bwe call)\s+(\p{Lu}[\p{L}'’-]+(?:\s+\p{Lu}[\p{L}'’-]+){0,2})\s+["“'‘](\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){0,2})["”'’]`)

	defName     = `((?:(?:Mr|Mrs|Ms|Dr|Lord|Sir|Lady|Dame)\.?\s+)?\p{Lu}[\p{L}'’-]+(?:\s+(?:\p{Lu}\.|\p{Lu}[\p{L}'’-]+)){0,3}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)`
	reDefIs     = lazyre.New(`^["”'’]?\s*,?\s*(?:is|=|means|refers to|stands for|is code for|is our name for|is our code for|is our code name for|aka|a\.k\.a\.|i\.e\.|that is|is actually|is really|is in fact)\s+` + defName)
	reDefPar    = lazyre.New(`^["”'’]?\s*\(\s*` + defName + `\s*\)`)
	reDefPre    = lazyre.New(defName + `\s*\(\s*["“'‘]?$`)
	reDefAka    = lazyre.New(defName + `,?\s+(?:aka|a\.k\.a\.|also known as|known as|nicknamed|alias|whom we call|who we call|we call|called|code[- ]?named)\s*:?\s*["“'‘]?$`)
	reParEnd    = lazyre.New(`^["”'’]?\s*\)`)
	reNameSplit = lazyre.New(`\s*[|–—]\s*|\s+-\s+|,\s+`)
	abbrevEnd   = setOf("mr", "mrs", "ms", "dr", "st", "prof", "sr", "jr", "no", "vs", "etc", "e.g", "i.e", "a.k.a", "inc", "ltd", "co", "corp", "rt", "hon", "gen", "col", "capt", "lt", "sgt", "approx", "dept", "fig", "rev")
)

// closingRegexp matches a closing phrase at the start of a line, longest
// alternatives first, followed by punctuation, space or the line end.
func closingRegexp() *lazyre.RE {
	cl := strings.Split("best|best regards|best wishes|kind regards|warm regards|warmest regards|regards|many thanks|thanks|"+
		"thank you|thanks again|thx|cheers|sincerely|yours sincerely|yours faithfully|yours truly|yours|all the best|love|"+
		"take care|speak soon|talk soon|ciao|cordially|respectfully|rgds|br|atb|xx|xo|x|hugs|with thanks|with best wishes", "|")
	sort.Slice(cl, func(i, j int) bool { return len(cl[i]) > len(cl[j]) })
	return lazyre.New(`(?i)^(?:` + strings.Join(cl, "|") + `)(?:[\s,.!]+|$)`)
}

// Words that are never a name in a salutation or sign-off.
var notNames = setOf("all", "team", "everyone", "everybody", "sir", "sirs", "madam", "folks", "guys", "thanks", "thank",
	"yes", "no", "ok", "okay", "sorry", "well", "so", "also", "sure", "great", "fine", "right", "today", "tomorrow",
	"yesterday", "note", "update", "fyi", "please", "attached", "sent", "friends", "colleagues", "gentlemen", "ladies",
	"hi", "hello", "dear", "subject", "re", "fw", "fwd", "again", "here", "there", "best", "regards", "cheers", "love",
	"yours", "sincerely", "the", "a", "an", "i", "we", "you", "he", "she", "they", "it", "this", "that", "done", "agreed",
	"noted", "understood", "confirmed", "received", "good", "perfect", "excellent", "cool", "nice", "hmm", "oh", "ah",
	"urgent", "important", "reminder", "question", "questions", "answer", "monday", "tuesday", "wednesday", "thursday",
	"friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december", "sender", "recipient", "signed", "confidential", "privileged",
	"draft", "from", "to", "cc", "bcc", "date", "sent", "via", "p.s", "ps", "nb", "n.b", "encl", "enclosure")

// Calendar and other capitalised words that are never nicknames.
var notNicknames = setOf("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
	"tomorrow", "yesterday", "sorry", "why", "any", "every", "very", "many", "hey", "okay", "pretty", "happy", "nobody",
	"somebody", "everybody", "anybody", "anyway", "hello", "also", "party", "city", "company", "country", "county",
	"army", "navy", "embassy", "ministry", "treasury", "agency", "authority", "society", "academy", "library", "gallery",
	"factory", "energy", "policy", "money", "story", "history", "study", "family", "memo", "photo", "video", "radio",
	"studio", "portfolio", "ratio", "scenario", "audio", "info", "demo", "also", "into", "onto", "ciao", "bravo",
	"hello", "indeed", "query", "reply", "delivery", "summary", "inquiry", "enquiry", "entry", "duty", "jury",
	"territory", "property", "facility", "quality", "quantity", "security", "liability", "utility", "charity",
	"tuesday", "holiday", "birthday", "easter", "christmas", "kennedy", "hi")

var personVerbs = setOf("says", "said", "wants", "wanted", "thinks", "thought", "knows", "knew", "told", "asked",
	"wrote", "writes", "agreed", "approved", "insists", "insisted", "promised", "signed", "sends", "sent", "called",
	"phoned", "rang", "likes", "hates", "owes", "paid", "pays", "needs", "worries", "reckons", "suggests", "suggested",
	"mentioned", "emailed", "texted", "met", "sees", "saw", "wonders", "asks", "tells", "hopes", "expects", "sends",
	"refuses", "refused", "warned", "warns", "laughed", "agrees", "disagrees", "demands", "demanded")

var personObjects = setOf("tell", "ask", "call", "meet", "met", "told", "asked", "thank", "pay", "paid", "owe",
	"email", "emailed", "phone", "phoned", "ring", "rang", "warn", "warned", "remind", "reminded", "invite", "invited")

// Words that signal a job title in a signature line, and words that
// signal an organisation.
var (
	roleWords = setOf("director", "minister", "secretary", "manager", "officer", "chief", "head", "president", "chair",
		"chairman", "chairwoman", "chairperson", "partner", "counsel", "advisor", "adviser", "analyst", "assistant",
		"ambassador", "senator", "governor", "ceo", "cfo", "coo", "cto", "cio", "vp", "vice", "lead", "engineer",
		"consultant", "attorney", "lawyer", "solicitor", "barrister", "editor", "reporter", "correspondent", "journalist",
		"treasurer", "clerk", "commissioner", "inspector", "superintendent", "auditor", "accountant", "coordinator",
		"founder", "co-founder", "owner", "principal", "professor", "lecturer", "member", "deputy", "under-secretary",
		"undersecretary", "controller", "comptroller", "registrar", "trustee", "agent", "broker", "banker", "trader",
		"administrator", "specialist", "representative", "executive", "associate", "intern", "captain", "harbourmaster",
		"harbormaster", "mayor", "councillor", "councilor", "judge", "sheriff", "marshal", "chancellor", "dean",
		"rector", "envoy", "attache", "spokesperson", "spokesman", "spokeswoman", "paralegal", "supervisor", "foreman",
		"surveyor", "architect", "physician", "doctor", "nurse", "pilot", "officer", "commander", "general", "colonel")
	orgWords = setOf("ltd", "limited", "inc", "llc", "llp", "plc", "gmbh", "ag", "sa", "corp", "corporation", "company",
		"bank", "ministry", "department", "dept", "authority", "agency", "council", "group", "holdings", "partners",
		"associates", "foundation", "trust", "university", "college", "institute", "commission", "committee", "bureau",
		"embassy", "government", "port", "harbour", "harbor", "services", "capital", "fund", "firm", "chambers", "court",
		"parliament", "trading", "shipping", "logistics", "consulting", "international", "office", "hospital", "school",
		"society", "association", "union", "federation", "police", "navy", "army", "ventures", "industries", "media")
)

// analyzeBody extracts salutation, sign-off, signature, alias candidates
// and capitalised phrases from a message body.
func analyzeBody(body string) bodyFacts {
	var f bodyFacts
	if len(body) > maxBodyBytes {
		body = body[:maxBodyBytes]
		for !utf8.ValidString(body) && len(body) > 0 {
			body = body[:len(body)-1]
		}
	}
	lines := newTextLines(body)
	if len(lines) == 0 {
		return f
	}
	sigStart := len(lines)
	for i, l := range lines {
		if l == "--" || l == "-- " {
			sigStart = i
			break
		}
	}
	main := lines[:sigStart]
	var sigBlock []string
	if sigStart < len(lines) {
		sigBlock = lines[sigStart+1:]
	}
	first, last := firstNonEmpty(main), lastNonEmpty(main)
	if first >= 0 && first != last {
		f.salutation = greetingName(strings.TrimSpace(main[first]))
	}
	f.signoff, f.sigTitle, f.sigOrg = signature(main, sigBlock)
	for _, s := range sentences(main) {
		ws := strings.Fields(s)
		f.aliases = append(f.aliases, aliasHitsWords(s, ws)...)
		f.phrases = appendPhraseWords(f.phrases, ws)
	}
	f.phrases = dedupe(f.phrases)
	return f
}

// newTextLines returns the lines a message adds: everything before the
// first quoted line, "On ... wrote:", "-----Original Message-----" or an
// Outlook "From:/Sent:" block.
func newTextLines(body string) []string {
	raw := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	if len(raw) > maxBodyLines {
		raw = raw[:maxBodyLines]
	}
	out := make([]string, 0, len(raw))
	for i, l := range raw {
		l = strings.TrimRight(l, " \t\u00a0")
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, ">") || t != "" && strings.ContainsRune("-_Bb", rune(t[0])) && reQuoteStart.MatchString(t) ||
			strings.HasSuffix(t, ":") && reOnWrote.MatchString(t) {
			break
		}
		if strings.IndexByte(t, ':') > 0 && strings.IndexByte(t, ':') < 8 && reHeaderFrom.MatchString(t) {
			header := false
			for j := i + 1; j < len(raw) && j <= i+4; j++ {
				if reHeaderNext.MatchString(strings.TrimSpace(raw[j])) {
					header = true
					break
				}
			}
			if header {
				break
			}
		}
		if t == "--" {
			l = "--"
		}
		out = append(out, l)
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	return out
}

func firstNonEmpty(ls []string) int {
	for i, l := range ls {
		if strings.TrimSpace(l) != "" {
			return i
		}
	}
	return -1
}

func lastNonEmpty(ls []string) int {
	for i := len(ls) - 1; i >= 0; i-- {
		if strings.TrimSpace(ls[i]) != "" {
			return i
		}
	}
	return -1
}

// greetingName returns the name a first line greets: "Mara," → "Mara",
// "Hi Jo -" → "Jo", "Dear Mr Reyes," → "Mr Reyes", "Jonas, the schedule
// is attached." → "Jonas". "" when the line is no greeting.
func greetingName(line string) string {
	m := reGreeting.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	name := strings.TrimRight(m[1], ".")
	// Without a greeting word, a bare name must stand alone or be followed
	// by punctuation (a vocative), not start a sentence ("Thursday works").
	if !reGreetPrefix.MatchString(line) {
		rest := strings.TrimSpace(line[len(m[0]):])
		if !strings.ContainsAny(m[0][len(m[0])-1:], ",:!–—-") && rest != "" {
			return ""
		}
	}
	for _, w := range wordsOf(name) {
		if notNames[w] {
			return ""
		}
	}
	if len([]rune(name)) > maxNameRunes {
		return ""
	}
	return name
}

// nameish reports whether a line looks like a name: one to four
// capitalised words or initials, no digits, not a closing or calendar word.
func nameish(line string) bool {
	line = strings.TrimSpace(line)
	if line == "" || len([]rune(line)) > maxNameRunes {
		return false
	}
	ws := strings.Fields(line)
	if len(ws) > 4 {
		return false
	}
	for _, w := range ws {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
		for _, c := range w {
			if !(unicode.IsLetter(c) || c == '.' || c == '\'' || c == '’' || c == '-') {
				return false
			}
		}
	}
	for _, w := range wordsOf(line) {
		if notNames[w] {
			return false
		}
	}
	return !isClosingOnly(line)
}

func isClosingOnly(line string) bool {
	return strings.TrimSpace(reClosing.FindString(line)) == strings.TrimSpace(line)
}

// signature finds the sign-off name at the end of the new text (or in a
// "-- " block) and the title and organisation lines under it. The name
// line is, in order of preference: the line after a closing ("Best
// regards,"), the name in an inline closing ("Best, Jonas"), the first
// line of a final paragraph that is a signature block, or the last line
// of the text (a bare sign-off such as "J" or "Petra").
func signature(main, sigBlock []string) (name, title, org string) {
	var rest []string
	if i := firstNonEmpty(sigBlock); i >= 0 {
		if n, extra := splitNameLine(strings.TrimSpace(sigBlock[i])); n != "" {
			name, rest = n, append(extra, sigBlock[i+1:]...)
		}
	}
	first, end := firstNonEmpty(main), lastNonEmpty(main)
	if name == "" && end >= 0 {
		start := end
		for start > 0 && strings.TrimSpace(main[start-1]) != "" {
			start--
		}
		para := main[start : end+1]
		prevClosing := false
		if p := lastNonEmpty(main[:start]); p >= 0 {
			prevClosing = isClosingOnly(strings.TrimSpace(main[p]))
		}
		try := func(i int) bool {
			if i < 0 || i >= len(para) {
				return false
			}
			if n, extra := splitNameLine(strings.TrimSpace(para[i])); n != "" {
				name, rest = n, append(extra, para[i+1:]...)
				return true
			}
			return false
		}
		found := false
		for i := 0; i < len(para) && i <= maxSigLines && !found; i++ {
			l := strings.TrimSpace(para[i])
			if isClosingOnly(l) {
				found = try(i + 1)
				continue
			}
			if c := reClosing.FindString(l); c != "" {
				if n, extra := splitNameLine(strings.TrimSpace(l[len(c):])); n != "" {
					name, rest, found = n, append(extra, para[i+1:]...), true
				}
			}
		}
		if !found && (prevClosing || start > first) && len(para) <= maxSigLines+1 {
			found = try(0)
		}
		if !found && (len(para) >= 2 || start > first) {
			last := strings.TrimSpace(para[len(para)-1])
			if n, _ := splitNameLine(last); n != "" && n == last {
				name, rest = n, nil
			}
		}
	}
	if name == "" {
		return "", "", ""
	}
	title, org = titleAndOrg(rest)
	return name, title, org
}

func endsSentence(l string) bool {
	l = strings.TrimSpace(l)
	return l != "" && strings.ContainsAny(l[len(l)-1:], ".!?:;")
}

// splitNameLine accepts "Jonas Reyes", "J", "M." and inline signatures
// "Jonas Reyes | Director | Harbor Authority" or "Jonas Reyes, Director";
// it returns the name and the remaining parts as extra lines.
func splitNameLine(l string) (string, []string) {
	if l == "" {
		return "", nil
	}
	parts := reNameSplit.Split(l, -1)
	n := strings.TrimSpace(parts[0])
	if !nameish(n) {
		return "", nil
	}
	var extra []string
	for _, p := range parts[1:] {
		if p = strings.TrimSpace(p); p != "" {
			extra = append(extra, p)
		}
	}
	if len(extra) > 0 && !hasWord(strings.Join(extra, " "), roleWords) && !hasWord(strings.Join(extra, " "), orgWords) {
		return "", nil // "Jonas, the schedule is attached" is no signature
	}
	return strings.TrimRight(n, ","), extra
}

// titleAndOrg classifies the lines under a signature name: contact lines
// are skipped; a line with a job word is the title; a following
// title-case line, or one with an organisation word, is the organisation.
func titleAndOrg(lines []string) (title, org string) {
	n := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			if title != "" || org != "" {
				break
			}
			continue
		}
		if n++; n > maxSigLines {
			break
		}
		if reContact.MatchString(l) || len([]rune(l)) > maxTitleRunes || strings.HasSuffix(l, "?") {
			continue
		}
		r, _ := utf8.DecodeRuneInString(l)
		if !unicode.IsUpper(r) {
			break
		}
		switch {
		case title == "" && org == "" && hasWord(l, roleWords):
			title = l
			for _, sep := range []string{", ", " at ", " | "} {
				if i := strings.Index(l, sep); i > 0 && hasWord(l[i+len(sep):], orgWords) {
					title, org = strings.TrimSpace(l[:i]), strings.TrimSpace(l[i+len(sep):])
					return title, org
				}
			}
		case org == "" && (hasWord(l, orgWords) || title != "" && len(strings.Fields(l)) <= 8):
			org = l
			return title, org
		default:
			return title, org
		}
	}
	return title, org
}

func hasWord(s string, set map[string]bool) bool {
	for _, w := range wordsOf(s) {
		if set[w] {
			return true
		}
	}
	return false
}

// sentences splits the new text (salutation and sign-off included) into
// sentences: paragraphs are joined, then split after ., ! or ? unless the
// word before is an abbreviation or an initial.
func sentences(lines []string) []string {
	var out []string
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		text := strings.Join(para, " ")
		para = para[:0]
		start := 0
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c != '.' && c != '!' && c != '?' {
				continue
			}
			if i+1 < len(text) && text[i+1] != ' ' && text[i+1] != '"' && text[i+1] != '\'' {
				continue
			}
			if c == '.' {
				j := i
				for j > start && text[j-1] != ' ' {
					j--
				}
				w := strings.ToLower(strings.Trim(text[j:i], "\"'(“‘"))
				if abbrevEnd[w] || utf8.RuneCountInString(w) == 1 {
					continue
				}
			}
			out = append(out, strings.TrimSpace(text[start:i+1]))
			start = i + 1
		}
		if s := strings.TrimSpace(text[start:]); s != "" {
			out = append(out, s)
		}
	}
	for _, l := range lines {
		if t := strings.TrimSpace(l); t == "" {
			flush()
		} else {
			para = append(para, t)
		}
	}
	flush()
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}

// aliasKey is the registry key of an alias: folded words, a leading
// honorific ("Mr", "Señor") removed, so "Mr Big" and "Señor Big" are one
// alias.
func aliasKey(text string) string {
	ws := wordsOf(text)
	if len(ws) > 1 && aliasHonorifics[ws[0]] {
		ws = ws[1:]
	}
	return strings.Join(ws, " ")
}

var aliasHonorifics = setOf("mr", "mister", "mrs", "ms", "miss", "senor", "signor", "monsieur", "herr", "madame",
	"uncle", "auntie", "aunt")

// aliasHits finds candidate aliases in one sentence: quoted capitalised
// words ("Petie"), "aka"/"known as"/"we call him" statements, an
// honorific before a single capitalised word ("Mr Big"), and
// nickname-shaped words used as a person ("Lefky says").
func aliasHits(s string) []aliasHit { return aliasHitsWords(s, strings.Fields(s)) }

func aliasHitsWords(s string, words []string) []aliasHit {
	var out []aliasHit
	addDef := func(text, kind string, start, end int, def, rule string) {
		text = strings.TrimSpace(strings.TrimRight(text, ".,"))
		key := aliasKey(text)
		if key == "" || len([]rune(text)) > maxNameRunes {
			return
		}
		ws := wordsOf(text)
		allCommon := true
		for _, w := range ws {
			if !notNames[w] || aliasHonorifics[w] {
				allCommon = false
			}
		}
		if allCommon {
			return
		}
		for i := range out {
			if out[i].key == key {
				return
			}
		}
		h := aliasHit{text: text, key: key, kind: kind, sentence: clip(s, maxSentence), defName: def, defRule: rule}
		if def == "" {
			h.defName, h.defRule = definition(s, text, start, end)
		}
		out = append(out, h)
	}
	add := func(text, kind string, start, end int) { addDef(text, kind, start, end, "", "") }
	lower := strings.ToLower(s)
	if strings.Contains(lower, "we call") {
		if m := reWeCall.FindStringSubmatchIndex(s); m != nil {
			addDef(s[m[4]:m[5]], AliasStated, m[4], m[5], s[m[2]:m[3]], "we call NAME \"ALIAS\"")
		}
	}
	if quoteBeforeCapital(s) {
		for _, m := range reQuoted.FindAllStringSubmatchIndex(s, -1) {
			add(s[m[2]:m[3]], AliasQuoted, m[2], m[3])
		}
	}
	if containsAny(lower, statedCues) {
		for _, m := range reStated.FindAllStringSubmatchIndex(s, -1) {
			add(s[m[2]:m[3]], AliasStated, m[2], m[3])
		}
	}
	if !containsAny(s, honorCues) {
		goto nick
	}
	for _, m := range reHonor.FindAllStringSubmatchIndex(s, -1) {
		// "Mr Jonas Reyes" is a title before a full name, not a code name.
		after := strings.TrimLeft(s[m[5]:], " ")
		if r, _ := utf8.DecodeRuneInString(after); unicode.IsUpper(r) && !strings.HasPrefix(after, "I ") {
			continue
		}
		add(s[m[2]:m[5]], AliasHonorific, m[2], m[5])
	}
nick:
	for i, w := range words {
		if c := w[0]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			continue // cheap exit: lower-case words are never nicknames
		}
		t := strings.Trim(w, ",.;:!?\"'()“”‘’")
		if !nicknameShaped(t) || i+1 < len(words) && capitalised(words[i+1]) && t == w ||
			i > 0 && capitalised(words[i-1]) && !strings.ContainsAny(words[i-1], ".,;:!?") && !personObjects[strings.ToLower(words[i-1])] {
			continue // part of a full name ("Otto Krall")
		}
		next, prev := "", ""
		if i+1 < len(words) && t == strings.TrimRight(w, ",") {
			next = strings.ToLower(strings.Trim(words[i+1], ",.;:!?\"'()"))
		}
		if i > 0 {
			prev = strings.ToLower(strings.Trim(words[i-1], ",.;:!?\"'()"))
		}
		if personVerbs[next] || personObjects[prev] {
			at := strings.Index(s, t)
			add(t, AliasNickname, at, at+len(t))
		}
	}
	return out
}

func capitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(strings.TrimLeft(w, "\"'(“‘"))
	return unicode.IsUpper(r)
}

// quoteBeforeCapital reports whether a quotation mark is directly
// followed by a capital letter (the only case reQuoted can match).
func quoteBeforeCapital(s string) bool {
	prevQuote := false
	for _, r := range s {
		if prevQuote && unicode.IsUpper(r) {
			return true
		}
		prevQuote = r == '"' || r == '\'' || r == '“' || r == '‘'
	}
	return false
}

// Cheap substring tests that gate the alias regular expressions.
var (
	statedCues = []string{"aka", "a.k.a", "known as", "nicknamed", "code", "goes by", "going by", "alias", "referred to as", "call"}
	honorCues  = []string{"Mr", "Mister", "Mrs", "Ms", "Miss", "Señor", "Senor", "Signor", "Monsieur", "Herr", "Madame", "Uncle", "Aunt"}
)

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// nicknameShaped: one capitalised word of 4–12 letters with a familiar
// ending (-y, -ie, -ey, -o, -i), not an adverb in -ly and not a calendar
// or common word.
func nicknameShaped(t string) bool {
	n := utf8.RuneCountInString(t)
	if n < 4 || n > 12 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	if !unicode.IsUpper(r) {
		return false
	}
	for _, c := range t[utf8.RuneLen(r):] {
		if !unicode.IsLower(c) {
			return false
		}
	}
	low := fold(t)
	if notNicknames[low] || notNames[low] || strings.HasSuffix(low, "ly") || strings.HasSuffix(low, "ary") || strings.HasSuffix(low, "ory") {
		return false
	}
	for _, end := range []string{"y", "ie", "ey", "o", "i"} {
		if strings.HasSuffix(low, end) {
			return true
		}
	}
	return false
}

// definition looks for a statement of who an alias is, in the sentence
// around it: "Mr Big is Victor Lang", "Mr Big (Victor Lang)",
// "Victor Lang (Mr Big)", "Victor Lang, known as Mr Big".
func definition(s, alias string, start, end int) (string, string) {
	if start < 0 || end > len(s) || start > end {
		return "", ""
	}
	after, before := s[end:], s[:start]
	keep := func(n string) string {
		n = strings.TrimSpace(strings.TrimRight(n, ".,;:"))
		if n == "" || aliasKey(n) == aliasKey(alias) {
			return ""
		}
		for _, w := range wordsOf(n) {
			if notNames[w] {
				return ""
			}
		}
		return n
	}
	if m := reDefIs.FindStringSubmatch(after); m != nil {
		if n := keep(m[1]); n != "" {
			return n, "ALIAS is NAME"
		}
	}
	if m := reDefPar.FindStringSubmatch(after); m != nil {
		if n := keep(m[1]); n != "" {
			return n, "ALIAS (NAME)"
		}
	}
	if reParEnd.MatchString(after) {
		if m := reDefPre.FindStringSubmatch(before); m != nil {
			if n := keep(m[1]); n != "" {
				return n, "NAME (ALIAS)"
			}
		}
	}
	if m := reDefAka.FindStringSubmatch(before); m != nil {
		if n := keep(m[1]); n != "" {
			return n, "NAME, known as ALIAS"
		}
	}
	return "", ""
}

// appendPhrases adds the normalised capitalised words of a sentence and
// its runs of two to four capitalised words ("Jonas Reyes", "Mr Reyes").
func appendPhrases(out []string, s string) []string { return appendPhraseWords(out, strings.Fields(s)) }

func appendPhraseWords(out []string, words []string) []string {
	var run []string
	flush := func() {
		for i := range run {
			for j := i + 2; j <= len(run) && j-i <= 4; j++ {
				out = append(out, strings.Join(run[i:j], " "))
			}
		}
		run = run[:0]
	}
	for _, w := range words {
		if c := w[0]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			flush()
			continue
		}
		core := strings.Trim(w, ",.;:!?\"'()[]“”‘’")
		r, _ := utf8.DecodeRuneInString(core)
		if core == "" || !unicode.IsUpper(r) {
			flush()
			continue
		}
		word := asciiWord(core)
		if word == "" {
			ws := wordsOf(core)
			if len(ws) != 1 {
				flush()
				continue
			}
			word = ws[0]
		}
		if len(word) >= 2 {
			out = append(out, word)
		}
		run = append(run, word)
		if strings.ContainsAny(w[len(w)-1:], ",;:!?)\"") || strings.HasSuffix(w, ".") && !abbrevEnd[word] && len(word) > 1 {
			flush()
		}
	}
	flush()
	return out
}

// asciiWord lower-cases a word of ASCII letters (and inner ' or -), the
// common case, without allocating twice; "" for anything else.
func asciiWord(w string) string {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (c == '\'' || c == '-') && i > 0 && i < len(w)-1) {
			return ""
		}
	}
	return strings.ToLower(w)
}

func dedupe(ss []string) []string {
	if len(ss) < 2 {
		return ss
	}
	seen := make(map[string]bool, len(ss))
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
