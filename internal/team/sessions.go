package team

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/casefile/casefile/internal/audit"
)

// Authentication failures. All wrap ErrUnauthenticated (HTTP 401); the
// message says what to do.
var (
	ErrExpired  error = &kindError{"not logged in (expired)", ErrUnauthenticated}
	ErrRevoked  error = &kindError{"not logged in (revoked)", ErrUnauthenticated}
	ErrDisabled error = &kindError{"not logged in: the account is disabled", ErrUnauthenticated}
)

// TokenPrefix starts every API token, so secret scanners and people can
// recognise one.
const TokenPrefix = "cf_"

// Session is a browser session just created by Login. Token is the
// secret for the cookie; only its SHA-256 is stored.
type Session struct {
	ID        int64      `json:"id"`
	Token     string     `json:"-"`
	Expires   time.Time  `json:"expires"`
	Principal *Principal `json:"principal"`
}

// LoginRequest is one login attempt.
type LoginRequest struct {
	Name, Password string
	// RemoteAddr is the client's address (rate limiting, audit).
	RemoteAddr string
	UserAgent  string
}

// newSecret returns 32 random bytes, unpadded base64url (43 characters),
// and the SHA-256 digest that is stored.
func newSecret() (string, []byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("team: reading random bytes: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	return tok, digest(tok), nil
}

func digest(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// Login checks a name and password and creates a session. Failures are
// counted per account+address by the rate limiter: while locked out,
// Login returns *RateLimitedError without checking the password. A wrong
// name and a wrong password give the same error (ErrBadCredentials) and
// take the same time. Both outcomes are recorded in the audit log
// (login, login_failed).
func (s *Service) Login(ctx context.Context, req LoginRequest) (*Session, error) {
	name := strings.ToLower(strings.TrimSpace(req.Name))
	if len(name) > 200 {
		name = name[:200]
	}
	fail := func(reason string, err error) (*Session, error) {
		if aerr := s.record(ctx, audit.Event{Action: audit.ActionLoginFailed, User: name, Target: name, RemoteAddr: req.RemoteAddr, Details: map[string]any{"reason": reason}}); aerr != nil {
			return nil, errors.Join(err, aerr)
		}
		return nil, err
	}
	if wait, ok := s.limiter.Allow(name, req.RemoteAddr); !ok {
		return fail("rate limited", &RateLimitedError{RetryAfter: wait})
	}
	var (
		id               int64
		hash             string
		admin, disabled  bool
		err              error
		found            = true
		canonical, normE = NormalizeName(name)
	)
	if normE == nil {
		err = s.db.QueryRow(ctx, s.sql(`SELECT id, password_hash, admin, disabled FROM {s}.users WHERE name = $1`), canonical).Scan(&id, &hash, &admin, &disabled)
		if errors.Is(err, pgx.ErrNoRows) {
			found = false
		} else if err != nil {
			return nil, fmt.Errorf("team: login: %w", err)
		}
	} else {
		found = false
	}
	if !found {
		if hash, err = s.dummyHash(); err != nil {
			return nil, err
		}
	}
	if len(req.Password) > MaxPasswordLen {
		req.Password = req.Password[:MaxPasswordLen] // bounded work; cannot match a real password anyway
		found = false
	}
	ok, rehash, err := s.verify(ctx, req.Password, hash)
	if err != nil {
		return nil, fmt.Errorf("team: login of %s: stored hash unreadable: %w", name, err)
	}
	if !found || !ok || disabled {
		s.limiter.Failure(name, req.RemoteAddr)
		reason := "bad credentials"
		if found && ok && disabled {
			reason = "account disabled"
		}
		return fail(reason, fmt.Errorf("team: %w", ErrBadCredentials))
	}
	s.limiter.Success(name, req.RemoteAddr)
	if rehash {
		if h, err := s.hashPassword(ctx, req.Password); err == nil {
			_, _ = s.db.Exec(ctx, s.sql(`UPDATE {s}.users SET password_hash = $2 WHERE id = $1 AND password_hash = $3`), id, h, hash)
		}
	}
	tok, dig, err := newSecret()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sess := &Session{Token: tok, Expires: now.Add(s.ttl), Principal: &Principal{UserID: id, Name: canonical, Admin: admin, Method: "session"}}
	ua := req.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	err = s.db.QueryRow(ctx, s.sql(`INSERT INTO {s}.sessions(user_id, token_hash, created_at, expires_at, last_seen_at, remote_addr, user_agent)
VALUES ($1, $2, $3, $4, $3, $5, $6) RETURNING id`), id, dig, now, sess.Expires, req.RemoteAddr, ua).Scan(&sess.ID)
	if err != nil {
		return nil, fmt.Errorf("team: creating session for %s: %w", canonical, err)
	}
	sess.Principal.SessionID = sess.ID
	if n := s.logins.Add(1); n%100 == 0 {
		_, _ = s.Prune(ctx)
	}
	if err := s.record(ctx, audit.Event{Action: audit.ActionLogin, User: canonical, UserID: id, RemoteAddr: req.RemoteAddr, Details: map[string]any{"session": sess.ID}}); err != nil {
		return nil, err
	}
	return sess, nil
}

// AuthenticateSession returns the principal of a session token (the
// cookie value). Expired, revoked and unknown sessions and disabled
// accounts give errors wrapping ErrUnauthenticated.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (*Principal, error) {
	var (
		p                 = &Principal{Method: "session"}
		expires, lastSeen time.Time
		revoked           *time.Time
		disabled          bool
	)
	err := s.db.QueryRow(ctx, s.sql(`SELECT s.id, s.expires_at, s.last_seen_at, s.revoked_at, u.id, u.name, u.admin, u.disabled
FROM {s}.sessions s JOIN {s}.users u ON u.id = s.user_id WHERE s.token_hash = $1`), digest(token)).
		Scan(&p.SessionID, &expires, &lastSeen, &revoked, &p.UserID, &p.Name, &p.Admin, &disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("team: %w: session not recognised; log in again", ErrUnauthenticated)
	}
	if err != nil {
		return nil, fmt.Errorf("team: checking session: %w", err)
	}
	now := s.now()
	switch {
	case revoked != nil:
		return nil, fmt.Errorf("team: %w: this session was ended (logout, password change or account disabled); log in again", ErrRevoked)
	case !now.Before(expires):
		return nil, fmt.Errorf("team: %w: session expired at %s; log in again", ErrExpired, expires.UTC().Format(time.RFC3339))
	case disabled:
		return nil, fmt.Errorf("team: %w; ask an instance admin", ErrDisabled)
	}
	if now.Sub(lastSeen) > time.Minute {
		_, _ = s.db.Exec(ctx, s.sql(`UPDATE {s}.sessions SET last_seen_at = $2 WHERE id = $1`), p.SessionID, now.UTC())
	}
	return p, nil
}

// Logout revokes the session with this token and records a logout
// event. An unknown or already revoked token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	var (
		uid  int64
		name string
	)
	err := s.db.QueryRow(ctx, s.sql(`UPDATE {s}.sessions s SET revoked_at = $2 FROM {s}.users u
WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND u.id = s.user_id RETURNING u.id, u.name`), digest(token), s.now().UTC()).Scan(&uid, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("team: logging out: %w", err)
	}
	return s.record(ctx, audit.Event{Action: audit.ActionLogout, User: name, UserID: uid})
}

