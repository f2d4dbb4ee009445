// Package postgres is casefile's server store: store.Store on PostgreSQL
// (15 or later) through pgx, for teams sharing cases on one server.
//
// One database hosts many cases: each case is a schema named
// "case_<name>" (see SchemaName), created by Open and migrated with the
// embedded, append-only migrations in schema.go; the version lives in
// the schema's schema_version table. Every pooled connection has its
// search_path set to the case's schema.
//
// Full-text search gives the same answers as the SQLite backend: the
// text is split into words in Go exactly as SQLite FTS5's unicode61
// tokenizer does (tokenize.go) and stored as one tsvector per field, with
// a weighted, GIN-indexed concatenation of all of them for matching and
// ranking. Queries are compiled from the query AST to SQL with bind
// parameters only; NEAR is checked by the cf_near SQL function with
// FTS5's rule, and snippets are highlighted in Go (snippet.go).
package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// Store is a PostgreSQL-backed store.Store for one case.
type Store struct {
	pool   *pgxpool.Pool
	schema string
	name   string
	wmu    sync.Mutex // one writer at a time in this process
}

var _ store.Store = (*Store)(nil)

// SchemaPrefix starts the name of every case schema.
const SchemaPrefix = "case_"

// SchemaName returns the schema that holds the case called name:
// "case_" and the name lower-cased with runs of other characters than
// a-z and 0-9 turned into "_". A name that changes on the way, or is
// long, also gets 8 hex digits of its SHA-256, so that two names never
// share a schema ("Harbor Leak" → case_harbor_leak_1c0d3b2a).
func SchemaName(name string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", errors.New("postgres: a case needs a name (letters, digits and _ make the clearest schema names)")
	}
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	s := strings.Trim(b.String(), "_")
	const maxPlain = 40 // 63-byte identifiers: prefix + 40 + "_" + 8 digits fits
	if s == name && len(s) <= maxPlain {
		return SchemaPrefix + s, nil
	}
	if len(s) > maxPlain {
		s = strings.TrimRight(s[:maxPlain], "_")
	}
	sum := sha256.Sum256([]byte(name))
	if s == "" {
		return SchemaPrefix + hex.EncodeToString(sum[:4]), nil
	}
	return SchemaPrefix + s + "_" + hex.EncodeToString(sum[:4]), nil
}

// ident quotes an identifier for SQL text (schema names only; every
// value travels as a bind parameter).
func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// connError rewords connection failures for people, naming the server
// (never the password) and what to do.
func connError(cfg *pgx.ConnConfig, err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("postgres: %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	return fmt.Errorf("postgres: cannot connect to %s:%d (database %s, user %s): %w; check that PostgreSQL is running and the connection string is right",
		cfg.Host, cfg.Port, cfg.Database, cfg.User, err)
}

// WithSetting returns dsn with the server setting name = value added as
// a run-time parameter of its connections, unless dsn sets name itself.
// It takes both forms of connection string: a URL (postgres://...) and
// keyword=value pairs.
func WithSetting(dsn, name, value string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		if q.Has(name) {
			return dsn
		}
		q.Set(name, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	for _, f := range strings.Fields(dsn) {
		if k, _, ok := strings.Cut(f, "="); ok && k == name {
			return dsn
		}
	}
	return strings.TrimSpace(dsn + " " + name + "=" + value)
}

// parseDSN parses a connection string such as
// postgres://user@host:5432/db?sslmode=disable.
func parseDSN(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad connection string (want e.g. postgres://user@host:5432/db?sslmode=disable): %w", err)
	}
	return cfg, nil
}

// Open opens the case called caseName in the database at dsn, creating
// its schema (and the pg_trgm extension, when missing) if needed and
// applying pending migrations. A case written by a newer casefile is
// refused with store.ErrSchemaTooNew. Pool settings come from the DSN
// (pool_max_conns=...).
func Open(ctx context.Context, dsn, caseName string) (*Store, error) {
	schema, err := SchemaName(caseName)
	if err != nil {
		return nil, err
	}
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return nil, connError(cfg.ConnConfig, err)
	}
	trgm, err := migrate(ctx, conn, schema, caseName)
	conn.Close(context.Background())
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = ident(schema) + ", " + ident(trgm)
	// Search reads every row of its cursor (the page is in the query's
	// LIMIT), so plans should be the fastest overall, not the quickest
	// to start.
	cfg.ConnConfig.RuntimeParams["cursor_tuple_fraction"] = "1"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connError(cfg.ConnConfig, err)
	}
	return &Store{pool: pool, schema: schema, name: caseName}, nil
}

