package message

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/casefile/casefile/internal/lazyre"
)

// encodedWordRe matches an RFC 2047 encoded-word. It is deliberately lax:
// words may touch surrounding text, and Q text may contain spaces (broken
// encoders emit them).
var encodedWordRe = lazyre.New(`=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*)\?=`)

// decodeWords decodes the RFC 2047 encoded-words in s (which is already
// UTF-8). Adjacent encoded-words in the same charset are joined before
// charset decoding so multi-byte characters split across words survive;
// whitespace between adjacent encoded-words is dropped as RFC 2047 says.
func (d *textDecoder) decodeWords(s, what string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	matches := encodedWordRe.FindAllStringSubmatchIndex(s, -1)
	if len(matches) == 0 {
		return s
	}
	var out strings.Builder
	var pend []byte
	pendCS := ""
	pending := false
	flush := func() {
		if pending {
			out.WriteString(d.decode(pend, pendCS, what))
			pend = pend[:0]
			pending = false
		}
	}
	last := 0
	for _, m := range matches {
		gap := s[last:m[0]]
		if !(pending && strings.TrimSpace(gap) == "") {
			flush()
			out.WriteString(gap)
		}
		cs := s[m[2]:m[3]]
		if i := strings.IndexByte(cs, '*'); i >= 0 { // RFC 2231 language suffix
			cs = cs[:i]
		}
		text := s[m[6]:m[7]]
		var raw []byte
		switch s[m[4]] {
		case 'b', 'B':
			var bad int
			raw, bad, _ = decodeBase64Lenient([]byte(strings.Join(strings.Fields(text), "")))
			if bad > 0 {
				d.warn(fmt.Sprintf("%s: encoded-word has %d invalid base64 characters; decoded what was readable", what, bad))
			}
		default:
			raw = decodeQWord(text)
		}
		if pending && !strings.EqualFold(cs, pendCS) {
			flush()
		}
		pend = append(pend, raw...)
		pendCS = cs
		pending = true
		last = m[1]
	}
	flush()
	out.WriteString(s[last:])
	return out.String()
}

// decodeQWord decodes RFC 2047 "Q" text: '_' is a space, =XX a byte;
// malformed escapes are kept literally.
func decodeQWord(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// fuseWords merges runs of adjacent encoded-words in the same charset into
// one B-encoded word, so a parser that decodes word by word (net/mail)
// does not break characters split across words. Everything else is left
// as written.
func fuseWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	matches := encodedWordRe.FindAllStringSubmatchIndex(s, -1)
	if len(matches) < 2 {
		return s
	}
	var out strings.Builder
	last := 0
	for i := 0; i < len(matches); {
		cs := s[matches[i][2]:matches[i][3]]
		j := i + 1
		for j < len(matches) && strings.TrimSpace(s[matches[j-1][1]:matches[j][0]]) == "" &&
			strings.EqualFold(s[matches[j][2]:matches[j][3]], cs) {
			j++
		}
		out.WriteString(s[last:matches[i][0]])
		if j-i == 1 {
			out.WriteString(s[matches[i][0]:matches[i][1]])
		} else {
			var raw []byte
			for k := i; k < j; k++ {
				text := s[matches[k][6]:matches[k][7]]
				if c := s[matches[k][4]]; c == 'b' || c == 'B' {
					b, _, _ := decodeBase64Lenient([]byte(text))
					raw = append(raw, b...)
				} else {
					raw = append(raw, decodeQWord(text)...)
				}
			}
			out.WriteString("=?" + cs + "?B?" + base64.StdEncoding.EncodeToString(raw) + "?=")
		}
		last = matches[j-1][1]
		i = j
	}
	out.WriteString(s[last:])
	return out.String()
}
