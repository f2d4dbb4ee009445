package message

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/model"
)

// assertValidUTF8 walks every string reachable from v (including
// children) and fails on invalid UTF-8.
func assertValidUTF8(t testing.TB, v any) {
	t.Helper()
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		switch rv.Kind() {
		case reflect.String:
			if !utf8.ValidString(rv.String()) {
				t.Errorf("%s: invalid UTF-8: %q", path, rv.String())
			}
		case reflect.Pointer, reflect.Interface:
			if !rv.IsNil() {
				walk(path, rv.Elem())
			}
		case reflect.Struct:
			for i := 0; i < rv.NumField(); i++ {
				if rv.Type().Field(i).IsExported() {
					walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < rv.Len(); i++ {
				walk(path+"[]", rv.Index(i))
			}
		}
	}
	walk("Message", reflect.ValueOf(v))
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, raw []byte, opts Options) *model.Message {
	t.Helper()
	m, err := Parse(context.Background(), raw, opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	assertValidUTF8(t, m)
	return m
}

func hasWarning(m *model.Message, sub string) bool {
	for _, w := range m.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestParseFixtures(t *testing.T) {
	_, pdfErr := exec.LookPath("pdftotext")
	tests := []struct {
		file  string
		needs string // "pdftotext" when the check needs the CLI
		check func(t *testing.T, m *model.Message)
	}{
		{"iso2022jp-subject.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "Subject", m.Subject, "会議の議事録")
			eq(t, "From.Name", m.From.Name, "山田太郎")
			eq(t, "From.Address", m.From.Address, "taro.yamada@harbor.example")
			eq(t, "BodyText", m.BodyText, "明日の会議は十時からです。\n")
			eq(t, "DateOffset", m.DateOffset, 9*3600)
			eq(t, "DateUTC", m.DateUTC.Format("2006-01-02 15:04"), "2008-03-04 00:15")
		}},
		{"koi8r-body.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "BodyText", m.BodyText, "Привет, мир! Отчёт готов.\n")
			eq(t, "Subject", m.Subject, "Отчёт")
			eq(t, "From.Name", m.From.Name, "Иван Петров")
			eq(t, "To[0]", m.To[0], model.Address{Name: "Jonas Reyes", Address: "jonas.reyes@harbor.example"})
			eq(t, "DateFlag", m.DateFlag, model.DateOK)
		}},
		{"rfc2231-filename.eml", "", func(t *testing.T, m *model.Message) {
			if len(m.Attachments) != 4 {
				t.Fatalf("attachments = %d, want 4", len(m.Attachments))
			}
			eq(t, "continued filename", m.Attachments[0].Filename, "€ rates report été.txt")
			eq(t, "continued text", m.Attachments[0].Text, "euro rates\n")
			eq(t, "latin-1 2231 filename", m.Attachments[1].Filename, "Grüße.bin")
			eq(t, "2047 in quoted name", m.Attachments[2].Filename, "résumé.doc")
			eq(t, "path/control stripped", m.Attachments[3].Filename, "evilname.exe")
			eq(t, "binary SHA", m.Attachments[1].SHA256, sha256hex([]byte("\x00\x01\x02binary")))
			eq(t, "binary Size", m.Attachments[1].Size, int64(9))
			eq(t, "binary text", m.Attachments[1].Text, "")
			eq(t, "BodyText", m.BodyText, "See attached.")
		}},
		{"latin1-from.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "From", m.From, model.Address{Name: "José Núñez", Address: "jose.nunez@harbor.example"})
			eq(t, "To[0].Name", m.To[0].Name, "Müller, Jürgen")
			eq(t, "Subject", m.Subject, "Café am Donnerstag")
			eq(t, "BodyText", m.BodyText, "Treffen im Café um 19 Uhr. Grüße\n")
			eq(t, "Headers[0]", m.Headers[0], [2]string{"From", "José Núñez <Jose.Nunez@Harbor.example>"})
			if !hasWarning(m, "raw 8-bit") {
				t.Errorf("no 8-bit header warning: %q", m.Warnings)
			}
		}},
		{"broken-base64.eml", "", func(t *testing.T, m *model.Message) {
			if !strings.Contains(m.BodyText, "This body was base64 encoded and partly damaged.") {
				t.Errorf("BodyText = %q", m.BodyText)
			}
			if !hasWarning(m, "invalid characters") || !hasWarning(m, "middle of a byte") {
				t.Errorf("missing base64 warnings: %q", m.Warnings)
			}
			if len(m.Attachments) != 1 {
				t.Fatalf("attachments = %d", len(m.Attachments))
			}
			all := make([]byte, 256)
			for i := range all {
				all[i] = byte(i)
			}
			eq(t, "table SHA (garbage skipped, dangling char dropped)", m.Attachments[0].SHA256, sha256hex(all))
		}},
		{"no-closing-boundary.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "BodyText", m.BodyText, "First part text.")
			if len(m.Attachments) != 1 || m.Attachments[0].Filename != "notes.txt" {
				t.Fatalf("attachments = %+v", m.Attachments)
			}
			eq(t, "notes text", m.Attachments[0].Text, "The notes file that never ends\n")
			if !hasWarning(m, "not closed") {
				t.Errorf("no missing-boundary warning: %q", m.Warnings)
			}
		}},
		{"html-only.eml", "", func(t *testing.T, m *model.Message) {
			for _, want := range []string{"Dear Jonas,", "The shipment & the invoice are ready.", "Café", "https://harbor.example/x"} {
				if !strings.Contains(m.BodyText, want) {
					t.Errorf("BodyText %q lacks %q", m.BodyText, want)
				}
			}
			for _, bad := range []string{"color:red", "secret", "<p>"} {
				if strings.Contains(m.BodyText, bad) {
					t.Errorf("BodyText %q contains %q", m.BodyText, bad)
				}
			}
			if !strings.HasPrefix(m.BodyHTML, "<html><head><title>") || !strings.Contains(m.BodyHTML, "var secret=1;") {
				t.Errorf("BodyHTML not the original: %q", m.BodyHTML)
			}
		}},
		{"nested-forward.eml", "", func(t *testing.T, m *model.Message) {
			if len(m.Children) != 2 || len(m.Attachments) != 2 {
				t.Fatalf("children=%d attachments=%d", len(m.Children), len(m.Attachments))
			}
			c := m.Children[0]
			eq(t, "child Subject", c.Subject, "Original contract")
			eq(t, "child MessageID", c.MessageID, "inner@harbor.example")
			eq(t, "child BodyText", c.BodyText, "The contract is signed.")
			eq(t, "child BodyHTML", c.BodyHTML, "<p>The contract is <b>signed</b>.</p>")
			eq(t, "child ContainerID", c.ContainerID, m.ID)
			eq(t, "child Kind", c.Kind, model.KindNative)
			eq(t, "child ID", c.ID, model.IDForKey(model.DedupKey(c)))
			eq(t, "child ContentHash", c.ContentHash, ContentHash(c))
			eq(t, "rfc822 attachment name", m.Attachments[0].Filename, "part-2.eml")
			eq(t, "rfc822 attachment text", m.Attachments[0].Text, "The contract is signed.")
			eq(t, "rfc822 MIME", m.Attachments[0].MIME, "message/rfc822")
			c2 := m.Children[1]
			eq(t, "sniffed .eml Subject", c2.Subject, "Second original")
			eq(t, "sniffed .eml raw sha", c2.RawSHA256, sha256hex(c2Raw))
			eq(t, ".eml attachment name", m.Attachments[1].Filename, "second.eml")
			eq(t, "BodyText", m.BodyText, "See the forwarded messages.")
			// The 8bit message/rfc822 part is cited by its byte range.
			raw, err := os.ReadFile(filepath.Join("testdata", "nested-forward.eml"))
			if err != nil {
				t.Fatal(err)
			}
			if c.RawOffset <= 0 || c.RawOffset+c.Size > int64(len(raw)) ||
				sha256hex(raw[c.RawOffset:c.RawOffset+c.Size]) != c.RawSHA256 {
				t.Errorf("child RawOffset %d, size %d: bytes there do not hash to the child's RawSHA256", c.RawOffset, c.Size)
			}
			if c2.RawOffset != 0 {
				t.Errorf("base64 .eml child RawOffset = %d, want 0 (not verbatim)", c2.RawOffset)
			}
		}},
		{"bad-date.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "DateFlag", m.DateFlag, model.DateLocal)
			eq(t, "DateRaw", m.DateRaw, "Wednesday, April 03, 2002 5:56 PM")
			eq(t, "DateUTC", m.DateUTC.Format("2006-01-02 15:04"), "2002-04-03 17:56")
		}},
		{"garbage-date.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "DateFlag", m.DateFlag, model.DateUnparseable)
			eq(t, "DateRaw", m.DateRaw, "sometime next week")
			if m.DateUTC != nil {
				t.Errorf("DateUTC = %v, want nil", m.DateUTC)
			}
		}},
		{"missing-date.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "DateFlag", m.DateFlag, model.DateMissing)
			eq(t, "DateRaw", m.DateRaw, "")
			if m.DateUTC != nil {
				t.Errorf("DateUTC = %v, want nil", m.DateUTC)
			}
		}},
		{"pdf-attachment.eml", "pdftotext", func(t *testing.T, m *model.Message) {
			if len(m.Attachments) != 2 {
				t.Fatalf("attachments = %d", len(m.Attachments))
			}
			eq(t, "pdf text", m.Attachments[0].Text, "Quarterly harbor ledger")
			eq(t, "pdf TextError", m.Attachments[0].TextError, "")
			eq(t, "pdf SHA", m.Attachments[0].SHA256, sha256hex(readFixture(t, "ledger.pdf")))
			if !strings.Contains(m.Attachments[1].TextError, "no text layer") {
				t.Errorf("empty PDF TextError = %q", m.Attachments[1].TextError)
			}
		}},
		{"charsets.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "ks_c_5601-1987 name", m.From.Name, "김민수")
			eq(t, "gb2312 name", m.To[0].Name, "王伟")
			eq(t, "unknown charset kept", m.To[1].Name, "Qapla'")
			eq(t, "split multibyte across words", m.Cc[0].Name, "Zoë Ø")
			eq(t, "Subject", m.Subject, "Счётand more plain €")
			eq(t, "DateOffset GMT+0200", m.DateOffset, 7200)
			if !hasWarning(m, `unknown charset "x-klingon"`) {
				t.Errorf("no unknown-charset warning: %q", m.Warnings)
			}
		}},
		{"addresses.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "From", m.From, model.Address{Name: "Jonas Reyes", Address: "jonas.reyes@harbor.example"})
			want := []model.Address{
				{Name: "Reyes, Jonas", Address: "jonas.reyes@harbor.example"},
				{Address: "bob@yard.example"},
				{Name: "Lima, Ana", Address: "ana.lima@harbor.example"},
			}
			if !reflect.DeepEqual(m.To, want) {
				t.Errorf("To = %q, want %q", m.To, want)
			}
			eq(t, "Cc (empty group)", len(m.Cc), 0)
			eq(t, "Bcc", m.Bcc[0].Address, "secret@harbor.example")
			eq(t, "Reply-To", m.ReplyTo[0].Address, "reply@harbor.example")
			eq(t, "Sender", m.Sender, model.Address{Name: "Harbor list", Address: "list-bounces@harbor.example"})
			eq(t, "MessageID", m.MessageID, "addr@harbor.example")
			eq(t, "InReplyTo", m.InReplyTo, "prev@harbor.example")
			if !reflect.DeepEqual(m.References, []string{"a1@harbor.example", "a2@harbor.example", "a3@harbor.example"}) {
				t.Errorf("References = %q", m.References)
			}
			eq(t, "DateUTC (no seconds)", m.DateUTC.Format("2006-01-02 15:04:05"), "2008-03-03 09:00:00")
		}},
		{"alternative-related.eml", "", func(t *testing.T, m *model.Message) {
			eq(t, "BodyText (plain alternative, QP soft break)", m.BodyText, "Plain version, café soft break.")
			eq(t, "BodyHTML", m.BodyHTML, `<p>HTML version</p><img src="cid:logo">`)
			if len(m.Attachments) != 1 || m.Attachments[0].MIME != "image/png" || m.Attachments[0].Filename != "part-2.2.png" {
				t.Errorf("attachments = %+v", m.Attachments)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			if tc.needs == "pdftotext" && pdfErr != nil {
				t.Skip("pdftotext not installed")
			}
			raw := readFixture(t, tc.file)
			m := mustParse(t, raw, Options{})
			eq(t, "Kind", m.Kind, model.KindNative)
			eq(t, "Confidence", m.Confidence, 1.0)
			eq(t, "Size", m.Size, int64(len(raw)))
			eq(t, "RawSHA256", m.RawSHA256, sha256hex(raw))
			eq(t, "ContentHash", m.ContentHash, ContentHash(m))
			eq(t, "ID", m.ID, model.IDForKey(model.DedupKey(m)))
			tc.check(t, m)
		})
	}
}