// Prune deletes sessions that expired or were revoked more than 30 days
// ago and returns how many. Login calls it every 100 logins.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	cut := s.now().UTC().Add(-30 * 24 * time.Hour)
	tag, err := s.db.Exec(ctx, s.sql(`DELETE FROM {s}.sessions WHERE expires_at < $1 OR revoked_at < $1`), cut)
	if err != nil {
		return 0, fmt.Errorf("team: pruning sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Token describes an API token (never its secret).
type Token struct {
	ID       int64      `json:"id"`
	User     string     `json:"user"`
	Label    string     `json:"label"`
	Prefix   string     `json:"prefix"` // the first characters, to recognise it
	Created  time.Time  `json:"created"`
	Expires  time.Time  `json:"expires"`
	LastUsed *time.Time `json:"last_used,omitempty"`
	Revoked  *time.Time `json:"revoked,omitempty"`
}

// CreateToken makes an API token for user, valid for ttl (0 means the
// service's TokenTTL, 90 days by default), and returns its secret — the
// only time it is available; only its SHA-256 is stored. Users may make
// tokens for themselves; an instance admin for anyone.
func (s *Service) CreateToken(ctx context.Context, user, label string, ttl time.Duration) (string, Token, error) {
	u, err := s.User(ctx, user) // enforces self-or-admin
	if err != nil {
		return "", Token{}, err
	}
	if u.Disabled {
		return "", Token{}, fmt.Errorf("team: %s is disabled; enable the account first", u.Name)
	}
	if ttl <= 0 {
		ttl = s.tokTTL
	}
	raw, _, err := newSecret()
	if err != nil {
		return "", Token{}, err
	}
	secret := TokenPrefix + raw
	now := s.now().UTC()
	t := Token{User: u.Name, Label: label, Prefix: secret[:len(TokenPrefix)+6], Created: now, Expires: now.Add(ttl)}
	err = s.db.QueryRow(ctx, s.sql(`INSERT INTO {s}.api_tokens(user_id, label, prefix, token_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`), u.ID, label, t.Prefix, digest(secret), now, t.Expires).Scan(&t.ID)
	if err != nil {
		return "", Token{}, fmt.Errorf("team: creating API token for %s: %w", u.Name, err)
	}
	if err := s.record(ctx, audit.Event{Action: audit.ActionTokenCreate, Target: u.Name, Details: map[string]any{"token": t.ID, "label": label, "expires": t.Expires}}); err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// Tokens lists user's API tokens, newest first (self or instance admin).
func (s *Service) Tokens(ctx context.Context, user string) ([]Token, error) {
	u, err := s.User(ctx, user)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, s.sql(`SELECT id, label, prefix, created_at, expires_at, last_used_at, revoked_at
FROM {s}.api_tokens WHERE user_id = $1 ORDER BY id DESC`), u.ID)
	if err != nil {
		return nil, fmt.Errorf("team: listing tokens of %s: %w", u.Name, err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t := Token{User: u.Name}
		if err := rows.Scan(&t.ID, &t.Label, &t.Prefix, &t.Created, &t.Expires, &t.LastUsed, &t.Revoked); err != nil {
			return nil, fmt.Errorf("team: listing tokens of %s: %w", u.Name, err)
		}
		t.Created, t.Expires = t.Created.UTC(), t.Expires.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes the API token with this id (its owner or an
// instance admin).
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	var (
		owner   int64
		name    string
		revoked *time.Time
	)
	err = s.db.QueryRow(ctx, s.sql(`SELECT t.user_id, u.name, t.revoked_at FROM {s}.api_tokens t JOIN {s}.users u ON u.id = t.user_id WHERE t.id = $1`), id).Scan(&owner, &name, &revoked)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !p.Admin && owner != p.UserID) {
		return fmt.Errorf("team: API token %d: %w (list tokens with: casefile user token list NAME)", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("team: reading API token %d: %w", id, err)
	}
	if revoked != nil {
		return nil
	}
	if _, err := s.db.Exec(ctx, s.sql(`UPDATE {s}.api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`), id, s.now().UTC()); err != nil {
		return fmt.Errorf("team: revoking API token %d: %w", id, err)
	}
	return s.record(ctx, audit.Event{Action: audit.ActionTokenRevoke, Target: name, Details: map[string]any{"token": id}})
}

// AuthenticateToken returns the principal of an API token (the value
// after "Bearer "). Expired, revoked and unknown tokens and disabled
// accounts give errors wrapping ErrUnauthenticated, with a hint.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, fmt.Errorf("team: %w: not a casefile API token (they start with %q; create one with: casefile user token add NAME)", ErrUnauthenticated, TokenPrefix)
	}
	var (
		p        = &Principal{Method: "token"}
		expires  time.Time
		lastUsed *time.Time
		revoked  *time.Time
		disabled bool
	)
	err := s.db.QueryRow(ctx, s.sql(`SELECT t.id, t.expires_at, t.last_used_at, t.revoked_at, u.id, u.name, u.admin, u.disabled
FROM {s}.api_tokens t JOIN {s}.users u ON u.id = t.user_id WHERE t.token_hash = $1`), digest(secret)).
		Scan(&p.TokenID, &expires, &lastUsed, &revoked, &p.UserID, &p.Name, &p.Admin, &disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("team: %w: API token not recognised; check it was copied whole, or create one with: casefile user token add NAME", ErrUnauthenticated)
	}
	if err != nil {
		return nil, fmt.Errorf("team: checking API token: %w", err)
	}
	now := s.now()
	switch {
	case revoked != nil:
		return nil, fmt.Errorf("team: %w: API token %d was revoked; create a new one with: casefile user token add %s", ErrRevoked, p.TokenID, p.Name)
	case !now.Before(expires):
		return nil, fmt.Errorf("team: %w: API token %d expired at %s; create a new one with: casefile user token add %s", ErrExpired, p.TokenID, expires.UTC().Format(time.RFC3339), p.Name)
	case disabled:
		return nil, fmt.Errorf("team: %w; ask an instance admin", ErrDisabled)
	}
	if lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		_, _ = s.db.Exec(ctx, s.sql(`UPDATE {s}.api_tokens SET last_used_at = $2 WHERE id = $1`), p.TokenID, now.UTC())
	}
	return p, nil
}
