package message

import (
	"fmt"
	"strings"
)

// b64Table maps base64 alphabet bytes to their value; -1 marks bytes that
// are not part of the alphabet.
var b64Table = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// decodeBase64Lenient decodes base64 keeping everything that can be
// decoded: whitespace is skipped, invalid characters are skipped and
// counted, missing padding is tolerated and padding in the middle (several
// concatenated base64 streams) restarts decoding. truncated reports a
// dangling single character at the end.
func decodeBase64Lenient(src []byte) (out []byte, bad int, truncated bool) {
	out = make([]byte, 0, len(src)/4*3+3)
	var q [4]byte
	n := 0
	flushPartial := func() {
		switch n {
		case 1:
			truncated = true
		case 2:
			out = append(out, q[0]<<2|q[1]>>4)
		case 3:
			out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2)
		}
		n = 0
	}
	for _, c := range src {
		v := b64Table[c]
		switch {
		case v >= 0:
			q[n] = byte(v)
			n++
			if n == 4 {
				out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
				n = 0
			}
		case c == '=':
			flushPartial()
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
		default:
			bad++
		}
	}
	flushPartial()
	return out, bad, truncated
}

// decodeQPLenient decodes quoted-printable. Soft line breaks (also with
// trailing blanks after the '='), lower-case hex and trailing whitespace
// are handled; malformed '=' escapes are kept literally and counted.
// Line endings are kept as found.
func decodeQPLenient(src []byte) (out []byte, bad int) {
	out = make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '=':
			if i+2 < len(src) && isHex(src[i+1]) && isHex(src[i+2]) {
				out = append(out, unhex(src[i+1])<<4|unhex(src[i+2]))
				i += 2
				continue
			}
			// Soft line break: '=' [blanks] (CRLF | LF | EOF).
			j := i + 1
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			switch {
			case j == len(src):
				i = j - 1
				continue
			case src[j] == '\n':
				i = j
				continue
			case src[j] == '\r' && j+1 < len(src) && src[j+1] == '\n':
				i = j + 1
				continue
			case src[j] == '\r' && j+1 == len(src):
				i = j
				continue
			}
			bad++
			out = append(out, c)
		case ' ', '\t':
			// Trailing whitespace before a line end is transport padding.
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			if j == len(src) || src[j] == '\n' || (src[j] == '\r' && j+1 < len(src) && src[j+1] == '\n') {
				i = j - 1
				continue
			}
			out = append(out, src[i:j]...)
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return out, bad
}

// decodeTransfer undoes the Content-Transfer-Encoding of a part body.
// Problems are reported through warn (prefixed with what).
func decodeTransfer(body []byte, cte, what string, warn func(string)) (out []byte, textual bool) {
	switch c := strings.ToLower(strings.TrimSpace(cte)); {
	case c == "base64" || strings.HasPrefix(c, "base64"):
		out, bad, truncated := decodeBase64Lenient(body)
		if bad > 0 {
			warn(fmt.Sprintf("%s: base64 data has %d invalid characters; they were skipped and the rest decoded", what, bad))
		}
		if truncated {
			warn(fmt.Sprintf("%s: base64 data ends in the middle of a byte; the last character was dropped", what))
		}
		return out, false
	case c == "quoted-printable" || c == "quoted_printable" || c == "qp":
		out, bad := decodeQPLenient(body)
		if bad > 0 {
			warn(fmt.Sprintf("%s: quoted-printable data has %d malformed '=' escapes; kept literally", what, bad))
		}
		return out, true
	case c == "" || c == "7bit" || c == "8bit" || c == "7-bit" || c == "8-bit":
		return body, true
	case c == "binary":
		return body, false
	case c == "x-uuencode" || c == "uuencode" || c == "x-uue":
		warn(fmt.Sprintf("%s: Content-Transfer-Encoding %q is not decoded; content kept as found", what, cte))
		return body, false
	default:
		warn(fmt.Sprintf("%s: unknown Content-Transfer-Encoding %q; content kept as found", what, cte))
		return body, true
	}
}

// canonicalCRLF converts bare LF line ends to CRLF, the canonical MIME
// form, so a text part hashes the same whether it was stored with LF (mbox,
// Maildir) or CRLF (.eml, PST).
func canonicalCRLF(b []byte) []byte {
	bare := 0
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			bare++
		}
	}
	if bare == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+bare)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// trimToBytes cuts s to at most n bytes on a rune boundary.
func trimToBytes(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n], true
}
