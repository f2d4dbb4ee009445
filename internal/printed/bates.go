package printed

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/casefile/casefile/internal/lazyre"
)

// BatesStamp is one Bates number found on a page.
type BatesStamp struct {
	Page int `json:"page"` // 1-based page of the document
	Line int `json:"line"` // 1-based line within the page
	// Text is the stamp as printed, with runs of white space collapsed
	// (OCR often turns HOUSE_OVERSIGHT_012345 into HOUSE OVERSIGHT 012345).
	Text string `json:"text"`
	// Prefix is the letters part as printed, without the separator before
	// the digits; Number the digits (leading zeros kept).
	Prefix string `json:"prefix"`
	Number string `json:"number"`
	// Standalone is true when the stamp is the only thing on its line
	// (page furniture); false when it interrupts other text.
	Standalone bool `json:"standalone"`
}

var (
	// A line that is nothing but a stamp: uppercase words separated by
	// space, underscore, hyphen or dot, an optional separator, 5-10 digits.
	reBatesLine = lazyre.New(`^[^\p{L}\p{N}]{0,3}([A-Z][A-Z]+(?:[ _.\-]{1,2}[A-Z][A-Z]+){0,3})([ _.\-]{0,2})(\d{5,10})[^\p{L}\p{N}]{0,3}$`)
	// Stamps recognisable inside running text without knowing the prefix:
	// underscore- or multi-hyphen-joined words (HOUSE_OVERSIGHT_012345,
	// DOJ-OGR-00012345) or letters glued to zero-padded digits (EFTA00012345).
	reBatesInline = lazyre.New(`(?:^|[^\p{L}\p{N}_])((?:[A-Z]{2,}_)+[A-Z]{2,}|[A-Z]{2,}(?:-[A-Z]{2,})+|[A-Z]{2,}_?|[A-Z]{3,})([_\-]?)(\d{5,10})(?:$|[^\p{L}\p{N}_])`)
	reSepRun      = lazyre.New(`[ _.\-]+`)
)

// prefixKey normalises a prefix for comparison: separators dropped.
func prefixKey(p string) string {
	return reSepRun.ReplaceAllString(strings.ToUpper(strings.TrimSpace(p)), "")
}

// genericStamps finds stamps in one line without knowing any prefix.
func genericStamps(line string) []BatesStamp {
	var out []BatesStamp
	for _, sp := range (batesMatcher{}).find(line) {
		out = append(out, sp.BatesStamp)
	}
	return out
}

// DetectBates returns the Bates stamps found in text without knowing the
// case's prefixes: lines consisting only of `PREFIX[sep]DIGITS` (uppercase
// words, optional space/underscore/hyphen separators, 5-10 digits) and,
// inside running text, forms that cannot be ordinary prose
// (PREFIX_000123, AB-CD-000123, ABCD000123 with zero padding).
func DetectBates(text string) []string {
	var out []string
	for _, ln := range strings.Split(text, "\n") {
		for _, s := range genericStamps(ln) {
			out = append(out, s.Text)
		}
	}
	return out
}

// LearnBatesPrefixes learns a production's Bates prefixes from sample page
// texts: a prefix (uppercase words followed by 5+ digits, see DetectBates)
// is kept when it occurs on at least two samples (or the only sample) with
// at least two distinct numbers, or on a single sample when only one is
// given. Prefixes are returned in their most frequent printed form,
// most frequent first; matching is separator-insensitive, so
// "HOUSE_OVERSIGHT" also finds "HOUSE OVERSIGHT 012345".
func LearnBatesPrefixes(samples []string) []string {
	type stat struct {
		pages   int
		numbers map[string]bool
		forms   map[string]int
	}
	stats := map[string]*stat{}
	for _, s := range samples {
		seen := map[string]bool{}
		for _, ln := range strings.Split(s, "\n") {
			for _, st := range genericStamps(ln) {
				k := prefixKey(st.Prefix)
				if len(k) < 2 {
					continue
				}
				x := stats[k]
				if x == nil {
					x = &stat{numbers: map[string]bool{}, forms: map[string]int{}}
					stats[k] = x
				}
				if !seen[k] {
					x.pages++
					seen[k] = true
				}
				x.numbers[st.Number] = true
				x.forms[collapseSpace(st.Prefix)]++
			}
		}
	}
	minPages := 2
	if len(samples) <= 1 {
		minPages = 1
	}
	type kept struct {
		form  string
		pages int
	}
	var ks []kept
	for _, x := range stats {
		if x.pages < minPages || (minPages > 1 && len(x.numbers) < 2) {
			continue
		}
		best, bn := "", -1
		for f, n := range x.forms {
			if n > bn || n == bn && f < best {
				best, bn = f, n
			}
		}
		ks = append(ks, kept{best, x.pages})
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].pages != ks[j].pages {
			return ks[i].pages > ks[j].pages
		}
		return ks[i].form < ks[j].form
	})
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.form
	}
	return out
}

