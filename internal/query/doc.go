// Package query owns casefile's search query language: a lexer and a
// recursive-descent parser that turn the text a user types into a small,
// backend-neutral syntax tree (And, Or, Not, MatchAll, Term, Near, Has,
// DateRange). Storage backends (SQLite FTS5, later PostgreSQL) compile
// that tree; this package knows nothing about SQL or tokenizers.
//
// # Words, phrases, prefixes
//
//	budget              a word: any run of characters up to white space,
//	                    a parenthesis or a double quote, e.g.
//	                    jonas.reyes@harbor.example, o'brien, AT&T, 東京
//	"budget memo"       a phrase: the words in this order; there is no
//	                    escape for " inside a phrase
//	budg*               a prefix: words starting with budg (one * at the
//	                    very end only; "budget mem"* is a phrase prefix)
//	*                   on its own: every message (MatchAll)
//
// Backends tokenize a word the way they tokenize indexed text, so
// jonas.reyes@harbor.example is matched as the phrase "jonas reyes
// harbor example". A word or phrase searched as text must contain at
// least one letter or digit. Runs of white space inside a phrase are
// collapsed to one space. Words like http://x or re:budget are plain
// words (see Fields below).
//
// # Operators and precedence
//
// From tightest to loosest:
//
//	a NEAR/5 b          NEAR between words (see below)
//	NOT a, -a           negation; also -"a phrase", -from:x, -( ... )
//	a b, a AND b        conjunction (adjacent items are ANDed)
//	a OR b              disjunction
//
// So `a OR b c` means a OR (b AND c), `NOT a b` means (NOT a) AND b and
// `-a NEAR b` means NOT (a NEAR b). Parentheses group as usual. The
// keywords AND, OR, NOT and NEAR are recognised only in upper case;
// lower-case and/or/not/near and quoted "OR" are ordinary words. A
// leading - must touch what it negates: `a - b` is an error. A query
// may consist of negations only (-from:x matches everything not from x).
//
// # NEAR
//
// Both forms are accepted and produce the same Near node:
//
//	NEAR(budget memo)          within 10 words (DefaultNearDistance)
//	NEAR/5(budget "q3 memo" x) all terms within 5 words, any order
//	budget NEAR/5 memo         infix form; a chain a NEAR/5 b NEAR/5 c
//	                           is NEAR/5(a b c) and must use one distance
//	subject:NEAR/3(a b)        NEAR inside one text field
//	subject:(a NEAR b)         the same, via a field group
//
// NEAR takes at least two words or phrases, no prefixes, no fields
// inside, and works only on text fields (see TextFields). The function
// form needs "(" right after NEAR or NEAR/n. Distances are 0 to
// MaxNearDistance.
//
// # Fields
//
// field:value, field:"a phrase", field:prefix*, field:NEAR(a b) and
// field:( ... ), where the field applies to every word of the group, so
// from:(jonas OR mara) is from:jonas OR from:mara. Field names are case
// insensitive (From: is from:); values keep their case. The value must
// follow the colon directly.
//
//	from: to: cc: bcc:   sender / recipients (name or address)
//	with:                any participant (from, sender, to, cc, bcc)
//	person:              a person as resolved by the people index
//	subject: body:       header subject / body text
//	filename:            attachment file names
//	source:              path prefix of a source file (provenance)
//	thread: id:          thread id / casefile message id
//	tag: bates:          user tag / Bates number
//	mid:                 Message-ID; surrounding <...> are removed
//	kind:                native, printed or page (lower-cased); without
//	                     kind:, pages are left out of results
//	has:                 attachment (also attachments, attach), html,
//	                     date, bates, redaction
//	date: before: after: see Dates
//
// A word whose letters before a colon are not a field name is a plain
// word (http://harbor.example, re:budget), unless the name looks like a
// misspelt field: within edit distance 1 of a field for names of 3-4
// letters, 2 for longer names (form:, subjet:), or a common synonym
// (sender:, label:, attachment:, since:, ...). That is an error that
// suggests the field. Names under 3 letters and URL schemes (http, cid,
// mailto, ...) are never flagged.
//
// # Dates
//
// Dates are calendar periods in UTC and resolve to half-open intervals
// [From, To):
//
//	date:2008                  [2008-01-01, 2009-01-01)
//	date:2008-03               [2008-03-01, 2008-04-01)
//	date:2008-03-14            [2008-03-14, 2008-03-15)
//	date:2008-01..2008-06      [2008-01-01, 2008-07-01) both ends inclusive
//	date:..2008-06             [open, 2008-07-01)
//	date:2008..                [2008-01-01, open)
//	before:2008-03-14          [open, 2008-03-14)  strictly before the day
//	after:2008-03-14           [2008-03-15, open)  strictly after the day
//	after:2008                 [2009-01-01, open)
//
// before: and after: take a single year, month or day and exclude it;
// use date:D.. or date:..D to include it. Months and days may be
// written with one digit (2008-3-4).
//
// # Errors
//
// Parse returns a *SyntaxError with the byte offset of the problem, a
// message and a hint; Error() reports a 1-based character column and
// Caret renders the query with a ^ under the spot. Errors include:
// unclosed quotes, unbalanced parentheses, empty parentheses, AND/OR
// without a term on each side, NOT or - with nothing after it, empty
// field values (from: x), unknown has: or kind: values, bad dates, NEAR
// without (enough) terms, misplaced *, terms without letters or digits,
// unknown-but-close field names, and invalid UTF-8.
//
// # Tree
//
// Parse simplifies while building: nested And/Or are flattened, a
// single-child And/Or is its child, double negations cancel, MatchAll
// disappears inside And and absorbs an Or. Every node's String returns
// a canonical query that parses back to an equal tree (field groups are
// expanded, dates printed as before:/after:/date: in their shortest
// form, NEAR in the function form).
package query
