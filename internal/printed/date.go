package printed

import (
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"

	"github.com/casefile/casefile/internal/lazyre"
)

// dateSeparators turns a printed date's punctuation and odd spaces into spaces.
var dateSeparators = strings.NewReplacer(",", " ", "(", " ", ")", " ", "\u00a0", " ", "\t", " ")

// DateOrder tells how an all-numeric date such as 04/05/2016 is read when
// both of its first two fields could be a month.
const (
	DateOrderAuto = ""    // month first unless the document proves otherwise
	DateOrderMDY  = "mdy" // 04/05/2016 is April 5
	DateOrderDMY  = "dmy" // 04/05/2016 is 4 May
)

// ParseDate parses a date as printed on an email printout: Outlook
// (`6/30/2016 2:45:27 PM`, `Tuesday, March 4, 2014 11:02 AM`), Gmail
// (`Mon, Jun 30, 2016 at 2:45 PM`), Apple (`June 30, 2016 at 2:45:03 PM EDT`),
// European (`30 June 2016 14:45`), RFC 5322, ISO 8601, two-digit years and
// common OCR glitches (`4/2/20117:09:39 PM`, where the year is glued to the
// hour). A leading `Sent:`/`Date:` label is ignored.
//
// When the text carries a zone (EST, GMT+1, -0400, Z ...), t is the real
// instant in UTC, offset the zone's offset in seconds east of UTC and flag
// is model.DateOK. Without a zone, t holds the printed wall clock as if it
// were UTC, offset is 0 and flag is model.DateLocal: no zone is invented.
// A date without a time of day yields midnight.
//
// Ambiguous numeric dates (04/05/2016) are read month first; use
// Options.DateOrder in Recover to change that.
func ParseDate(s string) (t time.Time, offset int, flag string, ok bool) {
	d, ok := parseDate(s, DateOrderAuto)
	if !ok {
		return time.Time{}, 0, "", false
	}
	return d.t, d.offset, d.flag, true
}

// parsedDate is the result of parseDate.
type parsedDate struct {
	t       time.Time
	offset  int
	flag    string
	hasTime bool
	// dayFirstEvidence is set when a numeric date could only be read
	// day first (first field > 12).
	dayFirstEvidence bool
}

var (
	// 4/2/20117:09:39 -> 4/2/2011 7:09:39 (year glued to the hour).
	reGluedNumeric = lazyre.New(`(\d{1,2}[/.\-]\d{1,2}[/.\-])((?:19|20)\d\d)(\d{1,2}:\d\d)`)
	// March 4, 20117:09 PM -> 2011 7:09.
	reGluedYear = lazyre.New(`(^|[\s,])((?:19|20)\d\d)(\d{1,2}:\d\d)`)
	// 2:45PM, 2:45p.m. -> 2:45 pm
	reGluedAMPM = lazyre.New(`(?i)(\d)\s*([ap])\.?\s?m\.?(\W|$)`)
	reTime      = lazyre.New(`^(\d{1,2})[:.](\d\d)(?::(\d\d)(?:[.,]\d+)?)?$`)
	reTimeOCR   = lazyre.New(`^(\d{1,2}):(\d\d):?$`)
	reNumDate   = lazyre.New(`^(\d{1,4})([/.\-])(\d{1,2})([/.\-])(\d{2,4})$`)
	reDMonY     = lazyre.New(`^(\d{1,2})-([a-z]{3,9})-(\d{2,4})$`)
	reISO       = lazyre.New(`^(\d{4})-(\d\d)-(\d\d)t(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(z|[+\-]\d\d:?\d\d)?$`)
	reNumOffset = lazyre.New(`^([+\-])(\d\d):?(\d\d)$`)
	reGMTOffset = lazyre.New(`^(?:gmt|utc|ut)([+\-])(\d{1,2})(?::?(\d\d))?$`)
	reOrdinal   = lazyre.New(`^(\d{1,2})(?:st|nd|rd|th)$`)
	// "GMT +1", "UTC -05:00" written with a space after the zone name.
	reSpacedOffset = lazyre.New(`^([+\-])(\d{1,2})(?::?(\d\d))?$`)
)

var monthNames = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
	"apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
	"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
	"october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

var weekdayNames = map[string]bool{
	"mon": true, "monday": true, "tue": true, "tues": true, "tuesday": true,
	"wed": true, "weds": true, "wednesday": true, "thu": true, "thur": true,
	"thurs": true, "thursday": true, "fri": true, "friday": true, "sat": true,
	"saturday": true, "sun": true, "sunday": true,
}

