package query

import (
	"errors"
	"reflect"
	"testing"
)

// fuzzSeeds are queries covering every construct and error path.
var fuzzSeeds = []string{
	"", "   ", "*", "-*", "budget", "budget memo", `"budget memo"`, `"budget mem"*`, "budg*",
	"a OR b c", "a AND b OR c", "NOT a b", "-a -(b OR c)", "--a", "NOT NOT a",
	"from:jonas.reyes@harbor.example", `From:"Jonas Reyes"`, "from:(a OR b) c", "-from:(a -b)",
	"subject:NEAR/3(budget memo)", "NEAR(a b)", "NEAR/0(a \"b c\" d)", "a NEAR/5 b NEAR/5 c",
	"subject:a NEAR subject:b", "has:attachment", "has:attach", "-has:html", "has:(date OR bates)",
	"date:2008", "date:2008-03", "date:2008-03-14", "date:2008-01..2008-06", "date:..2008-06", "date:2008..",
	"before:2008-03-14", "after:2008-03-14", "after:2008", "before:2008-03", "kind:PRINTED", "kind:(native OR printed)",
	"mid:<20080314.1234@harbor.example>", `source:" Jonas Reyes/inbox.mbox "`, "source:mail/2008/*", "id:4f2a*",
	"http://harbor.example/x", "re:budget", "o'brien", "AT&T", "naïve café 東京", "a:b:c", "to:from:x",
	"form:x", "subjet:x", `"unclosed`, "(a", "a)", "()", "a OR", "OR a", "a AND", "a AND OR b", "NOT", "a -",
	"from:", "from: x", "from:-x", "from:*", "has:foo", "date:2008-13", "date:2008-04..2008-03", "date:..",
	"before:2008..2009", "NEAR()", "NEAR(a)", "NEAR(a*)", "NEAR(from:a b)", "a NEAR", "NEAR b", "a NEAR/3 b NEAR/4 c",
	"NEAR/x(a b)", "a**", "a*b", "&", `""`, `"  "`, "from:(to:x)", "kind:nope", "source:NEAR(a b)",
	"a\x00b", "\xff", "((((a))))", "from:NEAR", "from:(NEAR(a b))", "(a OR b) NEAR c", "a b OR c d",
	"-NEAR(a b)", "tag:\"\"", "date:2008 ..2009", "\ufefffrom:x", "mid:<<>>", "subject:\"a\tb\"",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := Parse(q)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T is not *SyntaxError: %v", q, err, err)
			}
			if se.Pos < 0 || se.Pos > len(q) {
				t.Fatalf("Parse(%q) error position %d outside [0,%d]: %v", q, se.Pos, len(q), err)
			}
			if n != nil {
				t.Fatalf("Parse(%q) returned both a node and an error", q)
			}
			_ = se.Caret(q)
			return
		}
		s := n.String()
		n2, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, String %q does not parse: %v", q, n, s, err)
		}
		if !reflect.DeepEqual(n, n2) {
			t.Fatalf("round trip differs for %q:\n  first  %#v\n  string %q\n  second %#v", q, n, s, n2)
		}
		if s2 := n2.String(); s2 != s {
			t.Fatalf("String not canonical for %q: %q then %q", q, s, s2)
		}
	})
}
