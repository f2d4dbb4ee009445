package message

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics (a recovered panic surfaces as
// "internal parser error"), fails only for header-less input, and emits
// valid UTF-8 everywhere.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"",
		"Subject: x",
		"From: \"unterminated <a@b\nTo: ,,,;;:\n\n",
		"Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n--a--",
		"Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/alternative; boundary=a\n\n--a\n",
		"Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nSubject: deep\n\nx",
		"Subject: =?utf-8?b?=?= =?x?q?=ZZ?= =?utf-8?q??=\nDate: 99 Foo 99999 99:99\n\n",
		"Content-Type: text/plain; charset*0*=utf-8''%; filename*99999999999=x\nContent-Transfer-Encoding: quoted-printable\n\n=\n=4",
		"Content-Type: text/html\n\n<html><body><table><tr><td><b><a href=x><img alt=y></a>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(context.Background(), raw, Options{PDFToText: noPDF, MaxTextBytes: 1 << 16})
		if err != nil {
			if strings.Contains(err.Error(), "internal parser error") {
				t.Fatalf("panic: %v", err)
			}
			if !errors.Is(err, errNoHeader) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		assertValidUTF8(t, m)
		if m.ContentHash != ContentHash(m) || m.ID == "" || m.RawSHA256 == "" {
			t.Fatalf("hash/ID not set consistently")
		}
	})
}
