// Package sqlite is casefile's embedded store: one SQLite database per
// case (modernc.org/sqlite, pure Go) with an FTS5 full-text index. It
// implements store.Store and compiles the query AST to SQLite SQL.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a SQLite-backed store.Store.
type Store struct {
	db  *sql.DB
	wmu sync.Mutex // one writer at a time
	// parts is how many row ID ranges a ranked search scores at once
	// (rankParts): the number of CPUs, at most the pool's connections.
	parts int
}

var _ store.Store = (*Store)(nil)

// maxConns is the size of the connection pool.
const maxConns = 4

// pageSize is the page size of a new database. 16 KiB pages (SQLite's
// default is 4 KiB) write a quarter as many WAL frames for the same rows:
// ingest of 100k messages took 7% less time and 25% less system time,
// with the same query latencies (docs/benchmarks.md).
const pageSize = 16384

// Open opens (creating if needed) the database at path and migrates it.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := create(ctx, path); err != nil {
		return nil, err
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(1)", "cache_size(-65536)", "temp_store(MEMORY)", "mmap_size(1073741824)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns) // a new connection costs ~20 ms (schema load, pragmas)
	s := &Store{db: db, parts: min(runtime.GOMAXPROCS(0), maxConns)}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// create makes the database file at path, with pageSize pages, when it