// lockKey names the advisory lock that serialises schema changes and
// writes of one case across processes.
func lockKey(schema string) string { return "casefile:" + schema }

// migrate creates and migrates the case schema in one transaction and
// returns the schema that holds pg_trgm.
func migrate(ctx context.Context, conn *pgx.Conn, schema, name string) (string, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return "", fmt.Errorf("postgres: open case %s: %w", name, err)
	}
	defer tx.Rollback(context.Background())
	// Extensions are per database: one opener at a time creates pg_trgm.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('casefile:extensions', 0))`); err != nil {
		return "", fmt.Errorf("postgres: open case %s: %w", name, err)
	}
	trgm, err := trgmSchema(ctx, tx)
	if err != nil {
		return "", err
	}
	if trgm == "" {
		if _, err := tx.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`); err != nil {
			return "", fmt.Errorf("postgres: create extension pg_trgm (needs the postgresql-contrib files and a user allowed to create extensions; "+
				"or run CREATE EXTENSION pg_trgm once as a superuser): %w", err)
		}
		if trgm, err = trgmSchema(ctx, tx); err != nil {
			return "", err
		}
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey(schema)); err != nil {
		return "", fmt.Errorf("postgres: open case %s: %w", name, err)
	}
	var exists, versioned, foreign bool
	err = tx.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
		EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'schema_version'),
		EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1)`, schema).Scan(&exists, &versioned, &foreign)
	if err != nil {
		return "", fmt.Errorf("postgres: open case %s: %w", name, err)
	}
	if exists && !versioned && foreign {
		return "", fmt.Errorf("postgres: schema %s exists but is not a casefile case; choose another case name", schema)
	}
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + ident(schema),
		`SET LOCAL search_path TO ` + ident(schema) + `, ` + ident(trgm),
		`CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL)`,
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return "", fmt.Errorf("postgres: create case %s (schema %s): %w", name, schema, err)
		}
	}
	v := 0
	err = tx.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := tx.Exec(ctx, `INSERT INTO schema_version(version) VALUES(0)`); err != nil {
			return "", fmt.Errorf("postgres: create case %s: %w", name, err)
		}
	case err != nil:
		return "", fmt.Errorf("postgres: read schema version of case %s: %w", name, err)
	}
	if v > len(migrations) {
		return "", fmt.Errorf("%w (case %s has schema %d, this casefile knows up to %d): upgrade casefile", store.ErrSchemaTooNew, name, v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.Exec(ctx, migrations[i]); err != nil {
			return "", fmt.Errorf("postgres: migration %d of case %s: %w", i+1, name, err)
		}
		if i == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO case_info(name) VALUES($1)`, name); err != nil {
				return "", fmt.Errorf("postgres: create case %s: %w", name, err)
			}
		}
	}
	if v < len(migrations) {
		if _, err := tx.Exec(ctx, `UPDATE schema_version SET version = $1`, len(migrations)); err != nil {
			return "", fmt.Errorf("postgres: migrate case %s: %w", name, err)
		}
	}
	var owner string
	if err := tx.QueryRow(ctx, `SELECT name FROM case_info LIMIT 1`).Scan(&owner); err != nil {
		return "", fmt.Errorf("postgres: read case %s: %w", name, err)
	}
	if owner != name {
		return "", fmt.Errorf("postgres: schema %s holds case %q, not %q; choose another case name", schema, owner, name)
	}
	if err := tx.Commit(ctx); err != nil {
		return "", fmt.Errorf("postgres: migrate case %s: %w", name, err)
	}
	return trgm, nil
}

func trgmSchema(ctx context.Context, tx pgx.Tx) (string, error) {
	var s string
	err := tx.QueryRow(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: look up pg_trgm: %w", err)
	}
	return s, nil
}

// CaseInfo describes one case schema in a database.
type CaseInfo struct {
	Name    string    `json:"name"`
	Schema  string    `json:"schema"`
	Version int       `json:"schema_version"`
	Created time.Time `json:"created"`
}

// ListCases lists the cases in the database at dsn, by schema name.
func ListCases(ctx context.Context, dsn string) ([]CaseInfo, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return nil, connError(cfg.ConnConfig, err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT n.nspname FROM pg_namespace n
		WHERE starts_with(n.nspname, $1)
		  AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'case_info')
		  AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'schema_version')
		ORDER BY n.nspname COLLATE "C"`, SchemaPrefix)
	if err != nil {
		return nil, fmt.Errorf("postgres: list cases: %w", err)
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: list cases: %w", err)
	}
	out := []CaseInfo{}
	for _, s := range schemas {
		ci := CaseInfo{Schema: s}
		// One table per statement: a statement reading both would hold
		// the lock of one while waiting for the other, and deadlock with
		// a DropCase taking them in the other order (seen in CI).
		err := conn.QueryRow(ctx, `SELECT name, created FROM `+ident(s)+`.case_info LIMIT 1`).Scan(&ci.Name, &ci.Created)
		if err == nil {
			err = conn.QueryRow(ctx, `SELECT version FROM `+ident(s)+`.schema_version LIMIT 1`).Scan(&ci.Version)
		}
		if errors.Is(err, pgx.ErrNoRows) || dropped(err) {
			continue // being created, or dropped since it was listed
		}
		if err != nil {
			return nil, fmt.Errorf("postgres: read case in schema %s: %w", s, err)
		}
		ci.Created = ci.Created.UTC()
		out = append(out, ci)
	}
	return out, nil
}

