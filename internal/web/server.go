// Package web is casefile's local web workspace (`casefile serve`): a
// search page with facets, a reader that shows where a message came from
// and renders its original HTML safely, thread trees, a query timeline,
// and tags and notes stored in the case's edit log.
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
//     refused (DNS rebinding), and every state-changing request needs
//     the per-process CSRF token in a SameSite=Strict cookie and in a
//     form field or header (double submit), and a same-origin Origin.
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
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
}

// Server serves one case. Create it with New; it is an http.Handler.
type Server struct {
	c      *casedir.Case
	st     store.Store
	opts   Options
	log    *log.Logger
	mux    *http.ServeMux
	pages  map[string]*template.Template
	static fs.FS
	// csrf is the per-process token; cookie is its cookie's name (it
	// includes the port: browsers share cookies between ports).
	csrf, cookie string
	hosts        map[string]bool
	facets       *facetCache
	sanitizer    *sanitizer
	// exactFacets is the largest result set whose facets are tallied
	// from every hit (DefaultExactFacetLimit; tests lower it).
	exactFacets int
	// people is the people directory, built in the background.
	people peopleIndex
	// ctx ends background work (the people build) on Close.
	ctx    context.Context
	cancel context.CancelFunc
}

// New prepares a server for opts.Case.
func New(opts Options) (*Server, error) {
	if opts.Case == nil {
		return nil, errors.New("web: no case to serve")
	}
	if opts.Actor == "" {
		opts.Actor = "web"
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
		sanitizer: newSanitizer(),

		exactFacets: DefaultExactFacetLimit,
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.static, err = fs.Sub(embedded, "assets"); err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
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
	if !s.opts.AllowRemote && !s.hosts[strings.ToLower(r.Host)] {
		http.Error(w, fmt.Sprintf("casefile: refused request for host %q: this server only answers at %s "+
			"(a page from another site may be trying to reach it)", r.Host, s.opts.Addr), http.StatusMisdirectedRequest)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if err := s.checkCSRF(r); err != nil {
			http.Error(w, "casefile: "+err.Error(), http.StatusForbidden)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
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

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.handleSearch)
	m.HandleFunc("GET /search", s.handleSearch)
	m.HandleFunc("GET /facets", s.handleFacets)
	m.HandleFunc("GET /check", s.handleCheck)
	m.HandleFunc("GET /m/{id}", s.handleReader)
	m.HandleFunc("GET /m/{id}/body.html", s.handleBodyHTML)
	m.HandleFunc("GET /m/{id}/attachment/{n}", s.handleAttachment)
	m.HandleFunc("GET /m/{id}/copy/{n}", s.handleCopy)
	m.HandleFunc("POST /m/{id}/tags", s.handleTagAdd)
	m.HandleFunc("POST /m/{id}/tags/remove", s.handleTagRemove)
	m.HandleFunc("POST /m/{id}/notes", s.handleNoteAdd)
	m.HandleFunc("GET /t/{id}", s.handleThread)
	m.HandleFunc("GET /tags", s.handleTags)
	m.HandleFunc("GET /export/edits.jsonl", s.handleExportEdits)
	m.HandleFunc("GET /timeline", s.handleTimeline)
	m.HandleFunc("GET /timeline/data.json", s.handleTimelineData)
	m.HandleFunc("GET /people", s.handlePeople)
	m.HandleFunc("POST /people/rebuild", s.handleRebuildPeople)
	m.HandleFunc("GET /person", s.handlePersonRef)
	m.HandleFunc("GET /p/{id}", s.handlePerson)
	m.HandleFunc("GET /p/{id}/timeline", s.handlePersonTimeline)
	m.HandleFunc("GET /p/{id}/timeline.json", s.handlePersonTimelineData)
	m.HandleFunc("GET /pair", s.handlePair)
	m.HandleFunc("GET /graph", s.handleGraph)
	m.HandleFunc("GET /graph/data.json", s.handleGraphData)
	static := http.StripPrefix("/static/", http.FileServerFS(s.static))
	m.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		static.ServeHTTP(w, r)
	}))
}

// page is the data every full page template gets.
type page struct {
	Title string
	CSRF  string
	Query string // the search box's content
	Nav   string // active nav entry
	Data  any
	// Charts selects ChartCSP instead of PageCSP.
	Charts bool
}

// render writes a page (or a fragment when name starts with "frag-").
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("web: no template %s", name))
		return
	}
	p.CSRF = s.csrf
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if p.Charts {
		h.Set("Content-Security-Policy", ChartCSP)
	} else {
		h.Set("Content-Security-Policy", PageCSP)
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: s.csrf, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "root", p); err != nil {
		s.fail(w, r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
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

// cache is a small mutex-guarded map with expiry, used for facets.
type cache[V any] struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	items map[string]cacheItem[V]
}

type cacheItem[V any] struct {
	v  V
	at time.Time
}

func (c *cache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[k]
	if !ok || time.Since(it.at) > c.ttl {
		var zero V
		return zero, false
	}
	return it.v, true
}

func (c *cache[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.items) >= c.max {
		clear(c.items) // simple and bounded; facets are cheap to recompute
	}
	c.items[k] = cacheItem[V]{v, time.Now()}
}
