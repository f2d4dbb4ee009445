package message

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cention-sany/utf7"
	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// charsetKind classifies a resolved charset label.
type charsetKind int

const (
	csUnknown  charsetKind = iota // label not recognised
	csUndecl                      // empty, us-ascii, unknown-8bit: bytes of unknown charset
	csUTF8                        // utf-8 and aliases
	csEncoding                    // a concrete golang.org/x/text encoding
)

// aliasTable maps labels that neither htmlindex nor ianaindex know (or map
// badly for mail) to an encoding.
var aliasTable = map[string]encoding.Encoding{
	"iso-2022-jp-1":     japanese.ISO2022JP,
	"iso-2022-jp-2":     japanese.ISO2022JP,
	"iso-2022-jp-3":     japanese.ISO2022JP,
	"csiso2022jp":       japanese.ISO2022JP,
	"ms932":             japanese.ShiftJIS,
	"cp932":             japanese.ShiftJIS,
	"sjis":              japanese.ShiftJIS,
	"shift-jis":         japanese.ShiftJIS,
	"ks_c_5601":         korean.EUCKR,
	"ks_c_5601-1989":    korean.EUCKR,
	"ksc5601":           korean.EUCKR,
	"cp949":             korean.EUCKR,
	"uhc":               korean.EUCKR,
	"gb_2312-80":        simplifiedchinese.GBK,
	"euc-cn":            simplifiedchinese.GBK,
	"cp936":             simplifiedchinese.GBK,
	"big5hkscs":         traditionalchinese.Big5,
	"cp950":             traditionalchinese.Big5,
	"utf-16":            unicode.UTF16(unicode.BigEndian, unicode.UseBOM),
	"ucs-2":             unicode.UTF16(unicode.BigEndian, unicode.UseBOM),
	"x-mac-roman":       charmap.Macintosh,
	"mac":               charmap.Macintosh,
	"x-mac-cyrillic":    charmap.MacintoshCyrillic,
	"cp437":             charmap.CodePage437,
	"cp850":             charmap.CodePage850,
	"cp852":             charmap.CodePage852,
	"cp855":             charmap.CodePage855,
	"cp858":             charmap.CodePage858,
	"cp860":             charmap.CodePage860,
	"cp862":             charmap.CodePage862,
	"cp863":             charmap.CodePage863,
	"cp865":             charmap.CodePage865,
	"cp866":             charmap.CodePage866,
	"ibm437":            charmap.CodePage437,
	"ibm850":            charmap.CodePage850,
	"ibm852":            charmap.CodePage852,
	"latin-1":           charmap.Windows1252,
	"latin-2":           charmap.ISO8859_2,
	"latin-9":           charmap.ISO8859_15,
	"iso-8859-8-e":      charmap.ISO8859_8,
	"iso-8859-6-e":      charmap.ISO8859_6,
	"iso-8859-11":       charmap.Windows874,
	"windows-874":       charmap.Windows874,
	"utf-7":             utf7.UTF7,
	"unicode-1-1-utf-7": utf7.UTF7,
	"utf7":              utf7.UTF7,
}

// undeclaredLabels are labels that say "we do not know the charset".
var undeclaredLabels = map[string]bool{
	"": true, "us-ascii": true, "ascii": true, "us": true, "ansi_x3.4-1968": true,
	"iso646-us": true, "iso-646-us": true, "ansi_x3.4-1986": true, "646": true,
	"unknown-8bit": true, "x-unknown": true, "unknown": true, "default": true,
	"none": true, "x-user-defined": true, "8bit": true, "7bit": true, "charset": true,
}

// cleanCharsetLabel lower-cases a charset label and strips quotes,
// surrounding junk and trailing parameters.
func cleanCharsetLabel(label string) string {
	label = strings.ToLower(strings.TrimSpace(label))
	label = strings.Trim(label, "\"' \t")
	// charset="charset=utf-8" and similar manglings.
	for _, p := range []string{"charset=", "charset:"} {
		if i := strings.LastIndex(label, p); i >= 0 {
			label = strings.Trim(label[i+len(p):], "\"' \t")
		}
	}
	end := len(label)
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':' || c == '+') {
			end = i
			break
		}
	}
	return label[:end]
}

