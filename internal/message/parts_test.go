package message

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"golang.org/x/text/encoding/charmap"
)

func newTestDecoder(warns *[]string) *textDecoder {
	return &textDecoder{def: charmap.Windows1252, defName: "windows-1252", warn: func(s string) {
		if warns != nil {
			*warns = append(*warns, s)
		}
	}}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in     string
		utc    string // "2006-01-02 15:04:05"; "" for unparseable
		offset int    // seconds
		flag   string
	}{
		{"Mon, 3 Mar 2008 10:00:00 +0100", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 +0100 (CET)", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"3 Mar 2008 10:00 +0100", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 3 Mar 08 10:00:00 +0100", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 3 Mar 99 10:00:00 +0000", "1999-03-03 10:00:00", 0, model.DateOK},
		{"Mon, 3 Mar 102 10:00:00 +0000", "2002-03-03 10:00:00", 0, model.DateOK},
		{"Fri, 3 Mar 2008 10:00:00 +0100", "2008-03-03 09:00:00", 3600, model.DateOK}, // wrong day name
		{"Mon, 3 Mar 2008 10:00:00 GMT+0200", "2008-03-03 08:00:00", 7200, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 GMT+2", "2008-03-03 08:00:00", 7200, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 UTC-05:00", "2008-03-03 15:00:00", -18000, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 EST", "2008-03-03 15:00:00", -18000, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 PDT", "2008-03-03 17:00:00", -25200, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 CEST", "2008-03-03 08:00:00", 7200, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 GMT", "2008-03-03 10:00:00", 0, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 -0000", "2008-03-03 10:00:00", 0, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 +0530", "2008-03-03 04:30:00", 19800, model.DateOK},
		{"Mon,3 Mar 2008 10:00:00+0100", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 03-Mar-2008 10:00:00 +0100", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Monday, March 3, 2008 10:00:00 +0100", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 +0100 (added by postmaster@harbor.example)", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 (CET)", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 +0100 +0100", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 3 Mar 2008 10:00:00 +0100 XYZT", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"Mon, 3 Mär 2008 10:00:00 +0100", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"2008-03-03T10:00:00+01:00", "2008-03-03 09:00:00", 3600, model.DateOK},
		{"2008-03-03 10:00:00 Z", "2008-03-03 10:00:00", 0, model.DateOK},
		{"Mon, 3 Mar 2008 23:59:60 +0000", "2008-03-03 23:59:59", 0, model.DateOK},
		// No zone: wall clock kept, zone unknown.
		{"Mon, 3 Mar 2008 10:00:00", "2008-03-03 10:00:00", 0, model.DateLocal},
		{"Mon Mar  3 10:00:00 2008", "2008-03-03 10:00:00", 0, model.DateLocal},
		{"Wednesday, April 03, 2002 5:56 AM", "2002-04-03 05:56:00", 0, model.DateLocal},
		{"Wednesday, April 03, 2002 12:10 AM", "2002-04-03 00:10:00", 0, model.DateLocal},
		{"03.03.2008 10:00", "2008-03-03 10:00:00", 0, model.DateLocal},
		{"Mon, 3 Mar 2008 10:00:00 IST", "2008-03-03 10:00:00", 0, model.DateLocal}, // ambiguous zone name
		{"Mon, 3 Mar 2008 10:00:00 +9999", "2008-03-03 10:00:00", 0, model.DateLocal},
		{"3 Mar 2008", "2008-03-03 00:00:00", 0, model.DateLocal},
		// Unparseable.
		{"", "", 0, model.DateUnparseable},
		{"sometime next week", "", 0, model.DateUnparseable},
		{"Mon, 32 Mar 2008 10:00:00 +0100", "", 0, model.DateUnparseable},
		{"Mon, 31 Feb 2008 10:00:00 +0100", "", 0, model.DateUnparseable},
		{"Mon, 3 Mar 2008 25:00:00 +0100", "", 0, model.DateUnparseable},
		{"Mon, 3 2008 10:00:00 +0100", "", 0, model.DateUnparseable},
		{"(only a comment)", "", 0, model.DateUnparseable},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p := parseDate(tc.in)
			if p.flag != tc.flag {
				t.Fatalf("flag = %q, want %q (t=%v)", p.flag, tc.flag, p.t)
			}
			if tc.utc == "" {
				if !p.t.IsZero() {
					t.Errorf("time = %v for unparseable date", p.t)
				}
				return
			}
			if got := p.t.Format("2006-01-02 15:04:05"); got != tc.utc || p.t.Location() != time.UTC {
				t.Errorf("utc = %s (%v), want %s", got, p.t.Location(), tc.utc)
			}
			if p.offset != tc.offset {
				t.Errorf("offset = %d, want %d", p.offset, tc.offset)
			}
		})
	}
}

