package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF      tokKind = iota
	tErr              // lexing stopped here; err says why
	tWord             // bare word; val, prefix
	tPhrase           // quoted text; val (raw content), prefix
	tLParen           // (
	tRParen           // )
	tAnd              // AND
	tOr               // OR
	tNot              // NOT
	tMinus            // leading -
	tField            // name: ; val is the lower-case name, the value token follows
	tNearFunc         // NEAR or NEAR/n directly followed by "("; dist
	tNearOp           // NEAR or NEAR/n used between two terms; dist
	tStar             // a lone *
)

type token struct {
	kind     tokKind
	pos, end int // byte offsets in the query
	val      string
	prefix   bool
	dist     int
	err      *SyntaxError
}

// lexer splits a query into tokens. Its only state besides the offset is
// whether the previous token was a field name, in which case the next
// token is read as that field's value (no keywords, no leading -).
type lexer struct {
	q         string
	i         int
	field     string // set while the next token is a field value
	valueNext bool
}

// isSep reports the runes that separate words: white space, control
// characters, the zero-width space and the byte order mark.
func isSep(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200B' || r == '\uFEFF'
}

// hasWordChar reports whether s contains a letter or a digit.
func hasWordChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

func (lx *lexer) sepAt(i int) bool {
	r, _ := utf8.DecodeRuneInString(lx.q[i:])
	return isSep(r)
}

// all lexes the whole query. The last token is tEOF, or tErr when the
// lexer met an error (later text is not lexed).
func (lx *lexer) all() []token {
	var toks []token
	for {
		t, err := lx.next()
		if err != nil {
			return append(toks, token{kind: tErr, pos: err.Pos, end: err.Pos, err: err})
		}
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks
		}
	}
}

func (lx *lexer) next() (token, *SyntaxError) {
	if lx.valueNext {
		lx.valueNext = false
		return lx.value()
	}
	for lx.i < len(lx.q) && lx.sepAt(lx.i) {
		_, n := utf8.DecodeRuneInString(lx.q[lx.i:])
		lx.i += n
	}
	start := lx.i
	if start >= len(lx.q) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	switch lx.q[start] {
	case '(':
		lx.i++
		return token{kind: tLParen, pos: start, end: lx.i}, nil
	case ')':
		lx.i++
		return token{kind: tRParen, pos: start, end: lx.i}, nil
	case '"':
		return lx.phrase()
	case '-':
		if start+1 >= len(lx.q) || lx.sepAt(start+1) || lx.q[start+1] == ')' {
			return token{}, errAt(start, `"-" must be directly followed by what to exclude`,
				"write -draft or -from:jonas.reyes@harbor.example without a space; to search for a dash, leave it out")
		}
		lx.i++
		return token{kind: tMinus, pos: start, end: lx.i}, nil
	}
	end := lx.scanWord()
	w := lx.q[start:end]
	if name, ok := fieldPrefix(w); ok {
		lname := strings.ToLower(name)
		if isKnownField(lname) {
			lx.i = start + len(name) + 1
			lx.valueNext, lx.field = true, lname
			return token{kind: tField, pos: start, end: lx.i, val: lname}, nil
		}
		if s := suggestField(lname); s != "" {
			return token{}, errAt(start, fmt.Sprintf("unknown field %q", name), fmt.Sprintf("did you mean %q?", s+":"))
		}
	}
	lx.i = end
	switch w {
	case "AND":
		return token{kind: tAnd, pos: start, end: end}, nil
	case "OR":
		return token{kind: tOr, pos: start, end: end}, nil
	case "NOT":
		return token{kind: tNot, pos: start, end: end}, nil
	case "*":
		return token{kind: tStar, pos: start, end: end}, nil
	}
	if w == "NEAR" || strings.HasPrefix(w, "NEAR/") {
		return lx.near(start, w)
	}
	return lx.word(start, w)
}

// value lexes the token right after "field:".
func (lx *lexer) value() (token, *SyntaxError) {
	start := lx.i
	if start >= len(lx.q) || lx.sepAt(start) || lx.q[start] == ')' {
		return token{}, errAt(start, fmt.Sprintf("%s: needs a value", lx.field),
			fmt.Sprintf("write the value right after the colon, without a space, e.g. %s", fieldExample(lx.field)))
	}
	switch lx.q[start] {
	case '"':
		return lx.phrase()
	case '(':
		lx.i++
		return token{kind: tLParen, pos: start, end: lx.i}, nil
	case '-':
		return token{}, errAt(start, fmt.Sprintf(`"-" right after %s: is ambiguous`, lx.field),
			fmt.Sprintf("to exclude, put the - before the field: -%s:value; to search for the dash, quote the value: %s:\"-value\"", lx.field, lx.field))
	}
	end := lx.scanWord()
	w := lx.q[start:end]
	lx.i = end
	if (w == "NEAR" || strings.HasPrefix(w, "NEAR/")) && end < len(lx.q) && lx.q[end] == '(' {
		return lx.near(start, w)
	}
	if w == "*" {
		return token{}, loneStar(start, lx.field)
	}
	return lx.word(start, w)
}

