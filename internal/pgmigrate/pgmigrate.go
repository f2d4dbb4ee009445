// Package pgmigrate applies embedded, versioned SQL migrations to one
// PostgreSQL schema. Several components (team accounts, the audit log)
// can share a schema: each keeps its own version sequence in the table
// SCHEMA.schema_migrations, keyed by component name.
//
// Migrations are append-only. Apply runs the missing ones in a single
// transaction under an advisory lock, so concurrent servers starting
// against a fresh database do not race, and a failed migration leaves
// nothing half-written. A schema written by a newer casefile (a version
// this binary does not know) is refused with ErrSchemaTooNew.
package pgmigrate

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/casefile/casefile/internal/store"
)

// ErrSchemaTooNew means the database was migrated by a newer casefile.
// It matches store.ErrSchemaTooNew with errors.Is.
var ErrSchemaTooNew = fmt.Errorf("pgmigrate: %w", store.ErrSchemaTooNew)

// Migration is one step: Version n moves the component from n-1 to n.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var fileRe = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Load reads migrations named NNNN_name.sql from dir in fsys. Versions
// must run 1, 2, 3... without gaps.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("pgmigrate: reading %s: %w", dir, err)
	}
	var ms []Migration
	for _, e := range entries {
		m := fileRe.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("pgmigrate: %s/%s is not named NNNN_name.sql", dir, e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("pgmigrate: reading %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("pgmigrate: %s: expected migration %04d, found %04d_%s", dir, i+1, m.Version, m.Name)
		}
	}
	return ms, nil
}

var schemaRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// ValidSchema reports whether name is acceptable as a schema name:
// lower-case letters, digits and underscores, at most 63 bytes, not
// starting with a digit.
func ValidSchema(name string) error {
	if !schemaRe.MatchString(name) || strings.HasPrefix(name, "pg_") {
		return fmt.Errorf("pgmigrate: %q is not a usable schema name (lower-case letters, digits and _, at most 63, not starting with a digit or pg_)", name)
	}
	return nil
}

// Quote returns the schema name quoted for use in SQL.
func Quote(schema string) string { return pgx.Identifier{schema}.Sanitize() }

// Apply brings component in schema up to date with ms and returns the
// version it is now at and how many migrations it applied.
func Apply(ctx context.Context, db *pgxpool.Pool, schema, component string, ms []Migration) (version, applied int, err error) {
	if err := ValidSchema(schema); err != nil {
		return 0, 0, err
	}
	q := Quote(schema)
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("pgmigrate: %s: %w", schema, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('casefile.pgmigrate.' || $1::text, 0))`, schema); err != nil {
		return 0, 0, fmt.Errorf("pgmigrate: locking schema %s: %w", schema, err)
	}
	if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+q); err != nil {
		return 0, 0, fmt.Errorf("pgmigrate: creating schema %s: %w", schema, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+q+`.schema_migrations(
  component text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version))`); err != nil {
		return 0, 0, fmt.Errorf("pgmigrate: creating %s.schema_migrations: %w", schema, err)
	}
	var cur int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+q+`.schema_migrations WHERE component = $1`, component).Scan(&cur); err != nil {
		return 0, 0, fmt.Errorf("pgmigrate: reading %s version in %s: %w", component, schema, err)
	}
	if cur > len(ms) {
		return cur, 0, fmt.Errorf("%w: the %s tables in schema %s are at version %d but this casefile knows only up to %d; upgrade casefile", ErrSchemaTooNew, component, schema, cur, len(ms))
	}
	for _, m := range ms[cur:] {
		if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+q); err != nil {
			return cur, 0, fmt.Errorf("pgmigrate: %w", err)
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return cur, 0, fmt.Errorf("pgmigrate: %s migration %04d_%s in schema %s failed (nothing was changed): %w", component, m.Version, m.Name, schema, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+q+`.schema_migrations(component, version, name) VALUES ($1, $2, $3)`, component, m.Version, m.Name); err != nil {
			return cur, 0, fmt.Errorf("pgmigrate: recording %s migration %d: %w", component, m.Version, err)
		}
		applied++
	}
	if err := tx.Commit(ctx); err != nil {
		return cur, 0, fmt.Errorf("pgmigrate: committing %s migrations in %s: %w", component, schema, err)
	}
	return len(ms), applied, nil
}
