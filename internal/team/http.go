package team

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/audit"
)

// CookieName is the session cookie. The __Host- prefix makes browsers
// refuse it unless it is Secure, has Path=/ and no Domain, so no other
// host or path can plant or read it.
const CookieName = "__Host-casefile_session"

// HTTPOptions configure the middleware and handlers.
type HTTPOptions struct {
	// LoginPath, when set, is where RequireAuth redirects unauthenticated
	// browser page loads (GET with Accept: text/html), with ?next=PATH,
	// and where the form login handler sends failures back (?error=...).
	// API requests always get 401 JSON.
	LoginPath string
	// AfterLogin is where a successful form login goes when the form has
	// no (local) next field; "" means "/".
	AfterLogin string
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For header is believed (its last entry becomes the
	// client address). Empty: the TCP peer address is the client.
	TrustedProxies []netip.Prefix
	// ErrorLog receives internal errors (answered with a bare 500); nil
	// discards them.
	ErrorLog func(r *http.Request, err error)
}

// HTTP is the net/http side of a Service: middleware that puts the
// Principal in the request context, and the login/logout handlers.
// Build it with Service.HTTP.
type HTTP struct {
	s    *Service
	opts HTTPOptions
	cop  *http.CrossOriginProtection
}

// HTTP returns the middleware and handlers for s.
func (s *Service) HTTP(opts HTTPOptions) *HTTP {
	return &HTTP{s: s, opts: opts, cop: http.NewCrossOriginProtection()}
}

// ClientAddr returns the client's IP address for r (honouring
// X-Forwarded-For only from trusted proxies).
func (h *HTTP) ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	for _, p := range h.opts.TrustedProxies {
		if p.Contains(peer) {
			xff := r.Header.Values("X-Forwarded-For")
			if len(xff) == 0 {
				break
			}
			parts := strings.Split(xff[len(xff)-1], ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				return a.Unmap().String()
			}
			break
		}
	}
	return peer.String()
}

// authenticate returns the request's principal: a Bearer API token if an
// Authorization header is present, else the session cookie. It returns
// (nil, nil) when the request carries no credentials.
func (h *HTTP) authenticate(r *http.Request) (*Principal, error) {
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, tok, ok := strings.Cut(a, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, fmt.Errorf("team: %w: the Authorization header must be \"Bearer <API token>\"", ErrUnauthenticated)
		}
		return h.s.AuthenticateToken(r.Context(), strings.TrimSpace(tok))
	}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	// Cookies ride along on cross-site requests; refuse state-changing
	// ones from other origins (Sec-Fetch-Site / Origin checks).
	if err := h.cop.Check(r); err != nil {
		return nil, errCrossOrigin
	}
	return h.s.AuthenticateSession(r.Context(), c.Value)
}

var errCrossOrigin = errors.New("cross-origin request refused")

// fail writes err, logging it first when it is an internal error.
func (h *HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	if HTTPStatus(err) == http.StatusInternalServerError && h.opts.ErrorLog != nil {
		h.opts.ErrorLog(r, err)
	}
	WriteError(w, err)
}

// RequireAuth authenticates every request (Bearer API token or session
// cookie) and puts the Principal and client address in its context
// (PrincipalFrom, RemoteAddrFrom). Requests without valid credentials
// get 401 (JSON {"error","hint"} with WWW-Authenticate), or a redirect
// to LoginPath for browser page loads. Cross-origin unsafe requests
// authenticated by cookie get 403.
func (h *HTTP) RequireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.authenticate(r)
		if p == nil && err == nil {
			err = ErrUnauthenticated
		}
		if err != nil {
			if h.opts.LoginPath != "" && errors.Is(err, ErrUnauthenticated) && r.Method == http.MethodGet &&
				r.Header.Get("Authorization") == "" && strings.Contains(r.Header.Get("Accept"), "text/html") {
				http.Redirect(w, r, h.opts.LoginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, err)
			return
		}
		ctx := WithRemoteAddr(WithPrincipal(r.Context(), p), h.ClientAddr(r))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// OptionalAuth is like RequireAuth but lets requests without valid
// credentials through without a principal (for the login page and
// public assets). The client address is always set.
func (h *HTTP) OptionalAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := WithRemoteAddr(r.Context(), h.ClientAddr(r))
		if p, err := h.authenticate(r); err == nil && p != nil {
			ctx = WithPrincipal(ctx, p)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// maxLoginBody bounds a login request body.
const maxLoginBody = 16 << 10

// LoginHandler handles POST logins, as JSON ({"user","password"} →
// 200 {"user","admin","expires"}) or as an HTML form (fields user,
// password, next → 303 to next, or back to LoginPath?error=... on
// failure). On success it sets the session cookie (Secure, HttpOnly,
// SameSite=Strict, __Host- prefix). Errors: 400 malformed, 401 wrong
// credentials, 429 rate limited (Retry-After), 403 cross-origin.
func (h *HTTP) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSONError(w, http.StatusMethodNotAllowed, "log in with POST", "")
			return
		}
		if err := h.cop.Check(r); err != nil { // login CSRF
			WriteError(w, errCrossOrigin)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
		form := !isJSON(r)
		var in struct {
			User     string `json:"user"`
			Password string `json:"password"`
			Next     string `json:"next"`
		}
		if form {
			if err := r.ParseForm(); err != nil {
				writeJSONError(w, http.StatusBadRequest, "could not read the login form", "")
				return
			}
			in.User, in.Password, in.Next = r.PostForm.Get("user"), r.PostForm.Get("password"), r.PostForm.Get("next")
		} else if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSONError(w, http.StatusBadRequest, "the login request is not valid JSON", `send {"user": "...", "password": "..."}`)
			return
		}
		sess, err := h.s.Login(r.Context(), LoginRequest{Name: in.User, Password: in.Password, RemoteAddr: h.ClientAddr(r), UserAgent: r.UserAgent()})
		if err != nil {
			if form && h.opts.LoginPath != "" && !isInternal(err) {
				code := "credentials"
				var rl *RateLimitedError
				if errors.As(err, &rl) {
					code = "rate_limited"
					w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds()+0.999)))
				}
				q := url.Values{"error": {code}}
				if safeNext(in.Next) {
					q.Set("next", in.Next)
				}
				http.Redirect(w, r, h.opts.LoginPath+"?"+q.Encode(), http.StatusSeeOther)
				return
			}
			h.fail(w, r, err)
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: CookieName, Value: sess.Token, Path: "/", Expires: sess.Expires,
			MaxAge: int(time.Until(sess.Expires).Seconds()), Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
		w.Header().Set("Cache-Control", "no-store")
		if form {
			dest := h.opts.AfterLogin
			if safeNext(in.Next) {
				dest = in.Next
			}
			if dest == "" {
				dest = "/"
			}
			http.Redirect(w, r, dest, http.StatusSeeOther)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"user": sess.Principal.Name, "admin": sess.Principal.Admin, "expires": sess.Expires})
	})
}

