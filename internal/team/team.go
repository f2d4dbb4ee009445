// Package team is casefile's multi-user layer for server mode: local
// accounts with argon2id password hashes, an instance admin flag, roles
// per case (owner, editor, reader), browser sessions, API tokens for the
// CLI, a login rate limiter, the authorisation check every handler and
// CLI path calls, and net/http middleware and login/logout handlers.
//
// Everything is stored in PostgreSQL in a dedicated schema (default
// casefile_team) with embedded versioned migrations; the audit log
// (package audit) lives in the same schema. See docs/server.md for how
// the web server mounts the handlers.
//
// Authorisation: Authorize(ctx, principal, case, action) returns nil,
// ErrNotFound (the principal has no role on the case: it must look
// exactly like a case that does not exist, so handlers answer 404),
// ErrForbidden (the principal can see the case but not do this: 403) or
// ErrUnauthenticated (no principal: 401). HTTPStatus maps them.
package team

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/casefile/casefile/internal/audit"
	"github.com/casefile/casefile/internal/pgmigrate"
	"github.com/casefile/casefile/internal/store"
)

// DefaultSchema is the PostgreSQL schema of accounts, roles, sessions,
// tokens and the audit log.
const DefaultSchema = "casefile_team"

// Component is the migration component name of this package's tables.
const Component = "team"

// kindError is a sentinel with its own message that also matches a
// more general error with errors.Is (e.g. ErrNotFound matches
// store.ErrNotFound, so the CLI maps it to exit code 4).
type kindError struct {
	msg  string
	also error
}

func (k *kindError) Error() string        { return k.msg }
func (k *kindError) Is(target error) bool { return target == k.also }

// Errors. Handlers map them to HTTP status codes with HTTPStatus.
var (
	// ErrUnauthenticated: no valid credentials (HTTP 401). Bad, expired
	// and revoked credentials match it too.
	ErrUnauthenticated = errors.New("not logged in")
	// ErrNotFound: the case does not exist for this principal — either it
	// does not exist or the principal has no role on it; the two are
	// indistinguishable on purpose (HTTP 404). It matches store.ErrNotFound.
	ErrNotFound error = &kindError{"not found", store.ErrNotFound}
	// ErrForbidden: the principal may see the case (or is logged in) but
	// may not perform this action (HTTP 403).
	ErrForbidden = errors.New("permission denied")
	// ErrBadCredentials: wrong user name or password (same error for both).
	ErrBadCredentials error = &kindError{"wrong user name or password", ErrUnauthenticated}
	// ErrUserExists: CreateUser with a name already taken.
	ErrUserExists = errors.New("a user with that name already exists")
	// ErrNoUser: an admin operation names a user that does not exist. It
	// matches store.ErrNotFound.
	ErrNoUser error = &kindError{"no such user", store.ErrNotFound}
)

// RateLimitedError is returned by Login while an account+address pair is
// locked out (HTTP 429 with Retry-After).
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed logins for this account from this address; try again in %s", e.RetryAfter.Round(time.Second))
}

// Role is a user's role on one case.
type Role string

// Roles, weakest first.
const (
	RoleReader Role = "reader" // read: search, open, export
	RoleEditor Role = "editor" // read + write: tags, notes, identity edits, ingest
	RoleOwner  Role = "owner"  // read + write + admin: grant roles, read the audit log
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleReader, RoleEditor, RoleOwner:
		return r, nil
	}
	return "", fmt.Errorf("team: unknown role %q (use reader, editor or owner)", s)
}

// Action is what a caller wants to do with a case.
type Action string

// Actions checked by Authorize.
const (
	ActionRead  Action = "read"
	ActionWrite Action = "write"
	ActionAdmin Action = "admin"
)

// Allows reports whether role r permits action a.
func (r Role) Allows(a Action) bool {
	switch a {
	case ActionRead:
		return r == RoleReader || r == RoleEditor || r == RoleOwner
	case ActionWrite:
		return r == RoleEditor || r == RoleOwner
	case ActionAdmin:
		return r == RoleOwner
	}
	return false
}