// zoneAbbrev maps unambiguous zone abbreviations to offsets in minutes.
// Ambiguous ones (IST, CST as China time...) use their North American /
// European reading, which is what printouts in English overwhelmingly mean.
var zoneAbbrev = map[string]int{
	"ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0,
	"bst": 60, "cet": 60, "west": 60, "met": 60,
	"cest": 120, "eet": 120, "mest": 120, "sast": 120,
	"eest": 180, "msk": 180,
	"gst": 240,
	"hkt": 480, "sgt": 480, "awst": 480,
	"jst": 540, "kst": 540,
	"aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
	"ast": -240, "adt": -180,
	"est": -300, "edt": -240,
	"cst": -360, "cdt": -300,
	"mst": -420, "mdt": -360,
	"pst": -480, "pdt": -420,
	"akst": -540, "akdt": -480,
	"hst": -600,
}

// ignoredDateWords may appear between the parts of a printed date.
var ignoredDateWords = map[string]bool{
	"at": true, "on": true, "the": true, "of": true, "sent": true, "date": true,
}

// parseDate is ParseDate with an explicit order for numeric dates.
func parseDate(s string, order string) (parsedDate, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 120 {
		return parsedDate{}, false
	}
	low := strings.ToLower(s)
	for _, p := range []string{"sent:", "date:", "sent :", "date :"} {
		low = strings.TrimPrefix(low, p)
	}
	low = reGluedNumeric.ReplaceAllString(low, "$1$2 $3")
	low = reGluedYear.ReplaceAllString(low, "$1$2 $3")
	low = reGluedAMPM.ReplaceAllString(low, "$1 ${2}m$3")
	low = dateSeparators.Replace(low)
	toks := strings.Fields(low)
	if len(toks) == 0 {
		return parsedDate{}, false
	}

	var (
		year, month, day       = -1, -1, -1
		hour, min, sec         = -1, 0, 0
		ampm                   = ""
		zoneSet                bool
		zoneMin                int
		numericOffset          bool
		loose                  []int // bare numbers in order
		evidence               bool
		sawNumDate, sawMonName bool
	)
	setZone := func(m int, numeric bool) bool {
		if zoneSet && numericOffset && !numeric {
			return true // "-0400 (EDT)": the numeric offset wins
		}
		if zoneSet && !numeric && !numericOffset {
			return m == zoneMin
		}
		zoneSet, zoneMin, numericOffset = true, m, numeric
		return true
	}
	for i := 0; i < len(toks); i++ {
		tk := strings.Trim(toks[i], ".;")
		if tk == "" {
			continue
		}
		if weekdayNames[tk] || ignoredDateWords[tk] {
			continue
		}
		if m, ok := monthNames[tk]; ok {
			if month >= 0 {
				return parsedDate{}, false
			}
			month, sawMonName = int(m), true
			continue
		}
		if tk == "am" || tk == "pm" {
			if ampm != "" {
				return parsedDate{}, false
			}
			ampm = tk
			continue
		}
		if m := reISO.FindStringSubmatch(tk); m != nil {
			year, month, day = atoi(m[1]), atoi(m[2]), atoi(m[3])
			hour, min = atoi(m[4]), atoi(m[5])
			if m[6] != "" {
				sec = atoi(m[6])
			}
			sawNumDate = true
			if m[7] != "" {
				if m[7] == "z" {
					setZone(0, true)
				} else if om := reNumOffset.FindStringSubmatch(m[7]); om != nil {
					setZone(offsetMinutes(om[1], om[2], om[3]), true)
				}
			}
			continue
		}
		nextAMPM := i+1 < len(toks) && (toks[i+1] == "am" || toks[i+1] == "pm")
		if m := reTime.FindStringSubmatch(tk); m != nil && (strings.Contains(tk, ":") || nextAMPM && hour < 0 && len(m[2]) == 2) {
			if hour >= 0 {
				return parsedDate{}, false
			}
			hour, min = atoi(m[1]), atoi(m[2])
			if m[3] != "" {
				sec = atoi(m[3])
			}
			continue
		}
		if m := reTimeOCR.FindStringSubmatch(tk); m != nil && hour < 0 {
			hour, min = atoi(m[1]), atoi(m[2])
			continue
		}
		if m := reNumDate.FindStringSubmatch(tk); m != nil && m[2] == m[4] {
			if sawNumDate {
				return parsedDate{}, false
			}
			sawNumDate = true
			a, b, c := atoi(m[1]), atoi(m[3]), atoi(m[5])
			switch {
			case len(m[1]) == 4: // 2016-06-30
				year, month, day = a, b, c
			case a > 12 && b <= 12:
				day, month, year = a, b, c
				evidence = true
			case b > 12 && a <= 12:
				month, day, year = a, b, c
			case order == DateOrderDMY:
				day, month, year = a, b, c
			default:
				month, day, year = a, b, c
			}
			if len(m[5]) == 3 {
				return parsedDate{}, false
			}
			continue
		}
		if m := reDMonY.FindStringSubmatch(tk); m != nil {
			mo, ok := monthNames[m[2]]
			if !ok || month >= 0 {
				return parsedDate{}, false
			}
			day, month, year = atoi(m[1]), int(mo), atoi(m[3])
			sawNumDate = true
			continue
		}
		if m := reNumOffset.FindStringSubmatch(tk); m != nil && (hour >= 0 || len(loose) > 0 || month >= 0) {
			if !setZone(offsetMinutes(m[1], m[2], m[3]), true) {
				return parsedDate{}, false
			}
			continue
		}
		if m := reGMTOffset.FindStringSubmatch(tk); m != nil {
			mm := "00"
			if m[3] != "" {
				mm = m[3]
			}
			h := m[2]
			if len(h) == 1 {
				h = "0" + h
			}
			setZone(offsetMinutes(m[1], h, mm), true)
			continue
		}
		if z, ok := zoneAbbrev[tk]; ok {
			// "GMT +1" written with a space.
			if (tk == "gmt" || tk == "utc") && i+1 < len(toks) {
				if om := reSpacedOffset.FindStringSubmatch(toks[i+1]); om != nil {
					mm := "00"
					if om[3] != "" {
						mm = om[3]
					}
					h := om[2]
					if len(h) == 1 {
						h = "0" + h
					}
					setZone(offsetMinutes(om[1], h, mm), true)
					i++
					continue
				}
			}
			if !setZone(z, false) {
				return parsedDate{}, false
			}
			continue
		}
		if m := reOrdinal.FindStringSubmatch(tk); m != nil {
			loose = append(loose, atoi(m[1]))
			continue
		}
		if strings.HasPrefix(tk, "'") && len(tk) == 3 && isDigits(tk[1:]) {
			year = 2000 + atoi(tk[1:]) // '16
			if year > 2069 {
				year -= 100
			}
			continue
		}
		if isDigits(tk) && len(tk) <= 4 {
			loose = append(loose, atoi(tk))
			if len(tk) == 4 && loose[len(loose)-1] >= 1900 {
				// mark as year explicitly
				loose[len(loose)-1] = -loose[len(loose)-1]
			}
			continue
		}
		return parsedDate{}, false
	}
	if sawNumDate && sawMonName {
		return parsedDate{}, false
	}
	// Assign bare numbers: day (1-31), year (4-digit, or 2-digit after day).
	for _, n := range loose {
		switch {
		case n < 0: // explicit 4-digit year
			if year >= 0 {
				return parsedDate{}, false
			}
			year = -n
		case day < 0 && n >= 1 && n <= 31:
			day = n
		case year < 0 && day >= 0:
			year = n
		default:
			return parsedDate{}, false
		}
	}
	if year < 0 || month < 1 || month > 12 || day < 1 {
		return parsedDate{}, false
	}
	if year < 100 {
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
	}
	if year < 1970 || year > 2100 {
		return parsedDate{}, false
	}
	if day > daysIn(time.Month(month), year) {
		return parsedDate{}, false
	}
	hasTime := hour >= 0
	if !hasTime {
		if ampm != "" {
			return parsedDate{}, false
		}
		hour = 0
	}
	switch ampm {
	case "am":
		if hour < 1 || hour > 12 {
			if hour != 0 {
				return parsedDate{}, false
			}
		}
		if hour == 12 {
			hour = 0
		}
	case "pm":
		if hour < 1 || hour > 12 {
			if hour < 13 || hour > 23 { // "14:45 PM" happens; keep 24h reading
				return parsedDate{}, false
			}
		} else if hour != 12 {
			hour += 12
		}
	}
	if hour > 23 || min > 59 || sec > 60 {
		return parsedDate{}, false
	}
	if sec == 60 {
		sec = 59
	}
	wall := time.Date(year, time.Month(month), day, hour, min, sec, 0, time.UTC)
	d := parsedDate{hasTime: hasTime, dayFirstEvidence: evidence}
	if zoneSet {
		d.offset = zoneMin * 60
		d.t = wall.Add(-time.Duration(d.offset) * time.Second)
		d.flag = model.DateOK
	} else {
		d.t = wall
		d.flag = model.DateLocal
	}
	return d, true
}

func offsetMinutes(sign, hh, mm string) int {
	m := atoi(hh)*60 + atoi(mm)
	if sign == "-" {
		m = -m
	}
	return m
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