func TestParseAddressList(t *testing.T) {
	a := func(name, addr string) model.Address { return model.Address{Name: name, Address: addr} }
	tests := []struct {
		in   string
		want []model.Address
	}{
		{`Jonas Reyes <Jonas.Reyes@Harbor.example>`, []model.Address{a("Jonas Reyes", "jonas.reyes@harbor.example")}},
		{`"Reyes, Jonas" <j@x.example>, bob@y.example`, []model.Address{a("Reyes, Jonas", "j@x.example"), a("", "bob@y.example")}},
		{`Reyes, Jonas <j@x.example>, bob@y.example`, []model.Address{a("Reyes, Jonas", "j@x.example"), a("", "bob@y.example")}},
		{`undisclosed-recipients:;`, nil},
		{`Team: a@x.example, b@y.example;`, []model.Address{a("", "a@x.example"), a("", "b@y.example")}},
		{`Jonas Reyes j@x.example`, []model.Address{a("Jonas Reyes", "j@x.example")}},
		{`j@x.example (Jonas Reyes)`, []model.Address{a("Jonas Reyes", "j@x.example")}},
		{`<j@x.example>`, []model.Address{a("", "j@x.example")}},
		{`'Jonas Reyes' <j@x.example>`, []model.Address{a("Jonas Reyes", "j@x.example")}},
		{`"=?utf-8?q?J=C3=B6rg?=" <j@x.example>`, []model.Address{a("Jörg", "j@x.example")}},
		{`=?koi8-r?B?8NLJ18XU?= <p@x.example>`, []model.Address{a("Привет", "p@x.example")}},
		{`=?shift_jis?B?g2U=?= =?shift_jis?B?g1iDZw==?= <t@x.example>`, []model.Address{a("テスト", "t@x.example")}},
		{`=?shift_jis?B?g2WD?= =?shift_jis?B?WINn?= <t@x.example>`, []model.Address{a("テスト", "t@x.example")}}, // split character
		{`José Núñez <jose@x.example>`, []model.Address{a("José Núñez", "jose@x.example")}},
		{`Reyes, Jonas; Lima, Ana`, []model.Address{a("Reyes, Jonas", ""), a("Lima, Ana", "")}},
		{`root`, []model.Address{a("", "root")}},
		{`Jonas <j@x.example`, []model.Address{a("Jonas", "j@x.example")}},
		{`<mailto:J@X.example>`, []model.Address{a("", "j@x.example")}},
		{`a@x.example,, ,b@y.example`, []model.Address{a("", "a@x.example"), a("", "b@y.example")}},
		{``, nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got := newTestDecoder(nil).parseAddressList(tc.in, "test")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecodeWords(t *testing.T) {
	tests := []struct {
		in, want string
		warn     string
	}{
		{"plain", "plain", ""},
		{"=?utf-8?q?caf=C3=A9?=", "café", ""},
		{"=?UTF-8?B?Y2Fmw6k=?=", "café", ""},
		{"=?utf-8?b?Y2Fmw6k?=", "café", ""}, // missing padding
		{"=?iso-8859-1?q?a?= =?iso-8859-1?q?b?=", "ab", ""},
		{"=?utf-8?B?Wm/D?= =?UTF-8?B?qyDDmA==?=", "Zoë Ø", ""}, // character split across words
		{"=?utf-8?q?Zo=C3?=\r\n =?utf-8?q?=AB?=", "Zoë", ""},
		{"=?iso-8859-1?q?a?=  x  =?iso-8859-1?q?b?=", "a  x  b", ""},
		{"Re: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus", "Re: Grüße aus", ""},
		{"pre=?utf-8?q?fix?=post", "prefixpost", ""},
		{"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "テスト", ""},
		{"=?gb2312?B?xOO6ww==?=", "你好", ""},
		{"=?ks_c_5601-1987?B?vsiz58fPvLy/5A==?=", "안녕하세요", ""},
		{"=?koi8-r?q?=F0=D2=C9=D7=C5=D4?=", "Привет", ""},
		{"=?utf-8*en?q?lang?=", "lang", ""},
		{"=?x-unknown-cs?q?caf=E9?=", "café", "unknown charset"},
		{"=?utf-8?b?!!!Y2Fm?=", "caf", "invalid base64"},
		{"=?utf-8?q?with space?=", "with space", ""},
		{"=?utf-8?x?bad?=", "=?utf-8?x?bad?=", ""},
		{"=?utf-8?q?unterminated", "=?utf-8?q?unterminated", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var warns []string
			got := newTestDecoder(&warns).decodeWords(tc.in, "test")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.warn != "" && (len(warns) == 0 || !strings.Contains(warns[0], tc.warn)) {
				t.Errorf("warnings %q lack %q", warns, tc.warn)
			}
			if tc.warn == "" && len(warns) > 0 {
				t.Errorf("unexpected warnings %q", warns)
			}
		})
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in    string
		token string
		want  map[string]string
	}{
		{`text/plain; charset="utf-8"`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`Text/HTML;CHARSET=ISO-8859-1;format=flowed`, "text/html", map[string]string{"charset": "ISO-8859-1", "format": "flowed"}},
		{`text/plain charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`attachment; filename*=utf-8''%E2%82%AC.txt`, "attachment", map[string]string{"filename": "€.txt"}},
		{`attachment; filename*=iso-8859-1'en'caf%E9.txt`, "attachment", map[string]string{"filename": "café.txt"}},
		{`attachment; filename*1="b.txt"; filename*0="a"`, "attachment", map[string]string{"filename": "ab.txt"}},
		{`attachment; filename*0*=utf-8''%C3%A9; filename*1=" x"`, "attachment", map[string]string{"filename": "é x"}},
		{`attachment; filename="plain.txt"; filename*=utf-8''better.txt`, "attachment", map[string]string{"filename": "better.txt"}},
		{`attachment; filename="=?utf-8?B?w6lsYW4udHh0?="`, "attachment", map[string]string{"filename": "élan.txt"}},
		{"attachment; filename=\"caf\xe9.txt\"", "attachment", map[string]string{"filename": "café.txt"}},
		{`attachment; filename=my file.pdf`, "attachment", map[string]string{"filename": "my file.pdf"}},
		{`attachment; filename="unterminated.pdf; size=3`, "attachment", map[string]string{"filename": "unterminated.pdf", "size": "3"}},
		{`attachment; filename="report "final".pdf"`, "attachment", map[string]string{"filename": `report "final".pdf`}},
		{`attachment; filename="a\"b.txt"`, "attachment", map[string]string{"filename": `a"b.txt`}},
		{`attachment; filename="first"; filename="second"`, "attachment", map[string]string{"filename": "first"}},
		{`text/html;iso-8859-1`, "text/html", map[string]string{}},
		{``, "", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			tok, got := newTestDecoder(nil).parseParams(tc.in, "test")
			if tok != tc.token || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q %q, want %q %q", tok, got, tc.token, tc.want)
			}
		})
	}
}

func TestMsgIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<a@x.example>", []string{"a@x.example"}},
		{"<<a@x.example>>", []string{"a@x.example"}},
		{" a@x.example ", []string{"a@x.example"}},
		{"<a@x.example> <b@x.example>\t<c@x.example>", []string{"a@x.example", "b@x.example", "c@x.example"}},
		{"<a@x.example> garbage (comment) <b@x.example> <a@x.example>", []string{"a@x.example", "b@x.example"}},
		{"Your message of Mon, 3 Mar 2008 <q@x.example>", []string{"q@x.example"}},
		{"<a@x.\n example>", []string{"a@x.example"}},
		{"a@x.example b@x.example", []string{"a@x.example", "b@x.example"}},
		{"N77056c0a550a010202b5c", []string{"N77056c0a550a010202b5c"}},
		{"", nil},
	}
	for _, tc := range tests {
		if got := msgIDs(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("msgIDs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCharsetDecode(t *testing.T) {
	tests := []struct {
		label string
		in    []byte
		want  string
		warn  string
	}{
		{"", []byte("caf\xc3\xa9"), "café", ""},
		{"", []byte("caf\xe9"), "café", ""},
		{"us-ascii", []byte("caf\xe9"), "café", ""},
		{"utf-8", []byte("caf\xc3\xa9 caf\xe9"), "café café", "invalid UTF-8"},
		{"iso-8859-1", []byte("caf\xc3\xa9"), "café", "content is valid UTF-8"},
		{"windows-1250", []byte("\xc2\x80"), "Â€", ""}, // C1 control: not UTF-8 text
		{"koi8-r", []byte("\xf0\xd2\xc9\xd7\xc5\xd4"), "Привет", ""},
		{"cp1251", []byte("\xcf\xf0\xe8\xe2\xe5\xf2"), "Привет", ""},
		{"\"ISO_8859-15\"", []byte("\xa4"), "€", ""},
		{"iso8859-2", []byte("\xb1"), "ą", ""},
		{"charset=utf-8", []byte("é"), "é", ""},
		{"x-sjis", []byte("\x83\x65\x83\x58\x83\x67"), "テスト", ""},
		{"unicode-1-1-utf-7", []byte("Hi +ZeVnLIqe-"), "Hi 日本語", ""},
		{"utf-8Return-Path:", []byte("é"), "é", "decoded as utf-8"},
		{"klingon", []byte("caf\xe9"), "café", "unknown charset"},
	}
	for _, tc := range tests {
		t.Run(tc.label, func(t *testing.T) {
			var warns []string
			got := newTestDecoder(&warns).decode(tc.in, tc.label, "test")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.warn != "" && (len(warns) == 0 || !strings.Contains(warns[0], tc.warn)) {
				t.Errorf("warnings %q lack %q", warns, tc.warn)
			}
			if tc.warn == "" && len(warns) > 0 {
				t.Errorf("unexpected warnings %q", warns)
			}
		})
	}
}

func TestDecodeBodyDetectsCJK(t *testing.T) {
	// Big5 text without a declared charset.
	big5 := []byte{}
	for i := 0; i < 20; i++ {
		big5 = append(big5, "\xa7\x41\xa6\x6e\xa1\x41\xb3\x6f\xac\x4f\xa4\xa4\xa4\xe5\xa1\x43"...) // 你好，這是中文。
	}
	var warns []string
	got := newTestDecoder(&warns).decodeBody(big5, "", "test")
	if !strings.HasPrefix(got, "你好，這是中文。") {
		t.Errorf("got %q", got[:40])
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "detected as Big5") {
		t.Errorf("warnings %q", warns)
	}
	// Short latin-1 text stays on the default charset.
	warns = nil
	if got := newTestDecoder(&warns).decodeBody([]byte("Gr\xfc\xdfe"), "", "test"); got != "Grüße" || len(warns) != 0 {
		t.Errorf("got %q warnings %q", got, warns)
	}
}

func TestTransferDecoding(t *testing.T) {
	tests := []struct {
		cte, in, want string
		warn          string
	}{
		{"base64", "aGVs\nbG8=\n", "hello", ""},
		{"BASE64", "aGVsbG8", "hello", ""},
		{"base64", "aGVs*bG8=", "hello", "1 invalid"},
		{"base64", "aGk=aGk=", "hihi", ""}, // concatenated streams
		{"base64", "aGVsbG8=Y", "hello", "middle of a byte"},
		{"quoted-printable", "caf=C3=A9 =\nsoft=\r\nbreak  \nx=3d=3D", "café softbreak\nx==", ""},
		{"quoted-printable", "100% =XY = done=", "100% =XY = done", "malformed"},
		{"quoted-printable", "a= \n", "a", ""},
		{"7bit", "as is\r\n", "as is\r\n", ""},
		{"", "as is", "as is", ""},
		{"x-gzip64", "raw", "raw", "unknown Content-Transfer-Encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.cte+" "+tc.in, func(t *testing.T) {
			var warns []string
			got, _ := decodeTransfer([]byte(tc.in), tc.cte, "part", func(s string) { warns = append(warns, s) })
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.warn != "" && (len(warns) == 0 || !strings.Contains(strings.Join(warns, "|"), tc.warn)) {
				t.Errorf("warnings %q lack %q", warns, tc.warn)
			}
			if tc.warn == "" && len(warns) > 0 {
				t.Errorf("unexpected warnings %q", warns)
			}
		})
	}
}

func TestSanitizeFilename(t *testing.T) {
	tests := []struct{ in, id, mime, want string }{
		{"report.pdf", "2", "application/pdf", "report.pdf"},
		{`C:\Users\jonas\secret.doc`, "2", "", "secret.doc"},
		{"../../etc/passwd", "2", "", "passwd"},
		{"evil\u202Etxt.exe", "2", "", "eviltxt.exe"},
		{"tab\tand\x00nul.txt", "2", "", "tabandnul.txt"},
		{"  ", "1.2", "image/png", "part-1.2.png"},
		{"..", "3", "message/rfc822", "part-3.eml"},
		{"", "4", "application/x-unknown", "part-4.bin"},
		{strings.Repeat("a", 300) + ".pdf", "1", "", strings.Repeat("a", 251) + ".pdf"},
		{"bad\xffutf8.txt", "1", "", "bad\uFFFDutf8.txt"},
	}
	for _, tc := range tests {
		if got := sanitizeFilename(tc.in, tc.id, tc.mime); got != tc.want {
			t.Errorf("sanitizeFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLooksLikeEmail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"From: a@b.example\nSubject: x\n\nbody", true},
		{"From jonas Mon Mar  3 10:00:00 2008\nReceived: x\nDate: y\n\nbody", true},
		{"Subject: only one\n\nbody", false},
		{"%PDF-1.4\n...", false},
		{"Name: x\nValue: y\n", false},
	}
	for _, tc := range tests {
		if got := looksLikeEmail([]byte(tc.in)); got != tc.want {
			t.Errorf("looksLikeEmail(%q) = %v", tc.in, got)
		}
	}
}
