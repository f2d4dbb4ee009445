package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/internal/audit"
	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/postgres"
	"github.com/casefile/casefile/internal/team"
)

// HubOptions configure a Hub.
type HubOptions struct {
	// DSN is the PostgreSQL server holding the cases (required).
	DSN string
	// DataDir holds the cases' preserved originals on this machine
	// (casedir.OpenDB): downloads are re-extracted from there.
	DataDir string
	// Team is the accounts and permissions service; its audit log
	// records what users do (required).
	Team *team.Service
	// Addr is the address the server listens on; its port names the
	// CSRF cookie (browsers share cookies between ports).
	Addr string
	// TrustedProxies are reverse proxies whose X-Forwarded-For names the
	// client (for the audit log and the login rate limit).
	TrustedProxies []netip.Prefix
	// MaskPII also masks Social Security and phone numbers.
	MaskPII bool
	// ResultCache is each case's Options.ResultCache.
	ResultCache int
	// Logger receives one line per server error; nil means log.Default().
	Logger *log.Logger
}

// Hub is the team server (casefile serve --db): a login page, the list
// of the cases the user may read, and every case under /c/NAME/, served
// by a Server created on first use. Every request but the login page and
// the static assets needs a session cookie or an API token (package
// team); every case request is authorised for the user's role on that
// case — read for GET, write for anything else — and a user without a
// role gets the same 404 as for a case that does not exist.
type Hub struct {
	opts  HubOptions
	svc   *team.Service
	auth  *team.HTTP
	log   *log.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template

	mu     sync.Mutex
	cases  map[string]*hubCase
	closed bool
}

// hubCase is one open case and its workspace.
type hubCase struct {
	c   *casedir.Case
	srv *Server
	// created identifies the case opened (a case dropped and created
	// again under the same name differs); checked is when that was last
	// confirmed (see Hub.open).
	created, checked time.Time
}

// caseCheckEvery is how often the hub confirms that an open case still
// exists (casefile case drop, from another process).
const caseCheckEvery = 2 * time.Second

// creator is a store that knows when its case was created
// (postgres.Store).
type creator interface {
	Created(ctx context.Context) (time.Time, error)
}

// LoginPath is the team server's login page.
const LoginPath = "/login"

// NewHub prepares a team server.
func NewHub(opts HubOptions) (*Hub, error) {
	if opts.DSN == "" || opts.Team == nil {
		return nil, errors.New("web: a team server needs a database and the accounts service")
	}
	lg := opts.Logger
	if lg == nil {
		lg = log.Default()
	}
	// Many users search at once, so each query runs on one core: with
	// parallel workers PostgreSQL starts helper processes per query,
	// which cost more than they give once every core is busy
	// (scripts/loadtest.sh at 100k, old and new servers interleaved:
	// 25.3-26.2 against 24.2-25.1 searches/s). A DSN that sets it wins.
	opts.DSN = postgres.WithSetting(opts.DSN, "max_parallel_workers_per_gather", "0")
	h := &Hub{opts: opts, svc: opts.Team, log: lg, mux: http.NewServeMux(), cases: map[string]*hubCase{}}
	h.auth = h.svc.HTTP(team.HTTPOptions{
		LoginPath:      LoginPath,
		TrustedProxies: opts.TrustedProxies,
		ErrorLog: func(r *http.Request, err error) {
			lg.Printf("casefile serve: %s %s: %v", r.Method, r.URL.Path, err)
		},
	})
	var err error
	if h.pages, err = parsePages(templateFuncs("")); err != nil {
		return nil, err
	}
	m := h.mux
	m.Handle("GET /static/", StaticHandler())
	m.Handle("GET "+LoginPath, h.auth.OptionalAuth(http.HandlerFunc(h.handleLoginPage)))
	m.Handle("POST "+LoginPath, h.auth.LoginHandler())
	m.Handle("POST /logout", h.auth.LogoutHandler())
	m.Handle("GET /{$}", h.auth.RequireAuth(http.HandlerFunc(h.handleCases)))
	m.Handle("/c/{case}/", h.auth.RequireAuth(http.HandlerFunc(h.handleCase)))
	m.Handle("/c/{case}", h.auth.RequireAuth(http.HandlerFunc(h.handleCase)))
	m.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.showError(w, r, http.StatusNotFound, "not found", "")
	}))
	return h, nil
}