// Principal is an authenticated caller.
type Principal struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"user"`
	Admin  bool   `json:"admin"`
	// Method is how the caller authenticated: "session", "token" or
	// "operator" (a CLI command run with direct database access).
	Method    string `json:"method"`
	SessionID int64  `json:"-"`
	TokenID   int64  `json:"-"`
}

// Operator returns the principal of a CLI command run with direct
// database access (--db): whoever holds the database credentials already
// controls everything, so it acts as instance admin. osUser is recorded
// in the audit log.
func Operator(osUser string) *Principal {
	if osUser == "" {
		osUser = "unknown"
	}
	return &Principal{Name: "operator:" + osUser, Admin: true, Method: "operator"}
}

type (
	ctxKey        struct{}
	remoteAddrKey struct{}
)

// WithRemoteAddr returns ctx carrying the caller's network address, which
// audit events record. The HTTP middleware sets it.
func WithRemoteAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteAddrKey{}, addr)
}

// RemoteAddrFrom returns the address set by WithRemoteAddr, or "".
func RemoteAddrFrom(ctx context.Context) string {
	a, _ := ctx.Value(remoteAddrKey{}).(string)
	return a
}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// PrincipalFrom returns the principal in ctx, if any.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(*Principal)
	return p, ok && p != nil
}

// Options configure Open. Zero values mean the documented defaults.
type Options struct {
	// Schema is the PostgreSQL schema; "" means DefaultSchema.
	Schema string
	// Hash are the argon2id parameters for new hashes; zero means
	// DefaultHashParams().
	Hash HashParams
	// SessionTTL is how long a browser session lives; 0 means 12 hours.
	SessionTTL time.Duration
	// TokenTTL is the default lifetime of API tokens; 0 means 90 days.
	TokenTTL time.Duration
	// Limiter configures the login rate limiter.
	Limiter LimiterOptions
	// Audit receives login, logout and account-change events; nil records
	// nothing.
	Audit audit.Recorder
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
	// MaxConcurrentHashes bounds simultaneous argon2id computations;
	// 0 means runtime.NumCPU().
	MaxConcurrentHashes int
}

// Service is the accounts and permissions service. It is safe for
// concurrent use; all its state is in PostgreSQL except the login rate
// limiter's counters, which are per process.
type Service struct {
	db      *pgxpool.Pool
	schema  string
	q       string // quoted schema
	hash    HashParams
	ttl     time.Duration
	tokTTL  time.Duration
	limiter *Limiter
	audit   audit.Recorder
	now     func() time.Time
	hashSem chan struct{}
	dummyMu sync.Mutex
	dummy   string // hash verified for unknown users, to equalise timing; made on first use
	logins  atomic.Int64
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the team tables' schema migrations.
func Migrations() ([]pgmigrate.Migration, error) { return pgmigrate.Load(migrationFS, "migrations") }

// Open migrates the team tables in opts.Schema (creating the schema if
// needed) and returns the service. A schema written by a newer casefile
// is refused with an error matching store.ErrSchemaTooNew.
func Open(ctx context.Context, db *pgxpool.Pool, opts Options) (*Service, error) {
	s := &Service{db: db, schema: opts.Schema, hash: opts.Hash, ttl: opts.SessionTTL, tokTTL: opts.TokenTTL, audit: opts.Audit, now: opts.Now}
	if s.schema == "" {
		s.schema = DefaultSchema
	}
	if s.hash == (HashParams{}) {
		s.hash = DefaultHashParams()
	}
	if err := s.hash.valid(); err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	if s.ttl <= 0 {
		s.ttl = 12 * time.Hour
	}
	if s.tokTTL <= 0 {
		s.tokTTL = 90 * 24 * time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	n := opts.MaxConcurrentHashes
	if n <= 0 {
		n = runtime.NumCPU()
	}
	s.hashSem = make(chan struct{}, n)
	s.limiter = NewLimiter(opts.Limiter, s.now)
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	if _, _, err := pgmigrate.Apply(ctx, db, s.schema, Component, ms); err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	s.q = pgmigrate.Quote(s.schema)
	return s, nil
}

// Schema returns the schema the service uses.
func (s *Service) Schema() string { return s.schema }

// Limiter returns the service's login rate limiter.
func (s *Service) Limiter() *Limiter { return s.limiter }

// sql replaces {s} with the quoted schema.
func (s *Service) sql(q string) string { return strings.ReplaceAll(q, "{s}.", s.q+".") }

// dummyHash returns a hash with the current parameters that no password
// matches, verified for unknown users so they take as long as known ones.
func (s *Service) dummyHash() (string, error) {
	s.dummyMu.Lock()
	defer s.dummyMu.Unlock()
	if s.dummy == "" {
		h, err := HashPassword("casefile-dummy-password", s.hash)
		if err != nil {
			return "", err
		}
		s.dummy = h
	}
	return s.dummy, nil
}

// hashPassword and verify run argon2id under the concurrency bound.
func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.hashSem }

func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	return HashPassword(pw, s.hash)
}

func (s *Service) verify(ctx context.Context, pw, encoded string) (ok, rehash bool, err error) {
	if err := s.acquire(ctx); err != nil {
		return false, false, err
	}
	defer s.release()
	return VerifyPassword(pw, encoded, s.hash)
}

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._@+-]{0,63}$`)

// NormalizeName lower-cases and trims a user name and checks it: 1–64
// characters from a-z 0-9 . _ @ + -, starting with a letter or digit
// (an e-mail address works).
func NormalizeName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if !nameRe.MatchString(n) {
		return "", fmt.Errorf("team: %q is not a usable user name (1-64 of a-z 0-9 . _ @ + -, starting with a letter or digit)", name)
	}
	return n, nil
}

// CheckCaseName validates a case name as stored in roles: non-empty, at
// most 200 bytes, no control characters. (Which cases exist is the
// store's business; roles may be granted before a case is created.)
func CheckCaseName(c string) error {
	if c == "" || len(c) > 200 || strings.ContainsFunc(c, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("team: %q is not a usable case name", c)
	}
	return nil
}

// record writes an audit event when an audit recorder is configured.
// Failure to audit fails the operation: an unaccountable action must not
// happen silently.
func (s *Service) record(ctx context.Context, ev audit.Event) error {
	if s.audit == nil {
		return nil
	}
	if ev.User == "" {
		if p, ok := PrincipalFrom(ctx); ok {
			ev.User, ev.UserID = p.Name, p.UserID
		}
	}
	if ev.RemoteAddr == "" {
		ev.RemoteAddr = RemoteAddrFrom(ctx)
	}
	if _, err := s.audit.Record(ctx, ev); err != nil {
		return fmt.Errorf("team: %w", err)
	}
	return nil
}
