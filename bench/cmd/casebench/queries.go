package main

import (
	"fmt"
	"strings"

	"github.com/casefile/casefile/bench/corpus"
)

// benchQuery is one query of the fixed set, written in each tool's
// syntax. All three must mean the same thing; hit counts can still differ
// because the tools tokenise, stem and index attachments differently.
type benchQuery struct {
	Kind     string // what the query exercises
	Casefile string // casefile query language (docs/query.md)
	Notmuch  string // notmuch-search-terms(7), Xapian syntax
	Mu       string // mu-query(7)
}

// dateRange is an inclusive range of calendar days in UTC.
type dateRange struct{ from, to [3]int }

func (d dateRange) casefile() string {
	return fmt.Sprintf("date:%04d-%02d..%04d-%02d", d.from[0], d.from[1], d.to[0], d.to[1])
}

func (d dateRange) notmuch() string {
	return fmt.Sprintf("date:%04d-%02d-%02d..%04d-%02d-%02d", d.from[0], d.from[1], d.from[2], d.to[0], d.to[1], d.to[2])
}

func (d dateRange) mu() string {
	return fmt.Sprintf("date:%04d%02d%02d..%04d%02d%02d", d.from[0], d.from[1], d.from[2], d.to[0], d.to[1], d.to[2])
}

// buildQueries derives the fixed query set from a corpus: the words and
// people are chosen by frequency rank, so the set has the same shape for
// every seed. The harness runs notmuch and mu with TZ=UTC so their date
// ranges are UTC days like casefile's.
func buildQueries(c *corpus.Corpus) []benchQuery {
	w := c.Word
	top, second := c.Person(0).Address, c.Person(1).Address
	mid := c.Person(300).Address
	h1 := dateRange{[3]int{2008, 1, 1}, [3]int{2008, 6, 30}}
	y := dateRange{[3]int{2012, 1, 1}, [3]int{2012, 12, 31}}
	y3 := dateRange{[3]int{2009, 1, 1}, [3]int{2011, 12, 31}}
	prefix := func(s string, n int) string { return s[:min(n, len(s))] }
	same := func(kind, q string) benchQuery { return benchQuery{kind, q, q, q} }
	and := func(kind string, terms ...string) benchQuery {
		return benchQuery{kind, strings.Join(terms, " "), strings.Join(terms, " and "), strings.Join(terms, " and ")}
	}
	return []benchQuery{
		same("common word", "meeting"),
		same("common word", "budget"),
		same("most frequent generated word", w(0)),
		same("frequent word (rank 100)", w(100)),
		same("mid word (rank 2000)", w(2000)),
		same("rare word (rank 20000)", w(20000)),
		same("rare word (rank 45000)", w(45000)),
		same("absent word", "zqxjvwabsent"),
		and("two words AND", "budget", w(5)),
		and("two rare words AND", w(3000), w(8000)),
		and("three words AND", "report", w(1), w(50)),
		same("phrase", `"board meeting"`),
		same("phrase", `"wire transfer"`),
		same("three-word phrase", `"please find attached"`),
		same("from: address (most active)", "from:"+top),
		same("from: address (rank 300)", "from:"+mid),
		same("to: address", "to:"+second),
		{"date range (6 months)", h1.casefile(), h1.notmuch(), h1.mu()},
		{"date range (a year)", "date:2012", y.notmuch(), y.mu()},
		{"word + date range", "budget " + h1.casefile(), "budget and " + h1.notmuch(), "budget and " + h1.mu()},
		same("prefix (common)", "budg*"),
		same("prefix (generated)", prefix(w(20), 4)+"*"),
		same("prefix (rare)", prefix(w(30000), 5)+"*"),
		{"OR", "meeting OR budget", "meeting or budget", "meeting or budget"},
		{"OR rare", w(1000) + " OR " + w(2000), w(1000) + " or " + w(2000), w(1000) + " or " + w(2000)},
		{"NOT", "budget -meeting", "budget and not meeting", "budget and not meeting"},
		{"NOT frequent", w(0) + " -" + w(5), w(0) + " and not " + w(5), w(0) + " and not " + w(5)},
		{"subject: word", "subject:" + w(0), "subject:" + w(0), "subject:" + w(0)},
		{"has:attachment + word", "has:attachment budget", "tag:attachment and budget", "flag:attach and budget"},
		{"combination: from + OR + NOT",
			"from:" + top + " (budget OR invoice) -draft",
			"from:" + top + " and (budget or invoice) and not draft",
			"from:" + top + " and (budget or invoice) and not draft"},
		{"combination: phrase + date",
			`"wire transfer" ` + y3.casefile(),
			`"wire transfer" and ` + y3.notmuch(),
			`"wire transfer" and ` + y3.mu()},
	}
}
