package web

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/mask"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// The protected person of the masking tests, and every form of her
// name and address that must never reach a masked viewer.
const protectedName = "Mara Lefkowitz"

var protectedForms = []string{
	"mara lefkowitz", "lefkowitz, mara", "m. lefkowitz", "mara@lefko.example",
	"mara.lefkowitz", "maralefkowitz", "mlefkowitz", "mara_lefkowitz",
}

// Extra messages for the download rules: an attachment named after her,
// a body that names her only in base64, a plain mention, and HTML bodies
// naming her in one text node and split over elements.
func maskedMessages() map[string]string {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	hdr := func(subject, mid string) string {
		return "From: Jonas Reyes <jonas.reyes@harbor.example>\r\nTo: Petra Okafor <petra@harbor.example>\r\n" +
			"Date: Tue, 11 Mar 2008 10:00:00 +0000\r\nSubject: " + subject + "\r\nMessage-ID: <" + mid + ">\r\nMIME-Version: 1.0\r\n"
	}
	return map[string]string{
		"passport.eml": hdr("scan for the file", "passport@harbor.example") +
			"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe scan you asked for.\r\n" +
			"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"Mara Lefkowitz passport.bin\"\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n" + b64("\x00\x01binary scan") + "\r\n--b--\r\n",
		"encoded.eml": hdr("minutes", "encoded@harbor.example") +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			b64("Minutes: Mara Lefkowitz signed for berth 9.\r\n") + "\r\n",
		"plain.eml": hdr("call back", "plain@harbor.example") +
			"Content-Type: text/plain; charset=utf-8\r\n\r\nPlease call Mara Lefkowitz (mara@lefko.example) about berth 9.\r\n",
		"html.eml": hdr("html note", "html@harbor.example") +
			"Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nDear Mara Lefkowitz, see you.\r\n" +
			"--a\r\nContent-Type: text/html\r\n\r\n<p>Dear <b>Mara Lefkowitz</b>, see <a href=\"mailto:mara@lefko.example\">you</a>.</p>\r\n--a--\r\n",
		"split.eml": hdr("split html", "split@harbor.example") +
			"Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nDear Mara Lefkowitz.\r\n" +
			"--a\r\nContent-Type: text/html\r\n\r\n<p>Dear <b>Mara</b> <i>Lefkowitz</i>.</p>\r\n--a--\r\n",
	}
}

