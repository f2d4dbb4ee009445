package postgres

import (
	"strings"
	"testing"
)

func TestSnippet(t *testing.T) {
	long := "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " +
		"seventeen eighteen nineteen twenty budget twentytwo twentythree twentyfour twentyfive twentysix twentyseven " +
		"twentyeight twentynine thirty thirtyone thirtytwo thirtythree thirtyfour thirtyfive thirtysix thirtyseven thirtyeight"
	term := func(cols []int, prefix bool, ws ...string) hlTerm {
		return hlTerm{cols: cols, words: ws, prefix: prefix}
	}
	any := fieldCols[""]
	tests := []struct {
		name  string
		f     fields
		terms []hlTerm
		want  string
	}{
		{"word in body", fields{fSubject: "Q3", fBody: "Mara, the Budget is attached."}, []hlTerm{term(any, false, "budget")},
			"Mara, the «Budget» is attached."},
		{"accents fold", fields{fSender: "Zoë Müller <zoe.muller@lumen.example>"}, []hlTerm{term(any, false, "muller")},
			"Zoë «Müller» <zoe.«muller»@lumen.example>"},
		{"phrase is one mark", fields{fBody: "the budget memo is here"}, []hlTerm{term(any, false, "budget", "memo")},
			"the «budget memo» is here"},
		{"prefix", fields{fBody: "we budgeted it"}, []hlTerm{term(any, true, "budg")}, "we «budgeted» it"},
		{"field limits the column", fields{fSubject: "budget", fBody: "budget again"}, []hlTerm{term([]int{fBody}, false, "budget")},
			"«budget» again"},
		{"more terms win", fields{fSubject: "budget", fBody: "budget and memo"},
			[]hlTerm{term(any, false, "budget"), term(any, false, "memo")}, "«budget» and «memo»"},
		{"long text is cut around the match", fields{fBody: long}, []hlTerm{term(any, false, "budget")},
			"…ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty «budget» twentytwo twentythree twentyfour twentyfive twentysix twentyseven twentyeight twentynine thirty thirtyone thirtytwo thirtythree…"},
		{"no match shows the start", fields{fBody: "nothing here"}, []hlTerm{term(any, false, "budget")}, "nothing here"},
	}
	for _, tc := range tests {
		if got := snippet(tc.f, tc.terms, "«", "»"); got != tc.want {
			t.Errorf("%s: snippet = %q, want %q", tc.name, got, tc.want)
		}
	}
	// Every window is at most snippetWords words.
	got := snippet(fields{fBody: long}, []hlTerm{term(any, false, "one")}, "[", "]")
	if n := len(strings.Fields(got)); n != snippetWords || !strings.HasPrefix(got, "[one]") || !strings.HasSuffix(got, "…") {
		t.Errorf("snippet at the start = %q (%d words)", got, n)
	}
}
