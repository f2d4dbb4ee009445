package printed

import (
	"github.com/casefile/casefile/internal/textdist"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/lazyre"
)

// ocrConfusions undoes frequent OCR confusions (foldOCR).
var ocrConfusions = strings.NewReplacer("rn", "m", "0", "o", "1", "l", "|", "l", "!", "l", "5", "s", "vv", "w", "cl", "d")

// labelJoiners removes the spaces, hyphens and underscores OCR puts inside labels.
var labelJoiners = strings.NewReplacer(" ", "", "-", "", "_", "")

// Header field keys.
const (
	keyFrom        = "from"
	keyDate        = "date" // Date: and Sent:
	keyTo          = "to"
	keyCc          = "cc"
	keyBcc         = "bcc"
	keySubject     = "subject"
	keyAttachments = "attachments"
	keyMessageID   = "message-id"
	keyInReplyTo   = "in-reply-to"
	keyReferences  = "references"
	keyOther       = "other" // Importance:, Reply-To:, Sensitivity: ... kept in Headers only
)

// exactLabels maps a label (lower case, spaces and hyphens removed) to
// its key.
var exactLabels = map[string]string{
	"from": keyFrom, "sent": keyDate, "date": keyDate, "to": keyTo,
	"cc": keyCc, "bcc": keyBcc, "subject": keySubject, "subj": keySubject,
	"attachments": keyAttachments, "attachment": keyAttachments,
	"messageid": keyMessageID, "inreplyto": keyInReplyTo, "references": keyReferences,
	"importance": keyOther, "priority": keyOther, "sensitivity": keyOther,
	"replyto": keyOther, "sender": keyOther, "categories": keyOther,
	"followupflag": keyOther, "flagstatus": keyOther, "mailedby": keyOther,
	"signedby": keyOther, "security": keyOther, "resentfrom": keyOther,
	"resentdate": keyOther, "resentto": keyOther, "xmailer": keyOther,
	"returnpath": keyOther, "received": keyOther,
}

// ocrLabels are frequent OCR misreadings of the short labels, where edit
// distance would be too permissive.
var ocrLabels = map[string]string{
	"t0": keyTo, "bee": keyBcc, "bec": keyBcc, "bcc.": keyBcc, "ce": keyCc,
	"cc.": keyCc, "fr0m": keyFrom, "frorn": keyFrom, "frotn": keyFrom,
	"sen1": keyDate, "5ent": keyDate, "dale": keyDate, "dute": keyDate,
}

// fuzzyTargets are the long labels matched with edit distance.
var fuzzyTargets = []struct {
	label, key string
}{
	{"from", keyFrom}, {"sent", keyDate}, {"date", keyDate},
	{"subject", keySubject}, {"attachments", keyAttachments},
	{"importance", keyOther},
}

// coreKeys are the fields that make a header block an email header.
var coreKeys = map[string]bool{keyFrom: true, keyDate: true, keyTo: true, keySubject: true}

// labelMatch is a recognised header label at the start of a line.
type labelMatch struct {
	key   string
	label string // as printed
	value string
	fuzzy bool // recognised through OCR tolerance
}

var reLeadJunk = lazyre.New(`^[\s*\x{feff}•·]+`)

// matchLabel recognises `Label: value` at the start of a (quote-stripped)
// line, tolerating OCR damage: spaces inside the label (`T o:`, `Subj ect:`,
// `Sent :`), a semicolon for the colon, misread letters (`Frorn`,
// `Sul:4ect`), Markdown-like bold (`*From:*`). A bare label word alone on
// its line (`To`) is accepted too.
func matchLabel(line string) (labelMatch, bool) {
	t := reLeadJunk.ReplaceAllString(line, "")
	if t == "" {
		return labelMatch{}, false
	}
	if r, _ := utf8.DecodeRuneInString(t); !unicode.IsLetter(r) && r != '5' && r != '0' {
		return labelMatch{}, false
	}
	// Label alone on the line, without a colon.
	if bare := strings.ToLower(strings.TrimSpace(t)); len(bare) <= 12 {
		k := strings.ReplaceAll(bare, " ", "")
		if key, ok := exactLabels[k]; ok && (coreKeys[key] || key == keyCc || key == keyBcc || key == keyAttachments) && !strings.Contains(bare, " ") {
			return labelMatch{key: key, label: strings.TrimSpace(t)}, true
		}
	}
	// "Sent 9/28/2012 2:41:02 PM": the colon lost by OCR; accepted only
	// when the rest is a date.
	for _, w := range []string{"Sent ", "Date "} {
		if strings.HasPrefix(t, w) {
			if _, ok := parseDate(t[len(w):], DateOrderMDY); ok {
				return labelMatch{key: keyDate, label: strings.TrimSpace(w), value: strings.TrimSpace(t[len(w):]), fuzzy: true}, true
			}
		}
	}
	limit := 18
	for i, r := range t {
		if i > limit {
			break
		}
		if r != ':' && r != ';' {
			continue
		}
		cand := t[:i]
		key, fuzzy, ok := classifyLabel(cand)
		if !ok {
			continue
		}
		val := strings.TrimSpace(strings.TrimLeft(t[i+1:], "*: "))
		return labelMatch{key: key, label: strings.TrimSpace(cand), value: val, fuzzy: fuzzy}, true
	}
	return labelMatch{}, false
}

