package message

import (
	"io"
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/model"
)

// commentParens removes comment parentheses.
var commentParens = strings.NewReplacer("(", "", ")", "")

// parseAddressList parses an address header value s (UTF-8, encoded-words
// still encoded). net/mail is tried first; when it rejects the list a
// tolerant splitter handles unquoted commas in names, missing brackets,
// groups and name-only entries. Nothing that looks like a person is
// dropped: entries without an addr-spec are kept with Name only.
func (d *textDecoder) parseAddressList(s, what string) []model.Address {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s))
	if s == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: &mime.WordDecoder{
		CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
			b, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			return strings.NewReader(d.decode(b, cs, what)), nil
		},
	}}
	if list, err := p.ParseList(fuseWords(s)); err == nil {
		if len(list) == 0 {
			return nil
		}
		out := make([]model.Address, 0, len(list))
		for _, a := range list {
			out = append(out, d.cleanAddress(a.Name, a.Address, what))
		}
		return out
	}
	return d.tolerantAddressList(s, what)
}

// cleanAddress decodes and trims a display name and normalises an
// addr-spec (lower-cased, no brackets, quotes or mailto:).
func (d *textDecoder) cleanAddress(name, addr, what string) model.Address {
	if !utf8.ValidString(name) {
		name = d.decodeMixed([]byte(name))
	}
	name = cleanName(d.decodeWords(name, what))
	addr = strings.TrimSpace(addr)
	addr = strings.Trim(addr, "<>\"'`()[], ;:")
	if len(addr) > 7 && strings.EqualFold(addr[:7], "mailto:") {
		addr = addr[7:]
	}
	addr = strings.ToLower(strings.Join(strings.Fields(addr), ""))
	return model.Address{Name: name, Address: addr}
}

// cleanName trims blanks and surrounding quotes from a display name.
func cleanName(n string) string {
	n = cleanHeaderText(n)
	for i := 0; i < 3; i++ {
		t := strings.TrimSpace(n)
		if len(t) >= 2 && (t[0] == '"' && t[len(t)-1] == '"' || t[0] == '\'' && t[len(t)-1] == '\'') {
			t = t[1 : len(t)-1]
		}
		t = strings.TrimSpace(strings.Trim(t, "\""))
		if t == n {
			break
		}
		n = t
	}
	return strings.ReplaceAll(n, `\"`, `"`)
}

// splitTopLevel splits s at separators that are outside quotes, angle
// brackets and comments. A ':' outside those, in a segment without '@',
// ends a group's display name, which is dropped.
func splitTopLevel(s string, seps string) []string {
	var out []string
	var cur strings.Builder
	inQuote, angle, paren := false, 0, 0
	sawAt := false // cur holds an '@' or '<' (so ':' is not a group name)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote:
			if c == '\\' && i+1 < len(s) {
				cur.WriteByte(c)
				i++
				c = s[i]
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case paren > 0:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle > 0:
		case c == ':' && !sawAt:
			cur.Reset() // group display name
			continue
		case strings.IndexByte(seps, c) >= 0:
			out = append(out, cur.String())
			cur.Reset()
			sawAt = false
			continue
		}
		if c == '@' || c == '<' {
			sawAt = true
		}
		cur.WriteByte(c)
	}
	out = append(out, cur.String())
	return out
}

type addrSeg struct {
	name, addr string
	angle      bool // had <...>
}

// parseSegment extracts name and addr-spec from one list element.
func parseSegment(seg string) addrSeg {
	seg = strings.TrimSpace(seg)
	if lt := strings.LastIndexByte(seg, '<'); lt >= 0 {
		rest := seg[lt+1:]
		addr := rest
		after := ""
		if gt := strings.IndexByte(rest, '>'); gt >= 0 {
			addr, after = rest[:gt], rest[gt+1:]
		}
		name := strings.TrimSpace(seg[:lt])
		if name == "" {
			name = strings.Trim(strings.TrimSpace(after), "()")
		}
		return addrSeg{name: stripComments(name, true), addr: addr, angle: true}
	}
	if strings.Contains(seg, "@") {
		fields := strings.Fields(seg)
		var nameParts []string
		addr := ""
		for _, f := range fields {
			if addr == "" && strings.Contains(f, "@") && !strings.HasPrefix(f, "(") {
				addr = f
				continue
			}
			nameParts = append(nameParts, f)
		}
		return addrSeg{name: stripComments(strings.Join(nameParts, " "), false), addr: addr}
	}
	return addrSeg{name: seg}
}

// stripComments removes parentheses (keeping their text when keepText).
func stripComments(s string, keepText bool) string {
	if keepText {
		if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
			return strings.TrimSpace(s[1 : len(s)-1])
		}
		return s
	}
	return strings.TrimSpace(commentParens.Replace(s))
}

// tolerantAddressList is the fallback for lists net/mail rejects.
func (d *textDecoder) tolerantAddressList(s, what string) []model.Address {
	seps := ",;"
	if !strings.Contains(s, "@") && strings.Contains(s, ";") {
		// "Reyes, Jonas; Smith, Ann": Exchange-style name lists.
		seps = ";"
	}
	var segs []addrSeg
	for _, raw := range splitTopLevel(s, seps) {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		segs = append(segs, parseSegment(raw))
	}
	var out []model.Address
	var frags []string
	flushPending := func() {
		if len(frags) == 0 {
			return
		}
		pending := strings.Join(frags, ", ")
		frags = frags[:0]
		if !strings.ContainsAny(pending, " \t") && !strings.Contains(pending, ",") {
			// A bare local mailbox such as "root".
			out = append(out, d.cleanAddress("", pending, what))
		} else {
			out = append(out, d.cleanAddress(pending, "", what))
		}
	}
	for _, sg := range segs {
		if sg.addr == "" && !sg.angle && seps == ";" {
			out = append(out, d.cleanAddress(sg.name, "", what))
			continue
		}
		if sg.addr == "" && !sg.angle {
			// A name fragment: "Reyes" of "Reyes, Jonas <j@x>".
			frags = append(frags, strings.TrimSpace(sg.name))
			continue
		}
		if len(frags) > 0 && sg.angle {
			if n := strings.TrimSpace(sg.name); n != "" {
				frags = append(frags, n)
			}
			sg.name = strings.Join(frags, ", ")
			frags = frags[:0]
		} else {
			flushPending()
		}
		out = append(out, d.cleanAddress(sg.name, sg.addr, what))
	}
	flushPending()
	return out
}