// c2Raw is the second attached message of nested-forward.eml.
var c2Raw = []byte("From: Bob Stone <bob.stone@yard.example>\n" +
	"Subject: Second original\n" +
	"Date: Sat, 1 Mar 2008 08:00:00 +0000\n" +
	"Message-ID: <inner2@yard.example>\n\n" +
	"Attached as a file.\n")

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestParseNoHeader(t *testing.T) {
	for name, raw := range map[string][]byte{
		"empty":      nil,
		"blank":      []byte("\n\n\r\n"),
		"binary":     readFixture(t, "junk.bin"),
		"prose":      []byte("Dear Jonas, this is just a letter without any header.\n"),
		"late":       append(bytes.Repeat([]byte("x"), 5000), "\nFrom: a@b.example\nTo: c@d.example\n\nhi"...),
		"only-colon": []byte(": value\n\nbody"),
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(context.Background(), raw, Options{})
			if err == nil {
				t.Fatalf("no error; message %+v", m)
			}
			if !errors.Is(err, errNoHeader) || !strings.Contains(err.Error(), "no RFC 5322 header found in first 4096 bytes") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestParseHeaderTolerance(t *testing.T) {
	tests := []struct {
		name, raw   string
		subject     string
		body        string
		headerCount int
		warning     string
	}{
		{"mbox From line skipped", "From jonas@harbor.example Mon Mar  3 10:00:00 2008\nSubject: hi\n\nbody\n", "hi", "body\n", 1, ""},
		{"BOM", "\xef\xbb\xbfSubject: bom\n\nbody", "bom", "body", 1, ""},
		{"CRLF and folding", "Subject: a\r\n  folded\r\n\tline\r\nTo: x@y.example\r\n\r\nbody\r\n", "a  folded line", "body\n", 2, ""},
		{"missing blank line", "Subject: s\nTo: x@y.example\nThis starts the body.\nSecond line.\n", "s", "This starts the body.\nSecond line.\n", 2, "not terminated by an empty line"},
		{"space before colon", "Subject : spaced\n\nb", "spaced", "b", 1, ""},
		{"junk before header", "garbage line\nmore garbage\nSubject: late\nFrom: a@b.example\n\nbody", "late", "body", 2, "skipped 26 bytes"},
		{"indented first line", " Subject: indented\nTo: x@y.example\n\nbody", "indented", "body", 2, "indented"},
		{"blank-ish separator", "Subject: s\n   \nbody here\n", "s", "body here\n", 1, "line of blanks"},
		{"header only", "Subject: only", "only", "", 1, ""},
		{"control chars in subject", "Subject: a\x00b\x1bc\n\nx", "a b c", "x", 1, ""},
		{"8-bit utf-8 header kept", "Subject: Grüße\n\nx", "Grüße", "x", 1, ""},
		{"raw JIS header", "Subject: \x1b$B%F%9%H\x1b(B\n\nx", "テスト", "x", 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, []byte(tc.raw), Options{})
			eq(t, "Subject", m.Subject, tc.subject)
			eq(t, "BodyText", m.BodyText, tc.body)
			eq(t, "len(Headers)", len(m.Headers), tc.headerCount)
			if tc.warning != "" && !hasWarning(m, tc.warning) {
				t.Errorf("warnings %q lack %q", m.Warnings, tc.warning)
			}
		})
	}
}

