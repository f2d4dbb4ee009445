// Package web is casefile's web workspace (`casefile serve`): a search
// page with facets, a reader that shows where a message came from and
// renders its original HTML safely, thread trees, people, a contact
// graph, timelines, and tags and notes stored in the case's edit log.
//
// A Server serves one case. Locally (`casefile serve --case DIR`) it is
// the whole site, on loopback, without accounts. In team mode
// (`casefile serve --db DSN`) a Hub hosts every case of a PostgreSQL
// server: it logs users in (package team), checks their role on the
// case for every request, and mounts one Server per case under
// /c/NAME/; the Server then records searches, opened messages, exports
// and edits in the audit log through its Access.
//
// Protected names (package mask) are masked in everything a Server
// sends — pages, fragments, JSON, exports, the sanitised HTML body and
// text downloads — unless the viewer chose to show them (see mask.go).
//
// Everything is served from the binary: server-rendered html/template
// pages enhanced with htmx, and the vendored front-end libraries (htmx,
// vis-timeline, cytoscape) embedded with embed.FS. No CDN, no remote
// fonts.
//
// Security model (the case is full of hostile email, the server runs on
// an investigator's laptop):
//   - every page carries a strict Content-Security-Policy (scripts only
//     from the server itself, no plugins, no framing by other sites);
//   - a message's HTML body is sanitised with bluemonday, stripped of
//     every remote resource, and served from its own endpoint into an
//     <iframe sandbox> (no scripts, opaque origin) under
//     "default-src 'none'", so no script runs and nothing is fetched;
//   - requests whose Host header is not the bound loopback address are
//     refused (DNS rebinding; local mode), and every state-changing
//     request needs the per-process CSRF token in a SameSite=Strict
//     cookie and in a form field or header (double submit), and a
//     same-origin Origin.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/store"
)

//go:embed templates assets
var embedded embed.FS

// PageCSP is the Content-Security-Policy of every page the server
// renders: only the server's own scripts, styles and images.
const PageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// ChartCSP is PageCSP for the pages that draw charts (timeline, graph):
// the chart libraries set style attributes, so inline styles are
// allowed there. Scripts stay restricted to the server's own files.
const ChartCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// BodyCSP is the Content-Security-Policy of the sanitised HTML body
// document shown in the reader's sandboxed iframe: nothing may load
// except inline styles and data: images.
const BodyCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
	"frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// Options configure a Server.
type Options struct {
	// Case is the open case to serve (required).
	Case *casedir.Case
	// Addr is the host:port the server is reachable at; requests whose
	// Host header names anything else are refused (DNS rebinding
	// defence). Loopback aliases of a loopback Addr (127.0.0.1,
	// localhost, [::1]) with the same port are accepted too.
	Addr string
	// AllowRemote accepts any Host header (the server was deliberately
	// bound to a non-loopback address). CSRF and Origin checks still
	// apply.
	AllowRemote bool
	// Actor is recorded on tag and note edits; default "web".
	Actor string
	// Logger receives one line per server error; nil means log.Default().
	Logger *log.Logger
	// Prefix is the URL path the server is mounted under, without a
	// trailing slash: "" locally, "/c/NAME" on a team server. Every link
	// the server writes starts with it; requests reach the server with
	// the prefix already stripped (the Hub does it).
	Prefix string
	// Name is the case's name, shown in the header in team mode.
	Name string
	// MaskPII also masks US Social Security and phone numbers (as
	// casefile --mask-pii does).
	MaskPII bool
	// Unmasked starts the server with protected names shown (local mode,
	// casefile serve --unmask); the banner says so and a click masks
	// them again.
	Unmasked bool
	// Access connects the server to a team server: who is asking, may
	// they show protected names, and the audit log. Nil is local mode.
	Access Access
	// ResultCache is how many search pages and counts are kept while
	// the case is unchanged: 0 means DefaultResultCache, negative none.
	ResultCache int
}

// Server serves one case. Create it with New; it is an http.Handler.
type Server struct {
	c     *casedir.Case
	st    store.Store
	opts  Options
	log   *log.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template
	// csrf is the per-process token; cookie is its cookie's name (it
	// includes the port: browsers share cookies between ports).
	csrf, cookie string
	hosts        map[string]bool
	facets       *facetCache
	results      *resultCache
	sanitizer    *sanitizer
	// exactFacets is the largest result set whose facets are tallied
	// from every hit (DefaultExactFacetLimit; tests lower it).
	exactFacets int
	// people is the people directory, built in the background.
	people peopleIndex
	// ctx ends background work (the people build) on Close.
	ctx    context.Context
	cancel context.CancelFunc
	// prefix is Options.Prefix; access is Options.Access or the local
	// single-user access.
	prefix string
	access Access
	// masks caches the case's masker; unmask remembers who chose to
	// show protected names.
	masks  maskCache
	unmask unmaskState
}