// classifyLabel decides whether cand (text before a colon) is a header
// label.
func classifyLabel(cand string) (key string, fuzzy bool, ok bool) {
	c := strings.TrimSpace(strings.Trim(cand, "*_ "))
	if c == "" || utf8.RuneCountInString(c) > 16 {
		return "", false, false
	}
	// At most two spaces inside a label ("Subj ect", "T o"); more means prose.
	if strings.Count(c, " ") > 2 {
		return "", false, false
	}
	low := strings.ToLower(c)
	k := labelJoiners.Replace(low)
	if key, ok := exactLabels[k]; ok {
		// "T o" is fine, but "To do" is not a label: spaces are only
		// allowed when removing them yields the label and every piece
		// is short.
		if strings.Contains(c, " ") {
			for _, w := range strings.Fields(c) {
				if len(w) > 5 && k != "attachments" {
					return "", false, false
				}
			}
			if k != "subject" && k != "to" && k != "sent" && k != "from" && k != "date" && k != "cc" && k != "messageid" && k != "replyto" && k != "inreplyto" {
				return "", false, false
			}
			// a space-split label must start with an upper-case letter
			if r, _ := utf8.DecodeRuneInString(c); !unicode.IsUpper(r) {
				return "", false, false
			}
			return key, true, true
		}
		return key, false, true
	}
	if key, ok := ocrLabels[k]; ok {
		return key, true, true
	}
	// Fuzzy: fold common OCR confusions, then edit distance.
	f := foldOCR(k)
	if key, ok := exactLabels[f]; ok && (coreKeys[key] || key == keyAttachments) {
		return key, true, true
	}
	if r, _ := utf8.DecodeRuneInString(c); !unicode.IsUpper(r) {
		return "", false, false
	}
	for _, tgt := range fuzzyTargets {
		d := textdist.Levenshtein(f, tgt.label)
		max := 1
		switch {
		case len(tgt.label) >= 8:
			max = 2
		case len(tgt.label) >= 6:
			max = 2
			// heavier damage allowed when both ends survive: Sul:4ect
			if len(f) >= 6 && f[:2] == tgt.label[:2] && strings.HasSuffix(f, tgt.label[len(tgt.label)-3:]) {
				max = 3
			}
		}
		if d <= max && f[0] == tgt.label[0] {
			return tgt.key, true, true
		}
	}
	return "", false, false
}

// foldOCR undoes frequent OCR confusions in a lower-case label.
func foldOCR(s string) string {
	return ocrConfusions.Replace(s)
}

// inlineLabels splits OCR-joined headers such as
// "From: Ann Lee Sent: Monday, May 2, 2016 9:00 AM" into separate fields.
var reInlineLabel = lazyre.New(`\s(Sent|Date|To|Cc|CC|Bcc|Subject)\s?:\s`)

func splitInline(m labelMatch) []labelMatch {
	out := []labelMatch{m}
	for {
		last := &out[len(out)-1]
		if last.key == keySubject {
			return out
		}
		loc := reInlineLabel.FindStringSubmatchIndex(" " + last.value)
		if loc == nil {
			return out
		}
		lbl := (" " + last.value)[loc[2]:loc[3]]
		key := exactLabels[strings.ToLower(lbl)]
		if key == last.key || key == "" {
			return out
		}
		rest := strings.TrimSpace((" " + last.value)[loc[1]:])
		last.value = strings.TrimSpace((" " + last.value)[:loc[0]])
		out = append(out, labelMatch{key: key, label: lbl, value: rest})
	}
}
