package web

import (
	"encoding/json"
	"html"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/store"
)

const trackerBase = "http://tracker.example:9"

func TestSearchPage(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	cases := []struct {
		name, target string
		total        int // -1: no result list (error)
		want, bad    []string
	}{
		{"words", "/?q=lease", 5,
			[]string{`<mark>lease</mark>`, `href="/m/` + idLease + `"`, `<code class="canonical">lease</code>`, `hx-get="/facets?q=lease"`},
			nil},
		{"empty query lists everything", "/", 12, []string{`— showing 1–12`}, nil},
		{"star", "/?q=*", 12, nil, nil},
		{"field and date", "/?q=" + url.QueryEscape("from:jonas.reyes@harbor.example date:2008-03"), 2, nil, nil},
		{"printed badge", "/?q=kind:printed", 2, []string{`<span class="badge printed">printed</span>`}, nil},
		{"copies badge", "/?q=id:" + idReply2, 1, []string{`3 copies`}, nil},
		{"no match", "/?q=zzzzunlikely", 0, []string{"No messages match"}, nil},
		{"hostile subject and sender escaped", "/?q=" + url.QueryEscape(hostileQuery), 1,
			[]string{"&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt; Quarterly figures", "&lt;img src=x onerror=alert(1)&gt;"},
			[]string{"<script>alert", "<img src=x"}},
		{"syntax error with caret", "/?q=" + url.QueryEscape("from:(a"), -1,
			[]string{`class="qerror"`, "never closed at column 6", "from:(a\n     ^</pre>"}, []string{`class="hits"`}},
		{"unknown field suggestion", "/?q=" + url.QueryEscape("form:jonas"), -1, []string{`did you mean &#34;from:&#34;?`, "form:jonas\n^"}, nil},
		{"bad sort", "/?q=lease&sort=sideways", -1, []string{`unknown sort &#34;sideways&#34;`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := f.get(t, tc.target)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			if tc.total >= 0 {
				m := regexp.MustCompile(`<strong id="total">(\d+)</strong>`).FindStringSubmatch(body)
				if m == nil || m[1] != strconv.Itoa(tc.total) {
					t.Errorf("total %v, want %d", m, tc.total)
				}
				if n := strings.Count(body, `<li class="hit">`); n != min(tc.total, DefaultPageSize) {
					t.Errorf("%d hits listed, want %d", n, tc.total)
				}
			}
			mustContain(t, tc.name, body, tc.want...)
			mustNotContain(t, tc.name, body, tc.bad...)
		})
	}
}