// New prepares a server for opts.Case.
func New(opts Options) (*Server, error) {
	if opts.Case == nil {
		return nil, errors.New("web: no case to serve")
	}
	if opts.Actor == "" {
		opts.Actor = "web"
	}
	if opts.Prefix != "" && (!strings.HasPrefix(opts.Prefix, "/") || strings.HasSuffix(opts.Prefix, "/")) {
		return nil, fmt.Errorf("web: prefix %q must start with / and not end with /", opts.Prefix)
	}
	lg := opts.Logger
	if lg == nil {
		lg = log.Default()
	}
	host, port, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("web: address %q: %w (use host:port, e.g. 127.0.0.1:8080)", opts.Addr, err)
	}
	tok := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		return nil, fmt.Errorf("web: CSRF token: %w", err)
	}
	s := &Server{
		c:         opts.Case,
		st:        opts.Case.Store,
		opts:      opts,
		log:       lg,
		mux:       http.NewServeMux(),
		csrf:      hex.EncodeToString(tok),
		cookie:    "casefile_csrf_" + port,
		hosts:     allowedHosts(host, port),
		facets:    newFacetCache(),
		results:   newResultCache(opts.ResultCache),
		sanitizer: newSanitizer(),

		exactFacets: DefaultExactFacetLimit,
		prefix:      opts.Prefix,
		access:      opts.Access,
		unmask:      unmaskState{on: map[string]time.Time{}},
	}
	if s.access == nil {
		s.access = localAccess{actor: opts.Actor}
	}
	if opts.Unmasked {
		s.unmask.on[""] = time.Now()
	}
	if s.pages, err = parsePages(s.funcs()); err != nil {
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes()
	return s, nil
}

// Close stops background work (a people index being built) and waits
// for it. The case stays open: it belongs to the caller.
func (s *Server) Close() {
	s.cancel()
	s.people.wg.Wait()
}

// allowedHosts lists the Host header values accepted for a server bound
// to host:port.
func allowedHosts(host, port string) map[string]bool {
	hs := map[string]bool{strings.ToLower(net.JoinHostPort(host, port)): true}
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
		for _, h := range []string{"127.0.0.1", "localhost", "::1"} {
			hs[net.JoinHostPort(h, port)] = true
		}
	}
	if port == "80" {
		for h := range hs {
			if hh, _, err := net.SplitHostPort(h); err == nil {
				if strings.Contains(hh, ":") {
					hh = "[" + hh + "]"
				}
				hs[hh] = true
			}
		}
	}
	return hs
}

// ServeHTTP implements http.Handler: host check, security headers, then
// the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	if !s.opts.AllowRemote && s.opts.Access == nil && !s.hosts[strings.ToLower(r.Host)] {
		http.Error(w, fmt.Sprintf("casefile: refused request for host %q: this server only answers at %s "+
			"(a page from another site may be trying to reach it)", r.Host, s.opts.Addr), http.StatusMisdirectedRequest)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.access.Viewer(r).Token {
		// (A request authenticated by an API token carries no ambient
		// credential a foreign page could borrow: no CSRF token needed.)
		if err := s.checkCSRF(r); err != nil {
			http.Error(w, "casefile: "+err.Error(), http.StatusForbidden)
			return
		}
	}
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), viewKey{}, &viewOnce{})))
}

// checkCSRF verifies a state-changing request: same-origin Origin (when
// sent), same-origin Sec-Fetch-Site (when sent), and the CSRF token in
// both the cookie and a form field or header.
func (s *Server) checkCSRF(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if o == "null" || err != nil || !strings.EqualFold(u.Host, r.Host) {
			return fmt.Errorf("request from another origin (%s) refused", o)
		}
	}
	if sf := r.Header.Get("Sec-Fetch-Site"); sf != "" && sf != "same-origin" && sf != "none" {
		return fmt.Errorf("cross-site request refused (Sec-Fetch-Site: %s)", sf)
	}
	c, err := r.Cookie(s.cookie)
	if err != nil || !s.tokenOK(c.Value) {
		return errors.New("missing or stale security cookie; reload the page and try again")
	}
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" {
		r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
		if err := r.ParseForm(); err == nil {
			tok = r.PostForm.Get("csrf")
		}
	}
	if !s.tokenOK(tok) {
		return errors.New("missing or wrong security token; reload the page and try again")
	}
	return nil
}

func (s *Server) tokenOK(v string) bool {
	return len(v) == len(s.csrf) && subtle.ConstantTimeCompare([]byte(v), []byte(s.csrf)) == 1
}

// route is one entry of the server's routing table.
type route struct {
	pattern string
	handle  func(*Server, http.ResponseWriter, *http.Request)
}

