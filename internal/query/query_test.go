package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func d(y, m, day int) *time.Time {
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	return &t
}

func w(v string) Term        { return Term{Value: v} }
func f(field, v string) Term { return Term{Field: field, Value: v} }
func and(c ...Node) And      { return And{Children: c} }
func or(c ...Node) Or        { return Or{Children: c} }
func not(c Node) Not         { return Not{Child: c} }
func near(field string, dist int, terms ...string) Near {
	return Near{Field: field, Terms: terms, Distance: dist}
}

func TestParse(t *testing.T) {
	tests := []struct {
		q    string
		want Node
	}{
		// empty and match-all
		{"", MatchAll{}},
		{" \t\n ", MatchAll{}},
		{"*", MatchAll{}},
		{"* budget", w("budget")},
		{"budget OR *", MatchAll{}},
		{"-*", not(MatchAll{})},
		// words
		{"budget", w("budget")},
		{"jonas.reyes@harbor.example", w("jonas.reyes@harbor.example")},
		{"o'brien", w("o'brien")},
		{"under_score hy-phen", and(w("under_score"), w("hy-phen"))},
		{"naïve 東京", and(w("naïve"), w("東京"))},
		{"http://harbor.example/a?b=1", w("http://harbor.example/a?b=1")},
		{"re:budget", w("re:budget")},
		{"cid:image001.png@01D", w("cid:image001.png@01D")},
		{"no:5", w("no:5")},
		{"a:b:c", w("a:b:c")},
		{"and or not near", and(w("and"), w("or"), w("not"), w("near"))},
		{"NEARBY ORACLE", and(w("NEARBY"), w("ORACLE"))},
		{"a\x00b", and(w("a"), w("b"))},
		{"\ufeffbudget", w("budget")},
		// phrases and prefixes
		{`"budget memo"`, Term{Value: "budget memo", Phrase: true}},
		{`"  budget   memo "`, Term{Value: "budget memo", Phrase: true}},
		{`"OR"`, Term{Value: "OR", Phrase: true}},
		{`"budget mem"*`, Term{Value: "budget mem", Phrase: true, Prefix: true}},
		{"budg*", Term{Value: "budg", Prefix: true}},
		{"OR*", Term{Value: "OR", Prefix: true}},
		{`a"b"`, and(w("a"), Term{Value: "b", Phrase: true})},
		// boolean structure and precedence
		{"a b c", and(w("a"), w("b"), w("c"))},
		{"a AND b", and(w("a"), w("b"))},
		{"a OR b", or(w("a"), w("b"))},
		{"a OR b c", or(w("a"), and(w("b"), w("c")))},
		{"a b OR c", or(and(w("a"), w("b")), w("c"))},
		{"a AND b OR c AND d", or(and(w("a"), w("b")), and(w("c"), w("d")))},
		{"(a OR b) c", and(or(w("a"), w("b")), w("c"))},
		{"NOT a b", and(not(w("a")), w("b"))},
		{"a NOT b", and(w("a"), not(w("b")))},
		{"NOT a OR b", or(not(w("a")), w("b"))},
		{"-a", not(w("a"))},
		{"-(a OR b)", not(or(w("a"), w("b")))},
		{`-"a b"`, not(Term{Value: "a b", Phrase: true})},
		{"NOT NOT a", w("a")},
		{"--a", w("a")},
		{"-(-a)", w("a")},
		{"NOT -a", w("a")},
		{"((a))", w("a")},
		{"(a b) (c d)", and(w("a"), w("b"), w("c"), w("d"))},
		{"(a OR b) OR (c OR d)", or(w("a"), w("b"), w("c"), w("d"))},
		{"a-b", w("a-b")},
		{"(a)-b", and(w("a"), not(w("b")))},
		// fields
		{"from:jonas.reyes@harbor.example", f("from", "jonas.reyes@harbor.example")},
		{"From:Jonas", f("from", "Jonas")},
		{"SUBJECT:Budget", f("subject", "Budget")},
		{`to:"Mara Lind"`, Term{Field: "to", Value: "Mara Lind", Phrase: true}},
		{"cc:ma*", Term{Field: "cc", Value: "ma", Prefix: true}},
		{"bcc:x with:y person:z", and(f("bcc", "x"), f("with", "y"), f("person", "z"))},
		{"body:invoice filename:budget.xlsx", and(f("body", "invoice"), f("filename", "budget.xlsx"))},
		{"source:mail/2008/", f("source", "mail/2008/")},
		{`source:" Jonas  Reyes/inbox.mbox "`, Term{Field: "source", Value: "Jonas  Reyes/inbox.mbox", Phrase: true}},
		{"thread:4f2a id:4f2a9c01d3e5b7a8", and(f("thread", "4f2a"), f("id", "4f2a9c01d3e5b7a8"))},
		{"id:4f2a*", Term{Field: "id", Value: "4f2a", Prefix: true}},
		{"tag:Important bates:HARBOR-000123", and(f("tag", "Important"), f("bates", "HARBOR-000123"))},
		{"kind:Printed", f("kind", "printed")},
		{`kind:"native"`, f("kind", "native")},
		{"mid:<20080314.1234@harbor.example>", f("mid", "20080314.1234@harbor.example")},
		{"mid:20080314.1234@harbor.example", f("mid", "20080314.1234@harbor.example")},
		{"mid:<>", f("mid", "<>")},
		{"to:from:x", f("to", "from:x")},
		{"from:OR", f("from", "OR")},
		{"from:NEAR", f("from", "NEAR")},
		{"-from:jonas", not(f("from", "jonas"))},
		{"from:(jonas OR mara)", or(f("from", "jonas"), f("from", "mara"))},
		{"from:(jonas -mara) x", and(f("from", "jonas"), not(f("from", "mara")), w("x"))},
		{`subject:("q3 budget" OR memo*)`, or(Term{Field: "subject", Value: "q3 budget", Phrase: true}, Term{Field: "subject", Value: "memo", Prefix: true})},
		{"-subject:(a (b OR c))", not(and(f("subject", "a"), or(f("subject", "b"), f("subject", "c"))))},
		{"kind:(native OR printed)", or(f("kind", "native"), f("kind", "printed"))},
		// has
		{"has:attachment", Has{What: HasAttachment}},
		{"has:attachments", Has{What: HasAttachment}},
		{"has:Attach", Has{What: HasAttachment}},
		{"has:html has:date has:bates has:redaction", and(Has{HasHTML}, Has{HasDate}, Has{HasBates}, Has{HasRedaction})},
		{"-has:attachment", not(Has{HasAttachment})},
		{"has:(html OR attachment)", or(Has{HasHTML}, Has{HasAttachment})},
		// dates
		{"date:2008", DateRange{d(2008, 1, 1), d(2009, 1, 1)}},
		{"date:2008-03", DateRange{d(2008, 3, 1), d(2008, 4, 1)}},
		{"date:2008-12", DateRange{d(2008, 12, 1), d(2009, 1, 1)}},
		{"date:2008-03-14", DateRange{d(2008, 3, 14), d(2008, 3, 15)}},
		{"date:2008-3-4", DateRange{d(2008, 3, 4), d(2008, 3, 5)}},
		{"date:2008-02-29", DateRange{d(2008, 2, 29), d(2008, 3, 1)}},
		{"date:2008-01..2008-06", DateRange{d(2008, 1, 1), d(2008, 7, 1)}},
		{"date:2008-03..2008-03", DateRange{d(2008, 3, 1), d(2008, 4, 1)}},
		{"date:2008-03-14..2008-04", DateRange{d(2008, 3, 14), d(2008, 5, 1)}},
		{"date:..2008-06", DateRange{To: d(2008, 7, 1)}},
		{"date:2008..", DateRange{From: d(2008, 1, 1)}},
		{"before:2008-03-14", DateRange{To: d(2008, 3, 14)}},
		{"before:2008", DateRange{To: d(2008, 1, 1)}},
		{"after:2008-03-14", DateRange{From: d(2008, 3, 15)}},
		{"after:2008-03", DateRange{From: d(2008, 4, 1)}},
		{"after:2008", DateRange{From: d(2009, 1, 1)}},
		{"Date:2008 -date:2008-03", and(DateRange{d(2008, 1, 1), d(2009, 1, 1)}, not(DateRange{d(2008, 3, 1), d(2008, 4, 1)}))},
		{"date:(2008 OR 2010)", or(DateRange{d(2008, 1, 1), d(2009, 1, 1)}, DateRange{d(2010, 1, 1), d(2011, 1, 1)})},
		// NEAR
		{"NEAR(budget memo)", near("", 10, "budget", "memo")},
		{`NEAR/5(budget "q3 memo" draft)`, near("", 5, "budget", "q3 memo", "draft")},
		{"NEAR/0(a b)", near("", 0, "a", "b")},
		{"NEAR/007(a b)", near("", 7, "a", "b")},
		{"NEAR(or and)", near("", 10, "or", "and")},
		{"budget NEAR memo", near("", 10, "budget", "memo")},
		{"budget NEAR/3 memo NEAR/3 draft", near("", 3, "budget", "memo", "draft")},
		{`"q3 budget" NEAR/2 memo`, near("", 2, "q3 budget", "memo")},
		{"subject:NEAR/3(budget memo)", near("subject", 3, "budget", "memo")},
		{"subject:(budget NEAR memo)", near("subject", 10, "budget", "memo")},
		{"subject:budget NEAR subject:memo", near("subject", 10, "budget", "memo")},
		{"x -budget NEAR memo", and(w("x"), not(near("", 10, "budget", "memo")))},
		{"a NEAR b OR c", or(near("", 10, "a", "b"), w("c"))},
		{"-NEAR(a b)", not(near("", 10, "a", "b"))},
	}
	for _, tt := range tests {
		got, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q)\n got  %#v\n want %#v", tt.q, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		q    string
		pos  int
		msg  string // substring of Msg
		hint string // substring of Hint
	}{
		{`budget "memo`, 7, "unclosed quote", `add a closing " or remove the opening one`},
		{`from:"jonas`, 5, "unclosed quote", `add a closing "`},
		{"(a OR b", 0, `"(" is never closed`, `add a ")"`},
		{"a (b (c)", 2, `"(" is never closed`, `add a ")"`},
		{"NEAR(a b", 4, `"(" is never closed`, `add a ")"`},
		{"a OR b)", 6, `")" has no matching "("`, `remove it or add a "("`},
		{") a", 0, `")" has no matching "("`, "remove it"},
		{"a ()", 2, "empty parentheses", "put search terms inside"},
		{"from:()", 5, "empty parentheses", ""},
		{"a OR", 2, "OR needs a search term on both sides", `lower case (or) or in quotes ("OR")`},
		{"OR a", 0, "OR needs a search term on both sides", ""},
		{"a OR OR b", 2, "OR needs a search term on both sides", ""},
		{"(a OR) b", 3, "OR needs a search term on both sides", ""},
		{"a AND", 2, "AND needs a search term on both sides", "(and)"},
		{"AND a", 0, "AND needs a search term on both sides", ""},
		{"a AND OR b", 2, "AND needs a search term on both sides", ""},
		{"a NOT", 2, "NOT needs a search term after it", `("NOT")`},
		{"NOT OR a", 0, "NOT needs a search term after it", ""},
		{"a - b", 2, `"-" must be directly followed`, "without a space"},
		{"a -", 2, `"-" must be directly followed`, ""},
		{"(a -)", 3, `"-" must be directly followed`, ""},
		{"-OR", 0, `"-" needs a search term right after it`, ""},
		{"from:", 5, "from: needs a value", "from:jonas.reyes@harbor.example"},
		{"from: jonas", 5, "from: needs a value", "without a space"},
		{"(subject:)", 9, "subject: needs a value", `subject:"quarterly budget"`},
		{"from:-jonas", 5, `"-" right after from: is ambiguous`, "-from:value"},
		{"from:*", 5, "a lone * is not a from: value", "from:jonas*"},
		{"from:(*)", 6, "a lone * is not a from: value", ""},
		{"has:*", 4, "a lone * is not a has: value", "has:attachment"},
		{`tag:"  "`, 4, "empty tag: value", "tag:important"},
		{"form:jonas", 0, `unknown field "form"`, `did you mean "from:"?`},
		{"a Subjet:x", 2, `unknown field "Subjet"`, `did you mean "subject:"?`},
		{"fro:x", 0, `unknown field "fro"`, `"from:"`},
		{"bc:x bcx:y", 5, `unknown field "bcx"`, `"bcc:"`},
		{"sender:jonas", 0, `unknown field "sender"`, `"from:"`},
		{"dates:2008", 0, `unknown field "dates"`, `"date:"`},
		{"has:pdf", 4, `unknown has: value "pdf"`, "has:attachment, has:html, has:date, has:bates and has:redaction"},
		{"has:attachment*", 4, "has: values can't end in *", ""},
		{"kind:email", 5, `unknown kind "email"`, "native"},
		{"date:2008-13", 5, `bad date "2008-13" in date:`, "date must look like 2008, 2008-03, 2008-03-14 or 2008-01..2008-06"},
		{"date:2009-02-29", 5, "bad date", "date must look like"},
		{"date:08", 5, "bad date", "date must look like"},
		{"date:14.03.2008", 5, "bad date", "date must look like"},
		{"date:2008-03-14-01", 5, "bad date", ""},
		{"date:2008/03", 5, "bad date", ""},
		{`date:"2008"`, 5, `bad date "\"2008\""`, ""},
		{"date:2008*", 5, `bad date "2008*"`, ""},
		{"date:2008..2008-06..2009", 5, "bad date", ""},
		{"date:..", 5, `bad date ".."`, "at least one end"},
		{"date:2008-04..2008-03", 5, "ends before it starts", "earlier date first"},
		{"before:2008..2009", 7, "bad date", "for a range write date:"},
		{"after:yesterday", 6, "bad date", "after: takes one date"},
		{"date:2008 ..2009", 10, "looks like the end of a date range", "without spaces"},
		{"date:2008 .. 2009", 10, `".." has no letters or digits`, "without spaces"},
		{"NEAR()", 0, "NEAR without terms", "NEAR(budget memo)"},
		{"x NEAR/5()", 2, "NEAR without terms", ""},
		{"NEAR(a)", 0, "NEAR needs at least two terms", ""},
		{"NEAR(a* b)", 5, "prefix search (word*) can't be used inside NEAR", ""},
		{"NEAR(from:a b)", 5, "fields can't be used inside NEAR", "from:NEAR(a b)"},
		{"NEAR(a OR b)", 7, "NEAR( ... ) takes only words and phrases", ""},
		{"NEAR(a (b))", 7, "NEAR( ... ) takes only words and phrases", ""},
		{"NEAR/x(a b)", 0, `"NEAR/x" is not a NEAR distance`, "NEAR/5"},
		{"NEAR/(a b)", 0, "is not a NEAR distance", ""},
		{"NEAR/10000(a b)", 0, "is not a NEAR distance", "9999"},
		{"a NEAR/x b", 2, "is not a NEAR distance", ""},
		{"a NEAR", 2, "NEAR needs a word or phrase after it", ""},
		{"a NEAR (b c)", 2, "NEAR needs a word or phrase after it", ""},
		{"NEAR b", 0, "NEAR needs a word or phrase before it", `("NEAR")`},
		{"(a b) NEAR c", 0, "NEAR needs a single word or phrase before it", ""},
		{"a NEAR has:html", 7, "NEAR needs a single word or phrase after it", ""},
		{"a* NEAR b", 0, "prefix search (word*) can't be used with NEAR", ""},
		{"a NEAR b*", 7, "prefix search (word*) can't be used with NEAR", ""},
		{"a NEAR/3 b NEAR/4 c", 11, "must all use the same distance", "NEAR/4(a b c)"},
		{"subject:a NEAR b", 15, "must use the same field", "subject:NEAR(a b)"},
		{"source:NEAR(a b)", 7, "NEAR can't be used with source:", "subject:"},
		{"tag:a NEAR tag:b", 0, "NEAR can't be used with tag:", ""},
		{"a**", 2, "only one * may end a word", ""},
		{`"a"**`, 4, "only one * may end a phrase", ""},
		{"a*b", 1, "* can only end a word", "budg*"},
		{"*a", 0, "* can only end a word", ""},
		{"**", 1, "only one * may end a word", ""},
		{"&", 0, `"&" has no letters or digits`, "punctuation"},
		{"a ...", 2, `"..." has no letters or digits`, ""},
		{`""`, 0, "empty phrase", ""},
		{`a "  "`, 2, "empty phrase", ""},
		{`NEAR("" b)`, 5, "empty phrase", ""},
		{"from:(to:x)", 6, "to: can't be used inside from:( ... )", "outside the parentheses"},
		{"a \xffb", 2, "not valid UTF-8", ""},
		{strings.Repeat("(", MaxDepth+1) + "a" + strings.Repeat(")", MaxDepth+1), MaxDepth, "too many nested parentheses", ""},
	}
	for _, tt := range tests {
		n, err := Parse(tt.q)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error %q", tt.q, n, tt.msg)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error %T, want *SyntaxError", tt.q, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) || !strings.Contains(se.Hint, tt.hint) {
			t.Errorf("Parse(%q) = pos %d msg %q hint %q\n want pos %d msg ~%q hint ~%q", tt.q, se.Pos, se.Msg, se.Hint, tt.pos, tt.msg, tt.hint)
		}
		if !strings.HasPrefix(err.Error(), "query: ") {
			t.Errorf("Parse(%q) error %q lacks the query: prefix", tt.q, err)
		}
	}
}