// TestPagination pages through every message two at a time, with no cap
// on the offset.
func TestPagination(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	seen := map[string]bool{}
	next := "/?n=2"
	pages := 0
	for next != "" {
		pages++
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		body := f.get(t, next).Body.String()
		for _, m := range regexp.MustCompile(`<a class="subj" href="/m/([0-9a-f]{16})"`).FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Errorf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := regexp.MustCompile(`<a rel="next" href="([^"]+)"`).FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	if len(seen) != 12 || pages != 6 {
		t.Errorf("saw %d messages on %d pages, want 12 on 6", len(seen), pages)
	}
	// Far past the end: the total is still shown, no hits, a way back.
	body := f.get(t, "/?n=2&offset=100000").Body.String()
	mustContain(t, "far offset", body, `<strong id="total">12</strong>`, `rel="prev" href="/?offset=99998&amp;n=2"`)
	if strings.Contains(body, `class="hit"`) {
		t.Error("hits past the end")
	}
	// Page links: first, current neighbourhood, last.
	body = f.get(t, "/?n=1&offset=6").Body.String()
	mustContain(t, "page links", body, `<a href="/?n=1">1</a>`, `<strong aria-current="page">7</strong>`, `<a href="/?offset=11&amp;n=1">12</a>`, "<span>…</span>")
}

func TestHighlight(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain & <b>", "plain &amp; &lt;b&gt;"},
		{"a " + markStart + "word" + markEnd + " b", "a <mark>word</mark> b"},
		{markStart + "<script>" + markEnd, "<mark>&lt;script&gt;</mark>"},
		{"open " + markStart + "never closed", "open <mark>never closed</mark>"},
		{"stray " + markEnd + " end", "stray  end"},
		{markStart + markStart + "x" + markEnd + markEnd, "<mark>x</mark>"},
	}
	for _, tc := range cases {
		if got := string(highlight(tc.in)); got != tc.want {
			t.Errorf("highlight(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	if body := strings.TrimSpace(f.get(t, "/check?q=from:jonas").Body.String()); body != "" {
		t.Errorf("valid query: %q", body)
	}
	body := f.get(t, "/check?q="+url.QueryEscape(`budget "memo`)).Body.String()
	mustContain(t, "check", body, "unclosed", `budget &#34;memo`+"\n       ^")
}

// facetCounts parses the facet fragment into group -> label -> count.
func facetCounts(t *testing.T, body string) map[string]map[string]int {
	t.Helper()
	out := map[string]map[string]int{}
	for _, sec := range strings.Split(body, `<section class="facet">`)[1:] {
		name := regexp.MustCompile(`<h3>([^<]+)</h3>`).FindStringSubmatch(sec)[1]
		out[name] = map[string]int{}
		for _, m := range regexp.MustCompile(`<a href="[^"]*"(?: title="[^"]*")?>(?:✓ )?([^<]+)</a> <span class="count">(\d+)</span>`).FindAllStringSubmatch(sec, -1) {
			n, _ := strconv.Atoi(m[2])
			out[name][html.UnescapeString(m[1])] = n
		}
	}
	return out
}

func TestFacets(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	want := map[string]map[string]int{
		"Year":   {"2008": 8, "2011": 1, "2012": 2},
		"Kind":   {"native": 10, "printed": 2},
		"Source": {"custodians/reyes/inbox.mbox": 4, "custodians/reyes/sent.mbox": 4, "exhibits/EXHIBIT_12.txt": 2, "hostile.eml": 1},
		"Sender": {"Jonas Reyes <jonas.reyes@harbor.example>": 5},
	}
	for _, limit := range []int{DefaultExactFacetLimit, 0} { // tallied, then counted with Count queries
		f.srv.exactFacets = limit
		f.srv.results = newResultCache(0) // nothing kept from the other limit
		got := facetCounts(t, f.get(t, "/facets?q=").Body.String())
		for g, vals := range want {
			for label, n := range vals {
				if limit == 0 && g == "Sender" {
					label = "jonas.reyes@harbor.example" // counted candidates carry no display name
				}
				if got[g][label] != n {
					t.Errorf("limit %d: facet %s %q = %d, want %d (all: %v)", limit, g, label, got[g][label], n, got[g])
				}
			}
		}
	}
	// Narrowed by the query, and a value already in the query is active
	// and links to the query without it.
	f.srv.exactFacets = DefaultExactFacetLimit
	body := f.get(t, "/facets?q="+url.QueryEscape("lease kind:native")).Body.String()
	got := facetCounts(t, body)
	if got["Kind"]["native"] != 5 || got["Kind"]["printed"] != 0 {
		t.Errorf("kind facet within query: %v", got["Kind"])
	}
	mustContain(t, "active facet", body, `<li class="active"><a href="/?q=lease">✓ native</a>`, `href="/?q=lease&#43;kind%3Anative&#43;date%3A2008"`)
	// A facet link runs the combined query.
	if b := f.get(t, "/?q="+url.QueryEscape(`lease kind:native source:"custodians/reyes/inbox.mbox"`)).Body.String(); !strings.Contains(b, `<strong id="total">2</strong>`) {
		t.Error("source facet query does not narrow as counted")
	}
	// OR queries are parenthesised when a filter is added.
	body = f.get(t, "/facets?q="+url.QueryEscape("lease OR transfer")).Body.String()
	mustContain(t, "or facet", body, `href="/?q=%28lease&#43;OR&#43;transfer%29&#43;date%3A2012"`)
	// A syntax error gives a hint, not a failure.
	mustContain(t, "facet error", f.get(t, "/facets?q=%28").Body.String(), "fix the query")
}

func TestReader(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	t.Run("hostile", func(t *testing.T) {
		w := f.get(t, "/m/"+f.hostileID)
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		if got := w.Header().Get("Content-Security-Policy"); got != PageCSP {
			t.Errorf("CSP %q", got)
		}
		body := w.Body.String()
		mustContain(t, "reader", body,
			`<iframe class="bodyframe" sandbox src="/m/`+f.hostileID+`/body.html"`,
			"&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt; Quarterly figures",
			"tracker.example:9/track.png", // the blocked list names the tracker
			"remote or embedded resource(s) not loaded",
			"cid:logo@evil.example",
			"hostile.eml", "offset 0, length", `href="/m/`+f.hostileID+`/attachment/1"`,
			"evil&lt;b&gt;.html")
		mustNotContain(t, "reader", body, "<script>alert", "allow-scripts", "allow-same-origin", `<img src="http`)
		if n := strings.Count(body, "<script"); n != 2 {
			t.Errorf("%d script elements, want only htmx and app.js", n)
		}
	})
	t.Run("provenance", func(t *testing.T) {
		body := f.get(t, "/m/"+idReply2).Body.String()
		mustContain(t, "person links", body, `<a class="person" href="/person?ref=jonas.reyes%40harbor.example"`)
		mustContain(t, "provenance", body, "Provenance — 3 copies",
			"custodians/reyes/sent.mbox", "loose/ledger-export.zip", "export/m3-copy.eml", // zip member
			"79bc61ea", `href="/m/`+idReply2+`/copy/3"`, `show the conversation`)
		body = f.get(t, "/m/"+idPrinted).Body.String()
		mustContain(t, "printed provenance", body, "exhibits/EXHIBIT_12.txt", "page 1, lines 14–20", "HARBOR-COURT-000101",
			"d5ddb1ae41b8445236f61aef9bff07ecd0588d9757d457b1703e7f93b2b35299", `<span class="badge printed"`)
		mustNotContain(t, "printed provenance", body, "download this copy")
	})
	t.Run("related copies", func(t *testing.T) {
		// The printed exhibit "Berth 7" from Jonas and any native mail
		// with the same sender and subject would be linked; the
		// example's printed messages have no native twin, so check the
		// Message-ID link through a conflict-free case: none listed.
		body := f.get(t, "/m/"+idPrinted).Body.String()
		if strings.Contains(body, "The same email elsewhere in the case") {
			t.Error("unexpected related messages for the printed exhibit")
		}
	})
	t.Run("prefix redirects", func(t *testing.T) {
		w := f.get(t, "/m/"+idLease[:6])
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/m/"+idLease {
			t.Errorf("prefix: %d %q", w.Code, w.Header().Get("Location"))
		}
	})
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/m/ffffffffffffffff", 404, "No message"},
		{"/m/xyz", 404, "No message"},
		{"/m/" + idSchedule + "/attachment/9", 404, "has no attachment"},
		{"/m/" + idSchedule + "/copy/0", 404, "has no copy"},
		{"/m/" + idPrinted + "/copy/1", 404, "printed copy"},
	} {
		w := f.get(t, tc.path)
		if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%s: %d, want %d with %q", tc.path, w.Code, tc.code, tc.want)
		}
	}
}