// maskFixture is the example case plus maskedMessages, with "Mara
// Lefkowitz" protected, a note and a tag naming her, and the people
// directory built.
func maskFixture(t *testing.T) (*fixture, map[string]string) {
	t.Helper()
	f := newFixture(t, trackerBase, "")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "more")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, eml := range maskedMessages() {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(eml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ingest.Run(ctx, f.c, dir, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, mid := range []string{"passport", "encoded", "plain", "html", "split"} {
		n, _ := query.Parse("mid:" + mid + "@harbor.example")
		_ = f.c.Store.Search(ctx, n, store.SearchOptions{}, func(h store.Hit) error { ids[mid] = h.Message.ID; return nil })
		if ids[mid] == "" {
			t.Fatalf("message %s not ingested", mid)
		}
	}
	for _, e := range []store.Edit{
		{Kind: store.EditNote, Target: idLease, Value: "Ask Mara Lefkowitz (mara@lefko.example) about the lease", Actor: "web"},
		{Kind: store.EditTagAdd, Target: idLease, Value: "mara_lefkowitz", Actor: "web"},
	} {
		if _, err := f.c.Store.AddEdit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := mask.Add(ctx, f.c.Store, protectedName, "tester", "a source"); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.buildPeople(ctx); err != nil {
		t.Fatal(err)
	}
	return f, ids
}

var (
	percentRe = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)
	uEscRe    = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`)
	spaceRe   = regexp.MustCompile(`\s+`)
)

// leaks returns the protected forms found in s, read as it is, with
// HTML entities, %-escapes, + for space and JSON \u escapes decoded,
// case and line breaks ignored.
func leaks(s string) []string {
	dec := func(x string) string {
		x = uEscRe.ReplaceAllStringFunc(x, func(m string) string {
			n, _ := strconv.ParseUint(m[2:], 16, 32)
			return string(rune(n))
		})
		return percentRe.ReplaceAllStringFunc(x, func(m string) string {
			n, _ := strconv.ParseUint(m[1:], 16, 8)
			return string(rune(n))
		})
	}
	forms := []string{s, html.UnescapeString(s), dec(s), dec(html.UnescapeString(s)), dec(strings.ReplaceAll(html.UnescapeString(s), "+", " "))}
	var out []string
	for _, form := range forms {
		form = strings.ToLower(spaceRe.ReplaceAllString(form, " "))
		for _, n := range protectedForms {
			if strings.Contains(form, n) && !contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

var linkRe = regexp.MustCompile(`(?:href|src|action|hx-get|hx-post|data-src)="([^"]+)"|"pair":"([^"]+)"`)

// crawled is one response of a crawl.
type crawled struct {
	code   int
	header http.Header
	body   string
}

// crawl visits every page, fragment, JSON endpoint and download the
// workspace links to, from the seeds, and returns each response by
// target. Form targets are fetched with GET too (a harmless 405 for
// POST-only routes). Search-like pages (search, facets, timelines) link
// to ever more combined queries; those are followed two links deep.
func crawl(t *testing.T, get func(string) *httptest.ResponseRecorder, seeds []string) map[string]crawled {
	t.Helper()
	type item struct {
		u     string
		depth int
	}
	var queue []item
	for _, s := range seeds {
		queue = append(queue, item{s, 0})
	}
	out := map[string]crawled{}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if _, done := out[it.u]; done {
			continue
		}
		if len(out) >= 5000 {
			t.Fatalf("the crawl does not end (at %s)", it.u)
		}
		w := get(it.u)
		body := w.Body.String()
		out[it.u] = crawled{w.Code, w.Header(), body}
		if w.Code >= 500 {
			t.Errorf("%s: status %d: %.300s", it.u, w.Code, body)
		}
		var links []string
		if loc := w.Header().Get("Location"); loc != "" {
			links = append(links, loc)
		}
		if ct := w.Header().Get("Content-Type"); strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/json") {
			for _, m := range linkRe.FindAllStringSubmatch(body, -1) {
				links = append(links, html.UnescapeString(m[1])+strings.ReplaceAll(m[2], `\u0026`, "&"))
			}
		}
		for _, u := range links {
			if i := strings.IndexByte(u, '#'); i >= 0 {
				u = u[:i]
			}
			if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || strings.HasPrefix(u, "/static/") {
				continue
			}
			if queryPage(u) && it.depth >= 2 {
				continue
			}
			queue = append(queue, item{u, it.depth + 1})
		}
	}
	return out
}

// queryPage recognises search-like pages, whose links multiply.
func queryPage(u string) bool {
	path, _, _ := strings.Cut(u, "?")
	if strings.HasPrefix(path, "/c/") { // a team server's case
		if i := strings.IndexByte(path[3:], '/'); i >= 0 {
			path = path[3+i:]
		}
	}
	switch path {
	case "/", "/search", "/facets", "/check", "/timeline", "/timeline/data.json":
		return true
	}
	return false
}

// seeds are the entry points of a crawl of the masking fixture: the
// nav pages, every message, thread and person, and the JSON endpoints.
func seeds(t *testing.T, f *fixture) []string {
	t.Helper()
	s := []string{"/", "/?q=" + url.QueryEscape(protectedName), "/?q=lease", "/facets?q=", "/facets?q=lease", "/check?q=" + url.QueryEscape(protectedName),
		"/tags", "/export/edits.jsonl", "/timeline?q=", "/timeline/data.json?q=", "/people", "/people?f=lefko", "/graph", "/graph/data.json",
		"/person?ref=" + url.QueryEscape("mara@lefko.example"), "/pair?a=jonas.reyes%40harbor.example&b=" + url.QueryEscape(protectedName)}
	err := f.c.Store.Search(t.Context(), query.MatchAll{}, store.SearchOptions{}, func(h store.Hit) error {
		s = append(s, "/m/"+h.Message.ID, "/m/"+h.Message.ID+"/body.html", "/t/"+h.Message.ID)
		for i := range h.Message.Attachments {
			s = append(s, "/m/"+h.Message.ID+"/attachment/"+strconv.Itoa(i+1))
		}
		for i, src := range h.Message.Sources {
			if src.Page == 0 && src.LineFrom == 0 { // printed copies have no email bytes
				s = append(s, "/m/"+h.Message.ID+"/copy/"+strconv.Itoa(i+1))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := f.srv.directory()
	for _, p := range d.People() {
		s = append(s, "/p/"+p.ID, "/p/"+p.ID+"/timeline", "/p/"+p.ID+"/timeline.json")
	}
	return s
}

// TestMaskingEverywhere crawls the whole workspace of the example case
// with "Mara Lefkowitz" protected: no page, fragment, JSON endpoint,
// export, download or header shows her name or her address in any
// encoding — and after "Show protected names" they do appear.
func TestMaskingEverywhere(t *testing.T) {
	f, ids := maskFixture(t)
	pages := crawl(t, func(u string) *httptest.ResponseRecorder { return f.get(t, u) }, seeds(t, f))
	t.Logf("crawled %d URLs", len(pages))
	if len(pages) < 150 {
		t.Errorf("crawl reached only %d URLs", len(pages))
	}
	var withLabel []string
	for target, res := range pages {
		if res.code == http.StatusNotFound && target != "/pair" { // (the pair page's form, fetched empty)
			t.Errorf("%s: 404 (a broken link?)", target)
		}
		var hdr strings.Builder
		_ = res.header.Write(&hdr)
		if l := leaks(res.body + "\n" + hdr.String()); len(l) > 0 {
			t.Errorf("%s (%d) shows %q", target, res.code, l)
		}
		if strings.Contains(res.body, "[protected 1]") {
			withLabel = append(withLabel, target)
		}
	}
	// The masking is there, not just an absence of content.
	sort.Strings(withLabel)
	for _, want := range []string{"/m/" + idLease, "/people", "/graph/data.json", "/export/edits.jsonl", "/tags", "/m/" + ids["html"] + "/body.html"} {
		if !contains(withLabel, want) {
			t.Errorf("%s does not show the label [protected 1]", want)
		}
	}
	// Downloads: an attachment named after her is withheld (and so is the
	// copy holding it); a copy naming her only in base64 is refused; a
	// plain copy is masked.
	for _, tc := range []struct {
		target string
		code   int
		want   string
	}{
		{"/m/" + ids["passport"] + "/attachment/1", http.StatusForbidden, "its name mentions a protected name"},
		{"/m/" + ids["passport"] + "/copy/1", http.StatusForbidden, "contains attachment 1"},
		{"/m/" + ids["encoded"] + "/copy/1", http.StatusForbidden, "in encoded form"},
		{"/m/" + ids["plain"] + "/copy/1", http.StatusOK, "Please call [protected 1] ([protected 1]) about berth 9."},
		{"/m/" + ids["split"] + "/body.html", http.StatusOK, "cannot be masked in the formatted view"},
		{"/m/" + ids["html"] + "/body.html", http.StatusOK, `Dear <b>[protected 1]</b>, see <a data-link="" title="link (not followed here): mailto:[protected 1]">`},
		{"/m/" + ids["passport"], http.StatusOK, "withheld: its name mentions a protected name"},
	} {
		w := f.get(t, tc.target)
		if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%s: %d %.400s; want %d with %q", tc.target, w.Code, w.Body.String(), tc.code, tc.want)
		}
	}
	// Highlighting survives masking.
	mustContain(t, "masked search", pages["/?q=lease"].body, "<mark>lease</mark>")
	mustContain(t, "masked name search", pages["/?q="+url.QueryEscape(protectedName)].body, `<strong id="total">`, "[protected 1]")
	if cd := f.get(t, "/m/"+ids["plain"]+"/copy/1").Header().Get("Content-Disposition"); !strings.Contains(cd, "-copy-1-masked.eml") {
		t.Errorf("masked copy named %q", cd)
	}

	// Show protected names: the banner says so and the name is back.
	tok := f.srv.csrf
	if w := f.post(t, "/unmask", url.Values{"back": {"/m/" + idLease}}, "", "", nil); w.Code != http.StatusForbidden {
		t.Errorf("unmask without the CSRF token: %d", w.Code)
	}
	w := f.post(t, "/unmask", url.Values{"back": {"/m/" + idLease}}, tok, tok, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/m/"+idLease {
		t.Fatalf("unmask: %d %q", w.Code, w.Header().Get("Location"))
	}
	body := f.get(t, "/m/"+idLease).Body.String()
	mustContain(t, "unmasked reader", body, "Protected names shown.", "Mara Lefkowitz", "mara@lefko.example", `action="/mask"`)
	for _, target := range []string{"/m/" + ids["passport"] + "/attachment/1", "/m/" + ids["encoded"] + "/copy/1"} {
		if w := f.get(t, target); w.Code != http.StatusOK {
			t.Errorf("%s unmasked: %d", target, w.Code)
		}
	}
	if w := f.post(t, "/mask", url.Values{"back": {"//evil.example/"}}, tok, tok, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Errorf("mask: %d %q", w.Code, w.Header().Get("Location"))
	}
	body = f.get(t, "/m/"+idLease).Body.String()
	mustNotContain(t, "masked again", body, "Mara Lefkowitz", "Protected names shown.")
	mustContain(t, "masked again", body, "1 protected name is masked as [protected N]", `action="/unmask"`)
}

// TestMaskReload: protecting or releasing a name takes effect on the
// next request of a running server.
func TestMaskReload(t *testing.T) {
	f := newFixture(t, trackerBase, "")
	ctx := t.Context()
	page := func() string { return f.get(t, "/m/"+idLease).Body.String() }
	if b := page(); !strings.Contains(b, "Mara Lefkowitz") || strings.Contains(b, "maskbanner") {
		t.Fatal("unprotected name not shown, or a banner without protections")
	}
	if err := mask.Add(ctx, f.c.Store, protectedName, "tester", ""); err != nil {
		t.Fatal(err)
	}
	if b := page(); len(leaks(b)) > 0 || !strings.Contains(b, "[protected 1]") {
		t.Errorf("after protect: leaks %v", leaks(b))
	}
	if err := mask.Remove(ctx, f.c.Store, protectedName, "tester", ""); err != nil {
		t.Fatal(err)
	}
	if b := page(); !strings.Contains(b, "Mara Lefkowitz") || strings.Contains(b, "[protected 1]") {
		t.Error("after release the name is still masked")
	}
}

// TestLabelsAsInput: a masked page's links and typed labels mean the
// protected name.
func TestLabelsAsInput(t *testing.T) {
	f, _ := maskFixture(t)
	total := func(q string) string {
		m := regexp.MustCompile(`<strong id="total">(\d+)</strong>`).FindStringSubmatch(f.get(t, "/?q="+url.QueryEscape(q)).Body.String())
		if m == nil {
			return "error"
		}
		return m[1]
	}
	for _, tc := range [][2]string{
		{`from:"[protected 1]"`, `from:"Mara Lefkowitz"`},
		{`[protected 1] lease`, `"Mara Lefkowitz" lease`},
		{`with:[protected 1]`, `with:"Mara Lefkowitz"`},
	} {
		if got, want := total(tc[0]), total(tc[1]); got != want || want == "0" || want == "error" {
			t.Errorf("%s: %s hits, %s: %s", tc[0], got, tc[1], want)
		}
	}
	d, _ := f.srv.directory()
	mara, err := d.Resolve("mara@lefko.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"[protected 1]", "[protected 1]@lefko.example"} {
		w := f.get(t, "/person?ref="+url.QueryEscape(ref))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/p/"+mara.ID {
			t.Errorf("person ref %q: %d %q", ref, w.Code, w.Header().Get("Location"))
		}
	}
	// The masked page links to her person page through the label.
	mustContain(t, "reader link", f.get(t, "/m/"+idLease).Body.String(), `href="/person?ref=%5bprotected%201%5d"`)
	// Removing a tag shown as a label removes the tag behind it.
	tok := f.srv.csrf
	w := f.post(t, "/m/"+idLease+"/tags/remove", url.Values{"tag": {"[protected 1]"}}, tok, tok, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", w.Code, w.Body.String())
	}
	if tags, _ := f.c.Store.Tags(t.Context(), idLease); len(tags) != 0 {
		t.Errorf("tags after removing the label: %v", tags)
	}
}

func TestMaskDeep(t *testing.T) {
	m := mask.New([]mask.Term{{Text: "Jane Doe", Label: "[protected 1]"}}, mask.Options{})
	type inner struct {
		Name   string
		hidden string
		N      int
	}
	type outer struct {
		Title  string
		HTML   templateHTML
		P      *inner
		L      []inner
		A      [2]string
		M      map[string]any
		Any    any
		Nums   []int
		When   time.Time
		Msg    *model.Message
		nilPtr *inner
	}
	when := time.Date(2008, 3, 4, 0, 0, 0, 0, time.UTC)
	in := outer{Title: "for Jane Doe", HTML: "<b>Jane Doe</b>", P: &inner{"Jane Doe", "Jane Doe", 1}, L: []inner{{Name: "Doe, Jane"}},
		A: [2]string{"x", "J. Doe"}, M: map[string]any{"Jane Doe": []string{"jane.doe@x.example"}}, Any: inner{Name: "Jane Doe"},
		Nums: []int{1, 2}, When: when, Msg: &model.Message{From: model.Address{Name: "Jane Doe", Address: "jane.doe@x.example"}, Headers: [][2]string{{"To", "Jane Doe"}}}}
	got := maskDeep(m, in).(outer)
	if got.Title != "for [protected 1]" || got.HTML != "<b>[protected 1]</b>" || got.P.Name != "[protected 1]" || got.P.hidden != "Jane Doe" ||
		got.L[0].Name != "[protected 1]" || got.A[1] != "[protected 1]" || got.Any.(inner).Name != "[protected 1]" ||
		!got.When.Equal(when) || got.Msg.From.Address != "[protected 1]@x.example" || got.Msg.Headers[0][1] != "[protected 1]" {
		t.Errorf("masked %+v", got)
	}
	if v, ok := got.M["[protected 1]"].([]string); !ok || v[0] != "[protected 1]@x.example" {
		t.Errorf("map %v", got.M)
	}
	if in.Title != "for Jane Doe" || in.P.Name != "Jane Doe" || in.L[0].Name != "Doe, Jane" || in.Msg.From.Name != "Jane Doe" {
		t.Error("maskDeep changed its input")
	}
}

// templateHTML stands for html/template.HTML: a named string type.
type templateHTML string

func TestMaskSnippetAndLabels(t *testing.T) {
	m := mask.New([]mask.Term{{Text: "Jane Doe", Label: "[protected 1]"}}, mask.Options{})
	snip := "call " + markStart + "Jane" + markEnd + " " + markStart + "Doe" + markEnd + " about the " + markStart + "lease" + markEnd
	if got, want := maskSnippet(m, snip), "call [protected 1] about the "+markStart+"lease"+markEnd; got != want {
		t.Errorf("maskSnippet = %q, want %q", got, want)
	}
	if got := maskSnippet(m, "no names "+markStart+"here"+markEnd); got != "no names "+markStart+"here"+markEnd {
		t.Errorf("unchanged snippet = %q", got)
	}
	for in, want := range map[string]string{
		`from:"[protected 1]"`:        `from:"Jane Doe"`,
		`[protected 1] OR lease`:      `"Jane Doe" OR lease`,
		`"about [protected 1] today"`: `"about Jane Doe today"`,
		`[protected 7]`:               `[protected 7]`,
		`plain`:                       `plain`,
	} {
		if got := expandLabels(m, in); got != want {
			t.Errorf("expandLabels(%q) = %q, want %q", in, got, want)
		}
	}
}
