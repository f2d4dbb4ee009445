package dedup

import (
	"github.com/casefile/casefile/internal/textdist"
	"hash/fnv"
	"slices"
	"strings"
	"unicode"

	"github.com/casefile/casefile/internal/lazyre"
)

// skeleton lower-cases s and folds the character confusions OCR makes
// most often, so that "Tbe 1nvoice" and "the invoice" come out alike
// enough: digits and letters that look alike become one letter, "rn"
// becomes "m", "vv" becomes "w", everything that is not a letter or digit
// becomes a space.
func skeleton(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range strings.ToLower(s) {
		switch r {
		case '0':
			r = 'o'
		case '1', 'i', '|', '!', 'í', 'ì', 'ï':
			r = 'l'
		case '5':
			r = 's'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'á', 'à', 'â', 'ä', 'ã':
			r = 'a'
		case 'ó', 'ò', 'ô', 'ö', 'õ':
			r = 'o'
		case 'ú', 'ù', 'û', 'ü':
			r = 'u'
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			r = ' '
		}
		n := len(out)
		switch {
		case n > 0 && out[n-1] == 'r' && r == 'n':
			out[n-1] = 'm'
		case n > 0 && out[n-1] == 'v' && r == 'v':
			out[n-1] = 'w'
		case r == ' ' && (n == 0 || out[n-1] == ' '):
		default:
			out = append(out, r)
		}
	}
	return strings.TrimSpace(string(out))
}

// words returns the skeleton words of s, joining words hyphenated across
// a line break first.
func words(s string) []string {
	return strings.Fields(skeleton(joinHyphenated(s)))
}

