package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// testHost is the Host header handler tests send (the server is told it
// is bound there).
const testHost = "127.0.0.1:8080"

// Known IDs of the bundled example case (see internal/ingest tests).
const (
	idLease      = "b70896e933a97c74" // "Berth 7 lease", thread root
	idReply2     = "6caf9f72a5a6255a" // "Re: Berth 7 lease", also in a zip
	idSchedule   = "c6cbbb1828af8f5e" // has attachment schedule.csv
	idForward    = "57a26b0660c87f5f" // forwarded, has an attached message
	idPrinted    = "2cedeac1616bdb30" // printed exhibit
	threadPH     = "p137549418930d6b" // thread with a placeholder
	scheduleCSV  = "berth,tenant,rent\n7,Lefko Holdings,12000\n"
	hostileMID   = "hostile-1@evil.example"
	hostileQuery = "subject:figures"
)

// onePixelPNG is a 1×1 transparent PNG.
const onePixelPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

// hostileAttachment is the content of the hostile message's attachment.
const hostileAttachment = "<html><script>document.title='ATTACHMENT RAN'</script></html>"

// hostileHTML is an HTML body that tries every way to run a script or to
// contact base (a URL like http://127.0.0.1:PORT) that we know of.
func hostileHTML(base string) string {
	return `<html><head><title>x</title>
<style>@import url("` + base + `/import.css"); body{background:url(` + base + `/bg.png)}</style>
<link rel="stylesheet" href="` + base + `/link.css">
<script>document.title='PWNED';fetch('` + base + `/fetch');</script>
<meta http-equiv="refresh" content="0;url=` + base + `/refresh">
<base href="` + base + `/">
</head><body onload="document.title='PWNED-onload'">
<p>Quarterly <b>hostile</b> report for the <i>board</i>.</p>
<img src="` + base + `/track.png" alt="tracker">
<img src="//` + strings.TrimPrefix(base, "http://") + `/proto.png">
<img src="relative.png">
<img src="cid:logo@evil.example">
<img srcset="` + base + `/srcset.png 2x">
<img src="data:image/png;base64,` + onePixelPNG + `" alt="inline pixel">
<div style="background-image:url('` + base + `/div.png'); color: red">styled text</div>
<table background="` + base + `/table.png"><tr><td>cell</td></tr></table>
<a href="` + base + `/click">click me</a>
<a href="javascript:document.title='PWNED-js'">js link</a>
<iframe src="` + base + `/frame"></iframe>
<object data="` + base + `/object"></object>
<embed src="` + base + `/embed">
<svg><image href="` + base + `/svg.png"/></svg>
<video poster="` + base + `/poster.png" src="` + base + `/video.mp4"></video>
<img src=x onerror="document.title='PWNED-onerror';fetch('` + base + `/onerror')">
<form action="` + base + `/form"><input type=image src="` + base + `/input.png"><button>go</button></form>
<script src="` + base + `/external.js"></script>
</body></html>`
}

// hostileEML is a complete message with the hostile HTML body, an HTML
// subject and sender name, and an attachment with a path in its name.
func hostileEML(base string) string {
	return "From: \"<img src=x onerror=alert(1)>\" <mallory@evil.example>\r\n" +
		"To: Jonas Reyes <jonas.reyes@harbor.example>\r\n" +
		"Date: Mon, 10 Mar 2008 09:00:00 +0000\r\n" +
		"Subject: <script>alert('subject')</script> Quarterly figures\r\n" +
		"Message-ID: <" + hostileMID + ">\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nQuarterly hostile report for the board.\r\n" +
		"--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		qpEncode(hostileHTML(base)) + "\r\n--alt--\r\n" +
		"--outer\r\nContent-Type: text/html; name=\"evil.html\"\r\n" +
		"Content-Disposition: attachment; filename=\"..\\\\..\\\\Windows/evil<b>.html\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(hostileAttachment)) + "\r\n--outer--\r\n"
}

// qpEncode writes s as quoted-printable (= and non-ASCII escaped, soft
// breaks every 70 characters).
func qpEncode(s string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var tok string
		switch {
		case c == '\n':
			b.WriteString("\r\n")
			n = 0
			continue
		case c == '=' || c > 126 || c < 32 && c != '\t':
			tok = fmt.Sprintf("=%02X", c)
		default:
			tok = string(c)
		}
		if n+len(tok) > 70 {
			b.WriteString("=\r\n")
			n = 0
		}
		b.WriteString(tok)
		n += len(tok)
	}
	return b.String()
}

// fixture is the example case plus the hostile message.
type fixture struct {
	c         *casedir.Case
	srv       *Server
	hostileID string
}

// newFixture ingests examples/harbor and a hostile message whose remote
// resources point at base, and returns a server for it. The server
// believes it is bound at addr (testHost when empty).
func newFixture(t testing.TB, base, addr string) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	c, err := casedir.Init(ctx, filepath.Join(dir, "case"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	opts := ingest.Options{Documents: ingest.PrintedDocuments(ingest.PrintedOptions{NoOCR: true})}
	if _, err := ingest.Run(ctx, c, "../../examples/harbor", opts); err != nil {
		t.Fatal(err)
	}
	hdir := filepath.Join(dir, "hostile")
	if err := os.MkdirAll(hdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hdir, "hostile.eml"), []byte(hostileEML(base)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, c, hdir, opts); err != nil {
		t.Fatal(err)
	}
	f := &fixture{c: c}
	node, _ := query.Parse("mid:" + hostileMID)
	_ = c.Store.Search(ctx, node, store.SearchOptions{}, func(h store.Hit) error { f.hostileID = h.Message.ID; return nil })
	if f.hostileID == "" {
		t.Fatal("hostile message not ingested")
	}
	if addr == "" {
		addr = testHost
	}
	f.srv, err = New(Options{Case: c, Addr: addr, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.srv.Close)
	return f
}

// get performs a GET through the handler.
func (f *fixture) get(t testing.TB, target string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = testHost
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	return w
}

// post performs a form POST with the given CSRF cookie and field
// ("" leaves them out) and extra headers.
func (f *fixture) post(t testing.TB, target string, form url.Values, cookie, field string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	if field != "" {
		form.Set("csrf", field)
	}
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Host = testHost
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: f.srv.cookie, Value: cookie})
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	return w
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// mustContain fails for every want missing from body.
func mustContain(t testing.TB, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

// mustNotContain fails for every bad string present in body.
func mustNotContain(t testing.TB, what, body string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(body, b) {
			t.Errorf("%s: must not contain %q", what, b)
		}
	}
}