func TestNestingLimitAllowsMaxDepth(t *testing.T) {
	q := strings.Repeat("(", MaxDepth) + "a" + strings.Repeat(")", MaxDepth)
	if n, err := Parse(q); err != nil || !reflect.DeepEqual(n, w("a")) {
		t.Fatalf("Parse(%d nested) = %v, %v", MaxDepth, n, err)
	}
}

func TestString(t *testing.T) {
	tests := []struct{ q, want string }{
		{"", "*"},
		{`From:(jonas OR mara) AND "budget   memo"`, `(from:jonas OR from:mara) "budget memo"`},
		{"budget NEAR/10 memo", "NEAR(budget memo)"},
		{"a AND b", "a b"},
		{"a OR (b OR c)", "a OR b OR c"},
		{"(a OR b) c", "(a OR b) c"},
		{"a OR b c", "a OR b c"},
		{"NOT (a b)", "-(a b)"},
		{"NOT (a OR b)", "-(a OR b)"},
		{"From:(jonas OR mara) x", "(from:jonas OR from:mara) x"},
		{`"budget   memo"`, `"budget memo"`},
		{`subject:"budget"`, `subject:"budget"`},
		{"NEAR/10(a b)", "NEAR(a b)"},
		{`a NEAR/4 "b c"`, `NEAR/4(a "b c")`},
		{`NEAR("re:x" "OR" "-y" "a:b")`, `NEAR("re:x" "OR" "-y" "a:b")`},
		{"has:attach", "has:attachment"},
		{"kind:NATIVE", "kind:native"},
		{"date:2008-01..2008-06", "date:2008-01..2008-06"},
		{"date:2008-01-01..2008-12-31", "date:2008"},
		{"date:2008-01-02..2008-12-31", "date:2008-01-02..2008-12-31"},
		{"date:2008..2009", "date:2008..2009"},
		{"date:2008-01..2008-01", "date:2008-01"},
		{"date:2008-03-14..2008-03-14", "date:2008-03-14"},
		{"date:2008..2008", "date:2008"},
		{"date:..2008-06", "before:2008-07"},
		{"date:2008-03-15..", "after:2008-03-14"},
		{"before:2008-03-14", "before:2008-03-14"},
		{"after:2008-03-14", "after:2008-03-14"},
		{"after:2008-12-31", "after:2008"},
		{"after:2008-03-31", "after:2008-03"},
		{"date:1000..", "date:1000.."},
		{"date:..9999", "date:..9999"},
		{"date:1000..9999", "date:1000..9999"},
		{"mid:<a@b.example>", "mid:a@b.example"},
		{`source:"Jonas Reyes/x.mbox"*`, `source:"Jonas Reyes/x.mbox"*`},
	}
	for _, tt := range tests {
		n, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		if got := n.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.q, got, tt.want)
		}
	}
}

