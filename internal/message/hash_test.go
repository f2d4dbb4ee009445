package message

import (
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
)

const hashBase = "From: Jonas Reyes <Jonas.Reyes@harbor.example>\n" +
	"To: ana.lima@harbor.example, Bob <bob@yard.example>\n" +
	"Cc: carl.diaz@yard.example\n" +
	"Subject: Cargo   manifest\n" +
	"Date: Mon, 3 Mar 2008 10:00:00 +0100\n" +
	"Message-ID: <hash@harbor.example>\n" +
	"MIME-Version: 1.0\n" +
	"Content-Type: multipart/mixed; boundary=b\n\n" +
	"--b\n" +
	"Content-Type: text/plain; charset=utf-8\n\n" +
	"The manifest is attached.\nCafé at noon.\n" +
	"--b\n" +
	"Content-Type: text/plain; name=list.txt\n" +
	"Content-Disposition: attachment; filename=list.txt\n\n" +
	"crate 1\ncrate 2\n" +
	"--b--\n"

func TestContentHashStableAcrossCopies(t *testing.T) {
	base := mustParse(t, []byte(hashBase), Options{})
	same := map[string]string{
		"CRLF line ends": strings.ReplaceAll(hashBase, "\n", "\r\n"),
		"mbox artefacts, Received, X-, Bcc": "From jonas@harbor.example Mon Mar  3 10:00:01 2008\n" +
			"Received: from mx.harbor.example by mbox.yard.example; Mon, 3 Mar 2008 10:00:01 +0100\n" +
			"X-Spam-Score: 0.1\nBcc: hidden@harbor.example\n" + hashBase,
		"recipients reordered, case": strings.Replace(strings.Replace(hashBase,
			"To: ana.lima@harbor.example, Bob <bob@yard.example>\n", "To: BOB@yard.example\n", 1),
			"Cc: carl.diaz@yard.example\n", "Cc: Carl <carl.diaz@yard.example>, Ana.Lima@harbor.example\n", 1),
		"same instant, other zone": strings.Replace(hashBase, "Mon, 3 Mar 2008 10:00:00 +0100", "Mon, 3 Mar 2008 04:00:00 -0500", 1),
		"body re-encoded as QP, rewrapped": strings.Replace(hashBase,
			"Content-Type: text/plain; charset=utf-8\n\nThe manifest is attached.\nCafé at noon.\n",
			"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nThe manifest   is =\nattached. Caf=C3=A9 at noon.\n", 1),
		"attachment re-encoded as base64": strings.Replace(hashBase,
			"Content-Disposition: attachment; filename=list.txt\n\ncrate 1\ncrate 2\n",
			"Content-Disposition: attachment; filename=list.txt\nContent-Transfer-Encoding: base64\n\nY3JhdGUgMQ0KY3JhdGUgMg==\n", 1),
		"subject whitespace": strings.Replace(hashBase, "Subject: Cargo   manifest", "Subject: Cargo\n  manifest", 1),
	}
	for name, raw := range same {
		t.Run(name, func(t *testing.T) {
			m := mustParse(t, []byte(raw), Options{})
			if m.ContentHash != base.ContentHash {
				t.Errorf("hash differs:\n%s\n---\n%s", Normalize(m), Normalize(base))
			}
			if m.ID != base.ID {
				t.Errorf("ID %s != %s", m.ID, base.ID)
			}
		})
	}
	differ := map[string]string{
		"body word":       strings.Replace(hashBase, "noon", "one", 1),
		"recipient":       strings.Replace(hashBase, "bob@yard.example", "rob@yard.example", 1),
		"date":            strings.Replace(hashBase, "10:00:00", "10:00:01", 1),
		"subject":         strings.Replace(hashBase, "Cargo", "Cargo:", 1),
		"attachment byte": strings.Replace(hashBase, "crate 2", "crate 3", 1),
		"from":            strings.Replace(hashBase, "Jonas.Reyes@", "Jonas.Reye@", 1),
	}
	for name, raw := range differ {
		t.Run("differs: "+name, func(t *testing.T) {
			m := mustParse(t, []byte(raw), Options{})
			if m.ContentHash == base.ContentHash {
				t.Errorf("hash equal for changed %s", name)
			}
		})
	}
}

func TestContentHashForwardedCopies(t *testing.T) {
	raw := readFixture(t, "nested-forward.eml")
	lf := mustParse(t, raw, Options{})
	crlf := mustParse(t, []byte(strings.ReplaceAll(string(raw), "\n", "\r\n")), Options{})
	if lf.ContentHash != crlf.ContentHash {
		t.Errorf("forwarded message hashes differ between LF and CRLF copies:\n%s\n---\n%s", Normalize(lf), Normalize(crlf))
	}
	if lf.RawSHA256 == crlf.RawSHA256 || lf.Children[0].RawSHA256 == crlf.Children[0].RawSHA256 {
		t.Error("raw hashes should differ between LF and CRLF copies")
	}
	if lf.Children[0].ID != crlf.Children[0].ID {
		t.Error("child IDs differ between LF and CRLF copies")
	}
}

func TestNormalize(t *testing.T) {
	d := time.Date(2008, 3, 3, 9, 0, 0, 0, time.UTC)
	m := &model.Message{
		From:        model.Address{Name: "J", Address: "J@X.example"},
		To:          []model.Address{{Address: "b@x.example"}, {Name: "Reyes, Jonas"}},
		Cc:          []model.Address{{Address: "A@x.example"}},
		Bcc:         []model.Address{{Address: "hidden@x.example"}},
		DateUTC:     &d,
		Subject:     "  Re:\tthe   plan ",
		BodyText:    "line one\n\n  line two  \n",
		Attachments: []model.Attachment{{SHA256: "bb"}, {SHA256: "aa"}},
	}
	want := "from:j@x.example\nrcpt:a@x.example,b@x.example,reyes, jonas\ndate:1204534800\n" +
		"subject:Re: the plan\nbody:line one line two\natt:aa,bb"
	if got := Normalize(m); got != want {
		t.Errorf("Normalize =\n%s\nwant\n%s", got, want)
	}
	m.DateUTC, m.DateRaw, m.DateFlag = nil, "sometime  soon", model.DateUnparseable
	if got := Normalize(m); !strings.Contains(got, "\ndate:raw:sometime soon\n") {
		t.Errorf("unparsed date form: %s", got)
	}
	m.DateUTC, m.DateFlag = &d, model.DateLocal
	if got := Normalize(m); !strings.Contains(got, "\ndate:local:1204534800\n") {
		t.Errorf("local date form: %s", got)
	}
}