// LogoutHandler handles POST logouts: it revokes the session of the
// cookie, clears the cookie and answers 204 (JSON clients) or 303 to
// LoginPath (forms). Logging out without a session is not an error.
func (h *HTTP) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSONError(w, http.StatusMethodNotAllowed, "log out with POST", "")
			return
		}
		if err := h.cop.Check(r); err != nil {
			WriteError(w, errCrossOrigin)
			return
		}
		if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
			ctx := WithRemoteAddr(r.Context(), h.ClientAddr(r))
			if err := h.s.Logout(ctx, c.Value); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		if !isJSON(r) && h.opts.LoginPath != "" {
			http.Redirect(w, r, h.opts.LoginPath, http.StatusSeeOther)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// Record writes an audit event for the request's principal and client
// address (filled into ev when empty). Handlers call it for search,
// open, export and edit.
func (h *HTTP) Record(r *http.Request, ev audit.Event) error {
	if ev.User == "" {
		if p, ok := PrincipalFrom(r.Context()); ok {
			ev.User, ev.UserID = p.Name, p.UserID
		}
	}
	if ev.RemoteAddr == "" {
		ev.RemoteAddr = h.ClientAddr(r)
	}
	if h.s.audit == nil {
		return nil
	}
	_, err := h.s.audit.Record(r.Context(), ev)
	return err
}

func isJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// safeNext accepts only local absolute paths (no scheme, no host, no //).
func safeNext(n string) bool {
	return strings.HasPrefix(n, "/") && !strings.HasPrefix(n, "//") && !strings.HasPrefix(n, "/\\") && !strings.ContainsAny(n, "\r\n")
}

func isInternal(err error) bool {
	var rl *RateLimitedError
	return !errors.Is(err, ErrUnauthenticated) && !errors.As(err, &rl)
}

// HTTPStatus maps an error from this package (or one wrapping it) to an
// HTTP status: 401 unauthenticated (bad, expired or revoked credentials),
// 404 not found (including no role on the case), 403 forbidden, 429 rate
// limited, 400 for invalid input (weak password, bad names), 500
// otherwise.
func HTTPStatus(err error) int {
	var rl *RateLimitedError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &rl):
		return http.StatusTooManyRequests
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrNoUser):
		return http.StatusNotFound
	case errors.Is(err, ErrForbidden), errors.Is(err, errCrossOrigin):
		return http.StatusForbidden
	case errors.Is(err, ErrWeakPassword), errors.Is(err, ErrUserExists):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// WriteError writes err as JSON {"error": ..., "hint": ...} with the
// status from HTTPStatus. 401s carry a WWW-Authenticate header (with
// error="invalid_token" for expired or revoked tokens); 429s carry
// Retry-After. A 404 says only "not found", whatever the cause; a 500
// does not reveal internal details.
func WriteError(w http.ResponseWriter, err error) {
	st := HTTPStatus(err)
	msg, hint := strings.TrimPrefix(err.Error(), "team: "), ""
	switch st {
	case http.StatusUnauthorized:
		h := `Bearer realm="casefile"`
		if errors.Is(err, ErrExpired) || errors.Is(err, ErrRevoked) {
			h += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", h)
		hint = "log in, or send Authorization: Bearer <API token> (create one with: casefile user token add NAME)"
		if errors.Is(err, ErrExpired) {
			hint = "the credentials expired: log in again, or create a new API token with: casefile user token add NAME"
		}
	case http.StatusTooManyRequests:
		var rl *RateLimitedError
		if errors.As(err, &rl) {
			w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds()+0.999)))
		}
	case http.StatusNotFound:
		msg = "not found"
	case http.StatusForbidden:
		if errors.Is(err, errCrossOrigin) {
			hint = "the request came from another site; use casefile's own pages"
		}
	case http.StatusInternalServerError:
		msg = "internal error; the server log has details"
	}
	writeJSONError(w, st, msg, hint)
}

func writeJSONError(w http.ResponseWriter, status int, msg, hint string) {
	body := map[string]string{"error": msg}
	if hint != "" {
		body["hint"] = hint
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
