package message

import (
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"

	"github.com/casefile/casefile/internal/lazyre"
)

// dateCommas turns a date's commas and semicolons into spaces.
var dateCommas = strings.NewReplacer(",", " ", ";", " ")

// zoneNames maps zone abbreviations seen in Date headers to their offset
// in minutes east of UTC. RFC 822 names first; ambiguous names (IST) are
// left out and treated as "no zone".
var zoneNames = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "Z0": 0,
	"EST": -5 * 60, "EDT": -4 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"MST": -7 * 60, "MDT": -6 * 60, "PST": -8 * 60, "PDT": -7 * 60,
	"AKST": -9 * 60, "AKDT": -8 * 60, "HST": -10 * 60, "HDT": -9 * 60,
	"AST": -4 * 60, "ADT": -3 * 60, "NST": -(3*60 + 30), "NDT": -(2*60 + 30),
	"WEST": 60, "BST": 60, "CET": 60, "MET": 60, "MEZ": 60,
	"CEST": 120, "MEST": 120, "MESZ": 120, "METDST": 120, "EET": 120, "EEST": 180,
	"MSK": 180, "MSD": 240, "JST": 9 * 60, "KST": 9 * 60, "HKT": 8 * 60,
	"SGT": 8 * 60, "AWST": 8 * 60, "WIB": 7 * 60, "ICT": 7 * 60,
	"ACST": 9*60 + 30, "ACDT": 10*60 + 30, "AEST": 10 * 60, "AEDT": 11 * 60,
	"NZST": 12 * 60, "NZDT": 13 * 60,
}

var monthNames = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	// Common non-English abbreviations that do not collide with the above.
	"mär": 3, "mrz": 3, "mai": 5, "okt": 10, "dez": 12, "ene": 1, "abr": 4,
	"ago": 8, "dic": 12, "fév": 2, "fev": 2, "avr": 4, "aoû": 8, "aou": 8, "déc": 12,
	"janv": 1, "févr": 2, "juil": 7, "set": 9, "out": 10, "gen": 1, "giu": 6, "lug": 7,
}

var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

