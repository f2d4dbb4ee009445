package message

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// nestedBoundaries builds n nested multiparts that are never closed (a
// truncated message).
func nestedBoundaries(n int) string {
	var sb strings.Builder
	sb.WriteString("Subject: nested\nContent-Type: multipart/mixed; boundary=b0\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i, i+1)
	}
	fmt.Fprintf(&sb, "--b%d\n\nleaf\n", n)
	return sb.String()
}

// closedNested builds n properly closed nested multiparts.
func closedNested(n int, leaf string) string {
	var sb strings.Builder
	sb.WriteString("Subject: nested\nContent-Type: multipart/mixed; boundary=b0\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i, i+1)
	}
	fmt.Fprintf(&sb, "--b%d\n\n%s\n", n, leaf)
	for i := n; i >= 0; i-- {
		fmt.Fprintf(&sb, "--b%d--\n", i)
	}
	return sb.String()
}

// TestPathologicalInputs guards against quadratic or exponential work:
// each ~1 MB input must parse quickly. (Unterminated nested multiparts
// make enmime's work double per level; deep nesting and huge part counts
// are refused by a pre-scan.)
func TestPathologicalInputs(t *testing.T) {
	n := 1 << 20
	cases := map[string]struct {
		raw     string
		warning string
	}{
		"group colons":         {"To: a@b.example" + strings.Repeat(":", n) + "\n\nx", ""},
		"address commas":       {"To: " + strings.Repeat("a,", n/2) + "\n\nx", ""},
		"name fragments":       {"To: " + strings.Repeat("Reyes, Jonas <j@x.example>, ", n/28) + "\n\nx", ""},
		"encoded words":        {"Subject: " + strings.Repeat("=?utf-8?q?a?= ", n/14) + "\n\nx", ""},
		"angle brackets":       {"References: " + strings.Repeat("<", n) + "\n\nx", ""},
		"date numbers":         {"Date: " + strings.Repeat("1 ", n/2) + "\n\nx", "unparseable"},
		"many fields":          {strings.Repeat("X-A: b\n", n/7) + "\nx", ""},
		"2231 sections":        {"Content-Type: text/plain" + strings.Repeat("; a*1*=b", n/8) + "\n\nx", ""},
		"html nesting":         {"Content-Type: text/html\n\n" + strings.Repeat("<div><b>", n/8), ""},
		"qp soft breaks":       {"Content-Transfer-Encoding: quoted-printable\n\n" + strings.Repeat("= \n", n/3), ""},
		"base64 garbage":       {"Content-Transfer-Encoding: base64\n\n" + strings.Repeat("!", n), "invalid characters"},
		"continuations":        {"Subject: a\n" + strings.Repeat(" b\n", n/3) + "\nx", ""},
		"mixed 8-bit":          {"Subject: " + strings.Repeat("\xc3\xa9\xe9", n/3) + "\n\n" + strings.Repeat("\xc3\xa9\xe9", n/3), ""},
		"open nesting 30":      {nestedBoundaries(30), "unterminated nested multiparts"},
		"open nesting 13":      {nestedBoundaries(13), "not closed correctly"},
		"closed nesting 60":    {closedNested(60, strings.Repeat("text\n", 1000)), ""},
		"nesting 1500":         {nestedBoundaries(1500), "nesting deeper than 64"},
		"150k parts":           {"Content-Type: multipart/mixed; boundary=a\n\n" + strings.Repeat("--a\n\nx\n", n/7), "more than 10000 MIME parts"},
		"many attached emails": {"Content-Type: multipart/mixed; boundary=a\n\n" + strings.Repeat("--a\nContent-Type: message/rfc822\n\nSubject: x\n\ny\n", 5000), ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			done := make(chan struct{})
			var m any
			var err error
			go func() {
				defer close(done)
				mm, e := Parse(context.Background(), []byte(tc.raw), Options{})
				m, err = mm, e
				if e == nil && tc.warning != "" && !hasWarning(mm, tc.warning) {
					t.Errorf("warnings %.300q lack %q", mm.Warnings, tc.warning)
				}
			}()
			select {
			case <-done:
				if err != nil {
					t.Fatal(err)
				}
				assertValidUTF8(t, m)
			case <-time.After(20 * time.Second):
				t.Fatal("parse took longer than 20s")
			}
		})
	}
}