func TestParseMultipartEdgeCases(t *testing.T) {
	hdr := "From: a@harbor.example\nSubject: s\nMIME-Version: 1.0\n"
	tests := []struct {
		name      string
		raw       string
		body      string
		html      string
		atts      []string // filenames
		warning   string
		childSubj string
	}{
		{"boundary never found", hdr + "Content-Type: multipart/mixed; boundary=zz\n\nplain text only\n",
			"plain text only\n", "", nil, "never found", ""},
		{"multipart without boundary", hdr + "Content-Type: multipart/mixed\n\nstill text\n",
			"still text\n", "", nil, "without boundary", ""},
		{"epilogue kept", hdr + "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhello\n--b--\nlist footer appended later\n",
			"hello", "", []string{"part-0-epilogue.txt"}, "after the closing boundary", ""},
		{"mixed plain+html both indexed", hdr + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nfirst\n--b\nContent-Type: text/html\n\n<p>second</p>\n--b--\n",
			"first\n\nsecond", "<p>second</p>", nil, "", ""},
		{"alternative with empty plain uses html", hdr + "Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\n \n--b\nContent-Type: text/html\n\n<b>rich</b>\n--b--\n",
			"*rich*", "<b>rich</b>", nil, "", ""},
		{"alternative extra plain demoted", hdr + "Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\none\n--b\nContent-Type: text/plain\n\ntwo\n--b--\n",
			"one", "", []string{"part-2.txt"}, "", ""},
		{"digest default type", hdr + "Content-Type: multipart/digest; boundary=b\n\n--b\n\nSubject: digested\nFrom: d@harbor.example\n\ninner\n--b--\n",
			"", "", []string{"part-1.eml"}, "", "digested"},
		{"unparseable part content-type is text/plain (RFC 2045)", hdr + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: ;;;\"\"/\n\ndata\n--b--\n",
			"data", "", nil, "", ""},
		{"odd part content-type kept as attachment", hdr + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/x-foo; name=\"a\"b\"\n\ndata\n--b--\n",
			"", "", []string{"a\"b"}, "", ""},
		{"uuencode warned", hdr + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream; name=a.bin\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a.bin\n--b--\n",
			"", "", []string{"a.bin"}, "x-uuencode", ""},
		{"nested multipart without boundary", hdr + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative\n\ninner text\n--b--\n",
			"inner text", "", nil, "without boundary parameter", ""},
		{"raw latin-1 filename in part header", hdr + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"caf\xe9 r\xe9sum\xe9.doc\"\n\nx\n--b--\n",
			"", "", []string{"café résumé.doc"}, "", ""},
		{"raw utf-8 filename in part header", hdr + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream; name=\"Grüße.doc\"\n\nx\n--b--\n",
			"", "", []string{"Grüße.doc"}, "", ""},
		{"top-level attachment only", hdr + "Content-Type: application/pdf; name=\"r.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n",
			"", "", []string{"r.pdf"}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, []byte(tc.raw), Options{PDFToText: func(context.Context, []byte) (string, error) { return "", nil }})
			eq(t, "BodyText", m.BodyText, tc.body)
			eq(t, "BodyHTML", m.BodyHTML, tc.html)
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Filename)
			}
			if !reflect.DeepEqual(names, tc.atts) {
				t.Errorf("attachments = %q, want %q", names, tc.atts)
			}
			if tc.warning != "" && !hasWarning(m, tc.warning) {
				t.Errorf("warnings %q lack %q", m.Warnings, tc.warning)
			}
			if tc.childSubj != "" && (len(m.Children) != 1 || m.Children[0].Subject != tc.childSubj) {
				t.Errorf("children = %+v", m.Children)
			}
		})
	}
}

