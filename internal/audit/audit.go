// Package audit is casefile's append-only audit log in PostgreSQL: who
// searched what, opened which message, exported what, changed which
// person, alias or tag, logged in or failed to, when and from where.
//
// Events live in the table audit_events of the team schema (default
// casefile_team, shared with package team). The table cannot be changed
// after the fact: a trigger raises on UPDATE, DELETE and TRUNCATE for
// every role including the owner, and those privileges are revoked from
// PUBLIC. The event time is the database's clock_timestamp(), never the
// caller's. A superuser can still disable triggers; run the server as a
// role that does not own the schema for stronger guarantees (see
// docs/server.md).
package audit

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/casefile/casefile/internal/pgmigrate"
)

// DefaultSchema is the PostgreSQL schema holding the audit table.
const DefaultSchema = "casefile_team"

// Component is the migration component name of the audit log.
const Component = "audit"

// Actions recorded by casefile. Record accepts any non-empty action;
// these are the ones casefile itself writes.
const (
	ActionSearch      = "search"       // target: "", details: query, hits
	ActionOpen        = "open"         // target: message or thread id
	ActionExport      = "export"       // details: format, query, count
	ActionEdit        = "edit"         // target: person/alias/tag/message; details: what changed
	ActionLogin       = "login"        // user logged in (session created)
	ActionLoginFailed = "login_failed" // details: reason (bad credentials, rate limited)
	ActionLogout      = "logout"
	ActionUserAdd     = "user_add" // target: user name
	ActionUserChange  = "user_change"
	ActionPasswd      = "passwd"
	ActionGrant       = "grant"  // target: user; details: role
	ActionRevoke      = "revoke" // target: user
	ActionTokenCreate = "token_create"
	ActionTokenRevoke = "token_revoke"
	ActionAuditView   = "audit_view"
	ActionIngest      = "ingest"
	ActionCaseDrop    = "case_drop" // case: the case deleted; details: originals_deleted
)

// Event is one audit entry.
type Event struct {
	ID   int64     `json:"id"`
	Time time.Time `json:"time"` // set by the database on Record
	// UserID is the account's id in package team (0 when there is none,
	// e.g. a failed login for an unknown name or an operator command).
	UserID     int64          `json:"user_id,omitempty"`
	User       string         `json:"user"`
	Action     string         `json:"action"`
	Case       string         `json:"case,omitempty"`
	Target     string         `json:"target,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
	RemoteAddr string         `json:"remote_addr,omitempty"`
}

// Filter selects events for List. Zero fields do not filter.
type Filter struct {
	Case    string
	User    string
	Actions []string
	Target  string
	Since   time.Time // at >= Since
	Until   time.Time // at < Until
	// BeforeID pages backwards: only events with id < BeforeID.
	BeforeID int64
	// Limit caps the number of events (newest first); 0 means 1000.
	Limit int
	// Oldest returns the oldest events first instead of the newest.
	Oldest bool
}

// Recorder is what code that writes audit entries needs; *Log
// implements it. Tests can substitute a fake.
type Recorder interface {
	Record(ctx context.Context, ev Event) (Event, error)
}

// Options configure Open.
type Options struct {
	// Schema is the PostgreSQL schema; "" means DefaultSchema. Tests use
	// a unique one.
	Schema string
}

// Log is the audit log. It is safe for concurrent use.
type Log struct {
	db     *pgxpool.Pool
	schema string
	table  string
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the audit log's schema migrations.
func Migrations() ([]pgmigrate.Migration, error) { return pgmigrate.Load(migrationFS, "migrations") }

// Open migrates the audit table in opts.Schema (creating it if needed)
// and returns the log. A schema written by a newer casefile is refused
// with an error matching store.ErrSchemaTooNew.
func Open(ctx context.Context, db *pgxpool.Pool, opts Options) (*Log, error) {
	schema := opts.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	if _, _, err := pgmigrate.Apply(ctx, db, schema, Component, ms); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Log{db: db, schema: schema, table: pgmigrate.Quote(schema) + ".audit_events"}, nil
}

// Schema returns the schema the log lives in.
func (l *Log) Schema() string { return l.schema }

// Record appends ev (ID and Time are assigned by the database) and
// returns the stored event.
func (l *Log) Record(ctx context.Context, ev Event) (Event, error) {
	if strings.TrimSpace(ev.Action) == "" {
		return ev, errors.New("audit: an event needs an action")
	}
	details := ev.Details
	if details == nil {
		details = map[string]any{}
	}
	js, err := json.Marshal(details)
	if err != nil {
		return ev, fmt.Errorf("audit: encoding details of %s event: %w", ev.Action, err)
	}
	var uid *int64
	if ev.UserID != 0 {
		uid = &ev.UserID
	}
	err = l.db.QueryRow(ctx, `INSERT INTO `+l.table+`(user_id, user_name, action, case_name, target, details, remote_addr)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, at`,
		uid, ev.User, ev.Action, ev.Case, ev.Target, js, ev.RemoteAddr).Scan(&ev.ID, &ev.Time)
	if err != nil {
		return ev, fmt.Errorf("audit: recording %s event for case %q: %w", ev.Action, ev.Case, err)
	}
	return ev, nil
}

// List returns the events matching f, newest first (or oldest first
// with f.Oldest).
func (l *Log) List(ctx context.Context, f Filter) ([]Event, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Case != "" {
		where = append(where, "case_name = "+arg(f.Case))
	}
	if f.User != "" {
		where = append(where, "user_name = "+arg(f.User))
	}
	if len(f.Actions) > 0 {
		where = append(where, "action = ANY("+arg(f.Actions)+")")
	}
	if f.Target != "" {
		where = append(where, "target = "+arg(f.Target))
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+arg(f.Until))
	}
	if f.BeforeID > 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q := `SELECT id, at, coalesce(user_id, 0), user_name, action, case_name, target, details, remote_addr FROM ` + l.table
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Oldest {
		q += " ORDER BY id ASC"
	} else {
		q += " ORDER BY id DESC"
	}
	q += " LIMIT " + arg(limit)
	rows, err := l.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: listing events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var (
			ev Event
			js []byte
		)
		if err := rows.Scan(&ev.ID, &ev.Time, &ev.UserID, &ev.User, &ev.Action, &ev.Case, &ev.Target, &js, &ev.RemoteAddr); err != nil {
			return nil, fmt.Errorf("audit: reading event: %w", err)
		}
		if len(js) > 0 && string(js) != "{}" {
			if err := json.Unmarshal(js, &ev.Details); err != nil {
				return nil, fmt.Errorf("audit: event %d has unreadable details: %w", ev.ID, err)
			}
		}
		ev.Time = ev.Time.UTC()
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: listing events: %w", err)
	}
	return out, nil
}