// joinHyphenated removes "-" + line break between two letters: "ware-\nhouse".
func joinHyphenated(s string) string {
	if !strings.Contains(s, "-") || !strings.Contains(s, "\n") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && i > 0 && isASCIILetter(s[i-1]) {
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
				j++
			}
			if j < len(s) && s[j] == '\n' {
				j++
				for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '>') {
					j++
				}
				if j < len(s) && isASCIILetter(s[j]) {
					i = j - 1
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// Lines that start the quoted or forwarded part of a body.
var (
	reCut = []*lazyre.RE{
		lazyre.New(`(?i)^-*\s*original\s+mess`),
		lazyre.New(`(?i)^-*\s*forwarded\s+(?:message|by)`),
		lazyre.New(`(?i)^begin\s+forwarded\s+mess`),
		lazyre.New(`^_{8,}\s*$`),
		lazyre.New(`(?i)^on\s.{4,200}\bwrote\s*:\s*$`),
		lazyre.New(`(?i)^(?:am|le|el|il|op)\s.{4,200}(?:schrieb|écrit|escribió|scritto|geschreven)\s*.*:\s*$`),
	}
	// Lines that say nothing about the message: device signatures,
	// redaction markers, rules.
	reBoilerplate = lazyre.New(`(?i)^(?:sent (?:from|via|with) (?:my|the|blackberry|outlook|mail|samsung|yahoo|aol|windows)\b.*|get outlook for \w+|sent from mail for windows.*|(?:privileged\s*[-–]\s*)?redacted|\[?redacted\]?|(?:\(b\)\s*\(\d\)\s*(?:\([a-z]\))?\s*)+|[\W_]*)$`)
	reFromLine    = lazyre.New(`(?i)^\*?(?:from|fr[o0]m|frorn)\s*:`)
	reSentLine    = lazyre.New(`(?i)^\*?(?:sent|date|to|subject)\s*:`)
)

// topText returns the message's own text: everything before the first
// quoted or forwarded part, without quote-marked lines.
func topText(body string) string {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	var out []string
	for i, ln := range lines {
		t := strings.TrimSpace(ln)
		if strings.HasPrefix(t, ">") || len(t) <= 80 && reBoilerplate.MatchString(t) {
			continue
		}
		cut := false
		if t != "" && strings.IndexByte("-_oObBfFaAlLeEiI", t[0]) >= 0 {
			for _, re := range reCut {
				if re.MatchString(t) {
					cut = true
					break
				}
			}
		}
		// "On Mon, Jun 30, 2016 at 1:10 PM, Tomas Berg <tomas@x>\nwrote:"
		if !cut && i+1 < len(lines) && strings.HasPrefix(strings.ToLower(t), "on ") {
			joined := t + " " + strings.TrimSpace(lines[i+1])
			cut = reCut[4].MatchString(joined)
		}
		// An Outlook header block: From: followed by Sent:/Date:/To:.
		if !cut && reFromLine.MatchString(t) {
			for j := i + 1; j < len(lines) && j <= i+3; j++ {
				if reSentLine.MatchString(strings.TrimSpace(lines[j])) {
					cut = true
					break
				}
			}
		}
		if cut {
			break
		}
		out = append(out, ln)
	}
	return strings.Join(out, "\n")
}

var reSubjectPrefix = lazyre.New(`(?i)^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|tr|rv|antw|ref)\s*(?:\[\d+\]|\(\d+\))?\s*[:;]|\[external\]|\*external\*)\s*`)

// normSubject strips reply/forward prefixes and returns the subject's
// skeleton; "(no subject)" is empty.
func normSubject(s string) string {
	for {
		t := reSubjectPrefix.ReplaceAllString(s, "")
		if t == s {
			break
		}
		s = t
	}
	k := skeleton(s)
	if k == "no subject" || k == "nosubject" || k == "untitled" {
		return ""
	}
	return k
}

var (
	reFwdPrefix   = lazyre.New(`(?i)^\s*(?:fw|fwd|wg|tr)\s*[:;]`)
	reReplyPrefix = lazyre.New(`(?i)^\s*(?:re|aw|sv|vs|rv|antw|ref)\s*(?:\[\d+\]|\(\d+\))?\s*[:;]`)
)

// subjectKind classifies the first reply/forward prefix of a subject:
// "fwd", "re" or "" (none).
func subjectKind(s string) string {
	switch {
	case reFwdPrefix.MatchString(s):
		return "fwd"
	case reReplyPrefix.MatchString(s):
		return "re"
	}
	return ""
}

// shingles returns the sorted, de-duplicated hashes of the k-word
// shingles of w.
func shingles(w []string, k int) []uint64 {
	if len(w) < k {
		return nil
	}
	out := make([]uint64, 0, len(w)-k+1)
	h := fnv.New64a()
	for i := 0; i+k <= len(w); i++ {
		h.Reset()
		for _, x := range w[i : i+k] {
			h.Write([]byte(x))
			h.Write([]byte{0})
		}
		out = append(out, h.Sum64())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// intersect counts the common elements of two sorted sets.
func intersect(a, b []uint64) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// bigramDice is the Dice coefficient of the character bigrams of a and
// b (spaces removed): 1 for equal strings, near 1 for an OCR slip or two.
func bigramDice(a, b string) float64 {
	a, b = strings.ReplaceAll(a, " ", ""), strings.ReplaceAll(b, " ", "")
	if a == b {
		return 1
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) < 2 || len(rb) < 2 {
		return 0
	}
	count := map[[2]rune]int{}
	for i := 0; i+1 < len(ra); i++ {
		count[[2]rune{ra[i], ra[i+1]}]++
	}
	common := 0
	for i := 0; i+1 < len(rb); i++ {
		k := [2]rune{rb[i], rb[i+1]}
		if count[k] > 0 {
			count[k]--
			common++
		}
	}
	return 2 * float64(common) / float64(len(ra)+len(rb)-2)
}

// editRatio is 1 - Levenshtein(a, b) / max(len): 1 for equal strings.
func editRatio(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	d := textdist.Runes(ra, rb)
	return 1 - float64(d)/float64(max(len(ra), len(rb)))
}