func TestNestedDepthLimit(t *testing.T) {
	msg := "From: d@harbor.example\nSubject: level 0\n\ninnermost\n"
	for i := 1; i <= 10; i++ {
		msg = "From: d@harbor.example\nSubject: level " + string(rune('0'+i%10)) +
			"\nContent-Type: message/rfc822\n\n" + msg
	}
	m := mustParse(t, []byte(msg), Options{})
	depth := 0
	c := m
	for len(c.Children) > 0 {
		c = c.Children[0]
		depth++
	}
	eq(t, "parsed depth", depth, maxDepth)
	if !hasWarning(c, "deeper than 8 levels") {
		t.Errorf("deepest parsed message warnings %q lack depth warning", c.Warnings)
	}
	if len(c.Attachments) != 1 || !strings.Contains(c.Attachments[0].Text, "innermost") {
		t.Errorf("unparsed nested message not kept as text: %+v", c.Attachments)
	}
}

func TestMaxTextBytes(t *testing.T) {
	raw := "Subject: long\nContent-Type: text/plain; charset=utf-8\n\n" + strings.Repeat("é", 100)
	m := mustParse(t, []byte(raw), Options{MaxTextBytes: 51})
	eq(t, "len(BodyText)", len(m.BodyText), 50) // cut on a rune boundary
	if !hasWarning(m, "truncated") {
		t.Errorf("no truncation warning: %q", m.Warnings)
	}
}

