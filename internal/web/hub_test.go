package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/audit"
	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/mask"
	"github.com/casefile/casefile/internal/pgtest"
	"github.com/casefile/casefile/internal/store/postgres"
	"github.com/casefile/casefile/internal/team"
)

// teamFixture is a team server over two cases on the test PostgreSQL
// server, both holding the example case (so they have the same message
// IDs): alice reads A, bob edits A, carol owns B, dana is an instance
// admin.
type teamFixture struct {
	hub    *Hub
	svc    *team.Service
	log    *audit.Log
	a, b   string // case names
	tokens map[string]string
}

const teamPassword = "a long enough passphrase"

// cheapHash keeps the tests' argon2id fast.
var cheapHash = team.HashParams{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func newTeamFixture(t *testing.T) *teamFixture {
	t.Helper()
	pool := pgtest.Pool(t)
	schema := pgtest.Schema(t, pool, "web")
	ctx := context.Background()
	lg, err := audit.Open(ctx, pool, audit.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := team.Open(ctx, pool, team.Options{Schema: schema, Hash: cheapHash, Audit: lg})
	if err != nil {
		t.Fatal(err)
	}
	f := &teamFixture{svc: svc, log: lg, tokens: map[string]string{}}
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	suffix := hex.EncodeToString(rb[:])
	f.a, f.b = "webtest_a_"+suffix, "webtest_b_"+suffix
	data := t.TempDir()
	for _, name := range []string{f.a, f.b} {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := postgres.DropCase(ctx, pgtest.DSN(), name); err != nil {
				t.Errorf("dropping case %s: %v", name, err)
			}
		})
		c, err := casedir.OpenDB(ctx, pgtest.DSN(), name, data, true)
		if err != nil {
			t.Fatal(err)
		}
		opts := ingest.Options{Documents: ingest.PrintedDocuments(ingest.PrintedOptions{NoOCR: true})}
		if _, err := ingest.Run(ctx, c, "../../examples/harbor", opts); err != nil {
			c.Close()
			t.Fatal(err)
		}
		if name == f.a {
			if err := mask.Add(ctx, c.Store, protectedName, "tester", "a source"); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
	}
	admin := team.WithPrincipal(ctx, team.Operator("tester"))
	for _, u := range []struct {
		name  string
		admin bool
		c     string
		role  team.Role
	}{{"alice", false, f.a, team.RoleReader}, {"bob", false, f.a, team.RoleEditor}, {"carol", false, f.b, team.RoleOwner},
		{"dana", true, "", ""}, {"erin", false, f.a, team.RoleReader}} {
		if _, err := svc.CreateUser(admin, u.name, teamPassword, u.admin); err != nil {
			t.Fatal(err)
		}
		if u.c != "" {
			if err := svc.Grant(admin, u.name, u.c, u.role); err != nil {
				t.Fatal(err)
			}
		}
		tok, _, err := svc.CreateToken(admin, u.name, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[u.name] = tok
	}
	f.hub, err = NewHub(HubOptions{DSN: pgtest.DSN(), DataDir: data, Team: svc, Addr: "127.0.0.1:8443", Logger: log.New(testLog{t}, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.hub.Close)
	return f
}

// req is one request to the hub.
type req struct {
	method, target string
	user           string // Bearer token of this user ("" none)
	cookie         string // session cookie value
	form           url.Values
	hdr            map[string]string
}

func (f *teamFixture) do(t *testing.T, q req) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if q.form != nil {
		body = strings.NewReader(q.form.Encode())
	}
	r := httptest.NewRequest(q.method, q.target, body)
	if q.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if q.user != "" {
		r.Header.Set("Authorization", "Bearer "+f.tokens[q.user])
	}
	if q.cookie != "" {
		r.AddCookie(&http.Cookie{Name: team.CookieName, Value: q.cookie})
	}
	for k, v := range q.hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.hub.ServeHTTP(w, r)
	return w
}

func (f *teamFixture) get(t *testing.T, user, target string) *httptest.ResponseRecorder {
	t.Helper()
	return f.do(t, req{method: "GET", target: target, user: user})
}

// events returns the audit events of the case, oldest first.
func (f *teamFixture) events(t *testing.T, c string, actions ...string) []audit.Event {
	t.Helper()
	evs, err := f.log.List(context.Background(), audit.Filter{Case: c, Actions: actions, Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// instantiate turns a route pattern into a path with real values.
func instantiate(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.NewReplacer("{$}", "", "{id}", idLease, "{n}", "1").Replace(path)
	if path == "/person" {
		path += "?ref=jonas.reyes%40harbor.example"
	}
	if path == "/pair" {
		path += "?a=jonas.reyes%40harbor.example&b=petra%40harbor.example"
	}
	return method, path
}

// TestTeamAuthentication: nothing but the login page and the static
// files without credentials; browsers are sent to the login page.
func TestTeamAuthentication(t *testing.T) {
	f := newTeamFixture(t)
	html := map[string]string{"Accept": "text/html,application/xhtml+xml"}
	for _, tc := range []struct {
		q      req
		status int
		where  string // Location prefix, or body substring
	}{
		{req{method: "GET", target: "/", hdr: html}, http.StatusSeeOther, "/login?next=%2F"},
		{req{method: "GET", target: "/c/" + f.a + "/?q=lease", hdr: html}, http.StatusSeeOther, "/login?next="},
		{req{method: "GET", target: "/c/" + f.a + "/"}, http.StatusUnauthorized, "not logged in"},
		{req{method: "GET", target: "/c/" + f.a + "/m/" + idLease}, http.StatusUnauthorized, "hint"},
		{req{method: "POST", target: "/c/" + f.a + "/m/" + idLease + "/tags", form: url.Values{"tag": {"x"}}}, http.StatusUnauthorized, ""},
		{req{method: "GET", target: "/c/" + f.a + "/", hdr: map[string]string{"Authorization": "Bearer cf_nope"}}, http.StatusUnauthorized, "not recognised"},
		{req{method: "GET", target: "/login"}, http.StatusOK, `<form class="login" method="post" action="/login">`},
		{req{method: "GET", target: "/login?error=rate_limited&next=%2F%2Fevil.example"}, http.StatusOK, `name="next" value="/"`},
		{req{method: "GET", target: "/static/app.css"}, http.StatusOK, "maskbanner"},
	} {
		w := f.do(t, tc.q)
		got := w.Body.String()
		if loc := w.Header().Get("Location"); loc != "" {
			got = loc
		}
		if w.Code != tc.status || !strings.Contains(got, tc.where) {
			t.Errorf("%s %s: %d %.200q; want %d with %q", tc.q.method, tc.q.target, w.Code, got, tc.status, tc.where)
		}
	}
}

// TestTeamCrossCase: a reader of case A gets, for every route of case
// B, exactly what a case that does not exist gives: 404 "not found".
// On A, reading works and every change is refused (403).
func TestTeamCrossCase(t *testing.T) {
	f := newTeamFixture(t)
	for _, rt := range routes {
		method, path := instantiate(rt.pattern)
		for _, accept := range []string{"", "text/html"} {
			hdr := map[string]string{"Accept": accept, "Sec-Fetch-Site": "same-origin"}
			form := url.Values{"tag": {"x"}, "note": {"x"}}
			none := f.do(t, req{method: method, target: "/c/webtest_nosuchcase" + path, user: "alice", form: form, hdr: hdr})
			other := f.do(t, req{method: method, target: "/c/" + f.b + path, user: "alice", form: form, hdr: hdr})
			if other.Code != http.StatusNotFound || none.Code != http.StatusNotFound || other.Body.String() != none.Body.String() {
				t.Errorf("%s /c/B%s (Accept %q): %d %.100q; missing case: %d %.100q", method, path, accept, other.Code, other.Body.String(), none.Code, none.Body.String())
			}
			if strings.Contains(other.Body.String(), f.b) {
				t.Errorf("%s /c/B%s: the body names case B", method, path)
			}
			own := f.do(t, req{method: method, target: "/c/" + f.a + path, user: "alice", form: form, hdr: hdr})
			switch {
			case method != http.MethodGet && own.Code != http.StatusForbidden:
				t.Errorf("reader %s /c/A%s: %d, want 403", method, path, own.Code)
			case method == http.MethodGet && (own.Code == http.StatusForbidden || own.Code >= 500 || own.Code == http.StatusUnauthorized):
				t.Errorf("reader %s /c/A%s: %d %.200s", method, path, own.Code, own.Body.String())
			}
		}
	}
	// Carol (owner of B only) cannot see A either; dana (admin) sees both.
	if w := f.get(t, "carol", "/c/"+f.a+"/m/"+idLease); w.Code != http.StatusNotFound {
		t.Errorf("carol on A: %d", w.Code)
	}
	for _, c := range []string{f.a, f.b} {
		if w := f.get(t, "dana", "/c/"+c+"/m/"+idLease); w.Code != http.StatusOK {
			t.Errorf("admin on %s: %d %.300s", c, w.Code, w.Body.String())
		}
	}
	// The case list shows only the user's cases.
	body := f.get(t, "alice", "/").Body.String()
	if !strings.Contains(body, `href="/c/`+f.a+`/"`) || strings.Contains(body, f.b) {
		t.Errorf("alice's case list: %s", body)
	}
	if body := f.get(t, "dana", "/").Body.String(); !strings.Contains(body, f.a) || !strings.Contains(body, f.b) {
		t.Error("the admin's case list lacks a case")
	}
	// A case's pages link inside the case.
	body = f.get(t, "alice", "/c/"+f.a+"/?q=lease").Body.String()
	mustContain(t, "prefixed links", body, `href="/c/`+f.a+`/m/`+idLease+`"`, `hx-get="/c/`+f.a+`/facets?q=lease"`, `action="/c/`+f.a+`/"`,
		`<strong>`+f.a+`</strong> · alice`, `action="/logout"`)
	if w := f.get(t, "alice", "/c/"+f.a); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/c/"+f.a+"/" {
		t.Errorf("/c/A: %d %q", w.Code, w.Header().Get("Location"))
	}
}

// TestTeamEditsAndAudit: an editor can tag and show protected names, a
// reader cannot; searches, opened messages, exports, edits and unmasking
// are in the audit log with the user and the client address.
func TestTeamEditsAndAudit(t *testing.T) {
	f := newTeamFixture(t)
	a := "/c/" + f.a
	// Reads.
	if w := f.get(t, "alice", a+"/?q=lease"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<strong id="total">5</strong>`) {
		t.Fatalf("search: %d", w.Code)
	}
	if w := f.get(t, "alice", a+"/m/"+idLease); w.Code != http.StatusOK {
		t.Fatalf("open: %d", w.Code)
	}
	if w := f.get(t, "alice", a+"/export/edits.jsonl"); w.Code != http.StatusOK {
		t.Fatalf("export: %d", w.Code)
	}
	if w := f.get(t, "alice", a+"/m/"+"c6cbbb1828af8f5e"+"/attachment/1"); w.Code != http.StatusOK {
		t.Fatalf("attachment: %d %s", w.Code, w.Body.String())
	}
	// Edits: the reader is refused, the editor's tag lands in the case
	// under their name.
	tag := req{method: "POST", target: a + "/m/" + idLease + "/tags", form: url.Values{"tag": {"key-evidence"}}}
	tag.user = "alice"
	if w := f.do(t, tag); w.Code != http.StatusForbidden {
		t.Errorf("reader tag: %d", w.Code)
	}
	tag.user = "bob"
	if w := f.do(t, tag); w.Code != http.StatusSeeOther {
		t.Fatalf("editor tag: %d %s", w.Code, w.Body.String())
	}
	hc, err := f.hub.open(t.Context(), f.a)
	if err != nil {
		t.Fatal(err)
	}
	if tags, err := hc.c.Store.Tags(t.Context(), idLease); err != nil || len(tags) != 1 || tags[0] != "key-evidence" {
		t.Errorf("tags %v %v", tags, err)
	}
	if w := f.get(t, "bob", a+"/tags"); !strings.Contains(w.Body.String(), "key-evidence") {
		t.Error("the tag is not listed")
	}
	// Unmasking: only owners and editors.
	unmask := req{method: "POST", target: a + "/unmask", form: url.Values{"back": {a + "/m/" + idLease}}, user: "alice"}
	if w := f.do(t, unmask); w.Code != http.StatusForbidden {
		t.Errorf("reader unmask: %d", w.Code)
	}
	mustContain(t, "reader banner", f.get(t, "alice", a+"/m/"+idLease).Body.String(), "Only owners and editors of the case may show them.")
	unmask.user = "bob"
	if w := f.do(t, unmask); w.Code != http.StatusSeeOther || w.Header().Get("Location") != a+"/m/"+idLease {
		t.Fatalf("editor unmask: %d %q", w.Code, w.Header().Get("Location"))
	}
	mustContain(t, "editor unmasked", f.get(t, "bob", a+"/m/"+idLease).Body.String(), "Protected names shown.", "Mara Lefkowitz", "recorded in the audit log")
	if l := leaks(f.get(t, "alice", a+"/m/"+idLease).Body.String()); len(l) > 0 {
		t.Errorf("bob's unmasking showed alice %v", l)
	}
	if l := leaks(f.get(t, "erin", a+"/graph/data.json").Body.String()); len(l) > 0 {
		t.Errorf("graph JSON for a reader shows %v", l)
	}

	want := []struct {
		user, action, target, detail string
	}{
		{"alice", "search", "", `"query":"lease"`},
		{"alice", "open", idLease, ""},
		{"alice", "export", "", `"what":"edits"`},
		{"alice", "export", "c6cbbb1828af8f5e", `"what":"attachment"`},
		{"bob", "edit", idLease, `"value":"key-evidence"`},
		{"bob", "unmask", "", `"protected_names_shown":true`},
		{"bob", "open", idLease, `"protected_names_shown":true`},
	}
	evs := f.events(t, f.a)
	for _, w := range want {
		found := false
		for _, ev := range evs {
			d, _ := json.Marshal(ev.Details)
			if ev.User == w.user && ev.Action == w.action && ev.Target == w.target && strings.Contains(string(d), w.detail) && ev.RemoteAddr == "192.0.2.1" {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no audit event %+v in %d events", w, len(evs))
		}
	}
	for _, ev := range evs {
		if ev.Action == "unmask" && ev.User == "alice" {
			t.Error("the refused unmask was recorded as done")
		}
	}
}

// TestTeamLogin: the browser flow with a session cookie (login form,
// the CSRF token on changes, logout) and the login rate limit.
func TestTeamLogin(t *testing.T) {
	f := newTeamFixture(t)
	same := map[string]string{"Sec-Fetch-Site": "same-origin", "Accept": "text/html"}
	w := f.do(t, req{method: "POST", target: "/login", form: url.Values{"user": {"alice"}, "password": {teamPassword}, "next": {"/c/" + f.a + "/"}}, hdr: same})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/c/"+f.a+"/" {
		t.Fatalf("login: %d %q", w.Code, w.Header().Get("Location"))
	}
	var session string
	for _, c := range w.Result().Cookies() {
		if c.Name == team.CookieName && c.Secure && c.HttpOnly && c.SameSite == http.SameSiteStrictMode {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatalf("no secure session cookie: %v", w.Header()["Set-Cookie"])
	}
	page := f.do(t, req{method: "GET", target: "/c/" + f.a + "/m/" + idLease, cookie: session, hdr: same})
	if page.Code != http.StatusOK {
		t.Fatalf("page with the cookie: %d", page.Code)
	}
	// The workspace's CSRF cookie is scoped to the case.
	var csrf *http.Cookie
	for _, c := range page.Result().Cookies() {
		if strings.HasPrefix(c.Name, "casefile_csrf") {
			csrf = c
		}
	}
	if csrf == nil || csrf.Path != "/c/"+f.a+"/" {
		t.Fatalf("CSRF cookie %+v", csrf)
	}
	// A form post with the session cookie needs the CSRF token too.
	note := req{method: "POST", target: "/c/" + f.a + "/m/" + idLease + "/notes", cookie: session, form: url.Values{"note": {"n"}}, hdr: same}
	if w := f.do(t, note); w.Code != http.StatusForbidden {
		t.Errorf("post without the CSRF token: %d", w.Code)
	}
	note.hdr = map[string]string{"Sec-Fetch-Site": "cross-site"}
	if w := f.do(t, note); w.Code != http.StatusForbidden {
		t.Errorf("cross-site post: %d", w.Code)
	}
	// Logout ends the session.
	if w := f.do(t, req{method: "POST", target: "/logout", cookie: session, hdr: same}); w.Code != http.StatusSeeOther {
		t.Errorf("logout: %d", w.Code)
	}
	if w := f.do(t, req{method: "GET", target: "/c/" + f.a + "/", cookie: session}); w.Code != http.StatusUnauthorized {
		t.Errorf("after logout: %d", w.Code)
	}
	// Five wrong passwords lock the account for this address: 429.
	bad := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/login", strings.NewReader(`{"user":"erin","password":"wrong password here"}`))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = "198.51.100.7:4000"
		w := httptest.NewRecorder()
		f.hub.ServeHTTP(w, r)
		return w
	}
	for i := range 5 {
		if w := bad(); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	w = bad()
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Errorf("sixth failure: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// The form login says so on the login page.
	w = f.do(t, req{method: "POST", target: "/login", form: url.Values{"user": {"erin"}, "password": {"wrong password here"}}, hdr: same})
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.Contains(loc, "error=credentials") && !strings.Contains(loc, "error=rate_limited") {
		t.Errorf("form failure: %d %q", w.Code, loc)
	}
}

// TestTeamCrawl crawls case A as its reader: every link stays under the
// case's prefix (or goes to the hub's own pages) and works, and no page
// shows the protected name.
func TestTeamCrawl(t *testing.T) {
	f := newTeamFixture(t)
	a := "/c/" + f.a
	hc, err := f.hub.open(t.Context(), f.a)
	if err != nil {
		t.Fatal(err)
	}
	if err := hc.srv.buildPeople(t.Context()); err != nil {
		t.Fatal(err)
	}
	seeds := []string{a + "/", a + "/?q=" + url.QueryEscape(protectedName), a + "/people", a + "/graph", a + "/graph/data.json", a + "/tags",
		a + "/timeline?q=", a + "/export/edits.jsonl", a + "/m/" + idLease, a + "/t/" + idLease}
	pages := crawl(t, func(u string) *httptest.ResponseRecorder { return f.get(t, "alice", u) }, seeds)
	t.Logf("crawled %d URLs", len(pages))
	if len(pages) < 150 {
		t.Errorf("crawl reached only %d URLs", len(pages))
	}
	for target, res := range pages {
		switch {
		case target == "/" || target == "/logout":
		case !strings.HasPrefix(target, a+"/"):
			t.Errorf("a link leaves the case: %s", target)
		case res.code == http.StatusNotFound && !strings.HasPrefix(target, a+"/pair"):
			t.Errorf("%s: 404", target)
		}
		var hdr strings.Builder
		_ = res.header.Write(&hdr)
		if l := leaks(res.body + "\n" + hdr.String()); len(l) > 0 {
			t.Errorf("%s (%d) shows %q", target, res.code, l)
		}
	}
}

// testLog writes a server's log lines into the test's log, so a failure
// shows what the server saw.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestTeamDroppedCase: a case deleted while the server has it open
// (casefile case drop, from another process) is closed and answers 404;
// one created again under the same name is opened afresh, its own
// messages found.
func TestTeamDroppedCase(t *testing.T) {
	f := newTeamFixture(t)
	ctx := context.Background()
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	name := "webtest_c_" + hex.EncodeToString(rb[:])
	t.Cleanup(func() { _ = postgres.DropCase(context.Background(), pgtest.DSN(), name) })
	create := func(dir string) {
		t.Helper()
		c, err := casedir.OpenDB(ctx, pgtest.DSN(), name, f.hub.opts.DataDir, true)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := ingest.Run(ctx, c, dir, ingest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	expire := func() { // as if caseCheckEvery had passed
		f.hub.mu.Lock()
		if hc := f.hub.cases[name]; hc != nil {
			hc.checked = time.Time{}
		}
		f.hub.mu.Unlock()
	}
	create("../../examples/harbor")
	if w := f.get(t, "dana", "/c/"+name+"/?q=lease"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<strong id="total">5</strong>`) {
		t.Fatalf("before the drop: %d", w.Code)
	}
	if err := postgres.DropCase(ctx, pgtest.DSN(), name); err != nil {
		t.Fatal(err)
	}
	expire()
	if w := f.get(t, "dana", "/c/"+name+"/?q=lease"); w.Code != http.StatusNotFound {
		t.Errorf("after the drop: %d, want 404", w.Code)
	}
	// The same name again, with other messages.
	dir := t.TempDir()
	eml := "From: Ines Cache <ines@cache.example>\r\nTo: Bo <bo@cache.example>\r\nSubject: zanzibarquay\r\n" +
		"Message-ID: <recreated@cache.example>\r\nDate: Mon, 2 Mar 2020 10:00:00 +0000\r\n\r\nzanzibarquay at noon\r\n"
	if err := os.WriteFile(filepath.Join(dir, "new.eml"), []byte(eml), 0o644); err != nil {
		t.Fatal(err)
	}
	create(dir)
	expire()
	w := f.get(t, "dana", "/c/"+name+"/?q=zanzibarquay")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<strong id="total">1</strong>`) {
		t.Errorf("the case created again: %d, want its one message", w.Code)
	}
	if w := f.get(t, "dana", "/c/"+name+"/?q=lease"); !strings.Contains(w.Body.String(), `<strong id="total">0</strong>`) {
		t.Errorf("the case created again still shows the old one's messages")
	}
	// Dropped and created again between two requests: replaced.
	if err := postgres.DropCase(ctx, pgtest.DSN(), name); err != nil {
		t.Fatal(err)
	}
	create("../../examples/harbor")
	expire()
	if w := f.get(t, "dana", "/c/"+name+"/?q=zanzibarquay"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<strong id="total">0</strong>`) {
		t.Errorf("the replaced case: %d, still showing the one before", w.Code)
	}
}
