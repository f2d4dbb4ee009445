package source

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/source/mbox"
)

// Formats returned by Detect and used in FileInfo.Format / Event.Format.
const (
	FormatMbox    = "mbox"
	FormatMaildir = "maildir"
	FormatEML     = "eml"
	FormatZip     = "zip"
	FormatPST     = "pst"
	FormatMSG     = "msg"
	FormatPDF     = "pdf"
	FormatImage   = "image"
	FormatText    = "text"
	FormatHTML    = "html"
	FormatUnknown = "unknown"
)

// HeadSize is how many leading bytes Detect looks at.
const HeadSize = 8 << 10

// Detect returns the format of a file from its first bytes (up to HeadSize
// are used) with name (a base name or path) as a tie-breaker only where
// content is ambiguous: Outlook .msg versus other OLE documents, and Office
// Open XML zips. It returns one of the Format* constants; "unknown" covers
// empty input and everything casefile does not read.
func Detect(head []byte, name string) string {
	f, _ := detect(head, name)
	return f
}

// detect returns the format and, for formats that are skipped, a
// human-readable description of what the content is.
func detect(head []byte, name string) (format, what string) {
	if len(head) > HeadSize {
		head = head[:HeadSize]
	}
	ext := strings.ToLower(path.Ext(name))
	switch {
	case len(head) == 0:
		return FormatUnknown, "empty file"
	case bytes.HasPrefix(head, []byte("!BDN")):
		return FormatPST, "Outlook PST/OST"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		if kind := officeZip(head, ext); kind != "" {
			return FormatUnknown, kind
		}
		return FormatZip, "zip archive"
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		if isOutlookMsg(head) || ext == ".msg" {
			return FormatMSG, "Outlook .msg"
		}
		return FormatUnknown, "OLE compound document (.doc/.xls/.ppt or similar)"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return FormatImage, "image/png"
	case bytes.HasPrefix(head, []byte("\xFF\xD8\xFF")):
		return FormatImage, "image/jpeg"
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return FormatImage, "image/gif"
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return FormatImage, "image/tiff"
	case len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:12]) == "WEBP":
		return FormatImage, "image/webp"
	case bytes.HasPrefix(head, []byte("BM")) && len(head) >= 26 && isBMP(head):
		return FormatImage, "image/bmp"
	}
	if i := bytes.Index(head[:min(len(head), 1024)], []byte("%PDF-")); i >= 0 {
		return FormatPDF, "application/pdf"
	}
	if what := binaryKind(head); what != "" {
		return FormatUnknown, what
	}
	text := textHead(head)
	if text == nil {
		return FormatUnknown, sniff(head)
	}
	switch {
	case looksLikeMbox(text):
		return FormatMbox, "mbox"
	case looksLikeHeaders(text, len(head) == HeadSize):
		return FormatEML, "RFC 5322 message"
	case looksLikeHTML(text):
		return FormatHTML, "text/html"
	}
	return FormatText, "text/plain"
}

// binaryKind names common binary formats that http.DetectContentType
// reports only as application/octet-stream.
func binaryKind(head []byte) string {
	sigs := []struct{ magic, what string }{
		{"\x7fELF", "executable (ELF)"},
		{"\x1f\x8b", "gzip-compressed file (decompress it, e.g. with gunzip, and ingest the result)"},
		{"\xFD7zXZ\x00", "xz-compressed file (decompress it and ingest the result)"},
		{"7z\xBC\xAF\x27\x1C", "7-Zip archive (extract it and ingest the folder)"},
		{"Rar!\x1A\x07", "RAR archive (extract it and ingest the folder)"},
		{"SQLite format 3\x00", "SQLite database"},
		{"{\\rtf", "RTF document"},
		{"\x00\x00\x01\x00", "icon (image/x-icon)"},
	}
	for _, s := range sigs {
		if bytes.HasPrefix(head, []byte(s.magic)) {
			return s.what
		}
	}
	if len(head) >= 4 && string(head[:3]) == "BZh" && head[3] >= '1' && head[3] <= '9' && textHead(head) == nil {
		return "bzip2-compressed file (decompress it and ingest the result)"
	}
	if len(head) >= 64 && string(head[:2]) == "MZ" {
		pe := int(binary.LittleEndian.Uint32(head[60:64]))
		if pe >= 64 && pe+4 <= len(head) && string(head[pe:pe+4]) == "PE\x00\x00" {
			return "executable (Windows)"
		}
	}
	if len(head) > 262 && string(head[257:262]) == "ustar" {
		return "tar archive (extract it and ingest the folder)"
	}
	return ""
}

// textHead returns head as text (UTF-8 without BOM) when it looks like
// text: no NUL bytes and few control characters. Legacy 8-bit text
// (Latin-1, Windows-1252) counts as text. UTF-16 text with a BOM is
// converted for the checks. It returns nil for binary content.
func textHead(head []byte) []byte {
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		head = head[3:]
	}
	if bytes.HasPrefix(head, []byte("\xFF\xFE")) || bytes.HasPrefix(head, []byte("\xFE\xFF")) {
		return utf16Head(head)
	}
	ctrl := 0
	for _, c := range head {
		switch {
		case c == 0:
			return nil
		case c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b:
			ctrl++
		}
	}
	if ctrl*100 > len(head) { // more than 1% control characters
		return nil
	}
	if !utf8.Valid(head) {
		// legacy 8-bit text is fine, but mostly-high-bit data is binary
		high := 0
		for _, c := range head {
			if c >= 0x80 {
				high++
			}
		}
		if high*100 > len(head)*30 {
			return nil
		}
	}
	return head
}