// routes is every page and endpoint of a case (GET routes are read
// access; every other method changes the case). Tests enumerate it to
// check each route's masking and permissions.
var routes = []route{
	{"GET /{$}", (*Server).handleSearch},
	{"GET /search", (*Server).handleSearch},
	{"GET /facets", (*Server).handleFacets},
	{"GET /check", (*Server).handleCheck},
	{"GET /m/{id}", (*Server).handleReader},
	{"GET /m/{id}/body.html", (*Server).handleBodyHTML},
	{"GET /m/{id}/attachment/{n}", (*Server).handleAttachment},
	{"GET /m/{id}/copy/{n}", (*Server).handleCopy},
	{"POST /m/{id}/tags", (*Server).handleTagAdd},
	{"POST /m/{id}/tags/remove", (*Server).handleTagRemove},
	{"POST /m/{id}/notes", (*Server).handleNoteAdd},
	{"GET /t/{id}", (*Server).handleThread},
	{"GET /tags", (*Server).handleTags},
	{"GET /export/edits.jsonl", (*Server).handleExportEdits},
	{"GET /timeline", (*Server).handleTimeline},
	{"GET /timeline/data.json", (*Server).handleTimelineData},
	{"GET /people", (*Server).handlePeople},
	{"POST /people/rebuild", (*Server).handleRebuildPeople},
	{"GET /person", (*Server).handlePersonRef},
	{"GET /p/{id}", (*Server).handlePerson},
	{"GET /p/{id}/timeline", (*Server).handlePersonTimeline},
	{"GET /p/{id}/timeline.json", (*Server).handlePersonTimelineData},
	{"GET /pair", (*Server).handlePair},
	{"GET /graph", (*Server).handleGraph},
	{"GET /graph/data.json", (*Server).handleGraphData},
	{"POST /unmask", (*Server).handleUnmask},
	{"POST /mask", (*Server).handleMask},
}

func (s *Server) routes() {
	m := s.mux
	for _, rt := range routes {
		m.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { rt.handle(s, w, r) })
	}
	m.Handle("GET /static/", StaticHandler())
}

// StaticHandler serves the embedded assets (scripts, styles, vendored
// libraries) under /static/, without directory listings. Pages refer
// to them at /static/ whatever their prefix, so a team server mounts it
// once at the root (it holds nothing from any case).
func StaticHandler() http.Handler {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		panic(err) // the embedded tree always has assets/
	}
	static := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		static.ServeHTTP(w, r)
	})
}

// url returns the server's own URL for path (which starts with /).
func (s *Server) url(path string) string { return s.prefix + path }

// page is the data every full page template gets.
type page struct {
	Title string
	CSRF  string
	Query string // the search box's content
	Nav   string // active nav entry
	Data  any
	// Charts selects ChartCSP instead of PageCSP.
	Charts bool
	// Mask is the protected-names banner (set by render).
	Mask maskBanner
	// Team is the team-mode header (user and case), nil locally.
	Team *teamHeader
}

// teamHeader is shown in the header of a team server's case pages.
type teamHeader struct {
	User, Case string
}

// render writes a page (or a fragment when name starts with "frag-").
// Everything the template sees is masked first (unless the viewer chose
// to show protected names), and the finished page is masked again as a
// whole (see mask.go).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("web: no template %s", name))
		return
	}
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	p.CSRF = s.csrf
	if !strings.HasPrefix(name, "frag-") {
		p.Mask = s.banner(r, v)
		if s.opts.Access != nil {
			p.Team = &teamHeader{User: s.access.Viewer(r).Name, Case: s.opts.Name}
		}
	}
	if v.on() {
		p.Title, p.Query = v.m.String(p.Title), v.m.String(p.Query)
		p.Data = maskDeep(v.m, p.Data)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if p.Charts {
		h.Set("Content-Security-Policy", ChartCSP)
	} else {
		h.Set("Content-Security-Policy", PageCSP)
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: s.csrf, Path: s.prefix + "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "root", p); err != nil {
		s.fail(w, r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, v.str(buf.String()))
}

// errorData is shown by the error page.
type errorData struct {
	Status  int
	Message string
	Hint    string
}

// fail reports an unexpected server error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the browser went away
	}
	s.log.Printf("casefile serve: %s %s: %v", r.Method, r.URL.Path, err)
	s.showError(w, r, http.StatusInternalServerError, err.Error(), "The server log has the details; reload to try again.")
}

// showError renders the error page (plain text for fragments).
func (s *Server) showError(w http.ResponseWriter, r *http.Request, status int, msg, hint string) {
	if _, ok := s.pages["error"]; !ok {
		http.Error(w, msg, status)
		return
	}
	s.render(w, r, status, "error", page{Title: http.StatusText(status), Data: errorData{status, msg, hint}})
}

// lookupError maps store errors on IDs to 404/400 pages.
func (s *Server) lookupError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.showError(w, r, http.StatusNotFound, fmt.Sprintf("No %s %q in this case.", what, r.PathValue("id")),
			"Check the ID (at least 4 hex digits), or search for the message instead.")
	case errors.Is(err, store.ErrAmbiguous):
		s.showError(w, r, http.StatusBadRequest, err.Error(), "Type more digits of the ID.")
	default:
		s.fail(w, r, err)
	}
}

// resolve expands a message ID or unique prefix.
func (s *Server) resolve(ctx context.Context, id string) (string, error) {
	return s.st.ResolveID(ctx, id)
}

// formatDate renders a message date for display.
func formatDate(t *time.Time, flag string) string {
	if t == nil {
		return "(no date)"
	}
	if flag == "local" {
		return t.UTC().Format("2006-01-02 15:04") + " (zone unknown)"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