// TestStringQuotesUnsafeValues covers trees built by hand, not by Parse:
// values that would not read back as one word are quoted.
func TestStringQuotesUnsafeValues(t *testing.T) {
	tests := []struct {
		n    Node
		want string
	}{
		{w("OR"), `"OR"`},
		{w("from:x"), `"from:x"`},
		{w("a b"), `"a b"`},
		{w("-x"), `"-x"`},
		{f("from", "-x"), `from:"-x"`},
		{f("from", "OR"), "from:OR"},
		{w("http://x"), "http://x"},
		{Term{Value: "NEAR", Prefix: true}, "NEAR*"},
		{near("", 3, "a b", "c"), `NEAR/3("a b" c)`},
		{And{}, "*"},
		{Or{}, "-*"},
		{and(w("a"), or(w("b"), w("c"))), "a (b OR c)"},
		{not(not(w("a"))), "--a"},
	}
	for _, tt := range tests {
		if got := tt.n.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, q := range fuzzSeeds {
		n, err := Parse(q)
		if err != nil {
			continue
		}
		s := n.String()
		n2, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q).String() = %q does not parse: %v", q, s, err)
			continue
		}
		if !reflect.DeepEqual(n, n2) {
			t.Errorf("round trip of %q via %q:\n got  %#v\n want %#v", q, s, n2, n)
		}
	}
}

