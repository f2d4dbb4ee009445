package message

import (
	"strings"
	"testing"
)

func TestDecodeTransfer(t *testing.T) {
	cases := []struct {
		enc, in, want string
		warn          string // substring of a warning, "" for none
	}{
		{"base64", "aGVs\r\nbG8=", "hello", ""},
		{"BASE64 ", "aGVsbG8", "hello", ""}, // missing padding
		{"base64", "aGV*sbG8=", "hello", "1 invalid characters"},
		{"quoted-printable", "caf=C3=A9 =\r\nau lait", "café au lait", ""},
		{"quoted-printable", "100=% sure", "100=% sure", "malformed"},
		{"7bit", "plain", "plain", ""},
		{"", "plain", "plain", ""},
		{"binary", "\x00\x01", "\x00\x01", ""},
		{"x-rot13", "as found", "as found", "unknown Content-Transfer-Encoding"},
	}
	for _, tc := range cases {
		got, warns := DecodeTransfer(tc.enc, []byte(tc.in))
		if string(got) != tc.want {
			t.Errorf("DecodeTransfer(%q, %q) = %q, want %q", tc.enc, tc.in, got, tc.want)
		}
		joined := strings.Join(warns, "; ")
		if (tc.warn == "") != (len(warns) == 0) || !strings.Contains(joined, tc.warn) {
			t.Errorf("DecodeTransfer(%q, %q) warnings %q, want %q", tc.enc, tc.in, joined, tc.warn)
		}
	}
}
