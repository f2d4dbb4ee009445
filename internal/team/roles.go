package team

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/casefile/casefile/internal/audit"
)

// Grant is one user's role on one case.
type Grant struct {
	User      string    `json:"user"`
	Case      string    `json:"case"`
	Role      Role      `json:"role"`
	GrantedAt time.Time `json:"granted_at"`
	GrantedBy string    `json:"granted_by"`
}

// Authorize checks that p may perform action on caseName:
//
//   - nil p: ErrUnauthenticated (HTTP 401);
//   - an instance admin may do anything on any case;
//   - no role on the case: ErrNotFound (HTTP 404) — exactly what a
//     missing case looks like, so not even existence leaks;
//   - a role that does not allow the action: ErrForbidden (HTTP 403).
//
// Roles are read from the database on every call, so a revoke takes
// effect on the caller's next request. Errors name the case only as the
// caller gave it.
func (s *Service) Authorize(ctx context.Context, p *Principal, caseName string, action Action) error {
	if p == nil {
		return fmt.Errorf("team: %w", ErrUnauthenticated)
	}
	switch action {
	case ActionRead, ActionWrite, ActionAdmin:
	default:
		return fmt.Errorf("team: unknown action %q", action)
	}
	if p.Admin {
		return nil
	}
	r, err := s.roleOf(ctx, p.UserID, caseName)
	if err != nil {
		return err
	}
	if r == "" {
		return fmt.Errorf("case %q: %w", caseName, ErrNotFound)
	}
	if !r.Allows(action) {
		return fmt.Errorf("case %q: %w: %s cannot %s", caseName, ErrForbidden, withArticle(r), actionVerb(action))
	}
	return nil
}

func withArticle(r Role) string {
	if r == RoleEditor || r == RoleOwner {
		return "an " + string(r)
	}
	return "a " + string(r)
}

func actionVerb(a Action) string {
	switch a {
	case ActionWrite:
		return "change or ingest into this case (ask an owner for the editor role)"
	case ActionAdmin:
		return "manage this case's members or read its audit log (ask an owner)"
	}
	return string(a)
}

// RoleOn returns p's role on caseName ("" when it has none). An instance
// admin without an explicit role gets RoleOwner.
func (s *Service) RoleOn(ctx context.Context, p *Principal, caseName string) (Role, error) {
	if p == nil {
		return "", fmt.Errorf("team: %w", ErrUnauthenticated)
	}
	r, err := s.roleOf(ctx, p.UserID, caseName)
	if err != nil {
		return "", err
	}
	if r == "" && p.Admin {
		r = RoleOwner
	}
	return r, nil
}

func (s *Service) roleOf(ctx context.Context, userID int64, caseName string) (Role, error) {
	if userID == 0 {
		return "", nil
	}
	var r string
	err := s.db.QueryRow(ctx, s.sql(`SELECT role FROM {s}.case_roles WHERE user_id = $1 AND case_name = $2`), userID, caseName).Scan(&r)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("team: reading role on case %q: %w", caseName, err)
	}
	return Role(r), nil
}

// Cases lists the cases p holds a role on, with the role, sorted by case
// name. (An instance admin sees every case the store has; this lists only
// explicit grants.)
func (s *Service) Cases(ctx context.Context, p *Principal) ([]Grant, error) {
	if p == nil {
		return nil, fmt.Errorf("team: %w", ErrUnauthenticated)
	}
	return s.grants(ctx, `r.user_id = $1`, p.UserID)
}

// Members lists the roles on caseName. The caller (principal in ctx)
// needs the admin action on the case.
func (s *Service) Members(ctx context.Context, caseName string) ([]Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Authorize(ctx, p, caseName, ActionAdmin); err != nil {
		return nil, err
	}
	return s.grants(ctx, `r.case_name = $1`, caseName)
}

// UserGrants lists the roles of the named user (instance admin, or the
// user themself).
func (s *Service) UserGrants(ctx context.Context, name string) ([]Grant, error) {
	u, err := s.User(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.grants(ctx, `r.user_id = $1`, u.ID)
}

func (s *Service) grants(ctx context.Context, where string, arg any) ([]Grant, error) {
	rows, err := s.db.Query(ctx, s.sql(`SELECT u.name, r.case_name, r.role, r.granted_at, r.granted_by
FROM {s}.case_roles r JOIN {s}.users u ON u.id = r.user_id WHERE `+where+` ORDER BY r.case_name, u.name`), arg)
	if err != nil {
		return nil, fmt.Errorf("team: listing roles: %w", err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		var g Grant
		var r string
		if err := rows.Scan(&g.User, &g.Case, &r, &g.GrantedAt, &g.GrantedBy); err != nil {
			return nil, fmt.Errorf("team: listing roles: %w", err)
		}
		g.Role, g.GrantedAt = Role(r), g.GrantedAt.UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

// Grant gives user the role on caseName, replacing any role they had.
// The caller (principal in ctx) needs the admin action on the case (an
// owner or an instance admin).
func (s *Service) Grant(ctx context.Context, user, caseName string, role Role) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	if err := CheckCaseName(caseName); err != nil {
		return err
	}
	if err := s.Authorize(ctx, p, caseName, ActionAdmin); err != nil {
		return err
	}
	n, err := NormalizeName(user)
	if err != nil {
		return err
	}
	tag, err := s.db.Exec(ctx, s.sql(`INSERT INTO {s}.case_roles(user_id, case_name, role, granted_at, granted_by)
SELECT id, $2, $3, $4, $5 FROM {s}.users WHERE name = $1
ON CONFLICT (user_id, case_name) DO UPDATE SET role = EXCLUDED.role, granted_at = EXCLUDED.granted_at, granted_by = EXCLUDED.granted_by`),
		n, caseName, string(role), s.now().UTC(), p.Name)
	if err != nil {
		return fmt.Errorf("team: granting %s on case %q to %s: %w", role, caseName, n, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("team: %w: %s (create it with: casefile user add %s)", ErrNoUser, n, n)
	}
	return s.record(ctx, audit.Event{Action: audit.ActionGrant, Case: caseName, Target: n, Details: map[string]any{"role": string(role)}})
}

// Revoke removes user's role on caseName (no error if they had none).
// The caller needs the admin action on the case.
func (s *Service) Revoke(ctx context.Context, user, caseName string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if err := s.Authorize(ctx, p, caseName, ActionAdmin); err != nil {
		return err
	}
	n, err := NormalizeName(user)
	if err != nil {
		return err
	}
	u, err := s.user(ctx, n)
	if err != nil {
		return err
	}
	tag, err := s.db.Exec(ctx, s.sql(`DELETE FROM {s}.case_roles WHERE user_id = $1 AND case_name = $2`), u.ID, caseName)
	if err != nil {
		return fmt.Errorf("team: revoking %s's role on case %q: %w", n, caseName, err)
	}
	return s.record(ctx, audit.Event{Action: audit.ActionRevoke, Case: caseName, Target: n, Details: map[string]any{"removed": tag.RowsAffected()}})
}

// DropCase removes every role on caseName; call it when a case is
// deleted so a later case of the same name starts with no members
// (instance admin only).
func (s *Service) DropCase(ctx context.Context, caseName string) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, s.sql(`DELETE FROM {s}.case_roles WHERE case_name = $1`), caseName); err != nil {
		return fmt.Errorf("team: removing roles of case %q: %w", caseName, err)
	}
	return s.record(ctx, audit.Event{Action: audit.ActionRevoke, Case: caseName, Details: map[string]any{"all": true}})
}
