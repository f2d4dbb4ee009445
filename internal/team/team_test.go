package team

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/casefile/casefile/internal/audit"
	"github.com/casefile/casefile/internal/pgtest"
	"github.com/casefile/casefile/internal/store"
)

type fixture struct {
	svc   *Service
	log   *audit.Log
	db    *pgxpool.Pool
	clk   *fakeClock
	admin context.Context // ctx carrying an instance-admin principal
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, pgtest.Pool(t))
}

func pgtestPoolB(b *testing.B) *pgxpool.Pool { return pgtest.Pool(b) }

func newFixtureWith(t testing.TB, db *pgxpool.Pool) *fixture {
	t.Helper()
	schema := pgtest.Schema(t, db, "team")
	ctx := context.Background()
	log, err := audit.Open(ctx, db, audit.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	svc, err := Open(ctx, db, Options{Schema: schema, Hash: cheap, Audit: log, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, log: log, db: db, clk: clk, admin: WithPrincipal(ctx, Operator("tester"))}
}

const pw = "a long enough passphrase"

func (f *fixture) user(t *testing.T, name string, admin bool) *Principal {
	t.Helper()
	u, err := f.svc.CreateUser(f.admin, name, pw, admin)
	if err != nil {
		t.Fatal(err)
	}
	return &Principal{UserID: u.ID, Name: u.Name, Admin: admin, Method: "session"}
}

func (f *fixture) userB(b *testing.B, name string) *Principal {
	b.Helper()
	u, err := f.svc.CreateUser(f.admin, name, pw, false)
	if err != nil {
		b.Fatal(err)
	}
	return &Principal{UserID: u.ID, Name: u.Name, Method: "session"}
}

func (f *fixture) grant(t *testing.T, user, c string, r Role) {
	t.Helper()
	if err := f.svc.Grant(f.admin, user, c, r); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) events(t *testing.T, flt audit.Filter) []audit.Event {
	t.Helper()
	evs, err := f.log.List(context.Background(), flt)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestOpenIdempotentAndRefusesNewerSchema(t *testing.T) {
	db := pgtest.Pool(t)
	schema := pgtest.Schema(t, db, "team")
	ctx := context.Background()
	for i := range 2 {
		if _, err := Open(ctx, db, Options{Schema: schema, Hash: cheap}); err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
	}
	if _, err := db.Exec(ctx, `INSERT INTO "`+schema+`".schema_migrations(component, version, name) VALUES ('team', 99, 'future')`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, db, Options{Schema: schema, Hash: cheap})
	if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "upgrade casefile") {
		t.Fatalf("Open on newer schema = %v; want ErrSchemaTooNew with a hint", err)
	}
	if _, err := Open(ctx, db, Options{Schema: "Bad-Name", Hash: cheap}); err == nil {
		t.Fatal("Open accepted an unusable schema name")
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", false)
	f.user(t, "dora", false)
	if err := f.svc.SetDisabled(f.admin, "dora", true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"right password", "alice", pw, true},
		{"name is case-insensitive", " Alice ", pw, true},
		{"wrong password", "alice", pw + "x", false},
		{"empty password", "alice", "", false},
		{"unknown user", "mallory", pw, false},
		{"invalid name", "-- drop", pw, false},
		{"disabled account", "dora", pw, false},
		{"huge password", "alice", strings.Repeat("p", 5000), false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ip := "192.0.2." + string(rune('1'+i)) // separate limiter buckets
			sess, err := f.svc.Login(context.Background(), LoginRequest{Name: tc.user, Password: tc.pass, RemoteAddr: ip})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				p, err := f.svc.AuthenticateSession(context.Background(), sess.Token)
				if err != nil || p.Name != "alice" || p.Method != "session" || p.SessionID != sess.ID {
					t.Fatalf("AuthenticateSession = %+v, %v", p, err)
				}
				return
			}
			if !errors.Is(err, ErrBadCredentials) || HTTPStatus(err) != 401 {
				t.Fatalf("Login = %v; want ErrBadCredentials (401)", err)
			}
			if strings.Contains(err.Error(), "disabled") || strings.Contains(err.Error(), "unknown") {
				t.Fatalf("error %q reveals why the login failed", err)
			}
		})
	}
	// Audit: 2 logins, 6 failures.
	if n := len(f.events(t, audit.Filter{Actions: []string{audit.ActionLogin}})); n != 2 {
		t.Errorf("login events = %d, want 2", n)
	}
	failed := f.events(t, audit.Filter{Actions: []string{audit.ActionLoginFailed}})
	if len(failed) != 6 {
		t.Fatalf("login_failed events = %d, want 6", len(failed))
	}
	for _, ev := range failed {
		if ev.RemoteAddr == "" || ev.Details["reason"] == nil {
			t.Errorf("login_failed event lacks address or reason: %+v", ev)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", false)
	ctx := context.Background()
	req := LoginRequest{Name: "alice", Password: "wrong password!", RemoteAddr: "203.0.113.5"}
	for i := range 5 {
		if _, err := f.svc.Login(ctx, req); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	// Now even the right password is refused without being checked.
	req.Password = pw
	_, err := f.svc.Login(ctx, req)
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Minute || HTTPStatus(err) != 429 {
		t.Fatalf("6th attempt = %v; want RateLimitedError for 1m (429)", err)
	}
	// Another address is not affected.
	if _, err := f.svc.Login(ctx, LoginRequest{Name: "alice", Password: pw, RemoteAddr: "203.0.113.6"}); err != nil {
		t.Fatalf("login from another address: %v", err)
	}
	f.clk.Add(time.Minute)
	if _, err := f.svc.Login(ctx, req); err != nil {
		t.Fatalf("login after the lockout: %v", err)
	}
	evs := f.events(t, audit.Filter{Actions: []string{audit.ActionLoginFailed}, Oldest: true})
	if len(evs) != 6 || evs[5].Details["reason"] != "rate limited" {
		t.Fatalf("login_failed events: %+v", evs)
	}
}

func TestSessionExpiryAndRevocation(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", false)
	ctx := context.Background()
	login := func() string {
		t.Helper()
		s, err := f.svc.Login(ctx, LoginRequest{Name: "alice", Password: pw, RemoteAddr: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if s.Expires != f.clk.Now().Add(12*time.Hour) {
			t.Fatalf("session expires %v, want now+12h", s.Expires)
		}
		return s.Token
	}
	tests := []struct {
		name    string
		act     func(tok string)
		wantErr error // nil: still valid
	}{
		{"fresh", func(string) {}, nil},
		{"just before expiry", func(string) { f.clk.Add(12*time.Hour - time.Second) }, nil},
		{"at expiry", func(string) { f.clk.Add(12 * time.Hour) }, ErrExpired},
		{"logout", func(tok string) {
			if err := f.svc.Logout(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}, ErrRevoked},
		{"password change", func(string) {
			if err := f.svc.SetPassword(f.admin, "alice", "another long passphrase"); err != nil {
				t.Fatal(err)
			}
		}, ErrRevoked},
		{"account disabled", func(string) {
			if err := f.svc.SetDisabled(f.admin, "alice", true); err != nil {
				t.Fatal(err)
			}
		}, ErrRevoked},
		{"unknown token", func(string) {}, ErrUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_ = f.svc.SetDisabled(f.admin, "alice", false)
			_ = f.svc.SetPassword(f.admin, "alice", pw)
			tok := login()
			tc.act(tok)
			if tc.name == "unknown token" {
				tok = tok[:len(tok)-2] + "xx"
			}
			p, err := f.svc.AuthenticateSession(ctx, tok)
			if tc.wantErr == nil {
				if err != nil || p.Name != "alice" {
					t.Fatalf("AuthenticateSession = %v, %v", p, err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "log in again") {
				t.Fatalf("AuthenticateSession = %v; want %v with a hint", err, tc.wantErr)
			}
		})
	}
	// Session tokens are stored only as digests.
	var n int
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM "`+f.svc.Schema()+`".sessions WHERE length(token_hash) = 32`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("sessions with 32-byte digests: %d, %v", n, err)
	}
}

func TestAPITokens(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", false)
	f.user(t, "bob", false)
	ctx := context.Background()
	asAlice := WithPrincipal(ctx, alice)

	secret, tok, err := f.svc.CreateToken(asAlice, "alice", "laptop CLI", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) != len(TokenPrefix)+43 || !strings.HasPrefix(secret, tok.Prefix) {
		t.Fatalf("token secret %q / prefix %q malformed", secret, tok.Prefix)
	}
	if tok.Expires != f.clk.Now().Add(90*24*time.Hour) {
		t.Fatalf("token expires %v, want +90d", tok.Expires)
	}
	// Stored hashed: the secret appears nowhere in the table.
	var leaks int
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM "`+f.svc.Schema()+`".api_tokens t WHERE t::text LIKE '%' || $1 || '%'`, secret[len(TokenPrefix)+6:]).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("secret found in api_tokens: %d %v", leaks, err)
	}
	if _, _, err := f.svc.CreateToken(asAlice, "bob", "", 0); !errors.Is(err, ErrForbidden) {
		t.Fatalf("alice making a token for bob: %v, want ErrForbidden", err)
	}
	short, _, err := f.svc.CreateToken(f.admin, "alice", "short", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	revoked, rtok, err := f.svc.CreateToken(asAlice, "alice", "old", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeToken(WithPrincipal(ctx, &Principal{UserID: 999, Name: "bob"}), rtok.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bob revoking alice's token: %v, want ErrNotFound", err)
	}
	if err := f.svc.RevokeToken(asAlice, rtok.ID); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(2 * time.Hour)

	tests := []struct {
		name, secret string
		wantErr      error
	}{
		{"valid", secret, nil},
		{"expired", short, ErrExpired},
		{"revoked", revoked, ErrRevoked},
		{"unknown", secret[:len(secret)-3] + "abc", ErrUnauthenticated},
		{"no prefix", secret[len(TokenPrefix):], ErrUnauthenticated},
		{"session-like garbage", "", ErrUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.svc.AuthenticateToken(ctx, tc.secret)
			if tc.wantErr == nil {
				if err != nil || p.Name != "alice" || p.Method != "token" || p.TokenID != tok.ID {
					t.Fatalf("AuthenticateToken = %+v, %v", p, err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || HTTPStatus(err) != 401 || !strings.Contains(err.Error(), "casefile user token add") {
				t.Fatalf("AuthenticateToken = %v; want %v (401) with a hint", err, tc.wantErr)
			}
		})
	}
	list, err := f.svc.Tokens(asAlice, "alice")
	if err != nil || len(list) != 3 || list[0].Revoked == nil || list[2].LastUsed == nil {
		t.Fatalf("Tokens = %+v, %v", list, err)
	}
	// Disabling the account revokes its tokens.
	if err := f.svc.SetDisabled(f.admin, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateToken(ctx, secret); !errors.Is(err, ErrRevoked) {
		t.Fatalf("token of disabled account: %v", err)
	}
	if n := len(f.events(t, audit.Filter{Actions: []string{audit.ActionTokenCreate}})); n != 3 {
		t.Errorf("token_create events = %d, want 3", n)
	}
}

func TestAuthorize(t *testing.T) {
	f := newFixture(t)
	reader := f.user(t, "rita", false)
	editor := f.user(t, "ed", false)
	owner := f.user(t, "olga", false)
	admin := f.user(t, "root", true)
	nobody := f.user(t, "nina", false)
	f.grant(t, "rita", "harbor", RoleReader)
	f.grant(t, "ed", "harbor", RoleEditor)
	f.grant(t, "olga", "harbor", RoleOwner)
	f.grant(t, "ed", "lighthouse", RoleReader)

	tests := []struct {
		p      *Principal
		c      string
		a      Action
		want   error
		status int
	}{
		{reader, "harbor", ActionRead, nil, 200},
		{reader, "harbor", ActionWrite, ErrForbidden, 403},
		{reader, "harbor", ActionAdmin, ErrForbidden, 403},
		{reader, "lighthouse", ActionRead, ErrNotFound, 404}, // exists, no role
		{reader, "no-such-case", ActionRead, ErrNotFound, 404},
		{editor, "harbor", ActionRead, nil, 200},
		{editor, "harbor", ActionWrite, nil, 200},
		{editor, "harbor", ActionAdmin, ErrForbidden, 403},
		{editor, "lighthouse", ActionWrite, ErrForbidden, 403},
		{owner, "harbor", ActionAdmin, nil, 200},
		{owner, "lighthouse", ActionRead, ErrNotFound, 404},
		{admin, "lighthouse", ActionAdmin, nil, 200},
		{admin, "no-such-case", ActionRead, nil, 200},
		{nobody, "harbor", ActionRead, ErrNotFound, 404},
		{nil, "harbor", ActionRead, ErrUnauthenticated, 401},
	}
	ctx := context.Background()
	for _, tc := range tests {
		name := "nil"
		if tc.p != nil {
			name = tc.p.Name
		}
		t.Run(name+"/"+tc.c+"/"+string(tc.a), func(t *testing.T) {
			err := f.svc.Authorize(ctx, tc.p, tc.c, tc.a)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) || HTTPStatus(err) != tc.status {
				t.Fatalf("Authorize = %v (status %d); want %v (%d)", err, HTTPStatus(err), tc.want, tc.status)
			}
			if tc.want == ErrNotFound && !errors.Is(err, store.ErrNotFound) {
				t.Fatal("ErrNotFound does not match store.ErrNotFound")
			}
		})
	}
	// Not even existence leaks: an existing case without a role and a
	// missing case give the same message apart from the name given.
	e1 := f.svc.Authorize(ctx, reader, "lighthouse", ActionRead)
	e2 := f.svc.Authorize(ctx, reader, "no-such-case", ActionRead)
	if strings.ReplaceAll(e1.Error(), "lighthouse", "X") != strings.ReplaceAll(e2.Error(), "no-such-case", "X") {
		t.Fatalf("messages differ: %q vs %q", e1, e2)
	}
	// Revocation takes effect immediately.
	if err := f.svc.Revoke(f.admin, "rita", "harbor"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Authorize(ctx, reader, "harbor", ActionRead); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after revoke: %v", err)
	}
	// Regrant replaces the role.
	f.grant(t, "ed", "harbor", RoleReader)
	if err := f.svc.Authorize(ctx, editor, "harbor", ActionWrite); !errors.Is(err, ErrForbidden) {
		t.Fatalf("after downgrade: %v", err)
	}
	if r, _ := f.svc.RoleOn(ctx, admin, "harbor"); r != RoleOwner {
		t.Fatalf("admin RoleOn = %q", r)
	}
	cases, err := f.svc.Cases(ctx, editor)
	if err != nil || len(cases) != 2 || cases[0].Case != "harbor" || cases[1].Case != "lighthouse" {
		t.Fatalf("Cases(ed) = %+v, %v", cases, err)
	}
}

func TestAdminOperationsNeedPermission(t *testing.T) {
	f := newFixture(t)
	owner := f.user(t, "olga", false)
	reader := f.user(t, "rita", false)
	f.grant(t, "olga", "harbor", RoleOwner)
	f.grant(t, "rita", "harbor", RoleReader)
	ctx := context.Background()
	asOwner, asReader := WithPrincipal(ctx, owner), WithPrincipal(ctx, reader)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"owner grants on own case", f.svc.Grant(asOwner, "rita", "harbor", RoleEditor), nil},
		{"owner grants on other case", f.svc.Grant(asOwner, "rita", "lighthouse", RoleReader), ErrNotFound},
		{"editor grants", f.svc.Grant(asReader, "olga", "harbor", RoleReader), ErrForbidden},
		{"no principal", f.svc.Grant(ctx, "rita", "harbor", RoleReader), ErrUnauthenticated},
		{"grant to unknown user", f.svc.Grant(asOwner, "ghost", "harbor", RoleReader), ErrNoUser},
		{"bad role", f.svc.Grant(asOwner, "rita", "harbor", Role("god")), nil},
		{"non-admin creates user", func() error { _, err := f.svc.CreateUser(asOwner, "eve", pw, false); return err }(), ErrForbidden},
		{"duplicate user", func() error { _, err := f.svc.CreateUser(f.admin, "OLGA", pw, false); return err }(), ErrUserExists},
		{"weak password", func() error { _, err := f.svc.CreateUser(f.admin, "weak", "short", false); return err }(), ErrWeakPassword},
		{"user changes own password", f.svc.SetPassword(asReader, "rita", "a fresh long passphrase"), nil},
		{"user changes another's password", f.svc.SetPassword(asReader, "olga", "a fresh long passphrase"), ErrForbidden},
		{"owner lists members", func() error { _, err := f.svc.Members(asOwner, "harbor"); return err }(), nil},
		{"reader lists members", func() error { _, err := f.svc.Members(asReader, "harbor"); return err }(), ErrForbidden},
		{"non-admin lists users", func() error { _, err := f.svc.Users(asOwner); return err }(), ErrForbidden},
		{"non-admin drops case roles", f.svc.DropCase(asOwner, "harbor"), ErrForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "bad role" {
				if tc.err == nil {
					t.Fatal("Grant accepted role \"god\"")
				}
				return
			}
			if tc.want == nil && tc.err != nil || tc.want != nil && !errors.Is(tc.err, tc.want) {
				t.Fatalf("got %v, want %v", tc.err, tc.want)
			}
		})
	}
	m, err := f.svc.Members(asOwner, "harbor")
	if err != nil || len(m) != 2 || m[1].User != "rita" || m[1].Role != RoleEditor || m[1].GrantedBy != "olga" {
		t.Fatalf("Members = %+v, %v", m, err)
	}
	grants := f.events(t, audit.Filter{Case: "harbor", Actions: []string{audit.ActionGrant}})
	if len(grants) != 3 || grants[0].User != "olga" || grants[0].Target != "rita" || grants[0].Details["role"] != "editor" {
		t.Fatalf("grant audit events = %+v", grants)
	}
}