// dropped reports whether err says that a table or schema does not
// exist: the case was dropped by another session after it was listed.
func dropped(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "3F000") // undefined_table, invalid_schema_name
}

// DropCase deletes the case called name and everything in it (its
// schema). A case that does not exist gives store.ErrNotFound; a schema
// of that name that casefile did not create is left alone.
func DropCase(ctx context.Context, dsn, name string) error {
	schema, err := SchemaName(name)
	if err != nil {
		return err
	}
	cfg, err := parseDSN(dsn)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return connError(cfg.ConnConfig, err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: drop case %s: %w", name, err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey(schema)); err != nil {
		return fmt.Errorf("postgres: drop case %s: %w", name, err)
	}
	var exists, ours bool
	err = tx.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
		EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'case_info')`,
		schema).Scan(&exists, &ours)
	if err != nil {
		return fmt.Errorf("postgres: drop case %s: %w", name, err)
	}
	if !exists {
		return fmt.Errorf("%w: no case %q (schema %s) in database %s", store.ErrNotFound, name, schema, cfg.ConnConfig.Database)
	}
	if !ours {
		return fmt.Errorf("postgres: schema %s is not a casefile case; not dropping it", schema)
	}
	if _, err := tx.Exec(ctx, `DROP SCHEMA `+ident(schema)+` CASCADE`); err != nil {
		return fmt.Errorf("postgres: drop case %s: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: drop case %s: %w", name, err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Pool exposes the connection pool for packages layered on this store.
// Its connections' search_path is the case schema; callers must not
// write outside their own tables.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the case's schema name.
func (s *Store) Schema() string { return s.schema }

// Created returns when the case was created: with the name, what tells
// this case from a later one of the same name. store.ErrNotFound when
// the case has been dropped.
func (s *Store) Created(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.pool.QueryRow(ctx, `SELECT created FROM `+ident(s.schema)+`.case_info LIMIT 1`).Scan(&t)
	if dropped(err) || errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("%w: case schema %s is gone", store.ErrNotFound, s.schema)
	}
	if err != nil {
		return t, fmt.Errorf("postgres: read case_info: %w", err)
	}
	return t.UTC(), nil
}

// Name returns the case's name.
func (s *Store) Name() string { return s.name }

// clean makes s storable in PostgreSQL text, which refuses NUL bytes
// and invalid UTF-8: both become U+FFFD.
func clean(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean(s)
	}
	return out
}

func cleanAddr(a model.Address) model.Address {
	return model.Address{Name: clean(a.Name), Address: clean(a.Address)}
}

func cleanAddrs(as []model.Address) []model.Address {
	out := make([]model.Address, len(as))
	for i, a := range as {
		out[i] = cleanAddr(a)
	}
	return out
}

func cleanHeaders(hs [][2]string) [][2]string {
	out := make([][2]string, len(hs))
	for i, h := range hs {
		out[i] = [2]string{clean(h[0]), clean(h[1])}
	}
	return out
}

// jsonArg marshals v for a jsonb parameter.
func jsonArg(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null")
	}
	return b
}

// BeginRun implements store.Store.
func (s *Store) BeginRun(ctx context.Context, root string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO runs(started, root, status) VALUES($1, $2, 'running') RETURNING id`,
		time.Now().UTC(), clean(root)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: begin run for %s: %w", root, err)
	}
	return id, nil
}

