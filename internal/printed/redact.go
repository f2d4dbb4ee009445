package printed

import (
	"strings"
	"unicode"

	"github.com/casefile/casefile/internal/lazyre"
)

// Redaction is one redaction marker found on a page.
type Redaction struct {
	Page int    `json:"page"`
	Line int    `json:"line"`
	Text string `json:"text"` // the marker as printed
	// Kind is "label" ([REDACTED], REDACTED, [redacted]), "exemption"
	// (FOIA codes such as (b)(6), (b)(7)(C)), "bar" (runs of █ or ■),
	// "xxx" (XXXXX artefacts) or "underscore" (a run of underscores inside
	// text, the usual OCR rendering of a black box).
	Kind string `json:"kind"`
}

var (
	reRedLabel     = lazyre.New(`(?i)\[\s*redacted\s*\]|\bredacted\b`)
	reRedExemption = lazyre.New(`\([bB]\)\s?\(\d\)(?:\s?\([A-Fa-f]\))?(?:\s?,\s?\([bB]\)\s?\(\d\)(?:\s?\([A-Fa-f]\))?)*`)
	reRedBar       = lazyre.New(`[█■▇▆▉▊▋▌▍▎▏▀▄]{2,}`)
	reRedXXX       = lazyre.New(`\b[Xx]{5,}\b|\bX{4}\b`)
	reRedUnderline = lazyre.New(`_{5,}`)
)

// findRedactions returns the markers in one line. A line made only of
// underscores is a horizontal rule (Outlook prints one between
// messages), not a redaction.
func findRedactions(line string) []Redaction {
	if !mayHoldRedaction(line) {
		return nil
	}
	var out []Redaction
	add := func(re *lazyre.RE, kind string) {
		for _, m := range re.FindAllString(line, -1) {
			out = append(out, Redaction{Text: m, Kind: kind})
		}
	}
	add(reRedLabel, "label")
	add(reRedExemption, "exemption")
	add(reRedBar, "bar")
	add(reRedXXX, "xxx")
	t := strings.TrimSpace(line)
	if strings.Trim(t, "_ -") != "" {
		add(reRedUnderline, "underscore")
	}
	return out
}

// isRedactedValue reports whether a whole header value is a redaction:
// only redaction markers, bars, brackets and punctuation remain.
func isRedactedValue(v string) bool {
	t := strings.TrimSpace(v)
	if t == "" || !mayHoldRedaction(t) {
		return false
	}
	found := false
	for _, re := range []*lazyre.RE{reRedLabel, reRedExemption, reRedBar, reRedXXX, reRedUnderline} {
		if re.MatchString(t) {
			found = true
			t = re.ReplaceAllString(t, " ")
		}
	}
	if !found {
		return false
	}
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// mayHoldRedaction is a cheap filter before the regular expressions.
func mayHoldRedaction(s string) bool {
	if strings.Contains(s, "___") || strings.Contains(s, "XXXX") || strings.Contains(s, "xxxxx") ||
		strings.Contains(s, "(b)") || strings.Contains(s, "(B)") {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return strings.ContainsAny(s, "█■▇▆▉▊▋▌▍▎▏▀▄") || containsFold(s, "redacted")
		}
	}
	return containsFold(s, "redacted")
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