func utf16Head(head []byte) []byte {
	var order binary.ByteOrder = binary.LittleEndian
	if head[0] == 0xFE {
		order = binary.BigEndian
	}
	var out []byte
	for i := 2; i+1 < len(head); i += 2 {
		r := rune(order.Uint16(head[i:]))
		if r == 0 {
			return nil
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

func sniff(head []byte) string {
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if ct == "application/octet-stream" {
		return "binary data (application/octet-stream)"
	}
	return ct
}

// officeZip recognises zip-based document formats by their first member
// name or, failing that, by the extension.
func officeZip(head []byte, ext string) string {
	if len(head) >= 30 && bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		n := int(binary.LittleEndian.Uint16(head[26:28]))
		if 30+n <= len(head) {
			first := string(head[30 : 30+n])
			switch {
			case first == "[Content_Types].xml":
				return "Office Open XML document (.docx/.xlsx/.pptx)"
			case first == "mimetype":
				return "OpenDocument or EPUB document"
			case first == "META-INF/MANIFEST.MF", first == "META-INF/":
				return "Java archive"
			}
		}
	}
	switch ext {
	case ".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm":
		return "Office Open XML document (" + ext + ")"
	case ".odt", ".ods", ".odp", ".epub":
		return "OpenDocument or EPUB document (" + ext + ")"
	case ".jar", ".apk":
		return "Java archive (" + ext + ")"
	}
	return ""
}

// isOutlookMsg looks for stream names typical of Outlook items (stored as
// UTF-16LE in the OLE directory) within the head.
func isOutlookMsg(head []byte) bool {
	for _, s := range []string{"__substg1.0_", "__properties_version1.0", "__nameid_version1.0"} {
		var u []byte
		for _, c := range []byte(s) {
			u = append(u, c, 0)
		}
		if bytes.Contains(head, u) {
			return true
		}
	}
	return false
}

func isBMP(head []byte) bool {
	// BITMAPFILEHEADER: reserved fields zero, DIB header size plausible.
	if binary.LittleEndian.Uint32(head[6:10]) != 0 {
		return false
	}
	switch binary.LittleEndian.Uint32(head[14:18]) {
	case 12, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// looksLikeMbox: after optional blank lines the text starts with a From_
// line, or with "From " followed by header lines.
func looksLikeMbox(text []byte) bool {
	text = bytes.TrimLeft(text, "\r\n")
	if !bytes.HasPrefix(text, []byte("From ")) {
		return false
	}
	line, rest, _ := bytes.Cut(text, []byte("\n"))
	if mbox.IsFromLine(line) {
		return true
	}
	next, _, _ := bytes.Cut(rest, []byte("\n"))
	_, ok := headerName(bytes.TrimRight(next, "\r"))
	return ok
}

// strongHeaders are fields that real messages carry and printed or typed
// text rarely does.
var strongHeaders = map[string]bool{
	"received": true, "return-path": true, "date": true, "message-id": true,
	"mime-version": true, "delivered-to": true, "content-type": true,
	"content-transfer-encoding": true, "in-reply-to": true, "references": true,
	"dkim-signature": true, "authentication-results": true, "thread-index": true,
	"thread-topic": true, "envelope-to": true, "x-original-to": true,
	"arc-seal": true, "received-spf": true, "user-agent": true,
}

var basicHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "subject": true,
	"reply-to": true, "sender": true, "importance": true, "priority": true,
}

// looksLikeHeaders reports whether text starts with an RFC 5322 header
// section: the first line is a header field, (almost) every line up to
// the first blank line is a field or a continuation, there are at least
// two fields and at least one of them is one that real messages carry
// (Received, Date, Message-ID, MIME-Version, X-*...) or the block is made
// of From/To/Subject-style fields without Outlook's printed "Sent:" line.
// truncated says the head was cut, so its last line may be partial.
func looksLikeHeaders(text []byte, truncated bool) bool {
	lines := bytes.Split(text, []byte("\n"))
	if truncated && len(lines) > 1 {
		lines = lines[:len(lines)-1]
	}
	var fields, other, strong, basic int
	sent := false
	for i, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 {
			if i == 0 {
				return false
			}
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			if fields == 0 {
				return false
			}
			continue
		}
		name, ok := headerName(l)
		if !ok {
			if i == 0 {
				return false
			}
			other++
			continue
		}
		fields++
		n := strings.ToLower(name)
		switch {
		case strongHeaders[n], strings.HasPrefix(n, "x-"), strings.HasPrefix(n, "arc-"), strings.HasPrefix(n, "list-"):
			strong++
		case basicHeaders[n]:
			basic++
		case n == "sent":
			sent = true
		}
	}
	if fields < 2 || other*10 > fields {
		return false
	}
	return strong >= 1 || (basic >= 2 && !sent)
}

// headerName returns the field name when line is "Name: value" (or
// "Name:value") with a valid RFC 5322 field name.
func headerName(line []byte) (string, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 76 {
		return "", false
	}
	for _, c := range line[:i] {
		if c <= ' ' || c > '~' {
			return "", false
		}
	}
	return string(line[:i]), true
}

// looksLikeHTML: the text starts (after whitespace and comments) with a
// doctype or an <html> tag, or has <html within its first KiB.
func looksLikeHTML(text []byte) bool {
	t := bytes.TrimSpace(text)
	low := bytes.ToLower(t[:min(len(t), 1024)])
	return bytes.HasPrefix(low, []byte("<!doctype html")) ||
		bytes.HasPrefix(low, []byte("<html")) ||
		bytes.Contains(low, []byte("<html"))
}
