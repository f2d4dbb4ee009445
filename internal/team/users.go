package team

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/casefile/casefile/internal/audit"
)

// User is an account.
type User struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Admin           bool      `json:"admin"`
	Disabled        bool      `json:"disabled"`
	Created         time.Time `json:"created"`
	PasswordChanged time.Time `json:"password_changed"`
}

// caller returns the principal in ctx or ErrUnauthenticated.
func caller(ctx context.Context) (*Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return nil, fmt.Errorf("team: %w (no principal in context)", ErrUnauthenticated)
	}
	return p, nil
}

// requireAdmin checks that the principal in ctx is an instance admin.
func requireAdmin(ctx context.Context) (*Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Admin {
		return nil, fmt.Errorf("team: %w: only an instance admin can manage accounts", ErrForbidden)
	}
	return p, nil
}

// CreateUser adds an account. The caller (principal in ctx) must be an
// instance admin; the first admin is created by an operator command
// (casefile user add --admin with --db).
func (s *Service) CreateUser(ctx context.Context, name, password string, admin bool) (User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return User{}, err
	}
	n, err := NormalizeName(name)
	if err != nil {
		return User{}, err
	}
	if err := CheckPassword(password); err != nil {
		return User{}, err
	}
	h, err := s.hashPassword(ctx, password)
	if err != nil {
		return User{}, err
	}
	now := s.now().UTC()
	u := User{Name: n, Admin: admin, Created: now, PasswordChanged: now}
	err = s.db.QueryRow(ctx, s.sql(`INSERT INTO {s}.users(name, password_hash, admin, created_at, password_changed_at)
VALUES ($1, $2, $3, $4, $4) RETURNING id`), n, h, admin, now).Scan(&u.ID)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return User{}, fmt.Errorf("team: %w: %s", ErrUserExists, n)
	}
	if err != nil {
		return User{}, fmt.Errorf("team: creating user %s: %w", n, err)
	}
	return u, s.record(ctx, audit.Event{Action: audit.ActionUserAdd, Target: n, Details: map[string]any{"admin": admin}})
}

const userCols = `id, name, admin, disabled, created_at, password_changed_at`

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Name, &u.Admin, &u.Disabled, &u.Created, &u.PasswordChanged)
	u.Created, u.PasswordChanged = u.Created.UTC(), u.PasswordChanged.UTC()
	return u, err
}

// User returns the account called name. Any authenticated caller may look
// up itself; other accounts need an instance admin.
func (s *Service) User(ctx context.Context, name string) (User, error) {
	p, err := caller(ctx)
	if err != nil {
		return User{}, err
	}
	n, err := NormalizeName(name)
	if err != nil {
		return User{}, err
	}
	if !p.Admin && p.Name != n {
		return User{}, fmt.Errorf("team: %w: only an instance admin can look up other accounts", ErrForbidden)
	}
	return s.user(ctx, n)
}

func (s *Service) user(ctx context.Context, n string) (User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, s.sql(`SELECT `+userCols+` FROM {s}.users WHERE name = $1`), n))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("team: %w: %s (list accounts with: casefile user list)", ErrNoUser, n)
	}
	if err != nil {
		return User{}, fmt.Errorf("team: reading user %s: %w", n, err)
	}
	return u, nil
}

// Users lists every account (instance admin only).
func (s *Service) Users(ctx context.Context) ([]User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, s.sql(`SELECT `+userCols+` FROM {s}.users ORDER BY name`))
	if err != nil {
		return nil, fmt.Errorf("team: listing users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("team: listing users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword replaces a password and revokes all of the account's
// browser sessions (API tokens stay valid; revoke them separately). A
// user may change their own password; others need an instance admin.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	if !p.Admin && p.Name != n {
		return fmt.Errorf("team: %w: only an instance admin can change another user's password", ErrForbidden)
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	h, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("team: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var id int64
	err = tx.QueryRow(ctx, s.sql(`UPDATE {s}.users SET password_hash = $2, password_changed_at = $3 WHERE name = $1 RETURNING id`), n, h, now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("team: %w: %s", ErrNoUser, n)
	}
	if err != nil {
		return fmt.Errorf("team: changing password of %s: %w", n, err)
	}
	if _, err := tx.Exec(ctx, s.sql(`UPDATE {s}.sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`), id, now); err != nil {
		return fmt.Errorf("team: revoking sessions of %s: %w", n, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("team: changing password of %s: %w", n, err)
	}
	return s.record(ctx, audit.Event{Action: audit.ActionPasswd, Target: n})
}

// SetAdmin grants or removes the instance admin flag (instance admin only).
func (s *Service) SetAdmin(ctx context.Context, name string, admin bool) error {
	return s.setFlag(ctx, name, "admin", admin)
}

// SetDisabled disables or re-enables an account (instance admin only).
// Disabling revokes its sessions and API tokens; a disabled account
// cannot log in.
func (s *Service) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return s.setFlag(ctx, name, "disabled", disabled)
}

func (s *Service) setFlag(ctx context.Context, name, col string, v bool) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("team: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var id int64
	err = tx.QueryRow(ctx, s.sql(`UPDATE {s}.users SET `+col+` = $2 WHERE name = $1 RETURNING id`), n, v).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("team: %w: %s", ErrNoUser, n)
	}
	if err != nil {
		return fmt.Errorf("team: updating user %s: %w", n, err)
	}
	if col == "disabled" && v {
		if _, err := tx.Exec(ctx, s.sql(`UPDATE {s}.sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`), id, now); err != nil {
			return fmt.Errorf("team: revoking sessions of %s: %w", n, err)
		}
		if _, err := tx.Exec(ctx, s.sql(`UPDATE {s}.api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`), id, now); err != nil {
			return fmt.Errorf("team: revoking API tokens of %s: %w", n, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("team: updating user %s: %w", n, err)
	}
	return s.record(ctx, audit.Event{Action: audit.ActionUserChange, Target: n, Details: map[string]any{col: v}})
}