var (
	isoDateRe    = lazyre.New(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?)?\s*(.*)$`)
	timeRe       = lazyre.New(`^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:[.,]\d+)?(.*)$`)
	dottedDateRe = lazyre.New(`^(\d{1,2})\.(\d{1,2})\.(\d{2,4})$`)
	numZoneRe    = lazyre.New(`^([+-])(\d{1,2})(?::?(\d{2}))?$`)
)

// parsedDate is the outcome of parseDate.
type parsedDate struct {
	t      time.Time // UTC (for "local": the wall clock as if UTC)
	offset int       // seconds east of UTC
	flag   string    // model.DateOK, model.DateLocal or model.DateUnparseable
	note   string    // optional explanation for a warning
}

// parseDate parses an RFC 5322 Date value and the common broken variants:
// missing seconds, two- and three-digit years, wrong or missing day names,
// "GMT+0200", zone names (EST, PDT, CEST...), comments, asctime order,
// "April 03, 2002 5:56 AM" and ISO 8601. A date without a recognisable
// zone is returned with flag DateLocal.
func parseDate(raw string) parsedDate {
	bad := parsedDate{flag: model.DateUnparseable}
	s, comments := stripDateComments(raw)
	s = strings.TrimSpace(s)
	if s == "" {
		return bad
	}

	var (
		year, day        = -1, -1
		month            time.Month
		hour, min, sec   = -1, -1, 0
		zone             = 0
		haveZone         bool
		pm, am           bool
		zoneOutOfRange   bool
		numbers          []string
		hourMinSecParsed bool
		unknownZone      string
	)

	setZone := func(tok string) bool {
		off, ok, oor := zoneOffset(tok)
		if !ok {
			return false
		}
		if oor {
			zoneOutOfRange = true
		} else if !haveZone {
			zone, haveZone = off, true
		}
		return true
	}

	if m := isoDateRe.FindStringSubmatch(s); m != nil {
		year, _ = strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		month = time.Month(mo)
		day, _ = strconv.Atoi(m[3])
		if m[4] != "" {
			hour, _ = strconv.Atoi(m[4])
			min, _ = strconv.Atoi(m[5])
			if m[6] != "" {
				sec, _ = strconv.Atoi(m[6])
			}
		} else {
			hour, min = 0, 0
		}
		rest := strings.TrimSpace(m[7])
		if rest != "" {
			for _, tok := range strings.Fields(rest) {
				if !setZone(tok) {
					return bad
				}
			}
		}
	} else {
		s = dateCommas.Replace(s)
		// Split "10:00:00+0100" and "+0100" glued to other tokens.
		for _, tok := range strings.Fields(s) {
			low := strings.ToLower(strings.TrimSuffix(tok, "."))
			if m := timeRe.FindStringSubmatch(tok); m != nil && !hourMinSecParsed {
				hour, _ = strconv.Atoi(m[1])
				min, _ = strconv.Atoi(m[2])
				if m[3] != "" {
					sec, _ = strconv.Atoi(m[3])
				}
				hourMinSecParsed = true
				if rest := m[4]; rest != "" {
					if strings.EqualFold(rest, "am") {
						am = true
					} else if strings.EqualFold(rest, "pm") {
						pm = true
					} else if !setZone(rest) {
						return bad
					}
				}
				continue
			}
			if isDigits(tok) {
				numbers = append(numbers, tok)
				continue
			}
			if low == "am" || low == "a.m" {
				am = true
				continue
			}
			if low == "pm" || low == "p.m" {
				pm = true
				continue
			}
			if isDayName(low) {
				continue
			}
			if mo := monthOf(low); mo != 0 && month == 0 {
				month = mo
				continue
			}
			if setZone(tok) {
				continue
			}
			if m := dottedDateRe.FindStringSubmatch(tok); m != nil && month == 0 {
				// "03.03.2008": day.month.year.
				mo, _ := strconv.Atoi(m[2])
				month = time.Month(mo)
				numbers = append(numbers, m[1], m[3])
				continue
			}
			if low == "dst" || low == "-" || low == "at" || low == "le" || low == "den" {
				continue
			}
			if hourMinSecParsed && len(tok) >= 2 && len(tok) <= 5 && isLetters(tok) {
				if unknownZone == "" {
					unknownZone = tok // "IST": ambiguous or unknown zone name
				}
				continue
			}
			// A "3-Mar-2008" style token.
			if parts := strings.Split(tok, "-"); len(parts) == 3 && month == 0 {
				if mo := monthOf(strings.ToLower(parts[1])); mo != 0 && isDigits(parts[0]) && isDigits(parts[2]) {
					month = mo
					numbers = append(numbers, parts[0], parts[2])
					continue
				}
			}
			return bad
		}
		for _, n := range numbers {
			v, _ := strconv.Atoi(n)
			switch {
			case len(n) == 4 && year < 0:
				year = v
			case len(n) <= 2 && day < 0:
				day = v
			case len(n) <= 3 && year < 0:
				year = v
				switch {
				case len(n) == 3:
					year += 1900
				case v < 50:
					year += 2000
				default:
					year += 1900
				}
			default:
				return bad
			}
		}
		if !hourMinSecParsed {
			hour, min = 0, 0
		}
	}
	if !haveZone {
		// "(CET)" as the only zone information.
		for _, c := range comments {
			if setZone(strings.TrimSpace(c)) {
				break
			}
		}
	}
	if pm && hour >= 1 && hour < 12 {
		hour += 12
	}
	if am && hour == 12 {
		hour = 0
	}
	if year < 0 || day < 1 || month < 1 || month > 12 || day > 31 ||
		hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60 || year > 9999 {
		return bad
	}
	if sec == 60 {
		sec = 59 // leap second
	}
	wall := time.Date(year, month, day, hour, min, sec, 0, time.UTC)
	if wall.Day() != day {
		return bad // 31 Feb
	}
	if !haveZone {
		p := parsedDate{t: wall, flag: model.DateLocal}
		switch {
		case zoneOutOfRange:
			p.note = "zone offset out of range; treated as unknown zone"
		case unknownZone != "":
			p.note = "unknown or ambiguous zone name " + strconv.Quote(unknownZone) + "; treated as unknown zone"
		}
		return p
	}
	t := wall.Add(-time.Duration(zone) * time.Minute)
	return parsedDate{t: t, offset: zone * 60, flag: model.DateOK}
}

// zoneOffset parses a zone token ("+0100", "-05:00", "GMT+2", "CEST")
// into minutes east of UTC. outOfRange marks syntactically numeric zones
// beyond +-14:00.
func zoneOffset(tok string) (off int, ok, outOfRange bool) {
	up := strings.ToUpper(strings.Trim(tok, "[]"))
	for _, pre := range []string{"GMT", "UTC", "UT"} {
		if strings.HasPrefix(up, pre) && len(up) > len(pre) && (up[len(pre)] == '+' || up[len(pre)] == '-') {
			up = up[len(pre):]
			break
		}
	}
	if m := numZoneRe.FindStringSubmatch(up); m != nil {
		h, _ := strconv.Atoi(m[2])
		mm := 0
		if m[3] != "" {
			mm, _ = strconv.Atoi(m[3])
		}
		if mm >= 60 || h > 14 {
			return 0, true, true
		}
		off = h*60 + mm
		if m[1] == "-" {
			off = -off
		}
		return off, true, false
	}
	if o, found := zoneNames[up]; found {
		return o, true, false
	}
	return 0, false, false
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return true
}

func isDayName(low string) bool {
	if len(low) < 3 {
		return false
	}
	for _, d := range dayNames {
		if strings.HasPrefix(low, d) {
			return true
		}
	}
	return false
}

func monthOf(low string) time.Month {
	if m, ok := monthNames[low]; ok {
		return m
	}
	if len(low) >= 3 {
		r := []rune(low)
		if len(r) >= 3 {
			if m, ok := monthNames[string(r[:3])]; ok && isMonthWord(low) {
				return m
			}
		}
	}
	return 0
}

// isMonthWord accepts full month names ("March", "Sept", "Sept.").
func isMonthWord(low string) bool {
	full := []string{"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december", "sept", "juni", "juli",
		"märz", "maerz", "oktober", "dezember", "januar", "februar", "mars", "avril", "juin",
		"juillet", "août", "septembre", "octobre", "novembre", "décembre", "janvier", "février"}
	for _, f := range full {
		if low == f {
			return true
		}
	}
	return false
}

// stripDateComments removes (nested) comments and returns them separately.
func stripDateComments(s string) (string, []string) {
	var out strings.Builder
	var comments []string
	var cur strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			if depth > 0 {
				cur.WriteRune(r)
			}
			depth++
		case r == ')' && depth > 0:
			depth--
			if depth == 0 {
				comments = append(comments, cur.String())
				cur.Reset()
				out.WriteRune(' ')
			} else {
				cur.WriteRune(r)
			}
		case depth > 0:
			cur.WriteRune(r)
		default:
			out.WriteRune(r)
		}
	}
	if depth > 0 {
		comments = append(comments, cur.String())
	}
	return out.String(), comments
}