func TestBodyHTML(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	w := f.get(t, "/m/"+f.hostileID+"/body.html")
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if got := w.Header().Get("Content-Security-Policy"); got != BodyCSP || !strings.HasPrefix(got, "default-src 'none'; style-src 'unsafe-inline'; img-src data:") {
		t.Errorf("CSP %q", got)
	}
	body := w.Body.String()
	mustContain(t, "body", body, "Quarterly <b>hostile</b> report", "[image not loaded: tracker]",
		`src="data:image/png;base64,`, `title="link (not followed here): `+trackerBase+`/click"`, "styled text", "<td>cell</td>")
	mustNotContain(t, "body", body, "tracker.example:9/track", "<script", "onerror", "onload", "javascript:", "url(",
		"<iframe", "<object", "<embed", "<link", "<base", "http-equiv", "<form", "<input", "srcset", "background=", "poster",
		"<video", "PWNED", "cid:", "relative.png", `href="`)
	if n := strings.Count(body, "tracker.example"); n != 1 { // only inside the link tooltip
		t.Errorf("tracker named %d times", n)
	}
	// A message without HTML gets a note, not an error.
	mustContain(t, "no html", f.get(t, "/m/"+idLease+"/body.html").Body.String(), "has no HTML body")
}

func TestSanitize(t *testing.T) {
	z := newSanitizer()
	cases := []struct {
		in        string
		want, bad []string
	}{
		{`<p style="color:red;background:url(http://x.example/a.png)">t</p>`, []string{"<p", ">t</p>"}, []string{"url(", "x.example"}},
		{`<p style="color: red">ok</p>`, []string{`style="color: red"`}, nil},
		{`<div style="background-image:url(http://x.example/a)">t</div>`, []string{">t</div>"}, []string{"x.example", "style"}},
		{`<img src="https://x.example/p.gif" width="1" height="1">`, []string{"[image not loaded]"}, []string{"<img", "x.example"}},
		{`<IMG SRC="HTTP://X.EXAMPLE/P.GIF">`, []string{"[image not loaded]"}, []string{"<img", "X.EXAMPLE"}},
		{`<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`, []string{`<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="`}, nil},
		{`<img src="data:text/html;base64,PHNjcmlwdD4=">`, nil, []string{"data:text", "<img"}},
		{`<a href="https://x.example/">x</a>`, []string{`title="link (not followed here): https://x.example/"`, ">x</a>"}, []string{"href"}},
		{`<a href="#top">top</a>`, []string{`href="#top"`}, nil},
		{`<svg><script>alert(1)</script></svg>`, nil, []string{"script", "alert"}},
		{`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`, nil, []string{"onerror", "<style"}},
		{`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, nil, []string{"onerror"}},
		{`<blockquote cite="http://x.example/q">q</blockquote>`, []string{"<blockquote>q</blockquote>"}, []string{"x.example"}},
	}
	for _, tc := range cases {
		got := z.sanitize(tc.in).HTML
		mustContain(t, tc.in, got, tc.want...)
		mustNotContain(t, tc.in, got, tc.bad...)
	}
	bl := blockedResources(hostileHTML("http://h.example"))
	for _, want := range []string{"http://h.example/track.png", "http://h.example/import.css", "http://h.example/bg.png",
		"http://h.example/link.css", "http://h.example/div.png", "http://h.example/table.png", "http://h.example/srcset.png",
		"cid:logo@evil.example", "http://h.example/poster.png", "http://h.example/svg.png", "http://h.example/external.js"} {
		if !contains(bl, want) {
			t.Errorf("blocked list lacks %s: %v", want, bl)
		}
	}
	if contains(bl, "data:image/png;base64,"+onePixelPNG) {
		t.Error("data: image listed as blocked")
	}
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func TestDownloads(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	cases := []struct {
		name, path, wantName string
		wantBody             string
		wantSHA              string
	}{
		{"text attachment from mbox", "/m/" + idSchedule + "/attachment/1", "schedule.csv", "", "0a93d2c63474971c69c45e94039894bbf94cdedbffc96636ff7c38fa3d4923ea"},
		{"hostile attachment name", "/m/" + f.hostileID + "/attachment/1", "", hostileAttachment, ""},
		{"attached message", "/m/" + idForward + "/attachment/1", "lease.eml", "", "bd1bbb8ecb208eac0c9fec24ca6be3f84a4693d48f32118467427af66cc4466d"},
		{"mbox copy", "/m/" + idSchedule + "/copy/1", idSchedule + "-copy-1.eml", "", "91c9c3b45d8c40b6544703aaad3b53da13253c055de813d847225b7a692635ca"},
		{"zip member copy", "/m/" + idReply2 + "/copy/3", idReply2 + "-copy-3.eml", "", "79bc61ea"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := f.get(t, tc.path)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("content type %q", ct)
			}
			cd := w.Header().Get("Content-Disposition")
			disp, params, err := mime.ParseMediaType(cd)
			if err != nil || disp != "attachment" {
				t.Fatalf("disposition %q: %v", cd, err)
			}
			name := params["filename"]
			if strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
				t.Errorf("unsafe file name %q", name)
			}
			if tc.wantName != "" && name != tc.wantName {
				t.Errorf("file name %q, want %q", name, tc.wantName)
			}
			b := w.Body.Bytes()
			if tc.wantBody != "" && string(b) != tc.wantBody {
				t.Errorf("body %q", b)
			}
			if tc.wantSHA != "" && !strings.HasPrefix(sha(b), tc.wantSHA) {
				t.Errorf("sha256 %s, want %s", sha(b), tc.wantSHA)
			}
		})
	}
	// The attached message's own page offers its copy inside the
	// forwarding message (#rfc822-1), verified by its SHA-256.
	body := f.get(t, "/m/"+idLease).Body.String()
	mustContain(t, "nested source", body, "forwarded.eml", "#rfc822-1")
	m, err := f.c.Store.Get(t.Context(), idLease)
	if err != nil {
		t.Fatal(err)
	}
	for i, src := range m.Sources {
		if !strings.HasSuffix(src.Member, "#rfc822-1") {
			continue
		}
		w := f.get(t, "/m/"+idLease+"/copy/"+strconv.Itoa(i+1))
		if w.Code != 200 || sha(w.Body.Bytes()) != src.SHA256 {
			t.Errorf("nested copy: %d, sha %s want %s", w.Code, sha(w.Body.Bytes()), src.SHA256)
		}
	}
}

func TestSafeFilename(t *testing.T) {
	cases := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{`..\..\Windows\evil.html`, `_.._Windows_evil.html`},
		{".htaccess", "htaccess"},
		{"a\x00b\nc.txt", "abc.txt"},
		{"invoice\u202Egpj.exe", "invoicegpj.exe"},
		{"CON.txt", "_CON.txt"},
		{"C:evil.txt", "C_evil.txt"},
		{"  ...  ", "fallback"},
		{"", "fallback"},
		{"résumé 2008.doc", "résumé 2008.doc"},
		{strings.Repeat("é", 200) + ".pdf", strings.Repeat("é", 73) + ".pdf"},
	}
	for _, tc := range cases {
		if got := safeFilename(tc.in, "fallback"); got != tc.want {
			t.Errorf("safeFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if cd := contentDisposition("résumé \"x\".doc"); !strings.Contains(cd, `filename="r__sum__ _x_.doc"`) && !strings.Contains(cd, "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22x%22.doc") {
		t.Errorf("content disposition %q", cd)
	}
}

func TestThreadPage(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	body := f.get(t, "/t/"+idLease+"?m="+idReply2).Body.String()
	mustContain(t, "thread", body, "3 messages", `<li class="tnode current">`+"\n"+`<a href="/m/`+idReply2+`"`)
	// Nesting: root > reply > reply-to-reply.
	if i, j := strings.Index(body, idLease), strings.Index(body, "434ed36e0b8e577f"); i < 0 || j < i || strings.Count(body[i:], "<ul>") != 2 {
		t.Errorf("tree not nested as expected:\n%s", body)
	}
	body = f.get(t, "/t/"+threadPH).Body.String()
	mustContain(t, "placeholder", body, "[not in the case] &lt;missing-audit@harbor.example&gt;", "2 messages, 1 referenced but not in the case")
	if strings.Index(body, "missing-audit") > strings.Index(body, "60801a09047ac900") {
		t.Error("placeholder should be the root of its thread")
	}
	w := f.get(t, "/t/"+idReply2[:8])
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/t/"+idLease+"?m="+idReply2 {
		t.Errorf("message id redirect: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := f.get(t, "/t/ffffffff"); w.Code != http.StatusNotFound {
		t.Errorf("unknown thread: %d", w.Code)
	}
}

func TestTagsAndNotes(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	tok := f.srv.csrf
	path := "/m/" + idLease + "/tags"
	form := func(k, v string) url.Values { return url.Values{k: {v}} }
	refused := []struct {
		name          string
		cookie, field string
		hdr           map[string]string
	}{
		{"no token at all", "", "", nil},
		{"cookie only", tok, "", nil},
		{"field only", "", tok, nil},
		{"wrong field", tok, strings.Repeat("0", len(tok)), nil},
		{"wrong cookie", strings.Repeat("0", len(tok)), tok, nil},
		{"foreign origin", tok, tok, map[string]string{"Origin": "http://evil.example"}},
		{"null origin (sandboxed frame)", tok, tok, map[string]string{"Origin": "null"}},
		{"cross-site fetch", tok, tok, map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	for _, tc := range refused {
		if w := f.post(t, path, form("tag", "bad"), tc.cookie, tc.field, tc.hdr); w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, w.Code)
		}
	}
	if tags, _ := f.c.Store.Tags(t.Context(), idLease); len(tags) != 0 {
		t.Fatalf("refused requests changed tags: %v", tags)
	}
	// Form post (no JavaScript): redirect back to the message.
	w := f.post(t, path, form("tag", "key-evidence"), tok, tok, map[string]string{"Origin": "http://" + testHost, "Sec-Fetch-Site": "same-origin"})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/m/"+idLease+"#edits" {
		t.Fatalf("tag add: %d %q %s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	// htmx post with the header token: the refreshed panel comes back.
	w = f.post(t, path, form("tag", "mr-big"), tok, "", map[string]string{"X-CSRF-Token": tok, "HX-Request": "true"})
	mustContain(t, "htmx tag", w.Body.String(), `<div id="edits-panel">`, ">key-evidence</a>", ">mr-big</a>")
	// Invalid tags are explained, not stored.
	w = f.post(t, path, form("tag", "two words"), tok, "", map[string]string{"X-CSRF-Token": tok, "HX-Request": "true"})
	mustContain(t, "bad tag", w.Body.String(), "cannot contain spaces")
	w = f.post(t, path, form("tag", "-x"), tok, tok, nil)
	if w.Code != http.StatusBadRequest {
		t.Errorf("bad tag without htmx: %d", w.Code)
	}
	// Tags are searchable.
	mustContain(t, "tag search", f.get(t, "/?q=tag:key-evidence").Body.String(), `<strong id="total">1</strong>`, idLease)
	// Remove one.
	f.post(t, path+"/remove", form("tag", "mr-big"), tok, tok, nil)
	if tags, _ := f.c.Store.Tags(t.Context(), idLease); strings.Join(tags, ",") != "key-evidence" {
		t.Errorf("tags after removal: %v", tags)
	}
	// Notes.
	note := "Check this against the <Ostrava> ledger\nsecond line"
	if w := f.post(t, "/m/"+idLease+"/notes", form("note", note), tok, tok, nil); w.Code != http.StatusSeeOther {
		t.Fatalf("note: %d", w.Code)
	}
	if w := f.post(t, "/m/"+idLease+"/notes", form("note", "  "), tok, tok, nil); w.Code != http.StatusBadRequest {
		t.Errorf("empty note: %d", w.Code)
	}
	body := f.get(t, "/m/"+idLease).Body.String()
	mustContain(t, "reader edits", body, "Check this against the &lt;Ostrava&gt; ledger\nsecond line", ">key-evidence</a>", "web · ")
	// Unknown message.
	if w := f.post(t, "/m/ffffffffffffffff/tags", form("tag", "x"), tok, tok, nil); w.Code != http.StatusNotFound {
		t.Errorf("tag on unknown message: %d", w.Code)
	}
	// Tags page and export.
	body = f.get(t, "/tags").Body.String()
	mustContain(t, "tags page", body, `<a href="/?q=tag%3Akey-evidence">key-evidence</a></td><td class="num">1</td>`, "message "+idLease)
	mustNotContain(t, "tags page", body, ">mr-big<")
	w = f.get(t, "/export/edits.jsonl")
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	if len(lines) != 4 || !strings.Contains(w.Header().Get("Content-Disposition"), "casefile-edits.jsonl") {
		t.Fatalf("export: %d lines, disposition %q", len(lines), w.Header().Get("Content-Disposition"))
	}
	var last struct{ Kind, Target, Value, Actor string }
	if err := json.Unmarshal([]byte(lines[3]), &last); err != nil || last.Kind != "note" || last.Target != idLease || last.Value != note || last.Actor != "web" {
		t.Errorf("exported note %+v (%v)", last, err)
	}
}

func TestHostCheck(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	for host, want := range map[string]int{
		"127.0.0.1:8080":    200,
		"localhost:8080":    200,
		"LOCALHOST:8080":    200,
		"[::1]:8080":        200,
		"127.0.0.1:8081":    http.StatusMisdirectedRequest,
		"evil.example:8080": http.StatusMisdirectedRequest,
		"evil.example":      http.StatusMisdirectedRequest,
		"":                  http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.Host = host
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("Host %q: %d, want %d", host, w.Code, want)
		}
	}
	hs := allowedHosts("127.0.0.1", "80")
	if !hs["localhost"] || !hs["127.0.0.1"] || !hs["[::1]"] {
		t.Errorf("port 80 hosts: %v", hs)
	}
	hs = allowedHosts("10.1.2.3", "8080")
	if len(hs) != 1 || !hs["10.1.2.3:8080"] {
		t.Errorf("non-loopback hosts: %v", hs)
	}
}

// TestEveryPage checks status, CSP and framing headers of every page.
func TestEveryPage(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	pages := []string{"/", "/?q=lease", "/search?q=lease", "/facets?q=lease", "/check?q=x", "/m/" + idLease, "/t/" + idLease,
		"/tags", "/timeline?q=lease", "/timeline?q=%28"}
	for _, p := range pages {
		w := f.get(t, p)
		if w.Code != 200 {
			t.Errorf("%s: status %d", p, w.Code)
		}
		h := w.Header()
		csp := PageCSP
		if strings.HasPrefix(p, "/timeline") {
			csp = ChartCSP
		}
		if h.Get("Content-Security-Policy") != csp || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", p, h)
		}
		if c := h.Get("Set-Cookie"); !strings.Contains(c, "SameSite=Strict") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, f.srv.csrf) {
			t.Errorf("%s: cookie %q", p, c)
		}
		body := w.Body.String()
		mustNotContain(t, p, body, "http://", "https://", "style=\"")
		if m := regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`).FindString(body); m != "" {
			t.Errorf("%s: inline event handler %q", p, m)
		}
	}
	for _, p := range []string{"/static/app.js", "/static/timeline.js", "/static/app.css", "/static/vendor/htmx-2.0.11/htmx.min.js",
		"/static/vendor/vis-timeline-8.5.4/vis-timeline-graph2d.min.js", "/static/vendor/vis-timeline-8.5.4/vis-timeline-graph2d.min.css"} {
		if w := f.get(t, p); w.Code != 200 || w.Body.Len() < 500 {
			t.Errorf("%s: %d, %d bytes", p, w.Code, w.Body.Len())
		}
	}
	for _, p := range []string{"/static/", "/static/vendor/", "/static/../server.go", "/nope"} {
		if w := f.get(t, p); w.Code == 200 {
			t.Errorf("%s served", p)
		}
	}
	if w := f.get(t, "/static/vendor/htmx-2.0.11/htmx.min.js"); !strings.Contains(w.Body.String(), `version:"2.0.11"`) {
		t.Error("vendored htmx is not 2.0.11")
	}
}

