package team

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/audit"
)

// whoami is a protected handler that echoes the principal.
func whoami(w http.ResponseWriter, r *http.Request) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		http.Error(w, "no principal", 500)
		return
	}
	fmt.Fprintf(w, "%s via %s from %s", p.Name, p.Method, RemoteAddrFrom(r.Context()))
}

func TestMiddleware(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", false)
	ctx := context.Background()
	asAlice := WithPrincipal(ctx, alice)
	token, _, err := f.svc.CreateToken(asAlice, "alice", "cli", 0)
	if err != nil {
		t.Fatal(err)
	}
	shortTok, _, _ := f.svc.CreateToken(asAlice, "alice", "short", time.Minute)
	sess, err := f.svc.Login(ctx, LoginRequest{Name: "alice", Password: pw, RemoteAddr: "192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := f.svc.Login(ctx, LoginRequest{Name: "alice", Password: pw, RemoteAddr: "192.0.2.9"})
	if err := f.svc.Logout(ctx, old.Token); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(2 * time.Minute)

	h := f.svc.HTTP(HTTPOptions{LoginPath: "/login"})
	srv := h.RequireAuth(http.HandlerFunc(whoami))
	cookie := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: CookieName, Value: v}) }
	}
	header := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	both := func(a, b func(*http.Request)) func(*http.Request) { return func(r *http.Request) { a(r); b(r) } }
	tests := []struct {
		name       string
		method     string
		set        func(*http.Request)
		status     int
		bodyHas    string
		wwwAuthHas string
	}{
		{"no credentials", "GET", nil, 401, "not logged in", `Bearer realm="casefile"`},
		{"no credentials, browser page", "GET", header("Accept", "text/html,application/xhtml+xml"), 303, "", ""},
		{"no credentials, POST", "POST", nil, 401, "hint", "Bearer"},
		{"valid bearer", "GET", header("Authorization", "Bearer "+token), 200, "alice via token from 192.0.2.77", ""},
		{"bearer scheme case-insensitive", "GET", header("Authorization", "bearer "+token), 200, "alice via token", ""},
		{"basic auth refused", "GET", header("Authorization", "Basic YWxpY2U6eA=="), 401, "Bearer <API token>", "Bearer"},
		{"unknown bearer", "GET", header("Authorization", "Bearer cf_nope"), 401, "not recognised", "Bearer"},
		{"expired bearer", "GET", header("Authorization", "Bearer "+shortTok), 401, "expired", `error="invalid_token"`},
		{"expired bearer, browser", "GET", both(header("Authorization", "Bearer "+shortTok), header("Accept", "text/html")), 401, "expired", "invalid_token"},
		{"session cookie", "GET", cookie(sess.Token), 200, "alice via session", ""},
		{"revoked session cookie", "GET", cookie(old.Token), 401, "ended", "invalid_token"},
		{"garbage cookie", "GET", cookie("xyz"), 401, "not recognised", "Bearer"},
		{"same-origin POST with cookie", "POST", both(cookie(sess.Token), header("Sec-Fetch-Site", "same-origin")), 200, "alice", ""},
		{"cross-site POST with cookie", "POST", both(cookie(sess.Token), header("Sec-Fetch-Site", "cross-site")), 403, "another site", ""},
		{"cross-origin POST with cookie (Origin)", "POST", both(cookie(sess.Token), header("Origin", "https://evil.example")), 403, "", ""},
		{"cross-site POST with bearer is fine", "POST", both(header("Authorization", "Bearer "+token), header("Sec-Fetch-Site", "cross-site")), 200, "alice", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "https://casefile.example/cases/harbor/search?q=x", nil)
			r.RemoteAddr = "192.0.2.77:5555"
			if tc.set != nil {
				tc.set(r)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if !strings.Contains(w.Body.String(), tc.bodyHas) {
				t.Fatalf("body %q lacks %q", w.Body, tc.bodyHas)
			}
			if got := w.Header().Get("WWW-Authenticate"); !strings.Contains(got, tc.wwwAuthHas) {
				t.Fatalf("WWW-Authenticate %q lacks %q", got, tc.wwwAuthHas)
			}
			if tc.status == 303 {
				if loc := w.Header().Get("Location"); loc != "/login?next="+url.QueryEscape("/cases/harbor/search?q=x") {
					t.Fatalf("redirect to %q", loc)
				}
			}
			if tc.status == 401 {
				var body map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["error"] == "" || body["hint"] == "" {
					t.Fatalf("401 body %q is not JSON with error and hint", w.Body)
				}
			}
		})
	}
	// OptionalAuth lets anonymous requests through without a principal.
	var saw *Principal
	opt := h.OptionalAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { saw, _ = PrincipalFrom(r.Context()) }))
	r := httptest.NewRequest("GET", "/login", nil)
	opt.ServeHTTP(httptest.NewRecorder(), r)
	if saw != nil {
		t.Fatalf("OptionalAuth without credentials set principal %+v", saw)
	}
	r.AddCookie(&http.Cookie{Name: CookieName, Value: sess.Token})
	opt.ServeHTTP(httptest.NewRecorder(), r)
	if saw == nil || saw.Name != "alice" {
		t.Fatalf("OptionalAuth with a cookie: %+v", saw)
	}
}