// does not exist yet. The page size must be set before journal_mode=WAL
// writes the first page, and the driver applies its _pragma list sorted
// by name (journal_mode first), so this is done on a connection of its
// own. An existing database keeps its page size.
func create(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil // exists, or Open reports why it cannot be read
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	defer conn.Close()
	for _, p := range []string{"PRAGMA page_size = " + strconv.Itoa(pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("sqlite: create %s: %s: %w", path, p, err)
		}
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (case schema %d, this casefile knows up to %d): upgrade casefile", store.ErrSchemaTooNew, v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite: migration %d: %w", i+1, err)
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the handle for packages layered on this store (people,
// tags). Callers must not write outside their own tables.
func (s *Store) DB() *sql.DB { return s.db }

const timeFmt = time.RFC3339Nano

// BeginRun implements store.Store.
func (s *Store) BeginRun(ctx context.Context, root string) (int64, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(ctx, `INSERT INTO runs(started, root, status) VALUES(?,?,'running')`,
		time.Now().UTC().Format(timeFmt), root)
	if err != nil {
		return 0, fmt.Errorf("sqlite: begin run: %w", err)
	}
	return res.LastInsertId()
}

// FinishRun implements store.Store.
func (s *Store) FinishRun(ctx context.Context, runID int64, status string, summary map[string]int) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	js, _ := json.Marshal(summary)
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET finished=?, status=?, summary=? WHERE id=?`,
		time.Now().UTC().Format(timeFmt), status, string(js), runID)
	if err != nil {
		return fmt.Errorf("sqlite: finish run %d: %w", runID, err)
	}
	return nil
}

// Runs implements store.Store.
func (s *Store) Runs(ctx context.Context) ([]store.Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, started, COALESCE(finished,''), root, status, COALESCE(summary,'') FROM runs ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: runs: %w", err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		var r store.Run
		var st, fin, sum string
		if err := rows.Scan(&r.ID, &st, &fin, &r.Root, &r.Status, &sum); err != nil {
			return nil, err
		}
		r.Started, _ = time.Parse(timeFmt, st)
		r.Finished, _ = time.Parse(timeFmt, fin)
		if sum != "" {
			_ = json.Unmarshal([]byte(sum), &r.Summary)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FileDone implements store.Store.
func (s *Store) FileDone(ctx context.Context, path, sha string) (bool, error) {
	var st string
	err := s.db.QueryRowContext(ctx, `SELECT status FROM files WHERE path=? AND sha256=?`, path, sha).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: file status %s: %w", path, err)
	}
	return st == "done", nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// Write implements store.Store.
func (s *Store) Write(ctx context.Context, runID int64, b store.Batch) (store.PutResult, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var res store.PutResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("sqlite: write: %w", err)
	}
	defer tx.Rollback()
	w := &writer{tx: tx, runID: runID}
	if err := w.prepare(ctx); err != nil {
		return res, err
	}
	defer w.close()
	rows, ok := b.Prepared.([]*msgRow)
	if !ok || len(rows) == 0 && len(b.Messages) > 0 {
		rows = prepare(b.Messages)
	}
	for _, r := range rows {
		if err := w.put(ctx, r, &res); err != nil {
			return res, err
		}
	}
	for _, p := range b.Problems {
		if _, err := w.problem.ExecContext(ctx, runID, p.Kind, p.Path, p.Member, p.Offset, p.Page, p.Reason); err != nil {
			return res, fmt.Errorf("sqlite: record problem for %s: %w", p.Path, err)
		}
	}
	for _, f := range b.Files {
		if _, err := w.file.ExecContext(ctx, f.Path, f.SHA256, f.Size, f.Format, runID, f.Seen, f.Emitted, f.Status); err != nil {
			return res, fmt.Errorf("sqlite: record file %s: %w", f.Path, err)
		}
	}
	if len(b.Messages) > 0 {
		if err := bump(ctx, tx); err != nil {
			return res, err
		}
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("sqlite: commit batch: %w", err)
	}
	return res, nil
}

type writer struct {
	tx                                                           *sql.Tx
	runID                                                        int64
	find, insMsg, insText, insFTS, insSrc, insAtt, problem, file *sql.Stmt
}

func (w *writer) prepare(ctx context.Context) error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = w.tx.PrepareContext(ctx, q)
		return st
	}
	w.find = prep(`SELECT rowid FROM messages WHERE dedup_key=?`)
	w.insMsg = prep(`INSERT INTO messages(id, dedup_key, kind, mid, in_reply_to, refs, date_utc, date_offset, date_raw, date_flag,
		from_name, from_addr, sender_json, to_json, cc_json, bcc_json, reply_to_json, headers_json, warnings_json, flags, body_html,
		size, raw_sha256, content_hash, confidence, container_id, att_count, has_html, run_id)
		VALUES(?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?)
		ON CONFLICT(dedup_key) DO NOTHING`)
	w.insText = prep(`INSERT INTO msgtext(rowid, subject, body, sender, to_, cc, bcc, filename, atttext) VALUES(?,?,?,?,?,?,?,?,?)`)
	w.insFTS = prep(`INSERT INTO fts(rowid, subject, body, sender, to_, cc, bcc, filename, atttext) VALUES(?,?,?,?,?,?,?,?,?)`)
	w.insSrc = prep(`INSERT OR IGNORE INTO sources(message_rowid, path, member, offset, length, sha256, file_sha256, page, page_end, bates, line_from, line_to, run_id)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	w.insAtt = prep(`INSERT OR IGNORE INTO attachments(message_rowid, idx, filename, mime, size, sha256, text_error) VALUES(?,?,?,?,?,?,?)`)
	w.problem = prep(`INSERT OR IGNORE INTO problems(run_id, kind, path, member, offset, page, reason) VALUES(?,?,?,?,?,?,?)`)
	// A Maildir is one file per message: one statement prepared per
	// file cost 20 µs each (2 s of 28 at 100k).
	w.file = prep(`INSERT INTO files(path, sha256, size, format, run_id, seen, emitted, status) VALUES(?,?,?,?,?,?,?,?)
		ON CONFLICT(path, sha256) DO UPDATE SET size=excluded.size, format=excluded.format, run_id=excluded.run_id, seen=excluded.seen, emitted=excluded.emitted, status=excluded.status`)
	if err != nil {
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	return nil
}

func (w *writer) close() {
	for _, st := range []*sql.Stmt{w.find, w.insMsg, w.insText, w.insFTS, w.insSrc, w.insAtt, w.problem, w.file} {
		if st != nil {
			st.Close()
		}
	}
}

// Prepare implements store.Preparer: it encodes the batch's rows.
func (s *Store) Prepare(b *store.Batch) { b.Prepared = prepare(b.Messages) }

// msgRow is one message ready to insert: its dedup key and its column
// values, encoded.
type msgRow struct {
	m        *model.Message
	key      string
	cols     []any // insMsg's values but the run ID
	text     []any // insText's and insFTS's values but the row ID
	attNames []string
}

// prepare encodes msgs and their rfc822 children, in insertion order.
func prepare(msgs []*model.Message) []*msgRow {
	var out []*msgRow
	for _, m := range msgs {
		out = prepareTree(out, m, "")
	}
	return out
}

// prepareTree adds m and its rfc822 children. Children inherit m's
// sources with the member suffixed by "#rfc822-N" so each keeps its
// provenance.
func prepareTree(out []*msgRow, m *model.Message, container string) []*msgRow {
	if container != "" {
		m.ContainerID = container
	}
	out = append(out, encode(m))
	for i, c := range m.Children {
		if len(c.Sources) == 0 {
			for _, src := range m.Sources {
				cs := src
				suffix := fmt.Sprintf("#rfc822-%d", i+1)
				cs.Member = src.Member + suffix
				cs.SHA256 = c.RawSHA256
				cs.Length = c.Size
				cs.Offset = src.Offset + c.RawOffset
				c.Sources = append(c.Sources, cs)
			}
		}
		out = prepareTree(out, c, m.ID)
	}
	return out
}

// encode computes m's row; it sets m.ID from its dedup key if unset.
func encode(m *model.Message) *msgRow {
	key := model.DedupKey(m)
	if m.ID == "" {
		m.ID = model.IDForKey(key)
	}
	hasHTML := 0
	if m.BodyHTML != "" {
		hasHTML = 1
	}
	var sender any = struct{}{}
	if !m.Sender.IsZero() {
		sender = m.Sender
	}
	r := &msgRow{m: m, key: key}
	r.cols = []any{m.ID, key, m.Kind, model.NormalizeMessageID(m.MessageID), model.NormalizeMessageID(m.InReplyTo),
		mustJSON(nonNil(m.References)), nullTime(m.DateUTC), m.DateOffset, m.DateRaw, m.DateFlag,
		m.From.Name, strings.ToLower(m.From.Address), mustJSON(sender), mustJSON(nonNilA(m.To)), mustJSON(nonNilA(m.Cc)),
		mustJSON(nonNilA(m.Bcc)), mustJSON(nonNilA(m.ReplyTo)), mustJSON(nonNilH(m.Headers)), mustJSON(nonNil(m.Warnings)),
		strings.Join(m.Flags, " "), m.BodyHTML, m.Size, m.RawSHA256, m.ContentHash, m.Confidence, m.ContainerID,
		len(m.Attachments), hasHTML}
	var atext []string
	for _, a := range m.Attachments {
		r.attNames = append(r.attNames, a.Filename)
		if a.Text != "" {
			atext = append(atext, a.Text)
		}
	}
	r.text = []any{m.Subject, m.BodyText, store.AddressText(m.From, m.Sender), store.AddressText(m.To...), store.AddressText(m.Cc...),
		store.AddressText(m.Bcc...), strings.Join(r.attNames, " ; "), strings.Join(atext, "\n\n")}
	return r
}

func (w *writer) put(ctx context.Context, r *msgRow, res *store.PutResult) error {
	m := r.m
	// Most messages are new: the insert is tried first, and a message
	// already stored under the same key is looked up only when it did
	// nothing (a lookup before every insert cost 3% of the writer).
	rowid, isNew, err := w.insertMessage(ctx, r)
	if err != nil {
		return err
	}
	if !isNew {
		if err := w.find.QueryRowContext(ctx, r.key).Scan(&rowid); err != nil {
			return fmt.Errorf("sqlite: look up message %s: %w", m.ID, err)
		}
	}
	added := 0
	for _, src := range m.Sources {
		r, err := w.insSrc.ExecContext(ctx, rowid, src.Path, src.Member, src.Offset, src.Length, src.SHA256, src.FileSHA256,
			src.Page, src.PageEnd, src.Bates, src.LineFrom, src.LineTo, w.runID)
		if err != nil {
			return fmt.Errorf("sqlite: record source %s for %s: %w", src.Path, m.ID, err)
		}
		n, _ := r.RowsAffected()
		added += int(n)
	}
	switch {
	case isNew:
		res.New++
		if m.Kind == model.KindPage {
			res.Pages++
		}
	case added > 0:
		res.Duplicates++
	default:
		res.Known++
	}
	return nil
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Unix()
}

// insertMessage stores a new message with its attachments and text and
// returns its row ID; isNew is false, and nothing is written, when a
// message with the same dedup key is stored already.
func (w *writer) insertMessage(ctx context.Context, r *msgRow) (rowid int64, isNew bool, err error) {
	m := r.m
	res, err := w.insMsg.ExecContext(ctx, append(r.cols, w.runID)...)
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: insert message %s: %w", m.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, false, err
	}
	rowid, err = res.LastInsertId()
	if err != nil {
		return 0, false, err
	}
	for i, a := range m.Attachments {
		if _, err := w.insAtt.ExecContext(ctx, rowid, i, a.Filename, a.MIME, a.Size, a.SHA256, a.TextError); err != nil {
			return 0, false, fmt.Errorf("sqlite: insert attachment %q of %s: %w", a.Filename, m.ID, err)
		}
	}
	vals := append([]any{rowid}, r.text...)
	if _, err := w.insText.ExecContext(ctx, vals...); err != nil {
		return 0, false, fmt.Errorf("sqlite: insert text of %s: %w", m.ID, err)
	}
	if _, err := w.insFTS.ExecContext(ctx, vals...); err != nil {
		return 0, false, fmt.Errorf("sqlite: index %s: %w", m.ID, err)
	}
	return rowid, true, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
func nonNilA(s []model.Address) []model.Address {
	if s == nil {
		return []model.Address{}
	}
	return s
}
func nonNilH(s [][2]string) [][2]string {
	if s == nil {
		return [][2]string{}
	}
	return s
}

// Finalize implements store.Store: flags messages sharing a Message-ID
// with different content ("mid_conflict").
func (s *Store) Finalize(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	r, err := s.db.ExecContext(ctx, `
UPDATE messages SET flags = TRIM(flags || ' mid_conflict')
WHERE mid != '' AND (' ' || flags || ' ') NOT LIKE '% mid_conflict %'
  AND mid IN (SELECT mid FROM messages WHERE mid != '' GROUP BY mid HAVING COUNT(*) > 1)`)
	if err != nil {
		return fmt.Errorf("sqlite: finalize: %w", err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		if err := bump(ctx, s.db); err != nil {
			return err
		}
	}
	_, err = s.db.ExecContext(ctx, `PRAGMA optimize`)
	return err
}