// resolveCharset maps a charset label to an encoding.
func resolveCharset(label string) (charsetKind, encoding.Encoding) {
	l := cleanCharsetLabel(label)
	switch l {
	case "utf-8", "utf8", "unicode-1-1-utf-8", "x-utf-8", "utf-8n", "uft-8", "utf_8", "utf-8-bom":
		return csUTF8, nil
	}
	if undeclaredLabels[l] {
		return csUndecl, nil
	}
	candidates := []string{l}
	if strings.HasPrefix(l, "x-") {
		candidates = append(candidates, l[2:])
	}
	if strings.HasPrefix(l, "cp") && isDigits(l[2:]) {
		candidates = append(candidates, "windows-"+l[2:], "ibm"+l[2:])
	}
	if strings.HasPrefix(l, "win") && isDigits(strings.TrimPrefix(strings.TrimPrefix(l, "win"), "-")) {
		candidates = append(candidates, "windows-"+strings.TrimPrefix(strings.TrimPrefix(l, "win"), "-"))
	}
	for _, p := range []string{"iso8859", "iso_8859", "iso-8859"} {
		if strings.HasPrefix(l, p) {
			n := strings.TrimLeft(l[len(p):], "-_")
			if i := strings.IndexByte(n, ':'); i >= 0 {
				n = n[:i]
			}
			candidates = append(candidates, "iso-8859-"+n)
			break
		}
	}
	if strings.HasPrefix(l, "ks_c_5601") {
		candidates = append(candidates, "ks_c_5601")
	}
	if strings.HasPrefix(l, "big5") {
		candidates = append(candidates, "big5")
	}
	for _, c := range candidates {
		if e, ok := aliasTable[c]; ok {
			return csEncoding, e
		}
		if e, err := htmlindex.Get(c); err == nil && e != nil {
			return encodingKind(e)
		}
		if e, err := ianaindex.MIME.Encoding(c); err == nil && e != nil {
			return encodingKind(e)
		}
		if e, err := ianaindex.IANA.Encoding(c); err == nil && e != nil {
			return encodingKind(e)
		}
	}
	return csUnknown, nil
}

func encodingKind(e encoding.Encoding) (charsetKind, encoding.Encoding) {
	if e == unicode.UTF8 || e == encoding.Nop || e == unicode.UTF8BOM {
		return csUTF8, nil
	}
	return csEncoding, e
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

// isSingleByteLatin reports whether e is an 8-bit table charset where text
// that happens to be valid multi-byte UTF-8 is almost certainly mislabelled
// UTF-8.
func isSingleByteLatin(e encoding.Encoding) bool {
	_, ok := e.(*charmap.Charmap)
	return ok
}

// hasISO2022JPEscape reports whether b contains the escape sequences of
// ISO-2022-JP (raw JIS text without a declared charset is common in old
// Japanese mail).
func hasISO2022JPEscape(b []byte) bool {
	return bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) ||
		bytes.Contains(b, []byte("\x1b(J"))
}

// textDecoder converts bytes of some charset to UTF-8 following the
// package's tolerance rules. warn receives human-readable problems.
type textDecoder struct {
	def     encoding.Encoding
	defName string
	warn    func(string)
}

// decodeUndeclared decodes bytes whose charset is unknown: valid UTF-8 is
// kept, JIS escapes are decoded as ISO-2022-JP, anything else is decoded
// with the default charset.
func (d *textDecoder) decodeUndeclared(b []byte) string {
	if utf8.Valid(b) {
		if bytes.IndexByte(b, 0x1b) >= 0 && hasISO2022JPEscape(b) {
			if s, err := japanese.ISO2022JP.NewDecoder().Bytes(b); err == nil {
				return string(s)
			}
		}
		return string(b)
	}
	return d.decodeMixed(b)
}

