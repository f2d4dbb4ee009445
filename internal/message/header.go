package message

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// headerScanLimit is how far into the input a header must start.
const headerScanLimit = 4096

// errNoHeader is returned when the input does not start with a header.
var errNoHeader = errors.New("message: no RFC 5322 header found in first 4096 bytes")

// rawField is one top-level header field: its name as written and its
// unfolded raw value (line breaks removed, may hold 8-bit bytes).
type rawField struct {
	name  string
	value []byte
}

// lineAt returns the line starting at pos (without its line ending) and
// the position after the line ending.
func lineAt(b []byte, pos int) (line []byte, next int) {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		line = b[pos:]
		next = len(b)
	} else {
		line = b[pos : pos+i]
		next = pos + i + 1
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, next
}

// fieldName returns the header field name when line starts a header field
// ("Name:" with printable ASCII name, blanks before the colon tolerated).
func fieldName(line []byte) (string, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return "", false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return "", false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return "", false
		}
	}
	return string(name), true
}

func isField(line []byte) bool {
	_, ok := fieldName(line)
	return ok
}

func isBlank(line []byte) bool {
	return len(bytes.Trim(line, " \t")) == 0
}

// isMboxFrom reports an mbox "From " separator line.
func isMboxFrom(line []byte) bool {
	return bytes.HasPrefix(line, []byte("From ")) || bytes.HasPrefix(line, []byte(">From "))
}

// splitHeader separates the header block of raw from the body. It skips a
// UTF-8 BOM, leading blank lines and an mbox "From " line, and tolerates a
// header block that is not terminated by a blank line (the first line that
// is neither a field nor a continuation starts the body, as Python's email
// package does).
func splitHeader(raw []byte, warn func(string)) (fields []rawField, body []byte, err error) {
	pos := 0
	if bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		pos = 3
	}
	// Find the first header field.
	start := -1
	skippedJunk := false
	for p := pos; p < len(raw) && p < headerScanLimit; {
		line, next := lineAt(raw, p)
		switch {
		case len(line) == 0 && !skippedJunk: // leading empty line
		case isMboxFrom(line):
		case isField(bytes.TrimLeft(line, " \t")):
			if !skippedJunk || headerRunAt(raw, p) {
				start = p
			}
		default:
			skippedJunk = true
		}
		if start >= 0 {
			break
		}
		p = next
	}
	if start < 0 {
		return nil, nil, errNoHeader
	}
	if skippedJunk {
		warn(fmt.Sprintf("header: skipped %d bytes of non-header data before the first header field", start-pos))
	}

	p := start
	for p < len(raw) {
		line, next := lineAt(raw, p)
		if p == start && (line[0] == ' ' || line[0] == '\t') {
			warn("header: first header line is indented; indentation ignored")
			line = bytes.TrimLeft(line, " \t")
		}
		if len(line) == 0 {
			return fields, raw[next:], nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			if isBlank(line) {
				// A line of blanks: a continuation only if more header follows.
				nl, _ := lineAt(raw, next)
				more := next < len(raw) && ((!isBlank(nl) && (nl[0] == ' ' || nl[0] == '\t')) || isField(nl))
				if !more {
					warn("header: header block ended by a line of blanks instead of an empty line")
					return fields, raw[next:], nil
				}
			}
			if len(fields) > 0 {
				f := &fields[len(fields)-1]
				f.value = append(f.value, line...)
			}
			p = next
			continue
		}
		name, ok := fieldName(line)
		if !ok {
			warn(fmt.Sprintf("header: header block not terminated by an empty line (body assumed to start at byte %d)", p))
			return fields, raw[p:], nil
		}
		colon := bytes.IndexByte(line, ':')
		v := bytes.TrimLeft(line[colon+1:], " \t")
		val := make([]byte, len(v))
		copy(val, v)
		fields = append(fields, rawField{name: name, value: val})
		p = next
	}
	return fields, raw[len(raw):], nil
}

// headerRunAt reports whether at least two header fields follow at p
// (used when skipping junk before the header).
func headerRunAt(raw []byte, p int) bool {
	n := 0
	for p < len(raw) && n < 2 {
		line, next := lineAt(raw, p)
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			p = next
			continue
		}
		if !isField(line) {
			return false
		}
		n++
		p = next
	}
	return n >= 2
}

// header is the decoded top-level header.
type header struct {
	fields []rawField
	// text holds each field's value as UTF-8 (8-bit bytes decoded) but
	// with encoded-words still encoded.
	text []string
	// decoded holds the fully decoded display value.
	decoded []string
}

// index returns the index of the first field named name
// (case-insensitive), or -1.
func (h *header) index(name string) int {
	for i, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			return i
		}
	}
	return -1
}

// has reports whether a field named name exists.
func (h *header) has(name string) bool { return h.index(name) >= 0 }

// text8 returns the 8-bit-decoded (not RFC 2047 decoded) value of the
// first field named name.
func (h *header) text8(name string) string {
	if i := h.index(name); i >= 0 {
		return h.text[i]
	}
	return ""
}

// rawValue returns the undecoded bytes of the first field named name.
func (h *header) rawValue(name string) string {
	if i := h.index(name); i >= 0 {
		return string(h.fields[i].value)
	}
	return ""
}

// value returns the fully decoded value of the first field named name.
func (h *header) value(name string) string {
	if i := h.index(name); i >= 0 {
		return h.decoded[i]
	}
	return ""
}

// all returns the 8-bit-decoded values of all fields named name.
func (h *header) all(name string) []string {
	var out []string
	for i, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			out = append(out, h.text[i])
		}
	}
	return out
}

// decodeHeader decodes raw fields: 8-bit bytes that are not UTF-8 are
// decoded with the default charset, then encoded-words are decoded.
func (d *textDecoder) decodeHeader(fields []rawField) *header {
	h := &header{fields: fields}
	var eightBit []string
	for _, f := range fields {
		v := bytes.TrimRight(f.value, " \t\r\n")
		t := d.decodeUndeclared(v)
		if isASCIIOrMultibyteUTF8(v) == 0 {
			eightBit = append(eightBit, f.name)
		}
		h.text = append(h.text, t)
		h.decoded = append(h.decoded, cleanHeaderText(d.decodeWords(t, "header "+f.name)))
	}
	if len(eightBit) > 0 {
		d.warn(fmt.Sprintf("header: raw 8-bit bytes that are not UTF-8 in %s; decoded as %s", strings.Join(uniqueStrings(eightBit), ", "), d.defName))
	}
	return h
}

// cleanHeaderText replaces control characters (tabs, stray CR/LF, NUL)
// with spaces and trims the result.
func cleanHeaderText(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s))
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

func uniqueStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		k := strings.ToLower(s)
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}