// Close closes every open case.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for name, hc := range h.cases {
		hc.srv.Close()
		if err := hc.c.Close(); err != nil {
			h.log.Printf("casefile serve: closing case %s: %v", name, err)
		}
		delete(h.cases, name)
	}
}

// ServeHTTP implements http.Handler.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// handleCase authorises a request for /c/NAME/... and hands it to the
// case's workspace.
func (h *Hub) handleCase(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("case")
	p, _ := team.PrincipalFrom(ctx)
	action := team.ActionWrite
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		action = team.ActionRead
	}
	if team.CheckCaseName(name) != nil || strings.ContainsAny(name, `/\`) {
		h.showError(w, r, http.StatusNotFound, "not found", "")
		return
	}
	if err := h.svc.Authorize(ctx, p, name, action); err != nil {
		h.teamError(w, r, err)
		return
	}
	hc, err := h.open(ctx, name)
	if errors.Is(err, casedir.ErrNotACase) {
		h.showError(w, r, http.StatusNotFound, "not found", "")
		return
	}
	if err != nil {
		h.log.Printf("casefile serve: opening case %s: %v", name, err)
		h.showError(w, r, http.StatusInternalServerError, "The case could not be opened.", "The server log has the details; reload to try again.")
		return
	}
	prefix := hc.srv.prefix
	rest := strings.TrimPrefix(r.URL.Path, "/c/"+name)
	if rest == "" { // /c/NAME: the case's search page
		http.Redirect(w, r, prefix+"/", http.StatusSeeOther)
		return
	}
	r2 := r.Clone(ctx)
	r2.URL.Path, r2.URL.RawPath = rest, ""
	hc.srv.ServeHTTP(w, r2)
}

// open returns the workspace of case name, opening it on first use.
func (h *Hub) open(ctx context.Context, name string) (*hubCase, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("web: the server is shutting down")
	}
	if hc := h.cases[name]; hc != nil {
		if time.Since(hc.checked) < caseCheckEvery {
			return hc, nil
		}
		if cr, ok := hc.c.Store.(creator); ok {
			created, err := cr.Created(ctx)
			if err == nil && created.Equal(hc.created) {
				hc.checked = time.Now()
				return hc, nil
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			// Dropped, or dropped and created again: close this one and
			// open whatever the name is now.
			h.log.Printf("casefile serve: case %s was deleted or replaced; closing it", name)
			hc.srv.Close()
			if err := hc.c.Close(); err != nil {
				h.log.Printf("casefile serve: closing case %s: %v", name, err)
			}
			delete(h.cases, name)
		}
	}
	c, err := casedir.OpenDB(ctx, h.opts.DSN, name, h.opts.DataDir, false)
	if err != nil {
		return nil, err
	}
	addr := h.opts.Addr
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = "team:0"
	}
	srv, err := New(Options{Case: c, Addr: addr, AllowRemote: true, Logger: h.log, Prefix: "/c/" + url.PathEscape(name),
		Name: name, MaskPII: h.opts.MaskPII, ResultCache: h.opts.ResultCache, Access: caseAccess{h: h, name: name}})
	if err != nil {
		c.Close()
		return nil, err
	}
	hc := &hubCase{c: c, srv: srv, checked: time.Now()}
	if cr, ok := c.Store.(creator); ok {
		if hc.created, err = cr.Created(ctx); err != nil {
			srv.Close()
			c.Close()
			if errors.Is(err, store.ErrNotFound) {
				err = fmt.Errorf("%w: %v", casedir.ErrNotACase, err)
			}
			return nil, err
		}
	}
	h.cases[name] = hc
	return hc, nil
}

// caseAccess is a team server's Access for one case.
type caseAccess struct {
	h    *Hub
	name string
}

func (a caseAccess) Viewer(r *http.Request) Viewer {
	p, ok := team.PrincipalFrom(r.Context())
	if !ok {
		return Viewer{Key: "-"}
	}
	key := "u" + strconv.FormatInt(p.UserID, 10)
	switch {
	case p.SessionID != 0:
		key = "s" + strconv.FormatInt(p.SessionID, 10)
	case p.TokenID != 0:
		key = "t" + strconv.FormatInt(p.TokenID, 10)
	}
	return Viewer{Name: p.Name, Key: key, Token: p.Method == "token"}
}

// CanUnmask: showing protected names is an owner's or editor's right
// (the write action), checked on every request.
func (a caseAccess) CanUnmask(r *http.Request) error {
	p, _ := team.PrincipalFrom(r.Context())
	return a.h.svc.Authorize(r.Context(), p, a.name, team.ActionWrite)
}

func (a caseAccess) Record(r *http.Request, ev audit.Event) error {
	ev.Case = a.name
	return a.h.auth.Record(r, ev)
}

// teamError answers an authorisation error: 401, 403, or 404 with the
// same body as a case that does not exist.
func (h *Hub) teamError(w http.ResponseWriter, r *http.Request, err error) {
	st := team.HTTPStatus(err)
	switch st {
	case http.StatusNotFound:
		h.showError(w, r, st, "not found", "")
	case http.StatusForbidden:
		h.showError(w, r, st, "Your role on this case does not allow this.", strings.TrimPrefix(err.Error(), "team: "))
	case http.StatusInternalServerError:
		h.log.Printf("casefile serve: %s %s: %v", r.Method, r.URL.Path, err)
		h.showError(w, r, st, "internal error; the server log has details", "")
	default:
		team.WriteError(w, err)
	}
}

// hubError is shown by hub-error.html.
type hubError struct {
	Status        int
	Message, Hint string
}

// showError answers with an error page for browsers and JSON
// {"error","hint"} for everything else.
func (h *Hub) showError(w http.ResponseWriter, r *http.Request, status int, msg, hint string) {
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		body := map[string]string{"error": msg}
		if hint != "" {
			body["hint"] = hint
		}
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(append(b, '\n'))
		return
	}
	h.render(w, status, "hub-error", hubPage{Title: http.StatusText(status), Data: hubError{status, msg, hint}})
}

// hubPage is the data of the hub's own pages.
type hubPage struct {
	Title string
	User  string
	Data  any
}

func (h *Hub) render(w http.ResponseWriter, status int, name string, p hubPage) {
	t := h.pages[name]
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "root", p); err != nil {
		h.log.Printf("casefile serve: render %s: %v", name, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", PageCSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// loginData is the login form.
type loginData struct {
	Next, Error string
}

// handleLoginPage shows the login form (GET /login); the form posts to
// team's login handler, which checks the password, rate-limits failures
// and refuses cross-site posts.
func (h *Hub) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = "/"
	}
	if _, ok := team.PrincipalFrom(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d := loginData{Next: next}
	switch r.URL.Query().Get("error") {
	case "credentials":
		d.Error = "Wrong user name or password."
	case "rate_limited":
		d.Error = "Too many failed logins for this account from this address; wait a few minutes and try again."
	}
	h.render(w, http.StatusOK, "hub-login", hubPage{Title: "Log in", Data: d})
}

// localPath accepts only a path on this server (no scheme, host or //).
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") && !strings.ContainsAny(p, "\r\n")
}

// caseRow is one case on the case list.
type caseRow struct {
	Name, URL string
	Role      team.Role
	Exists    bool
	Created   string
}

// handleCases lists the cases the user holds a role on (an instance
// admin sees every case on the server).
func (h *Hub) handleCases(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, _ := team.PrincipalFrom(ctx)
	grants, err := h.svc.Cases(ctx, p)
	if err != nil {
		h.teamError(w, r, err)
		return
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	all, err := postgres.ListCases(lctx, h.opts.DSN)
	if err != nil {
		h.log.Printf("casefile serve: listing cases: %v", err)
		h.showError(w, r, http.StatusInternalServerError, "The cases could not be listed.", "The server log has the details; reload to try again.")
		return
	}
	exists := map[string]postgres.CaseInfo{}
	for _, c := range all {
		exists[c.Name] = c
	}
	rows := map[string]*caseRow{}
	add := func(name string, role team.Role) {
		ci, ok := exists[name]
		row := &caseRow{Name: name, URL: "/c/" + url.PathEscape(name) + "/", Role: role, Exists: ok}
		if ok {
			row.Created = ci.Created.UTC().Format("2006-01-02")
		}
		rows[name] = row
	}
	for _, g := range grants {
		add(g.Case, g.Role)
	}
	if p.Admin {
		for _, c := range all {
			if rows[c.Name] == nil {
				add(c.Name, team.RoleOwner)
			}
		}
	}
	list := make([]*caseRow, 0, len(rows))
	for _, row := range rows {
		list = append(list, row)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	h.render(w, http.StatusOK, "hub-cases", hubPage{Title: "Cases", User: p.Name, Data: struct {
		Cases []*caseRow
		Admin bool
	}{list, p.Admin}})
}