func TestConstructorsSimplify(t *testing.T) {
	a, b, c := w("a"), w("b"), w("c")
	tests := []struct {
		got, want Node
	}{
		{NewAnd(), MatchAll{}},
		{NewAnd(a), a},
		{NewAnd(a, MatchAll{}), a},
		{NewAnd(and(a, b), c), and(a, b, c)},
		{NewAnd(a, nil, b), and(a, b)},
		{NewOr(), not(MatchAll{})},
		{NewOr(a), a},
		{NewOr(a, MatchAll{}), MatchAll{}},
		{NewOr(or(a, b), or(c)), or(a, b, c)},
		{NewOr(and(a, b), c), or(and(a, b), c)},
		{NewNot(a), not(a)},
		{NewNot(NewNot(a)), a},
	}
	for i, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("case %d: got %#v, want %#v", i, tt.got, tt.want)
		}
	}
}

func TestWalkAndFields(t *testing.T) {
	n, err := Parse("budget from:jonas (to:mara OR -has:html) subject:NEAR(a b) before:2009 after:2007 Tag:x")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Fields(n), []string{"date", "from", "has", "subject", "tag", "to"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Fields = %q, want %q", got, want)
	}
	if got := Fields(w("x")); len(got) != 0 {
		t.Errorf("Fields(unfielded) = %q, want none", got)
	}
	var kinds []string
	Walk(n, func(x Node) bool {
		switch x := x.(type) {
		case Or:
			kinds = append(kinds, "Or")
			return false // skip its children
		case Term:
			kinds = append(kinds, "Term:"+x.Value)
		case And:
			kinds = append(kinds, "And")
		default:
			kinds = append(kinds, reflect.TypeOf(x).Name())
		}
		return true
	})
	want := []string{"And", "Term:budget", "Term:jonas", "Or", "Near", "DateRange", "DateRange", "Term:x"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("Walk order = %q, want %q", kinds, want)
	}
}

