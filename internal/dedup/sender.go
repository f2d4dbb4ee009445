package dedup

import (
	"fmt"
	"github.com/casefile/casefile/internal/textdist"
	"slices"
	"strings"

	"github.com/casefile/casefile/internal/model"
)

// sender is a From address prepared for comparison.
type sender struct {
	local, domain string   // address parts, skeleton (letters and digits only)
	localTokens   []string // local part split at . _ - + and digits
	names         []string // display-name tokens (skeleton, 2+ letters, no honorifics)
}

var nameStop = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "jr": true, "sr": true, "the": true, "on": true,
	"behalf": true, "of": true, "via": true, "for": true, "and": true, "esq": true, "lll": true, "ll": true,
}

func newSender(a model.Address) sender {
	var s sender
	addr := strings.ToLower(strings.TrimSpace(a.Address))
	addr = strings.TrimPrefix(addr, "mailto:")
	addr = strings.Trim(addr, "<>[]() ")
	if at := strings.LastIndexByte(addr, '@'); at > 0 {
		local := addr[:at]
		s.domain = strings.ReplaceAll(skeleton(addr[at+1:]), " ", "")
		s.local = strings.ReplaceAll(skeleton(local), " ", "")
		for _, t := range strings.FieldsFunc(local, func(r rune) bool { return !isLetter(r) }) {
			if t = strings.ReplaceAll(skeleton(t), " ", ""); len(t) >= 2 {
				s.localTokens = append(s.localTokens, t)
			}
		}
	}
	name := a.Name
	if name == "" && s.local == "" {
		name = a.Address // a bare name printed where the address should be
	}
	if strings.Contains(name, "@") {
		name = "" // "jonas@harbor.example" as display name: the address says it
	}
	for _, t := range strings.Fields(skeleton(name)) {
		if len(t) >= 2 && !nameStop[t] && !isDigits(t) {
			s.names = append(s.names, t)
		}
	}
	return s
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r > 127 }

func isDigits(s string) bool { return strings.Trim(s, "0123456789") == "" }

func (s sender) empty() bool { return s.local == "" && len(s.names) == 0 }

// keys returns the blocking keys: every way two copies of one sender may
// still agree after OCR and formatting: name tokens, address tokens, the
// whole local part, initial+surname and given+surname.
func (s sender) keys() []string {
	var k []string
	add := func(x string) {
		if len(x) >= 3 && !nameStop[x] {
			k = append(k, x)
		}
	}
	for _, t := range s.names {
		add(t)
	}
	if n := len(s.names); n >= 2 {
		first, last := s.names[0], s.names[n-1]
		add(first[:1] + last)
		add(first + last)
		add(last[:1] + first) // "Reyes, Jonas" printed surname first
		add(last + first)
	}
	add(s.local)
	for _, t := range s.localTokens {
		add(t)
	}
	slices.Sort(k)
	return slices.Compact(k)
}

// fuzzyEq accepts one edit in tokens of five or more letters.
func fuzzyEq(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) < 5 || len(b) < 5 || abs(len(a)-len(b)) > 1 {
		return false
	}
	return textdist.Runes([]rune(a), []rune(b)) <= 1
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// senderScore compares two senders: 1 for the same address, less for
// names or a name against an address. The string says why.
func senderScore(a, b sender) (float64, string) {
	best, why := 0.0, ""
	try := func(s float64, w string) {
		if s > best {
			best, why = s, w
		}
	}
	if a.local != "" && b.local != "" {
		switch {
		case a.local == b.local && a.domain == b.domain:
			try(1, "same address")
		case a.local == b.local:
			try(0.85, "same address local part, different domain")
		case len(a.local) >= 6 && a.domain == b.domain && textdist.Runes([]rune(a.local), []rune(b.local)) <= 1:
			try(0.85, "address differs by one character (OCR)")
		}
	}
	if len(a.names) > 0 && len(b.names) > 0 {
		common := 0
		for _, x := range a.names {
			if slices.ContainsFunc(b.names, func(y string) bool { return fuzzyEq(x, y) }) {
				common++
			}
		}
		n := min(len(a.names), len(b.names))
		switch {
		case common >= 2 && common == n:
			try(0.95, "same name")
		case common >= 2:
			try(0.8, "names share "+fmt.Sprint(common)+" tokens")
		case common == 1 && n == 1 && len(a.names[0]) >= 4 && len(b.names[0]) >= 4:
			try(0.7, "one-word name matches")
		}
	}
	try(nameVsAddress(a, b))
	try(nameVsAddress(b, a))
	return best, why
}

// nameVsAddress scores a's display name against b's address local part:
// jonas.reyes@, jreyes@, reyesj@, jonasreyes@.
func nameVsAddress(a, b sender) (float64, string) {
	if len(a.names) < 2 || b.local == "" {
		return 0, ""
	}
	first, last := a.names[0], a.names[len(a.names)-1]
	forms := []string{first + last, last + first, first[:1] + last, last + first[:1], first + last[:1]}
	for _, f := range forms {
		if fuzzyEq(b.local, f) {
			return 0.85, "name matches address " + b.local + "@"
		}
	}
	hit := 0
	for _, t := range b.localTokens {
		if fuzzyEq(t, first) || fuzzyEq(t, last) {
			hit++
		}
	}
	if hit >= 2 {
		return 0.85, "name matches address " + b.local + "@"
	}
	return 0, ""
}
