package query

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultNearDistance is the NEAR distance used when none is written:
// NEAR(a b) means NEAR/10(a b).
const DefaultNearDistance = 10

// MaxNearDistance is the largest distance accepted in NEAR/n.
const MaxNearDistance = 9999

// Field names as they appear in Term.Field and Near.Field (always lower
// case). An empty Field means "any text column".
const (
	FieldFrom     = "from"     // sender (name or address)
	FieldTo       = "to"       // To recipients
	FieldCc       = "cc"       // Cc recipients
	FieldBcc      = "bcc"      // Bcc recipients
	FieldWith     = "with"     // any participant: from, sender, to, cc, bcc
	FieldSubject  = "subject"  // Subject header
	FieldBody     = "body"     // body text
	FieldFilename = "filename" // attachment file names
	FieldPerson   = "person"   // a person as resolved by the people index
	FieldSource   = "source"   // path prefix of a source file (provenance)
	FieldThread   = "thread"   // thread id
	FieldID       = "id"       // casefile message id
	FieldTag      = "tag"      // user tag
	FieldBates    = "bates"    // Bates number of a printed page
	FieldKind     = "kind"     // "native", "printed" or "page"
	FieldMID      = "mid"      // Message-ID header (without angle brackets)
)

// Values of Has.What.
const (
	HasAttachment = "attachment"
	HasHTML       = "html"
	HasDate       = "date"
	HasBates      = "bates"
	HasRedaction  = "redaction"
)

// TextFields returns the fields whose values are matched against
// tokenized text (as the full-text index does): phrases in them are
// whitespace-normalized, terms must contain a letter or digit, and NEAR
// may be used with them. The empty string (any text column) is included.
func TextFields() []string {
	return []string{"", FieldFrom, FieldTo, FieldCc, FieldBcc, FieldWith,
		FieldSubject, FieldBody, FieldFilename, FieldPerson}
}

// ExactFields returns the fields whose values are identifiers or paths
// matched exactly (or as a prefix with `*`; source: always as a prefix).
// Quoted values keep their inner spacing.
func ExactFields() []string {
	return []string{FieldSource, FieldThread, FieldID, FieldTag, FieldBates, FieldKind, FieldMID}
}

// KnownFields returns every name accepted before a colon, including the
// filter names has, date, before and after.
func KnownFields() []string {
	return append(append(TextFields()[1:], ExactFields()...), "has", "date", "before", "after")
}

// HasValues returns the canonical values accepted by has:.
func HasValues() []string {
	return []string{HasAttachment, HasHTML, HasDate, HasBates, HasRedaction}
}

// IsTextField reports whether field is one of TextFields.
func IsTextField(field string) bool { return slices.Contains(TextFields(), field) }

func isKnownField(name string) bool { return slices.Contains(KnownFields(), name) }

// Node is one node of a parsed query. The set of node types is closed:
// And, Or, Not, MatchAll, Term, Near, Has and DateRange. Parse returns
// them as values (not pointers), so backends type-switch on the value
// types. String returns a canonical query that parses back to an equal
// node.
type Node interface {
	String() string
	isNode()
}

// And matches when every child matches. Built by NewAnd it has at least
// two children, none of them And or MatchAll.
type And struct{ Children []Node }

// Or matches when any child matches. Built by NewOr it has at least two
// children, none of them Or or MatchAll.
type Or struct{ Children []Node }

// Not matches when Child does not. Built by NewNot, Child is never a Not.
type Not struct{ Child Node }

// MatchAll matches every message. Parse returns it for an empty query
// and for a lone `*`.
type MatchAll struct{}

// Term matches a word, a phrase or a prefix.
type Term struct {
	// Field is one of the Field* constants, or "" for any text column.
	Field string
	// Value is the text as written (case kept). For phrases in text
	// fields runs of spaces are collapsed to one; for a mid: value
	// surrounding angle brackets are removed; kind: values are lower case.
	Value string
	// Phrase is set when the value was quoted; backends match its words
	// as a sequence (for exact fields: the value as a whole).
	Phrase bool
	// Prefix is set for a trailing `*`: match words (or, for exact
	// fields, values) starting with Value.
	Prefix bool
}

// Near matches when all Terms occur within Distance words of each other,
// in any order. Each term is a word or a phrase (containing spaces).
type Near struct {
	Field    string // "" or one of TextFields
	Terms    []string
	Distance int
}

// Has is a has: filter; What is one of the Has* constants.
type Has struct{ What string }

// DateRange matches messages whose UTC date lies in [From, To). A nil
// bound is open. Messages without a usable date never match (so a
// Not{DateRange} includes them, like any negation). Parse sets
// both bounds to midnight UTC and never returns both nil.
type DateRange struct{ From, To *time.Time }