func TestSyntaxErrorRendering(t *testing.T) {
	_, err := Parse("form:jonas")
	if got, want := err.Error(), `query: unknown field "form" at column 1; did you mean "from:"?`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}

	q := "東京 café (budget"
	_, err = Parse(q)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("want *SyntaxError, got %v", err)
	}
	if se.Pos != len("東京 café ") {
		t.Fatalf("Pos = %d", se.Pos)
	}
	if se.Column() != 9 {
		t.Errorf("Column() = %d, want 9 (characters, not bytes)", se.Column())
	}
	// 東京 is 4 cells wide, then " café " is 6 cells.
	if got, want := se.Caret(q), "東京 café (budget\n          ^"; got != want {
		t.Errorf("Caret =\n%s\nwant\n%s", got, want)
	}

	q = "a\tb OR"
	_, err = Parse(q)
	errors.As(err, &se)
	if got, want := se.Caret(q), "a b OR\n    ^"; got != want {
		t.Errorf("Caret with tab =\n%q\nwant\n%q", got, want)
	}

	q = "budget \"memo"
	_, err = Parse(q)
	errors.As(err, &se)
	if got, want := se.Caret(q), "budget \"memo\n       ^"; got != want {
		t.Errorf("Caret =\n%q\nwant\n%q", got, want)
	}
	if got := (&SyntaxError{Pos: 99, Msg: "x"}).Caret("ab"); got != "ab\n  ^" {
		t.Errorf("Caret clamps position: got %q", got)
	}
	if got := (&SyntaxError{Pos: 3, Msg: "m"}).Error(); got != "query: m at column 4" {
		t.Errorf("Error without hint = %q", got)
	}
}

func TestSuggestField(t *testing.T) {
	tests := map[string]string{
		"form": "from", "frm": "from", "subjet": "subject", "sbuject": "subject", "bodyy": "body",
		"tags": "tag", "thred": "thread", "filname": "filename", "bcx": "bcc", "labels": "tag",
		"re": "", "no": "", "tr": "", "http": "", "cid": "", "note": "", "for": "", "xyzzy": "",
	}
	for name, want := range tests {
		if got := suggestField(name); got != want {
			t.Errorf("suggestField(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestKnownFieldsParse(t *testing.T) {
	for _, fld := range KnownFields() {
		var q string
		switch fld {
		case "has":
			q = "has:html"
		case "date", "before", "after":
			q = fld + ":2008"
		case "kind":
			q = "kind:native"
		default:
			q = fld + ":x1"
		}
		n, err := Parse(strings.ToUpper(fld[:1]) + q[1:])
		if err != nil {
			t.Errorf("field %s: %v", fld, err)
			continue
		}
		if tm, ok := n.(Term); ok && tm.Field != fld {
			t.Errorf("field %s parsed as %q", fld, tm.Field)
		}
	}
}
