package web

import (
	"net/http"

	"github.com/casefile/casefile/internal/audit"
)

// Access connects a Server to the team server (casefile serve --db): who
// is asking, whether they may show protected names, and the audit log.
// The Hub implements it per case after it has authenticated the request
// and checked the caller's role for the route (read for GET, write for
// everything else). A nil Options.Access is local mode: one
// investigator, no accounts, nothing to audit.
type Access interface {
	// Viewer describes the caller of r.
	Viewer(r *http.Request) Viewer
	// CanUnmask returns nil when the caller may show protected names
	// (owners and editors), else an error for the response (403).
	CanUnmask(r *http.Request) error
	// Record writes an audit event for r (user, client address and case
	// are filled in). A failure fails the request: nothing is shown
	// that the log does not record.
	Record(r *http.Request, ev audit.Event) error
}

// Viewer is the caller of a request.
type Viewer struct {
	// Name is the actor of the caller's edits (tags, notes) and is shown
	// in the header.
	Name string
	// Key identifies the caller's browser session or API token, which
	// the "show protected names" choice is remembered for ("" locally).
	Key string
	// Token reports a request authenticated by an API token: it carries
	// no cookie a foreign page could borrow, so it needs no CSRF token.
	Token bool
}

// localAccess is the single investigator of `casefile serve --case`.
type localAccess struct{ actor string }

func (a localAccess) Viewer(*http.Request) Viewer           { return Viewer{Name: a.actor} }
func (localAccess) CanUnmask(*http.Request) error           { return nil }
func (localAccess) Record(*http.Request, audit.Event) error { return nil }

// record writes an audit event; on failure it answers 500 and returns
// false (the caller must not send the content).
func (s *Server) record(w http.ResponseWriter, r *http.Request, action, target string, details map[string]any) bool {
	if s.opts.Access == nil {
		return true
	}
	if v, err := s.view(r); err == nil && v.unmasked && v.m.Active() {
		if details == nil {
			details = map[string]any{}
		}
		details["protected_names_shown"] = true
	}
	if err := s.access.Record(r, audit.Event{Action: action, Case: s.opts.Name, Target: target, Details: details}); err != nil {
		s.log.Printf("casefile serve: audit log: %s %s: %v", r.Method, r.URL.Path, err)
		s.showError(w, r, http.StatusInternalServerError, "This request could not be recorded in the audit log, so it was not carried out.",
			"The server log has the details; try again, or tell the server's operator.")
		return false
	}
	return true
}