// decodeMixed keeps valid UTF-8 sequences and decodes the remaining byte
// runs with the default charset, so a stray latin-1 byte in UTF-8 text does
// not destroy its neighbours.
func (d *textDecoder) decodeMixed(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	// Whole-buffer fast path: if most of it is not UTF-8, decode it all
	// with the default charset.
	for len(b) > 0 {
		// Find the next invalid byte run.
		i := 0
		for i < len(b) {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		sb.Write(b[:i])
		b = b[i:]
		if len(b) == 0 {
			break
		}
		j := 0
		for j < len(b) {
			r, size := utf8.DecodeRune(b[j:])
			if r != utf8.RuneError || size > 1 {
				break
			}
			j++
		}
		out, err := d.def.NewDecoder().Bytes(b[:j])
		if err != nil {
			out = []byte(strings.Repeat("\uFFFD", j))
		}
		sb.Write(out)
		b = b[j:]
	}
	return sb.String()
}

// decode converts b, declared as charset label, to UTF-8. what names the
// thing being decoded for warnings ("body part 1.2", "header Subject").
func (d *textDecoder) decode(b []byte, label, what string) string {
	kind, enc := resolveCharset(label)
	switch kind {
	case csUndecl:
		return d.decodeUndeclared(b)
	case csUTF8:
		if utf8.Valid(b) {
			return string(b)
		}
		d.warn(fmt.Sprintf("%s: declared %s but contains invalid UTF-8; invalid bytes decoded as %s", what, cleanCharsetLabel(label), d.defName))
		return d.decodeMixed(b)
	case csEncoding:
		if isSingleByteLatin(enc) && isASCIIOrMultibyteUTF8(b) == 2 && !hasC1(b) {
			d.warn(fmt.Sprintf("%s: declared %s but content is valid UTF-8; decoded as UTF-8", what, cleanCharsetLabel(label)))
			return string(b)
		}
		out, err := safeDecode(enc, b)
		if err != nil {
			d.warn(fmt.Sprintf("%s: decoding as %s failed (%v); decoded as UTF-8/%s instead", what, cleanCharsetLabel(label), err, d.defName))
			return d.decodeUndeclared(b)
		}
		return string(out)
	default:
		// "utf-8Return-Path:..." (a lost closing quote): try the longest
		// known prefix.
		l := cleanCharsetLabel(label)
		for n := len(l) - 1; n >= 4; n-- {
			if k, _ := resolveCharset(l[:n]); k == csUTF8 || k == csEncoding && strings.ContainsAny(l[:n], "0123456789") {
				d.warn(fmt.Sprintf("%s: unknown charset %q; decoded as %s", what, strings.TrimSpace(label), l[:n]))
				return d.decode(b, l[:n], what)
			}
		}
		d.warn(fmt.Sprintf("%s: unknown charset %q; decoded as UTF-8/%s instead", what, strings.TrimSpace(label), d.defName))
		return d.decodeUndeclared(b)
	}
}

// detectable lists charsets chardet may pick for undeclared body text:
// those where the windows-1252 fallback would certainly be wrong.
var detectable = map[string]bool{
	"big5": true, "gb18030": true, "euc-jp": true, "euc-kr": true, "shift_jis": true,
	"iso-2022-jp": true, "iso-2022-kr": true, "iso-2022-cn": true, "koi8-r": true, "windows-1251": true,
}

// decodeBody is decode for body text: when no charset is declared and the
// bytes are neither UTF-8 nor JIS, a confident chardet guess of a CJK or
// Cyrillic charset is used before falling back to the default charset.
func (d *textDecoder) decodeBody(b []byte, label, what string) string {
	if kind, _ := resolveCharset(label); kind != csUndecl || utf8.Valid(b) || hasISO2022JPEscape(b) {
		return d.decode(b, label, what)
	}
	high := 0
	for _, c := range b {
		if c >= 0x80 {
			high++
		}
	}
	if high >= 32 {
		sample := b
		if len(sample) > 64<<10 {
			sample = sample[:64<<10]
		}
		if r, err := detectCharset(sample); err == nil && r != nil && r.Confidence >= 85 {
			cs := strings.ToLower(r.Charset)
			if detectable[cs] {
				if kind, enc := resolveCharset(cs); kind == csEncoding {
					if out, err := safeDecode(enc, b); err == nil {
						d.warn(fmt.Sprintf("%s: no charset declared; content detected as %s (confidence %d%%)", what, r.Charset, r.Confidence))
						return string(out)
					}
				}
			}
		}
	}
	return d.decodeUndeclared(b)
}

// hasC1 reports whether b, read as UTF-8, contains C1 control characters
// (U+0080-U+009F), which real text never does: such "UTF-8" is really
// an 8-bit charset whose bytes happen to form valid sequences.
func hasC1(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0xc2 && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			return true
		}
	}
	return false
}

// isASCIIOrMultibyteUTF8 returns 0 for invalid UTF-8, 1 for pure ASCII and
// 2 for valid UTF-8 containing at least one multi-byte sequence.
func isASCIIOrMultibyteUTF8(b []byte) int {
	multi := false
	for _, c := range b {
		if c >= 0x80 {
			multi = true
			break
		}
	}
	if !multi {
		return 1
	}
	if utf8.Valid(b) {
		return 2
	}
	return 0
}

// safeDecode decodes b with enc; a panicking third-party decoder (UTF-7)
// becomes an error.
func safeDecode(enc encoding.Encoding, b []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("decoder failed: %v", r)
		}
	}()
	return enc.NewDecoder().Bytes(b)
}

// detectCharset runs chardet, turning a panic into an error.
func detectCharset(b []byte) (r *chardet.Result, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			r, err = nil, fmt.Errorf("charset detection failed: %v", rec)
		}
	}()
	return chardet.NewTextDetector().DetectBest(b)
}