func (And) isNode()       {}
func (Or) isNode()        {}
func (Not) isNode()       {}
func (MatchAll) isNode()  {}
func (Term) isNode()      {}
func (Near) isNode()      {}
func (Has) isNode()       {}
func (DateRange) isNode() {}

// NewAnd builds the conjunction of children, simplified: nested Ands are
// flattened, MatchAll children dropped, and a single child is returned
// as is. With no children left it returns MatchAll{}.
func NewAnd(children ...Node) Node {
	var out []Node
	for _, c := range children {
		switch c := c.(type) {
		case nil, MatchAll:
		case And:
			out = append(out, c.Children...)
		default:
			out = append(out, c)
		}
	}
	switch len(out) {
	case 0:
		return MatchAll{}
	case 1:
		return out[0]
	}
	return And{Children: out}
}

// NewOr builds the disjunction of children, simplified: nested Ors are
// flattened, a MatchAll child makes the whole Or MatchAll, and a single
// child is returned as is. With no children it returns Not{MatchAll{}}
// (matches nothing).
func NewOr(children ...Node) Node {
	var out []Node
	for _, c := range children {
		switch c := c.(type) {
		case nil:
		case MatchAll:
			return MatchAll{}
		case Or:
			out = append(out, c.Children...)
		default:
			out = append(out, c)
		}
	}
	switch len(out) {
	case 0:
		return Not{Child: MatchAll{}}
	case 1:
		return out[0]
	}
	return Or{Children: out}
}

// NewNot negates child; a double negation cancels out.
func NewNot(child Node) Node {
	if n, ok := child.(Not); ok {
		return n.Child
	}
	return Not{Child: child}
}

// String prints the children separated by spaces (implicit AND),
// parenthesizing Or children.
func (n And) String() string {
	if len(n.Children) == 0 {
		return "*"
	}
	parts := make([]string, len(n.Children))
	for i, c := range n.Children {
		parts[i] = wrap(c)
	}
	return strings.Join(parts, " ")
}

// String prints the children separated by " OR ".
func (n Or) String() string {
	if len(n.Children) == 0 {
		return "-*"
	}
	parts := make([]string, len(n.Children))
	for i, c := range n.Children {
		if _, ok := c.(Or); ok {
			parts[i] = "(" + c.String() + ")"
		} else {
			parts[i] = c.String()
		}
	}
	return strings.Join(parts, " OR ")
}

// String prints "-" followed by the child, parenthesized if it is an
// And or an Or.
func (n Not) String() string {
	if n.Child == nil {
		return "-*"
	}
	return "-" + wrap(n.Child)
}

// wrap parenthesizes And and Or nodes.
func wrap(n Node) string {
	switch n.(type) {
	case And, Or:
		return "(" + n.String() + ")"
	}
	return n.String()
}

// String returns "*".
func (MatchAll) String() string { return "*" }

// String prints field:value, field:"phrase", value* and so on.
func (t Term) String() string {
	var b strings.Builder
	if t.Field != "" {
		b.WriteString(t.Field)
		b.WriteByte(':')
	}
	if t.Phrase || !bareSafe(t.Value, t.Prefix, t.Field != "") {
		b.WriteString(quote(t.Value))
	} else {
		b.WriteString(t.Value)
	}
	if t.Prefix {
		b.WriteByte('*')
	}
	return b.String()
}

// String prints field:NEAR/n(a "b c"), omitting /n when n is
// DefaultNearDistance.
func (n Near) String() string {
	var b strings.Builder
	if n.Field != "" {
		b.WriteString(n.Field)
		b.WriteByte(':')
	}
	b.WriteString("NEAR")
	if n.Distance != DefaultNearDistance {
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(n.Distance))
	}
	b.WriteByte('(')
	for i, t := range n.Terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		if bareSafe(t, false, false) && !strings.Contains(t, ":") {
			b.WriteString(t)
		} else {
			b.WriteString(quote(t))
		}
	}
	b.WriteByte(')')
	return b.String()
}

// String returns "has:" and the value.
func (h Has) String() string { return "has:" + h.What }

