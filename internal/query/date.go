package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const dateHint = "date must look like 2008, 2008-03, 2008-03-14 or 2008-01..2008-06"

// parsePeriod parses YYYY, YYYY-MM or YYYY-MM-DD (month and day may have
// one digit) into the half-open UTC interval it covers.
func parsePeriod(s string) (start, end time.Time, ok bool) {
	parts := strings.Split(s, "-")
	if len(parts) > 3 || len(parts[0]) != 4 {
		return start, end, false
	}
	num := func(p string, maxLen int) (int, bool) {
		if p == "" || len(p) > maxLen || strings.TrimLeft(p, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.Atoi(p)
		return n, err == nil
	}
	y, ok := num(parts[0], 4)
	if !ok || y < 1000 {
		return start, end, false
	}
	m, d := 1, 1
	if len(parts) > 1 {
		if m, ok = num(parts[1], 2); !ok || m < 1 || m > 12 {
			return start, end, false
		}
	}
	if len(parts) > 2 {
		if d, ok = num(parts[2], 2); !ok || d < 1 {
			return start, end, false
		}
	}
	start = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if start.Day() != d { // e.g. 2008-02-30
		return start, end, false
	}
	switch len(parts) {
	case 1:
		end = start.AddDate(1, 0, 0)
	case 2:
		end = start.AddDate(0, 1, 0)
	default:
		end = start.AddDate(0, 0, 1)
	}
	return start, end, true
}

// dateFilter turns the value of date:, before: or after: into a
// DateRange.
func dateFilter(field string, t token) (Node, *SyntaxError) {
	v := t.val
	bad := func(hint string) *SyntaxError {
		shown := v
		if t.kind == tPhrase {
			shown = `"` + v + `"`
		}
		if t.prefix {
			shown += "*"
		}
		return errAt(t.pos, fmt.Sprintf("bad date %q in %s:", shown, field), hint)
	}
	if field != "date" {
		hint := field + ": takes one date: 2008, 2008-03 or 2008-03-14"
		if strings.Contains(v, "..") {
			hint += "; for a range write date:2008-01..2008-06"
		}
		if t.kind == tPhrase || t.prefix {
			return nil, bad(hint)
		}
		start, end, ok := parsePeriod(v)
		if !ok {
			return nil, bad(hint)
		}
		if field == "before" {
			return DateRange{To: &start}, nil
		}
		return DateRange{From: &end}, nil
	}
	if t.kind == tPhrase || t.prefix {
		return nil, bad(dateHint)
	}
	a, b, isRange := strings.Cut(v, "..")
	if !isRange {
		start, end, ok := parsePeriod(v)
		if !ok {
			return nil, bad(dateHint)
		}
		return DateRange{From: &start, To: &end}, nil
	}
	if a == "" && b == "" {
		return nil, bad("give at least one end of the range, e.g. date:2008.. or date:..2008-06")
	}
	var r DateRange
	if a != "" {
		start, _, ok := parsePeriod(a)
		if !ok {
			return nil, bad(dateHint)
		}
		r.From = &start
	}
	if b != "" {
		_, end, ok := parsePeriod(b)
		if !ok {
			return nil, bad(dateHint)
		}
		r.To = &end
	}
	if r.From != nil && r.To != nil && !r.From.Before(*r.To) {
		return nil, errAt(t.pos, fmt.Sprintf("date range %q ends before it starts", v),
			"put the earlier date first, e.g. date:2008-01..2008-06")
	}
	return r, nil
}