// FinishRun implements store.Store.
func (s *Store) FinishRun(ctx context.Context, runID int64, status string, summary map[string]int) error {
	var sum any
	if summary != nil {
		sum = jsonArg(summary)
	}
	_, err := s.pool.Exec(ctx, `UPDATE runs SET finished = $1, status = $2, summary = $3 WHERE id = $4`,
		time.Now().UTC(), status, sum, runID)
	if err != nil {
		return fmt.Errorf("postgres: finish run %d: %w", runID, err)
	}
	return nil
}

// Runs implements store.Store.
func (s *Store) Runs(ctx context.Context) ([]store.Run, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, started, finished, root, status, summary FROM runs ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: runs: %w", err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		var r store.Run
		var fin *time.Time
		if err := rows.Scan(&r.ID, &r.Started, &fin, &r.Root, &r.Status, &r.Summary); err != nil {
			return nil, fmt.Errorf("postgres: runs: %w", err)
		}
		r.Started = r.Started.UTC()
		if fin != nil {
			r.Finished = fin.UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FileDone implements store.Store.
func (s *Store) FileDone(ctx context.Context, path, sha string) (bool, error) {
	var st string
	err := s.pool.QueryRow(ctx, `SELECT status FROM files WHERE path = $1 AND sha256 = $2`, clean(path), clean(sha)).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: file status of %s: %w", path, err)
	}
	return st == "done", nil
}

// Finalize implements store.Store: flags messages sharing a Message-ID
// with different content ("mid_conflict") and refreshes the planner's
// statistics after an ingest.
func (s *Store) Finalize(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: finalize case %s: %w", s.name, err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey(s.schema)); err != nil {
		return fmt.Errorf("postgres: finalize case %s: %w", s.name, err)
	}
	tag, err := tx.Exec(ctx, `
UPDATE messages SET flags = array_append(flags, 'mid_conflict')
WHERE mid <> '' AND NOT ('mid_conflict' = ANY (flags))
  AND mid IN (SELECT mid FROM messages WHERE mid <> '' GROUP BY mid HAVING count(*) > 1)`)
	if err != nil {
		return fmt.Errorf("postgres: finalize case %s: %w", s.name, err)
	}
	if tag.RowsAffected() > 0 {
		if err := bump(ctx, tx); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: finalize case %s: %w", s.name, err)
	}
	// Words written since the last Finalize wait in the GIN index's
	// pending list, which every search scans in full and which makes the
	// planner avoid the index: merge them now, then refresh statistics.
	if _, err := s.pool.Exec(ctx, `SELECT gin_clean_pending_list('msgrank_v'::regclass)`); err != nil {
		return fmt.Errorf("postgres: finalize case %s: %w", s.name, err)
	}
	if _, err := s.analyzeStale(ctx); err != nil {
		return fmt.Errorf("postgres: finalize case %s: %w", s.name, err)
	}
	return nil
}

// analyzedTables are the tables whose planner statistics shape searches.
var analyzedTables = []string{"messages", "msgtext", "msgrank", "sources", "threads"}

// staleStats reports whether a table needs ANALYZE: it never had one, or
// at least 50 rows plus a tenth of its rows changed since (autovacuum's
// default rule, applied at once instead of at its next round).
func staleStats(analyzed bool, modified, live int64) bool {
	return !analyzed || float64(modified) >= 50+0.1*float64(live)
}

// analyzeStale refreshes the statistics of the analyzedTables that need
// it (staleStats) and returns their names. ANALYZE reads a sample of
// every table: 2.5 s warm and up to 9.5 s cold at 100,000 messages, so
// re-running an ingest, or adding a few files to a large case, no longer
// pays it. Modification counts reach the statistics system up to a few
// seconds after a commit; what a Finalize misses, the next one (or
// autovacuum) counts.
func (s *Store) analyzeStale(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT relname::text, coalesce(last_analyze, last_autoanalyze) IS NOT NULL, n_mod_since_analyze, n_live_tup
		FROM pg_stat_user_tables WHERE schemaname = $1 AND relname::text = ANY($2)`, s.schema, analyzedTables)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var stale []string
	for rows.Next() {
		var name string
		var analyzed bool
		var mod, live int64
		if err := rows.Scan(&name, &analyzed, &mod, &live); err != nil {
			rows.Close()
			return nil, err
		}
		seen[name] = true
		if staleStats(analyzed, mod, live) {
			stale = append(stale, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range analyzedTables {
		if !seen[t] { // not in the statistics yet: a new table
			stale = append(stale, t)
		}
	}
	slices.Sort(stale)
	if len(stale) == 0 {
		return nil, nil
	}
	_, err = s.pool.Exec(ctx, "ANALYZE "+strings.Join(stale, ", "))
	return stale, err
}