// batesMatcher finds stamps with known prefixes anywhere in a line.
type batesMatcher struct {
	re *lazyre.RE // nil when no prefixes are known
}

func newBatesMatcher(prefixes []string) batesMatcher {
	var alts []string
	seen := map[string]bool{}
	for _, p := range prefixes {
		words := reSepRun.Split(strings.ToUpper(strings.TrimSpace(p)), -1)
		var ws []string
		for _, w := range words {
			if w != "" {
				ws = append(ws, regexp.QuoteMeta(w))
			}
		}
		if len(ws) == 0 {
			continue
		}
		alt := strings.Join(ws, `[ _.\-]{0,2}`)
		if !seen[alt] {
			seen[alt] = true
			alts = append(alts, alt)
		}
	}
	if len(alts) == 0 {
		return batesMatcher{}
	}
	// Longest alternatives first so that a prefix of another prefix does
	// not win.
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	re := lazyre.New(`(?:^|[^\p{L}\p{N}])((?:` + strings.Join(alts, "|") + `))([ _.\-]{0,2})(\d{5,10})(?:$|[^\p{N}])`)
	return batesMatcher{re: re}
}

// stampSpan is a stamp with its byte span in the line.
type stampSpan struct {
	BatesStamp
	from, to int
}

// find returns the stamps in line: known prefixes first, then generic ones.
func (b batesMatcher) find(line string) []stampSpan {
	if !hasDigitRun(line, 5) {
		return nil
	}
	var out []stampSpan
	if b.re != nil {
		for _, ix := range b.re.FindAllStringSubmatchIndex(line, -1) {
			pre := line[ix[2]:ix[3]]
			num := line[ix[6]:ix[7]]
			out = append(out, stampSpan{
				BatesStamp: BatesStamp{Text: collapseSpace(line[ix[2]:ix[7]]), Prefix: pre, Number: num},
				from:       ix[2], to: ix[7],
			})
		}
	}
	if len(out) == 0 {
		t := strings.TrimSpace(line)
		if m := reBatesLine.FindStringSubmatchIndex(t); m != nil && (len(prefixKey(t[m[2]:m[3]])) >= 3 || m[7]-m[6] >= 6) {
			off := strings.Index(line, t)
			out = append(out, stampSpan{
				BatesStamp: BatesStamp{Text: collapseSpace(t[m[2]:m[7]]), Prefix: t[m[2]:m[3]], Number: t[m[6]:m[7]]},
				from:       off + m[2], to: off + m[7],
			})
		} else {
			for _, ix := range reBatesInline.FindAllStringSubmatchIndex(line, -1) {
				pre, sep, num := line[ix[2]:ix[3]], line[ix[4]:ix[5]], line[ix[6]:ix[7]]
				ok := strings.Contains(pre, "_") || strings.Contains(sep, "_") ||
					strings.Contains(pre, "-") && sep == "-" ||
					sep == "" && num[0] == '0' && len(num) >= 6 && len(pre) >= 3
				if !ok {
					continue
				}
				out = append(out, stampSpan{
					BatesStamp: BatesStamp{Text: line[ix[2]:ix[7]], Prefix: strings.TrimRight(pre, "_"), Number: num},
					from:       ix[2], to: ix[7],
				})
			}
		}
	}
	for i := range out {
		rest := line[:out[i].from] + line[out[i].to:]
		out[i].Standalone = len(out) == 1 && strings.TrimFunc(rest, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) == ""
	}
	return out
}

func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// hasDigitRun reports whether s contains n consecutive ASCII digits.
func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