func TestDefaultCharsetOption(t *testing.T) {
	raw := []byte("Subject: \xcf\xf0\xe8\xe2\xe5\xf2\n\n\xcf\xf0\xe8\xe2\xe5\xf2\n")
	m := mustParse(t, raw, Options{DefaultCharset: "windows-1251"})
	eq(t, "Subject", m.Subject, "Привет")
	eq(t, "BodyText", m.BodyText, "Привет\n")
	m = mustParse(t, raw, Options{DefaultCharset: "no-such-charset"})
	eq(t, "Subject fallback", m.Subject, "Ïðèâåò")
	if !hasWarning(m, "unknown DefaultCharset") {
		t.Errorf("warnings %q", m.Warnings)
	}
}

func TestPDFOptions(t *testing.T) {
	raw := readFixture(t, "pdf-attachment.eml")
	var got [][]byte
	m := mustParse(t, raw, Options{PDFToText: func(_ context.Context, pdf []byte) (string, error) {
		got = append(got, pdf)
		return "custom text", nil
	}})
	eq(t, "custom text", m.Attachments[0].Text, "custom text")
	eq(t, "calls (octet-stream .pdf too)", len(got), 2)
	eq(t, "bytes given to PDFToText", sha256hex(got[0]), sha256hex(readFixture(t, "ledger.pdf")))
}

func TestPDFToTextMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	m := mustParse(t, readFixture(t, "pdf-attachment.eml"), Options{})
	eq(t, "TextError", m.Attachments[0].TextError, "pdftotext not found: install poppler-utils")
	eq(t, "Text", m.Attachments[0].Text, "")
}

func TestPDFToTextError(t *testing.T) {
	m := mustParse(t, readFixture(t, "pdf-attachment.eml"), Options{PDFToText: func(context.Context, []byte) (string, error) {
		return "", errors.New("encrypted")
	}})
	eq(t, "TextError", m.Attachments[0].TextError, "pdf text extraction failed: encrypted")
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Parse(ctx, readFixture(t, "nested-forward.eml"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestPanicBecomesError(t *testing.T) {
	p := newParser(context.Background(), Options{})
	p.panicHook = func([]byte) { panic("boom") }
	m, err := p.parse(readFixture(t, "missing-date.eml"), 0)
	if m != nil || err == nil || !strings.Contains(err.Error(), "internal parser error") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("m=%v err=%v", m, err)
	}
	if !strings.Contains(err.Error(), "message_test.go:") {
		t.Errorf("error does not locate the panic: %v", err)
	}
	// A panic inside an attached message becomes a warning on the parent.
	p.panicHook = func(raw []byte) {
		if bytes.Contains(raw, []byte("Original contract")) && !bytes.Contains(raw, []byte("Fwd:")) {
			panic("child boom")
		}
	}
	m, err = p.parse(readFixture(t, "nested-forward.eml"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(m, "internal parser error") || len(m.Children) != 1 {
		t.Errorf("children=%d warnings=%q", len(m.Children), m.Warnings)
	}
}