// scanWord returns the end of the word starting at lx.i: the next
// separator, parenthesis or double quote.
func (lx *lexer) scanWord() int {
	i := lx.i
	for i < len(lx.q) {
		c := lx.q[i]
		if c == '(' || c == ')' || c == '"' {
			break
		}
		r, n := utf8.DecodeRuneInString(lx.q[i:])
		if isSep(r) {
			break
		}
		i += n
	}
	return i
}

// fieldPrefix returns the ASCII letters before a colon that starts w.
func fieldPrefix(w string) (string, bool) {
	n := 0
	for n < len(w) && (w[n] >= 'a' && w[n] <= 'z' || w[n] >= 'A' && w[n] <= 'Z') {
		n++
	}
	if n == 0 || n >= len(w) || w[n] != ':' {
		return "", false
	}
	return w[:n], true
}

// word turns a bare word into a tWord, handling the trailing * of a
// prefix search.
func (lx *lexer) word(start int, w string) (token, *SyntaxError) {
	k := len(w) - len(strings.TrimRight(w, "*"))
	if k > 1 {
		return token{}, errAt(start+len(w)-k+1, "only one * may end a word",
			"write a single * for a prefix search, e.g. budg*")
	}
	body := w[:len(w)-k]
	if i := strings.IndexByte(body, '*'); i >= 0 {
		return token{}, errAt(start+i, "* can only end a word (prefix search)",
			"remove it, or put it at the end of a word to find words starting with it, e.g. budg*")
	}
	return token{kind: tWord, pos: start, end: start + len(w), val: body, prefix: k == 1}, nil
}

// near lexes NEAR or NEAR/n (w) starting at start; lx.i is after it.
func (lx *lexer) near(start int, w string) (token, *SyntaxError) {
	dist := DefaultNearDistance
	if w != "NEAR" {
		ds := w[len("NEAR/"):]
		n, err := strconv.Atoi(ds)
		if ds == "" || strings.TrimLeft(ds, "0123456789") != "" || err != nil || n > MaxNearDistance {
			return token{}, errAt(start, fmt.Sprintf("%q is not a NEAR distance", w),
				fmt.Sprintf("write NEAR/ and a number of words from 0 to %d, e.g. NEAR/5(budget memo)", MaxNearDistance))
		}
		dist = n
	}
	kind := tNearOp
	if lx.i < len(lx.q) && lx.q[lx.i] == '(' {
		kind = tNearFunc
	}
	return token{kind: kind, pos: start, end: lx.i, dist: dist}, nil
}

// phrase lexes a double-quoted phrase starting at lx.i, with an optional
// trailing *.
func (lx *lexer) phrase() (token, *SyntaxError) {
	start := lx.i
	j := strings.IndexByte(lx.q[start+1:], '"')
	if j < 0 {
		return token{}, errAt(start, "unclosed quote", `add a closing " or remove the opening one`)
	}
	content := lx.q[start+1 : start+1+j]
	lx.i = start + 2 + j
	prefix := false
	if lx.i < len(lx.q) && lx.q[lx.i] == '*' {
		prefix = true
		lx.i++
		if lx.i < len(lx.q) && lx.q[lx.i] == '*' {
			return token{}, errAt(lx.i, "only one * may end a phrase",
				`write a single * for a prefix search, e.g. "budget mem"*`)
		}
	}
	return token{kind: tPhrase, pos: start, end: lx.i, val: content, prefix: prefix}, nil
}

// fieldExample returns an example use of a field for hints.
func fieldExample(field string) string {
	switch field {
	case FieldFrom, FieldTo, FieldCc, FieldBcc, FieldWith:
		return field + ":jonas.reyes@harbor.example"
	case FieldPerson:
		return `person:"Jonas Reyes"`
	case FieldSubject:
		return `subject:"quarterly budget"`
	case FieldBody:
		return "body:invoice"
	case FieldFilename:
		return "filename:budget.xlsx"
	case FieldSource:
		return "source:mail/2008/"
	case FieldThread:
		return "thread:4f2a9c01"
	case FieldID:
		return "id:4f2a9c01d3e5b7a8"
	case FieldTag:
		return "tag:important"
	case FieldBates:
		return "bates:HARBOR-000123"
	case FieldKind:
		return "kind:printed"
	case FieldMID:
		return "mid:20080314.1234@harbor.example"
	case "has":
		return "has:attachment"
	case "date":
		return "date:2008-03"
	}
	return field + ":2008-03-14"
}

// loneStar is the error for a * with nothing before it as a field value.
func loneStar(pos int, field string) *SyntaxError {
	msg := fmt.Sprintf("a lone * is not a %s: value", field)
	switch field {
	case "has", "date", "before", "after", FieldKind:
		return errAt(pos, msg, "write a value, e.g. "+fieldExample(field))
	case FieldSource:
		return errAt(pos, msg, "write the start of the path, e.g. source:mail/2008/ (source: always matches a path prefix)")
	}
	ex := field + ":budg*"
	switch field {
	case FieldFrom, FieldTo, FieldCc, FieldBcc, FieldWith, FieldPerson:
		ex = field + ":jonas*"
	case FieldThread, FieldID, FieldMID:
		ex = field + ":4f2a*"
	case FieldBates:
		ex = "bates:HARBOR-0001*"
	}
	return errAt(pos, msg, "write the start of the value before the *, e.g. "+ex)
}
