package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of parentheses Parse accepts.
const MaxDepth = 50

// Parse parses a query into its syntax tree. An empty (or all white
// space) query returns MatchAll{}. Errors are always *SyntaxError.
func Parse(q string) (Node, error) {
	if !utf8.ValidString(q) {
		i := 0
		for i < len(q) {
			r, n := utf8.DecodeRuneInString(q[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, withColumn(errAt(i, "the query is not valid UTF-8 text",
			"retype the query or remove the unreadable characters"), q)
	}
	if strings.TrimFunc(q, isSep) == "" {
		return MatchAll{}, nil
	}
	lx := lexer{q: q}
	p := &parser{q: q, toks: lx.all()}
	n, err := p.parseOr("")
	if err == nil {
		switch t := p.peek(); t.kind {
		case tEOF:
			return n, nil
		case tRParen:
			err = unmatched(t)
		case tErr:
			err = t.err
		default:
			err = errAt(t.pos, fmt.Sprintf("unexpected %q", p.text(t)), "")
		}
	}
	return nil, withColumn(err, q)
}

type parser struct {
	q     string
	toks  []token
	k     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.k] }

func (p *parser) next() token {
	t := p.toks[p.k]
	if p.k < len(p.toks)-1 {
		p.k++
	}
	return t
}

func (p *parser) text(t token) string { return p.q[t.pos:t.end] }

// canStart reports whether a token of kind k can begin an operand. tErr
// and tNearOp are included so that parsePrimary reports them.
func canStart(k tokKind) bool {
	switch k {
	case tWord, tPhrase, tField, tLParen, tMinus, tNot, tNearFunc, tNearOp, tStar, tErr:
		return true
	}
	return false
}

func (p *parser) dangling(op token) *SyntaxError {
	w := p.text(op)
	return errAt(op.pos, fmt.Sprintf("%s needs a search term on both sides", w),
		fmt.Sprintf("to search for the word itself, write it in lower case (%s) or in quotes (\"%s\")", strings.ToLower(w), w))
}

func unmatched(t token) *SyntaxError {
	return errAt(t.pos, `")" has no matching "("`, `remove it or add a "(" before it`)
}

func unclosed(t token) *SyntaxError {
	return errAt(t.pos, `"(" is never closed`, `add a ")" or remove the "("`)
}

// parseOr: and { OR and }. ctx is the field applied by an enclosing
// field:( ... ) group, or "".
func (p *parser) parseOr(ctx string) (Node, *SyntaxError) {
	first, err := p.parseAnd(ctx)
	if err != nil {
		return nil, err
	}
	kids := []Node{first}
	for p.peek().kind == tOr {
		op := p.next()
		if !canStart(p.peek().kind) {
			return nil, p.dangling(op)
		}
		n, err := p.parseAnd(ctx)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	return NewOr(kids...), nil
}

// parseAnd: unary { [AND] unary }.
func (p *parser) parseAnd(ctx string) (Node, *SyntaxError) {
	if t := p.peek(); !canStart(t.kind) {
		switch t.kind {
		case tOr, tAnd:
			return nil, p.dangling(t)
		case tRParen:
			return nil, unmatched(t)
		}
		return nil, errAt(t.pos, "the query ends where a search term was expected", "")
	}
	first, err := p.parseUnary(ctx)
	if err != nil {
		return nil, err
	}
	kids := []Node{first}
	for {
		t := p.peek()
		if t.kind == tAnd {
			p.next()
			if !canStart(p.peek().kind) {
				return nil, p.dangling(t)
			}
		} else if !canStart(t.kind) {
			break
		}
		n, err := p.parseUnary(ctx)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	return NewAnd(kids...), nil
}

// parseUnary: { NOT | - } near.
func (p *parser) parseUnary(ctx string) (Node, *SyntaxError) {
	neg := false
	for {
		t := p.peek()
		if t.kind != tNot && t.kind != tMinus {
			break
		}
		p.next()
		if !canStart(p.peek().kind) {
			if t.kind == tNot {
				return nil, errAt(t.pos, "NOT needs a search term after it",
					`e.g. budget NOT draft; to search for the word itself, write it in lower case (not) or in quotes ("NOT")`)
			}
			return nil, errAt(t.pos, `"-" needs a search term right after it`,
				"e.g. -draft or -from:jonas.reyes@harbor.example")
		}
		neg = !neg
	}
	n, err := p.parseNear(ctx)
	if err != nil {
		return nil, err
	}
	if neg {
		return NewNot(n), nil
	}
	return n, nil
}

const nearHint = "write the words to find near each other, e.g. NEAR(budget memo), NEAR/5(budget memo) or budget NEAR/5 memo"

// parseNear: primary { NEAR[/n] primary }, where every primary must be a
// single word or phrase (not a prefix) in the same text field.
func (p *parser) parseNear(ctx string) (Node, *SyntaxError) {
	first := p.peek()
	left, err := p.parsePrimary(ctx)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tNearOp {
		return left, nil
	}
	lt, err := nearOperand(left, first, "before")
	if err != nil {
		return nil, err
	}
	out := Near{Field: lt.Field, Terms: []string{lt.Value}, Distance: -1}
	for p.peek().kind == tNearOp {
		op := p.next()
		if out.Distance >= 0 && op.dist != out.Distance {
			return nil, errAt(op.pos, "NEAR operators in a row must all use the same distance",
				fmt.Sprintf("write one NEAR/n(...) with all the terms, e.g. NEAR/%d(a b c)", max(op.dist, out.Distance)))
		}
		out.Distance = op.dist
		rt := p.peek()
		switch rt.kind {
		case tErr:
			return nil, rt.err
		case tWord, tPhrase, tField:
		default:
			return nil, errAt(op.pos, "NEAR needs a word or phrase after it", nearHint)
		}
		right, err := p.parsePrimary(ctx)
		if err != nil {
			return nil, err
		}
		t, err := nearOperand(right, rt, "after")
		if err != nil {
			return nil, err
		}
		if t.Field != out.Field {
			return nil, errAt(rt.pos, "all terms joined by NEAR must use the same field",
				fmt.Sprintf("put the field once in front: %sNEAR(a b)", fieldColon(out.Field)))
		}
		out.Terms = append(out.Terms, t.Value)
	}
	if !IsTextField(out.Field) {
		return nil, errAt(first.pos, fmt.Sprintf("NEAR can't be used with %s:", out.Field), nearFieldsHint())
	}
	return out, nil
}

func fieldColon(f string) string {
	if f == "" {
		return ""
	}
	return f + ":"
}

func nearFieldsHint() string {
	var fs []string
	for _, f := range TextFields()[1:] {
		fs = append(fs, f+":")
	}
	return "NEAR works on text: no field, or one of " + strings.Join(fs, " ")
}

// nearOperand checks that n (which started at token at) is a plain word
// or phrase usable on side ("before" or "after") of a NEAR operator.
func nearOperand(n Node, at token, side string) (Term, *SyntaxError) {
	t, ok := n.(Term)
	if !ok {
		return t, errAt(at.pos, fmt.Sprintf("NEAR needs a single word or phrase %s it", side), nearHint)
	}
	if t.Prefix {
		return t, errAt(at.pos, "prefix search (word*) can't be used with NEAR", "remove the *")
	}
	return t, nil
}

// parsePrimary: ( or ) | field:value | field:( or ) | word | "phrase" |
// NEAR/n( terms ) | *.
func (p *parser) parsePrimary(ctx string) (Node, *SyntaxError) {
	t := p.next()
	switch t.kind {
	case tErr:
		return nil, t.err
	case tLParen:
		return p.parseGroup(ctx, t)
	case tWord, tPhrase:
		return leaf(ctx, t)
	case tStar:
		if ctx != "" {
			return nil, loneStar(t.pos, ctx)
		}
		return MatchAll{}, nil
	case tField:
		if ctx != "" {
			return nil, errAt(t.pos, fmt.Sprintf("%s: can't be used inside %s:( ... )", t.val, ctx),
				fmt.Sprintf("move %s:... outside the parentheses", t.val))
		}
		v := p.next()
		switch v.kind {
		case tErr:
			return nil, v.err
		case tLParen:
			return p.parseGroup(t.val, v)
		case tWord, tPhrase:
			return leaf(t.val, v)
		case tNearFunc:
			return p.parseNearFunc(t.val, v)
		}
		return nil, errAt(v.pos, fmt.Sprintf("%s: needs a value", t.val), "")
	case tNearFunc:
		return p.parseNearFunc(ctx, t)
	case tNearOp:
		return nil, errAt(t.pos, "NEAR needs a word or phrase before it",
			nearHint+`; to search for the word itself, write it in lower case (near) or in quotes ("NEAR")`)
	}
	return nil, errAt(t.pos, fmt.Sprintf("unexpected %q", p.text(t)), "")
}

// parseGroup parses the inside of parentheses opened by lp.
func (p *parser) parseGroup(ctx string, lp token) (Node, *SyntaxError) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > MaxDepth {
		return nil, errAt(lp.pos, "too many nested parentheses",
			fmt.Sprintf("simplify the query; at most %d levels are allowed", MaxDepth))
	}
	switch t := p.peek(); t.kind {
	case tRParen:
		return nil, errAt(lp.pos, "empty parentheses", "put search terms inside the parentheses or remove them")
	case tEOF:
		return nil, unclosed(lp)
	}
	n, err := p.parseOr(ctx)
	if err != nil {
		return nil, err
	}
	switch t := p.next(); t.kind {
	case tRParen:
		return n, nil
	case tEOF:
		return nil, unclosed(lp)
	case tErr:
		return nil, t.err
	default:
		return nil, errAt(t.pos, fmt.Sprintf("unexpected %q", p.text(t)), "")
	}
}

// parseNearFunc parses NEAR/n( terms ) after the NEAR token t.
func (p *parser) parseNearFunc(field string, t token) (Node, *SyntaxError) {
	if !IsTextField(field) {
		return nil, errAt(t.pos, fmt.Sprintf("NEAR can't be used with %s:", field), nearFieldsHint())
	}
	lp := p.next()
	if lp.kind != tLParen {
		return nil, errAt(lp.pos, `NEAR must be followed by "("`, nearHint)
	}
	out := Near{Field: field, Distance: t.dist}
	for {
		a := p.next()
		switch a.kind {
		case tRParen:
			switch len(out.Terms) {
			case 0:
				return nil, errAt(t.pos, "NEAR without terms", nearHint)
			case 1:
				return nil, errAt(t.pos, "NEAR needs at least two terms", nearHint)
			}
			return out, nil
		case tEOF:
			return nil, unclosed(lp)
		case tErr:
			return nil, a.err
		case tWord, tPhrase:
			if a.prefix {
				return nil, errAt(a.pos, "prefix search (word*) can't be used inside NEAR", "remove the *")
			}
			v := a.val
			if a.kind == tPhrase {
				v = normSpace(v)
			}
			if err := checkText(v, a); err != nil {
				return nil, err
			}
			out.Terms = append(out.Terms, v)
		case tField:
			return nil, errAt(a.pos, "fields can't be used inside NEAR( ... )",
				fmt.Sprintf("put the field in front: %s:NEAR(a b)", a.val))
		default:
			return nil, errAt(a.pos, fmt.Sprintf("NEAR( ... ) takes only words and phrases, not %q", p.text(a)), nearHint)
		}
	}
}

func normSpace(s string) string { return strings.Join(strings.FieldsFunc(s, isSep), " ") }

// checkText rejects text-field values with nothing the index could find.
func checkText(v string, t token) *SyntaxError {
	if v == "" {
		return errAt(t.pos, "empty phrase", `remove the "" or put words between the quotes`)
	}
	if !hasWordChar(v) {
		hint := "remove it; punctuation and symbols alone are not indexed"
		if strings.HasPrefix(v, "..") {
			hint = "write date ranges without spaces, e.g. date:2008-01..2008-06"
		}
		return errAt(t.pos, fmt.Sprintf("%q has no letters or digits to search for", v), hint)
	}
	return nil
}

// leaf builds the node for a word or phrase token in field (or "").
func leaf(field string, t token) (Node, *SyntaxError) {
	switch field {
	case "has":
		if t.prefix {
			return nil, errAt(t.pos, "has: values can't end in *", hasHint())
		}
		switch v := strings.ToLower(strings.TrimFunc(t.val, isSep)); v {
		case "attachment", "attachments", "attach":
			return Has{What: HasAttachment}, nil
		case HasHTML, HasDate, HasBates, HasRedaction:
			return Has{What: v}, nil
		}
		return nil, errAt(t.pos, fmt.Sprintf("unknown has: value %q", t.val), hasHint())
	case "date", "before", "after":
		return dateFilter(field, t)
	case FieldKind:
		v := strings.ToLower(strings.TrimFunc(t.val, isSep))
		if t.prefix || (v != "native" && v != "printed" && v != "page") {
			return nil, errAt(t.pos, fmt.Sprintf("unknown kind %q", t.val),
				"kind is native (parsed email files), printed (emails recovered from printed pages) or page (document pages)")
		}
		return Term{Field: FieldKind, Value: v}, nil
	}
	v := t.val
	phrase := t.kind == tPhrase
	if IsTextField(field) {
		if phrase {
			v = normSpace(v)
		}
		if err := checkText(v, t); err != nil {
			return nil, err
		}
		if _, _, ok := parsePeriod(strings.TrimPrefix(v, "..")); ok && !phrase && field == "" && strings.HasPrefix(v, "..") {
			return nil, errAt(t.pos, fmt.Sprintf("%q looks like the end of a date range", v),
				"write date ranges without spaces, e.g. date:2008-01..2008-06")
		}
	} else {
		if phrase {
			v = strings.TrimFunc(v, isSep)
			if v == "" {
				return nil, errAt(t.pos, fmt.Sprintf("empty %s: value", field),
					"put the value between the quotes, e.g. "+fieldExample(field))
			}
		}
		if field == FieldMID {
			for len(v) > 2 && strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") {
				v = v[1 : len(v)-1]
			}
		}
	}
	return Term{Field: field, Value: v, Phrase: phrase, Prefix: t.prefix}, nil
}

func hasHint() string {
	var vs []string
	for _, v := range HasValues() {
		vs = append(vs, "has:"+v)
	}
	return "valid values are " + strings.Join(vs[:len(vs)-1], ", ") + " and " + vs[len(vs)-1]
}
