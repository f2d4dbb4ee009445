package query

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError describes why a query could not be parsed.
type SyntaxError struct {
	// Pos is the 0-based byte offset in the query where the problem is
	// (len(query) when it is at the end).
	Pos int
	// Msg says what is wrong; Hint (may be empty) says what to do.
	Msg  string
	Hint string

	col int // 1-based column in characters, set by Parse
}

// Column is the 1-based position in characters (not bytes) that Pos
// points at; for an error not built by Parse it is Pos+1.
func (e *SyntaxError) Column() int {
	if e.col > 0 {
		return e.col
	}
	return e.Pos + 1
}

// Error returns e.g. `query: unknown field "form" at column 1; did you
// mean "from:"?`.
func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("query: %s at column %d", e.Msg, e.Column())
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// Caret renders query on one line and a second line with a ^ under the
// error position, for display in a terminal:
//
//	from:jonas (budget
//	           ^
//
// Tabs, newlines and other control characters are shown as spaces; wide
// (East Asian) characters count as two columns and combining marks as
// none.
func (e *SyntaxError) Caret(query string) string {
	pos := min(max(e.Pos, 0), len(query))
	var line, pad strings.Builder
	for i, r := range query {
		w := runeWidth(r)
		if isSep(r) {
			r, w = ' ', 1
		}
		line.WriteRune(r)
		if i < pos {
			pad.WriteString(strings.Repeat(" ", w))
		}
	}
	return line.String() + "\n" + pad.String() + "^"
}

func errAt(pos int, msg, hint string) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: msg, Hint: hint}
}

// withColumn fills in the character column of e for query q.
func withColumn(e *SyntaxError, q string) *SyntaxError {
	pos := min(max(e.Pos, 0), len(q))
	e.col = utf8.RuneCountInString(q[:pos]) + 1
	return e
}

func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case isWide(r):
		return 2
	}
	return 1
}

// isWide reports the common East Asian wide and emoji ranges.
func isWide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115F,
		r >= 0x2E80 && r <= 0xA4CF && r != 0x303F,
		r >= 0xAC00 && r <= 0xD7A3,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0xFE30 && r <= 0xFE4F,
		r >= 0xFF00 && r <= 0xFF60,
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x1F300 && r <= 0x1F64F,
		r >= 0x1F900 && r <= 0x1F9FF,
		r >= 0x20000 && r <= 0x3FFFD:
		return true
	}
	return false
}

// suggestField returns the known field that an unknown name (lower
// case) was probably meant to be, or "". Names of 3-4 letters must be
// within edit distance 1 of a field, longer names within 2; shorter
// names and common URL schemes are never suggested, so `re:`, `http:`
// or `cid:` stay plain words.
func suggestField(name string) string {
	switch name {
	case "sender":
		return FieldFrom
	case "recipient", "recipients":
		return FieldTo
	case "participant", "participants":
		return FieldWith
	case "attachment", "attachments", "attach":
		return FieldFilename
	case "label", "labels":
		return FieldTag
	case "folder", "path", "mailbox":
		return FieldSource
	case "msgid", "messageid":
		return FieldMID
	case "people":
		return FieldPerson
	case "since":
		return "after"
	case "until":
		return "before"
	case "http", "https", "ftp", "mailto", "cid", "file", "data", "tel", "urn", "news", "sip", "www":
		return ""
	}
	if len(name) < 3 {
		return ""
	}
	limit := 1
	if len(name) >= 5 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, f := range KnownFields() {
		if len(name) > len(f)+limit || len(f) > len(name)+limit {
			continue
		}
		d := osaDistance(name, f)
		if d < bestD || (d == bestD && best != "" && best[0] != name[0] && f[0] == name[0]) {
			best, bestD = f, d
		}
	}
	return best
}

// osaDistance is the optimal-string-alignment edit distance (insert,
// delete, substitute, swap two adjacent letters) between ASCII strings.
func osaDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
