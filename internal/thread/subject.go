package thread

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replyPrefixes are the words that, followed by optional white space, an
// optional [blob] and a colon (ASCII ':' or full-width '：'), mark a reply
// or forward. RFC 5256 only knows re, fw and fwd; the rest are common
// localised prefixes written by mail clients:
//
//	aw (de Antwort), wg (de Weitergeleitet), sv (sv/da/no Svar),
//	vs (da/no Videresendt), rif (it Riferimento), r (it Risposta),
//	tr (fr Transféré), antw (nl Antwoord), doorst (nl Doorgestuurd),
//	rv (es Reenviado), enc (pt Encaminhado), odp (pl Odpowiedź),
//	ynt (tr Yanıt), 回复/答复/回覆 (zh reply), 转发/轉發 (zh forward).
//
// Keys are lower-case; matching is case-insensitive.
var replyPrefixes = map[string]bool{
	"re": true, "fw": true, "fwd": true,
	"aw": true, "wg": true, "sv": true, "vs": true, "rif": true, "r": true,
	"tr": true, "antw": true, "doorst": true, "rv": true, "enc": true,
	"odp": true, "ynt": true,
	"回复": true, "答复": true, "回覆": true, "转发": true, "轉發": true,
}

// genericSubjects are base subjects too common to link two messages on
// their own: the conservative subject join never uses them. Bases with
// fewer than three letters or digits are treated as generic as well.
// The comparison ignores leading and trailing punctuation ("hi!" is "hi").
var genericSubjects = map[string]bool{
	"":               true,
	"hi":             true,
	"hello":          true,
	"hey":            true,
	"question":       true,
	"questions":      true,
	"quick question": true,
	"(no subject)":   true,
	"no subject":     true,
	"(none)":         true,
	"none":           true,
	"untitled":       true,
	"fyi":            true,
	"update":         true,
	"thanks":         true,
	"thank you":      true,
	"test":           true,
	"meeting":        true,
	"call":           true,
	"follow up":      true,
	"follow-up":      true,
	"followup":       true,
	"urgent":         true,
	"important":      true,
	"info":           true,
	"documents":      true,
	"document":       true,
	"attachment":     true,
	"scan":           true,
}

// BaseSubject returns the RFC 5256 section 2.1 base subject of s,
// lower-cased for comparison. Besides the RFC's "re", "fw", "fwd",
// "[blob]", "(fwd)" and "[fwd: ...]" forms it strips the localised reply
// and forward prefixes listed in replyPrefixes (AW:, SV:, RIF:, 回复: ...).
// s must already be decoded (no RFC 2047 encoded-words).
func BaseSubject(s string) string {
	b, _ := baseSubject(s)
	return b
}

// baseSubject returns the lower-cased base subject and whether the
// subject was marked as a reply or forward (a reply/forward prefix, a
// "(fwd)" trailer or a "[fwd: ...]" wrapper; list tags alone do not count).
func baseSubject(s string) (string, bool) {
	s = collapseSpace(s)
	refwd := false
	for {
		// (2) trailing "(fwd)" and white space.
		for {
			s = strings.TrimRight(s, " ")
			if n := len(s); n >= 5 && strings.EqualFold(s[n-5:], "(fwd)") {
				s = s[:n-5]
				refwd = true
				continue
			}
			break
		}
		// (3)-(5) leaders and blobs.
		for {
			s = strings.TrimLeft(s, " ")
			if rest, ok := cutLeader(s); ok {
				s = rest
				refwd = true
				continue
			}
			if rest, ok := cutBlob(s); ok && rest != "" {
				s = rest
				continue
			}
			break
		}
		// (6) "[fwd: ...]" wrapper.
		if len(s) >= 6 && strings.EqualFold(s[:5], "[fwd:") && s[len(s)-1] == ']' {
			s = s[5 : len(s)-1]
			refwd = true
			continue
		}
		break
	}
	return strings.ToLower(s), refwd
}

// collapseSpace turns every run of Unicode white space into one ASCII
// space. It returns s unchanged (no allocation) when nothing needs doing.
func collapseSpace(s string) string {
	clean := true
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			clean = false
			break
		}
		sp := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
		if sp && (c != ' ' || prevSpace) {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevSpace = false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !prevSpace {
				b.WriteByte(' ')
			}
			prevSpace = true
			continue
		}
		prevSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

// cutBlob removes one leading subj-blob ("[" *BLOBCHAR "]" *WSP).
func cutBlob(s string) (string, bool) {
	if s == "" || s[0] != '[' {
		return s, false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '[':
			return s, false
		case ']':
			return strings.TrimLeft(s[i+1:], " "), true
		}
	}
	return s, false
}

// cutLeader removes one leading *subj-blob subj-refwd, where subj-refwd
// is a reply/forward word, *WSP, an optional blob and a colon.
func cutLeader(s string) (string, bool) {
	rest := s
	for {
		r, ok := cutBlob(rest)
		if !ok {
			break
		}
		rest = r
	}
	// Maximal run of letters: the candidate prefix word.
	end := 0
	for end < len(rest) {
		r, size := utf8.DecodeRuneInString(rest[end:])
		if !unicode.IsLetter(r) {
			break
		}
		end += size
	}
	if end == 0 || end > 12 || !replyPrefixes[strings.ToLower(rest[:end])] {
		return s, false
	}
	rest = strings.TrimLeft(rest[end:], " ")
	if r, ok := cutBlob(rest); ok {
		rest = r
	}
	switch {
	case strings.HasPrefix(rest, ":"):
		return rest[1:], true
	case strings.HasPrefix(rest, "："):
		return rest[len("："):], true
	}
	return s, false
}

// isGeneric reports whether a base subject is too common to join on.
func isGeneric(base string) bool {
	t := strings.TrimFunc(base, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '(' && r != ')'
	})
	t = strings.TrimRight(t, " ")
	if genericSubjects[t] || genericSubjects[strings.Trim(t, "()")] {
		return true
	}
	n := 0
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
			if n >= 3 {
				return false
			}
		}
	}
	return true
}