func TestTimeline(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	mustContain(t, "timeline page", f.get(t, "/timeline?q=lease").Body.String(),
		`data-src="/timeline/data.json?q=lease"`, "/static/timeline.js", "vis-timeline-graph2d.min.js")
	mustContain(t, "timeline error", f.get(t, "/timeline?q=%28").Body.String(), `class="qerror"`)
	var d timelineJSON
	for _, tc := range []struct {
		q                     string
		total, undated, shown int
	}{{"lease", 5, 0, 5}, {"", 12, 1, 11}} {
		w := f.get(t, "/timeline/data.json?q="+url.QueryEscape(tc.q))
		if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		if d.Total != tc.total || d.Undated != tc.undated || d.Shown != tc.shown || len(d.Items) != tc.shown {
			t.Errorf("%q: %+v", tc.q, d)
		}
		for i := 1; i < len(d.Items); i++ {
			if d.Items[i].Start < d.Items[i-1].Start {
				t.Errorf("items not in date order at %d", i)
			}
		}
	}
	if w := f.get(t, "/timeline/data.json?q=%28"); w.Code != http.StatusBadRequest {
		t.Errorf("bad query: %d", w.Code)
	}
}

// TestReaderCopies links the printed exhibit to a native message (as the
// ingest matcher does) and checks both pages link each other and the
// native page cites the printed pages.
func TestReaderCopies(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	if err := f.c.Store.SetCopies(t.Context(), []store.CopyLink{{ID: idPrinted, Of: idLease, Score: 0.9}}); err != nil {
		t.Fatal(err)
	}
	body := f.get(t, "/m/"+idLease).Body.String()
	mustContain(t, "native with copy", body, "The same email elsewhere in the case", `href="/m/`+idPrinted+`"`, "printed copy of this email",
		"exhibits/EXHIBIT_12.txt", "HARBOR-COURT-000101", "page 1, lines 14–20")
	body = f.get(t, "/m/"+idPrinted).Body.String()
	mustContain(t, "printed copy", body, `href="/m/`+idLease+`"`, "the email this printed page is a copy of")
	// A message without copies or conflicts lists nothing.
	if strings.Contains(f.get(t, "/m/"+idSchedule).Body.String(), "The same email elsewhere") {
		t.Error("related section for a message without copies")
	}
}

// TestVendoredAssets checks the embedded front-end libraries against the
// SHA-256 sums in assets/vendor/README.md (they are copied unchanged from
// their npm packages, with their licenses).
func TestVendoredAssets(t *testing.T) {
	readme, err := embedded.ReadFile("assets/vendor/README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range regexp.MustCompile(`(?m)^([0-9a-f]{64})  (\S+)$`).FindAllStringSubmatch(string(readme), -1) {
		b, err := embedded.ReadFile("assets/vendor/" + m[2])
		if err != nil {
			t.Errorf("%s: %v", m[2], err)
			continue
		}
		if sha(b) != m[1] {
			t.Errorf("%s: SHA-256 %s, README says %s", m[2], sha(b), m[1])
		}
		n++
	}
	if n < 9 {
		t.Errorf("README lists %d files", n)
	}
	for _, lic := range []string{"htmx-2.0.11/LICENSE", "cytoscape-3.35.0/LICENSE", "vis-timeline-8.5.4/LICENSE.MIT.txt"} {
		if _, err := embedded.ReadFile("assets/vendor/" + lic); err != nil {
			t.Errorf("license %s missing", lic)
		}
	}
}