// String prints the range in the shortest form that parses back to it:
// before:D, after:D, date:D or date:A..B, each bound written as a year,
// month or day. Times inside a day are truncated to the day.
func (d DateRange) String() string {
	switch {
	case d.From == nil && d.To == nil:
		return "date:.." // never produced by Parse; does not parse back
	case d.From == nil:
		if day(*d.To).Year() > 9999 { // before:10000 would not parse
			return "date:.." + endRepr(*d.To, grainYear)
		}
		return "before:" + startRepr(*d.To, grainYear)
	case d.To == nil:
		if day(*d.From).AddDate(0, 0, -1).Year() < 1000 { // nor after:0999
			return "date:" + startRepr(*d.From, grainYear) + ".."
		}
		return "after:" + endRepr(*d.From, grainYear)
	}
	from, to := day(*d.From), day(*d.To)
	switch {
	case from.Month() == 1 && from.Day() == 1 && to.Equal(from.AddDate(1, 0, 0)):
		return fmt.Sprintf("date:%04d", from.Year())
	case from.Day() == 1 && to.Equal(from.AddDate(0, 1, 0)):
		return fmt.Sprintf("date:%04d-%02d", from.Year(), from.Month())
	case to.Equal(from.AddDate(0, 0, 1)):
		return fmt.Sprintf("date:%04d-%02d-%02d", from.Year(), from.Month(), from.Day())
	}
	g := max(grain(from), grain(to))
	return "date:" + startRepr(from, g) + ".." + endRepr(to, g)
}

// Granularities of a date bound: a bound on a year boundary can be
// written as a year, and so on.
const (
	grainYear = iota
	grainMonth
	grainDay
)

func grain(t time.Time) int {
	switch {
	case t.Month() == 1 && t.Day() == 1:
		return grainYear
	case t.Day() == 1:
		return grainMonth
	}
	return grainDay
}

func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// startRepr writes the period of granularity at least g that starts at t.
func startRepr(t time.Time, g int) string {
	t = day(t)
	switch max(grain(t), g) {
	case grainYear:
		return fmt.Sprintf("%04d", t.Year())
	case grainMonth:
		return fmt.Sprintf("%04d-%02d", t.Year(), t.Month())
	}
	return fmt.Sprintf("%04d-%02d-%02d", t.Year(), t.Month(), t.Day())
}

// endRepr writes the period of granularity at least g that ends
// (exclusively) at t.
func endRepr(t time.Time, g int) string {
	t = day(t)
	switch max(grain(t), g) {
	case grainYear:
		return fmt.Sprintf("%04d", t.Year()-1)
	case grainMonth:
		p := t.AddDate(0, -1, 0)
		return fmt.Sprintf("%04d-%02d", p.Year(), p.Month())
	}
	p := t.AddDate(0, 0, -1)
	return fmt.Sprintf("%04d-%02d-%02d", p.Year(), p.Month(), p.Day())
}

// quote wraps v in double quotes. The language has no escape for a
// double quote inside a phrase, so any are replaced by spaces (Parse
// never produces them).
func quote(v string) string {
	return `"` + strings.ReplaceAll(v, `"`, " ") + `"`
}

// bareSafe reports whether v (followed by * when prefix) can be written
// unquoted and read back as the same single value, after a field name
// (fielded) or on its own.
func bareSafe(v string, prefix, fielded bool) bool {
	if v == "" || v[0] == '-' {
		return false
	}
	for _, r := range v {
		if isSep(r) || r == '(' || r == ')' || r == '"' || r == '*' {
			return false
		}
	}
	if fielded {
		return true
	}
	if prefix {
		v += "*"
	}
	switch v {
	case "AND", "OR", "NOT", "NEAR":
		return false
	}
	if strings.HasPrefix(v, "NEAR/") {
		return false
	}
	if name, ok := fieldPrefix(v); ok {
		name = strings.ToLower(name)
		if isKnownField(name) || suggestField(name) != "" {
			return false
		}
	}
	return true
}

// Walk calls fn for n and then, if fn returned true, for each child of n
// (depth first, in order).
func Walk(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	switch n := n.(type) {
	case And:
		for _, c := range n.Children {
			Walk(c, fn)
		}
	case Or:
		for _, c := range n.Children {
			Walk(c, fn)
		}
	case Not:
		Walk(n.Child, fn)
	}
}

// Fields returns the sorted, distinct field names used in n: Term and
// Near fields, "has" for Has filters and "date" for DateRange filters
// (including those written as before: and after:). Unfielded terms are
// not listed; the result is empty for a query without fields.
func Fields(n Node) []string {
	var out []string
	add := func(f string) {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	Walk(n, func(x Node) bool {
		switch x := x.(type) {
		case Term:
			add(x.Field)
		case Near:
			add(x.Field)
		case Has:
			add("has")
		case DateRange:
			add("date")
		}
		return true
	})
	slices.Sort(out)
	return out
}

// NamesKind reports whether the query mentions kind: anywhere. Backends
// leave document pages (kind page) out of a query that does not, so a
// search finds messages unless pages are asked for.
func NamesKind(n Node) bool {
	switch n := n.(type) {
	case And:
		for _, c := range n.Children {
			if NamesKind(c) {
				return true
			}
		}
	case Or:
		for _, c := range n.Children {
			if NamesKind(c) {
				return true
			}
		}
	case Not:
		return NamesKind(n.Child)
	case Term:
		return n.Field == FieldKind
	}
	return false
}