func TestLoginLogoutHandlers(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", false)
	h := f.svc.HTTP(HTTPOptions{LoginPath: "/login", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	login, logout := h.LoginHandler(), h.LogoutHandler()
	protected := h.RequireAuth(http.HandlerFunc(whoami))

	post := func(hd http.Handler, body string, form bool, mod func(*http.Request)) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "https://casefile.example/login", strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:4000"
		r.Header.Set("X-Forwarded-For", "198.51.100.1, 203.0.113.50")
		if form {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			r.Header.Set("Content-Type", "application/json")
		}
		if mod != nil {
			mod(r)
		}
		w := httptest.NewRecorder()
		hd.ServeHTTP(w, r)
		return w
	}
	jsonBody := func(u, p string) string {
		b, _ := json.Marshal(map[string]string{"user": u, "password": p})
		return string(b)
	}

	// JSON login success: cookie attributes.
	w := post(login, jsonBody("alice", pw), false, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"user":"alice"`) {
		t.Fatalf("JSON login: %d %s", w.Code, w.Body)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %+v", cookies)
	}
	c := cookies[0]
	if c.Name != CookieName || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" || len(c.Value) != 43 {
		t.Fatalf("session cookie attributes wrong: %+v", c)
	}
	// The cookie authenticates.
	r := httptest.NewRequest("GET", "/x", nil)
	r.AddCookie(c)
	rw := httptest.NewRecorder()
	protected.ServeHTTP(rw, r)
	if rw.Code != 200 {
		t.Fatalf("request with login cookie: %d %s", rw.Code, rw.Body)
	}
	// The login event has the client address from the trusted proxy.
	evs := f.events(t, audit.Filter{Actions: []string{audit.ActionLogin}})
	if len(evs) != 1 || evs[0].RemoteAddr != "203.0.113.50" || evs[0].User != "alice" {
		t.Fatalf("login audit: %+v", evs)
	}

	tests := []struct {
		name     string
		body     string
		form     bool
		mod      func(*http.Request)
		status   int
		location string
	}{
		{"JSON wrong password", jsonBody("alice", "nope nope nope"), false, nil, 401, ""},
		{"JSON malformed", "{", false, nil, 400, ""},
		{"form success with next", "user=alice&password=" + url.QueryEscape(pw) + "&next=%2Fcases%2Fharbor", true, nil, 303, "/cases/harbor"},
		{"form success, offsite next ignored", "user=alice&password=" + url.QueryEscape(pw) + "&next=%2F%2Fevil.example", true, nil, 303, "/"},
		{"form failure back to login", "user=alice&password=wrong+wrong+wrong&next=%2Fcases", true, nil, 303, "/login?error=credentials&next=%2Fcases"},
		{"cross-site login refused", jsonBody("alice", pw), false, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, 403, ""},
		{"GET not allowed", "", false, func(r *http.Request) { r.Method = "GET" }, 405, ""},
		{"oversized body", jsonBody("alice", strings.Repeat("x", 20000)), false, nil, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := post(login, tc.body, tc.form, tc.mod)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.location != "" && w.Header().Get("Location") != tc.location {
				t.Fatalf("Location %q, want %q", w.Header().Get("Location"), tc.location)
			}
		})
	}

	// Rate limiting: a success clears the counter, then 5 failures lock
	// alice out of this address.
	if w := post(login, jsonBody("alice", pw), false, nil); w.Code != 200 {
		t.Fatalf("login: %d", w.Code)
	}
	for range 5 {
		post(login, jsonBody("alice", "wrong wrong wrong"), false, nil)
	}
	w = post(login, jsonBody("alice", pw), false, nil)
	if w.Code != 429 || w.Header().Get("Retry-After") != "60" {
		t.Fatalf("after 5 failures: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	w = post(login, "user=alice&password=x", true, nil)
	if w.Code != 303 || !strings.Contains(w.Header().Get("Location"), "error=rate_limited") {
		t.Fatalf("form while rate limited: %d %q", w.Code, w.Header().Get("Location"))
	}

	// Logout revokes the session and clears the cookie.
	w = post(logout, "", false, func(r *http.Request) { r.AddCookie(c) })
	if w.Code != 204 {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	cl := w.Result().Cookies()
	if len(cl) != 1 || cl[0].MaxAge >= 0 || cl[0].Value != "" {
		t.Fatalf("logout cookie: %+v", cl)
	}
	if _, err := f.svc.AuthenticateSession(context.Background(), c.Value); !errors.Is(err, ErrRevoked) {
		t.Fatalf("session after logout: %v", err)
	}
	if evs := f.events(t, audit.Filter{Actions: []string{audit.ActionLogout}}); len(evs) != 1 || evs[0].User != "alice" {
		t.Fatalf("logout audit: %+v", evs)
	}
}

func TestHTTPStatusAndRecord(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{fmt.Errorf("x: %w", ErrNotFound), 404},
		{fmt.Errorf("x: %w", ErrForbidden), 403},
		{ErrBadCredentials, 401},
		{ErrExpired, 401},
		{&RateLimitedError{RetryAfter: time.Second}, 429},
		{ErrWeakPassword, 400},
		{errors.New("database on fire"), 500},
	}
	for _, tc := range tests {
		if got := HTTPStatus(tc.err); got != tc.want {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	w := httptest.NewRecorder()
	WriteError(w, fmt.Errorf("case %q: %w", "secret-case", ErrNotFound))
	if w.Code != 404 || strings.Contains(w.Body.String(), "secret") {
		t.Fatalf("404 body leaks the case: %s", w.Body)
	}
	w = httptest.NewRecorder()
	WriteError(w, errors.New("pq: password authentication failed for user casefile"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "pq") {
		t.Fatalf("500 body leaks internals: %s", w.Body)
	}

	f := newFixture(t)
	alice := f.user(t, "alice", false)
	h := f.svc.HTTP(HTTPOptions{})
	r := httptest.NewRequest("GET", "/cases/harbor/search", nil)
	r.RemoteAddr = "[2001:db8::5]:443"
	r = r.WithContext(WithPrincipal(r.Context(), alice))
	if err := h.Record(r, audit.Event{Action: audit.ActionSearch, Case: "harbor", Details: map[string]any{"query": "from:jonas", "hits": 3}}); err != nil {
		t.Fatal(err)
	}
	evs := f.events(t, audit.Filter{Case: "harbor", Actions: []string{audit.ActionSearch}})
	if len(evs) != 1 || evs[0].User != "alice" || evs[0].UserID != alice.UserID || evs[0].RemoteAddr != "2001:db8::5" || evs[0].Details["query"] != "from:jonas" {
		t.Fatalf("recorded %+v", evs)
	}
}
