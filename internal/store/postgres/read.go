package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// The searchable text fields, in the order of SQLite's FTS5 columns
// (which is the order snippets prefer them in).
const (
	fSubject = iota
	fBody
	fSender
	fTo
	fCc
	fBcc
	fFilename
	fAtttext
	numFields
)

// fields holds one message's searchable texts.
type fields [numFields]string

var (
	textCols   = [numFields]string{"subject", "body", "sender", "to_", "cc", "bcc", "filename", "atttext"}
	vectorCols = [numFields]string{"v_subject", "v_body", "v_sender", "v_to", "v_cc", "v_bcc", "v_filename", "v_atttext"}
)

// msgCols are the messages columns scanned by scanMessage, prefixed "m."
// (and "th.": a query reading them adds threadsJoin).
const msgCols = `m.id, m.kind, m.mid, m.in_reply_to, m.refs, m.date_utc, m.date_offset, m.date_raw, m.date_flag,
m.from_name, m.from_addr, m.sender, m.to_, m.cc, m.bcc, m.reply_to, m.headers, m.warnings,
m.flags, m.size, m.raw_sha256, m.content_hash, m.confidence, m.container_id,
  coalesce(th.thread_id, ''), coalesce(th.parent_id, ''), m.copy_of`

// threadsJoin joins a message's thread assignment (th), which msgCols reads.
const threadsJoin = ` LEFT JOIN threads th ON th.rowid = m.rowid`

// sourcesJSON is a column of the message's sources, with those of the
// printed copies linked to it, as a JSON array in model.Source's
// encoding, ordered by (run, path, member, offset, page, line).
const sourcesJSON = `(SELECT COALESCE(jsonb_agg(jsonb_build_object('path', s.path, 'member', s.member, 'offset', s.byte_offset,
  'length', s.length, 'sha256', s.sha256, 'file_sha256', s.file_sha256, 'page', s.page, 'page_end', s.page_end,
  'bates', s.bates, 'line_from', s.line_from, 'line_to', s.line_to, 'run', s.run_id)
  ORDER BY s.run_id, s.path, s.member, s.byte_offset, s.page, s.line_from), '[]')
  FROM (SELECT * FROM sources WHERE message_rowid = m.rowid
    UNION ALL
    SELECT cs.* FROM messages c JOIN sources cs ON cs.message_rowid = c.rowid WHERE c.copy_of <> '' AND c.copy_of = m.id) s)`

// copiesJSON is a column of the IDs of the printed copies linked to the
// message, as a JSON array.
const copiesJSON = `(SELECT COALESCE(jsonb_agg(c.id ORDER BY c.id), '[]') FROM messages c WHERE c.copy_of <> '' AND c.copy_of = m.id)`

// attachmentsJSON is a column of the message's attachments (without
// their text, which is only indexed) as a JSON array.
const attachmentsJSON = `(SELECT COALESCE(jsonb_agg(jsonb_build_object('filename', a.filename, 'mime', a.mime, 'size', a.size,
  'sha256', a.sha256, 'text_error', a.text_error) ORDER BY a.idx), '[]')
  FROM attachments a WHERE a.message_rowid = m.rowid)`

// scanMessage scans msgCols and then extra.
func scanMessage(row pgx.Row, extra ...any) (*model.Message, error) {
	var m model.Message
	dest := []any{&m.ID, &m.Kind, &m.MessageID, &m.InReplyTo, &m.References, &m.DateUTC, &m.DateOffset, &m.DateRaw, &m.DateFlag,
		&m.From.Name, &m.From.Address, &m.Sender, &m.To, &m.Cc, &m.Bcc, &m.ReplyTo, &m.Headers, &m.Warnings,
		&m.Flags, &m.Size, &m.RawSHA256, &m.ContentHash, &m.Confidence, &m.ContainerID, &m.ThreadID, &m.ParentID, &m.CopyOf}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if m.DateUTC != nil {
		t := m.DateUTC.UTC()
		m.DateUTC = &t
	}
	if len(m.Flags) == 0 {
		m.Flags = nil
	}
	if m.To == nil {
		m.To = []model.Address{}
	}
	if m.Cc == nil {
		m.Cc = []model.Address{}
	}
	return &m, nil
}

const getQuery = `SELECT ` + msgCols + `, m.body_html, t.subject, t.body, ` + sourcesJSON + `, ` + attachmentsJSON + `, ` + copiesJSON + `
FROM messages m JOIN msgtext t ON t.rowid = m.rowid` + threadsJoin

// scanFull scans a getQuery row.
func scanFull(row pgx.Row) (*model.Message, error) {
	var html, subj, body string
	var srcs []model.Source
	var atts []model.Attachment
	var copies []string
	m, err := scanMessage(row, &html, &subj, &body, &srcs, &atts, &copies)
	if err != nil {
		return nil, err
	}
	if len(copies) > 0 {
		m.Copies = copies
	}
	m.BodyHTML, m.Subject, m.BodyText, m.Sources, m.Attachments = html, subj, body, srcs, atts
	if m.Attachments == nil {
		m.Attachments = []model.Attachment{}
	}
	return m, nil
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, id string) (*model.Message, error) {
	m, err := scanFull(s.pool.QueryRow(ctx, getQuery+` WHERE m.id = $1`, clean(id)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: message %s", store.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get message %s: %w", id, err)
	}
	return m, nil
}

// ResolveID implements store.Store.
func (s *Store) ResolveID(ctx context.Context, prefix string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(prefix))
	if len(p) < 4 || strings.Trim(p, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%w: %q is not a message id (ids are 16 hex digits; at least 4 are needed)", store.ErrNotFound, prefix)
	}
	rows, err := s.pool.Query(ctx, `SELECT id FROM messages WHERE id >= $1 AND id < $2 ORDER BY id LIMIT 6`, p, p+"g")
	if err != nil {
		return "", fmt.Errorf("postgres: resolve id %s: %w", prefix, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("postgres: resolve id %s: %w", prefix, err)
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("%w: no message with id %s", store.ErrNotFound, prefix)
	case 1:
		return ids[0], nil
	default:
		return "", fmt.Errorf("%w: %s matches %s", store.ErrAmbiguous, prefix, strings.Join(ids, ", "))
	}
}

// eachChunk is how many full messages Each reads per query.
const eachChunk = 200

// Each implements store.Store. It reads the ordered IDs first and then
// the messages in chunks, so fn may use the store and memory stays
// bounded by the chunk.
func (s *Store) Each(ctx context.Context, fn func(*model.Message) error) error {
	return s.loadListed(ctx, `SELECT id FROM messages ORDER BY date_utc ASC NULLS LAST, id`, nil, getQuery, fn)
}

// EachText implements store.Store.
func (s *Store) EachText(ctx context.Context, fn func(*model.Message) error) error {
	return s.loadListed(ctx, `SELECT id FROM messages ORDER BY date_utc ASC NULLS LAST, id`, nil, textQuery, fn)
}

// Messages implements store.Store.
func (s *Store) Messages(ctx context.Context, ids []string, fn func(*model.Message) error) error {
	return s.loadListed(ctx, `SELECT id FROM messages WHERE id = ANY($1) ORDER BY date_utc ASC NULLS LAST, id`,
		[]any{cleanAll(ids)}, listQuery, fn)
}

// loadListed reads the IDs list selects, then the messages with query
// (see load).
func (s *Store) loadListed(ctx context.Context, list string, args []any, query string, fn func(*model.Message) error) error {
	rows, err := s.pool.Query(ctx, list, args...)
	if err != nil {
		return fmt.Errorf("postgres: list messages: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("postgres: list messages: %w", err)
	}
	return s.load(ctx, ids, query, fn)
}

// listQuery reads messages as listings (Store.Messages): no text, HTML,
// header list or attachments.
var listQuery = `SELECT ` + strings.Replace(msgCols, "m.headers", "'[]'::jsonb", 1) + `, '', t.subject, '', ` + sourcesJSON + `, '[]'::jsonb, ` + copiesJSON + `
FROM messages m JOIN msgtext t ON t.rowid = m.rowid` + threadsJoin

// textQuery reads messages for EachText: no HTML, header list or
// attachments.
var textQuery = `SELECT ` + strings.Replace(msgCols, "m.headers", "'[]'::jsonb", 1) + `, '', t.subject, t.body, ` + sourcesJSON + `, '[]'::jsonb, ` + copiesJSON + `
FROM messages m JOIN msgtext t ON t.rowid = m.rowid` + threadsJoin

// load reads the messages ids with query (getQuery, textQuery or listQuery) in
// chunks and passes them to fn in that order.
func (s *Store) load(ctx context.Context, ids []string, query string, fn func(*model.Message) error) error {
	for len(ids) > 0 {
		chunk := ids[:min(eachChunk, len(ids))]
		ids = ids[len(chunk):]
		rows, err := s.pool.Query(ctx, query+` WHERE m.id = ANY($1)`, chunk)
		if err != nil {
			return fmt.Errorf("postgres: read messages: %w", err)
		}
		byID := make(map[string]*model.Message, len(chunk))
		for rows.Next() {
			m, err := scanFull(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("postgres: read messages: %w", err)
			}
			byID[m.ID] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: read messages: %w", err)
		}
		for _, id := range chunk {
			m, ok := byID[id]
			if !ok {
				continue // deleted meanwhile
			}
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// ThreadInputs implements store.Store.
func (s *Store) ThreadInputs(ctx context.Context, fn func(store.ThreadInput) error) error {
	rows, err := s.pool.Query(ctx, `SELECT m.id, m.mid, m.in_reply_to, m.refs, t.subject, m.date_utc, m.from_name, m.from_addr,
		m.sender, m.to_, m.cc, m.bcc
		FROM messages m JOIN msgtext t ON t.rowid = m.rowid WHERE m.kind <> 'page' AND m.copy_of = ''`)
	if err != nil {
		return fmt.Errorf("postgres: thread inputs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var in store.ThreadInput
		var date *time.Time
		m := model.Message{}
		if err := rows.Scan(&in.ID, &in.MessageID, &in.InReplyTo, &in.References, &in.Subject, &date, &m.From.Name, &m.From.Address,
			&m.Sender, &m.To, &m.Cc, &m.Bcc); err != nil {
			return fmt.Errorf("postgres: thread inputs: %w", err)
		}
		if date != nil {
			in.Date = date.UTC()
		}
		in.Participants = m.Participants()
		if err := fn(in); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SetThreads implements store.Store.
func (s *Store) SetThreads(ctx context.Context, as []store.ThreadAssignment, ph []store.Placeholder) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	// The last assignment of an ID wins, as when applied one by one.
	last := make(map[string]int, len(as))
	for i, a := range as {
		last[a.ID] = i
	}
	var ids, threads, parents []string
	for i, a := range as {
		if last[a.ID] == i {
			ids, threads, parents = append(ids, clean(a.ID)), append(threads, clean(a.ThreadID)), append(parents, clean(a.ParentID))
		}
	}
	lastPh := make(map[string]int, len(ph))
	for i, p := range ph {
		lastPh[p.ID] = i
	}
	var pIDs, pMIDs, pThreads, pParents []string
	for i, p := range ph {
		if lastPh[p.ID] == i {
			pIDs, pMIDs = append(pIDs, clean(p.ID)), append(pMIDs, clean(p.MessageID))
			pThreads, pParents = append(pThreads, clean(p.ThreadID)), append(pParents, clean(p.ParentID))
		}
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: set threads: %w", err)
	}
	defer tx.Rollback(context.Background())
	stmts := []struct {
		what string
		sql  string
		args []any
	}{
		{"lock case", `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, []any{lockKey(s.schema)}},
		// The planner guesses 10 rows for an unnest of a parameter and
		// then nests loops over 100,000s of IDs (hours at 100k messages):
		// hash joins only, for this transaction.
		{"plan", `SET LOCAL enable_nestloop = off`, nil},
		{"assign threads", `INSERT INTO threads(rowid, thread_id, parent_id)
			SELECT m.rowid, u.thread_id, u.parent_id
			FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, thread_id, parent_id) JOIN messages m ON m.id = u.id
			ON CONFLICT (rowid) DO UPDATE SET thread_id = excluded.thread_id, parent_id = excluded.parent_id
			WHERE threads.thread_id <> excluded.thread_id OR threads.parent_id <> excluded.parent_id`, []any{ids, threads, parents}},
		// Replace means replace: messages without an assignment lose the
		// one a previous threading pass gave them.
		{"clear stale threads", `DELETE FROM threads th USING messages m
			WHERE m.rowid = th.rowid AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS u(id) WHERE u.id = m.id)`, []any{ids}},
		{"clear placeholders", `DELETE FROM placeholders`, nil},
		{"store placeholders", `INSERT INTO placeholders(id, mid, thread_id, parent_id)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`, []any{pIDs, pMIDs, pThreads, pParents}},
	}
	for _, st := range stmts {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("postgres: set threads: %s: %w", st.what, err)
		}
	}
	if err := bump(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: set threads: %w", err)
	}
	return nil
}

// Thread implements store.Store. Placeholders come first, then the
// messages by date.
func (s *Store) Thread(ctx context.Context, threadID string) ([]store.ThreadEntry, error) {
	if threadID == "" {
		return nil, fmt.Errorf("%w: message has no thread yet (finish the ingest to thread it)", store.ErrNotFound)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+msgCols+`, t.subject FROM messages m JOIN msgtext t ON t.rowid = m.rowid`+threadsJoin+`
		WHERE m.rowid IN (SELECT rowid FROM threads WHERE thread_id = $1) ORDER BY m.date_utc ASC NULLS LAST, m.id`, clean(threadID))
	if err != nil {
		return nil, fmt.Errorf("postgres: thread %s: %w", threadID, err)
	}
	var out []store.ThreadEntry
	for rows.Next() {
		var subj string
		m, err := scanMessage(rows, &subj)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: thread %s: %w", threadID, err)
		}
		m.Subject = subj
		out = append(out, store.ThreadEntry{ID: m.ID, ParentID: m.ParentID, MessageID: m.MessageID, Date: m.DateUTC, From: m.From,
			Subject: m.Subject, Message: m})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: thread %s: %w", threadID, err)
	}
	prows, err := s.pool.Query(ctx, `SELECT id, mid, parent_id FROM placeholders WHERE thread_id = $1 ORDER BY id`, clean(threadID))
	if err != nil {
		return nil, fmt.Errorf("postgres: placeholders of thread %s: %w", threadID, err)
	}
	ph, err := pgx.CollectRows(prows, func(r pgx.CollectableRow) (store.ThreadEntry, error) {
		e := store.ThreadEntry{Placeholder: true}
		err := r.Scan(&e.ID, &e.MessageID, &e.ParentID)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: placeholders of thread %s: %w", threadID, err)
	}
	if len(out) == 0 && len(ph) == 0 {
		return nil, fmt.Errorf("%w: thread %s", store.ErrNotFound, threadID)
	}
	return append(ph, out...), nil
}

// Stats implements store.Store.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	var st store.Stats
	var first, last *time.Time
	// Document pages (kind page) are counted apart and in nothing else;
	// printed copies linked to native messages are counted apart, their
	// sources with the native message's.
	copies, err := s.hasCopies(s.pool.QueryRow(ctx, hasCopiesSQL))
	if err != nil {
		return st, err
	}
	// Messages whose sources are counted more than once.
	dup := `SELECT count(*) FROM (SELECT message_rowid FROM sources
		WHERE message_rowid NOT IN (SELECT rowid FROM messages WHERE kind = 'page')
		GROUP BY message_rowid HAVING count(*) > 1) d`
	if copies {
		dup = `SELECT count(*) FROM (SELECT CASE WHEN m.copy_of = '' THEN m.id ELSE m.copy_of END AS owner
			FROM sources s JOIN messages m ON m.rowid = s.message_rowid WHERE m.kind <> 'page'
			GROUP BY owner HAVING count(*) > 1) d`
	}
	// The message counts are one pass over messages (they were one pass
	// each); sources are counted without joining messages.
	err = s.pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE kind <> 'page' AND copy_of = ''),
		count(*) FILTER (WHERE kind = 'native'),
		count(*) FILTER (WHERE kind = 'printed' AND copy_of = ''),
		count(*) FILTER (WHERE kind = 'printed' AND copy_of <> ''),
		count(*) FILTER (WHERE kind = 'page'),
		(SELECT count(*) FROM sources) - (SELECT count(*) FROM sources WHERE message_rowid IN (SELECT rowid FROM messages WHERE kind = 'page')),
		(`+dup+`),
		count(*) FILTER (WHERE 'mid_conflict' = ANY (flags)),
		(SELECT count(DISTINCT thread_id) FROM threads WHERE thread_id <> ''),
		(SELECT count(*) FROM placeholders),
		(SELECT count(*) FROM attachments),
		(SELECT count(*) FROM files),
		(SELECT count(*) FROM problems WHERE kind = 'failed'),
		(SELECT count(*) FROM problems WHERE kind = 'skipped'),
		(SELECT count(*) FROM problems WHERE kind = 'warning'),
		count(*) FILTER (WHERE date_utc IS NULL AND kind <> 'page' AND copy_of = ''),
		min(date_utc) FILTER (WHERE kind <> 'page' AND copy_of = ''),
		max(date_utc) FILTER (WHERE kind <> 'page' AND copy_of = ''),
		(SELECT count(*) FROM runs)
		FROM messages`).Scan(&st.Messages, &st.Native, &st.Printed, &st.PrintedCopies, &st.Pages, &st.Sources, &st.DuplicatedMsg, &st.MIDConflicts,
		&st.Threads, &st.Placeholders, &st.Attachments, &st.Files, &st.Failed, &st.Skipped, &st.Warnings, &st.UndatedMsgs, &first, &last, &st.Runs)
	if err != nil {
		return st, fmt.Errorf("postgres: stats of case %s: %w", s.name, err)
	}
	st.Duplicates = st.Sources - st.Messages
	if first != nil {
		t := first.UTC()
		st.First = &t
	}
	if last != nil {
		t := last.UTC()
		st.Last = &t
	}
	return st, nil
}

// Problems implements store.Store.
func (s *Store) Problems(ctx context.Context, kind string, runID int64) ([]store.Problem, error) {
	rows, err := s.pool.Query(ctx, `SELECT run_id, kind, path, member, byte_offset, page, reason FROM problems
		WHERE ($1::text = '' OR kind = $1::text) AND ($2::bigint = 0 OR run_id = $2::bigint) ORDER BY path, member, byte_offset, page, id`, clean(kind), runID)
	if err != nil {
		return nil, fmt.Errorf("postgres: problems: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Problem, error) {
		var p store.Problem
		err := r.Scan(&p.RunID, &p.Kind, &p.Path, &p.Member, &p.Offset, &p.Page, &p.Reason)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: problems: %w", err)
	}
	if out == nil {
		out = []store.Problem{}
	}
	return out, nil
}

// Files implements store.Store. Stored, Failed, Skipped, Duplicates and
// Pages are computed from the case's current state, so they do not
// depend on how many runs it took to ingest the file; Stored and
// Duplicates leave document pages out.
func (s *Store) Files(ctx context.Context) ([]store.FileRecord, error) {
	rows, err := s.pool.Query(ctx, `
WITH msrc AS (
  SELECT s.* FROM sources s JOIN messages m ON m.rowid = s.message_rowid WHERE m.kind <> 'page'
), ranked AS (
  SELECT path, row_number() OVER (PARTITION BY message_rowid ORDER BY path, member, byte_offset, page, line_from) AS n FROM msrc
), dup AS (SELECT path, count(*) AS c FROM ranked WHERE n > 1 GROUP BY path),
stored AS (SELECT path, count(*) AS c FROM msrc GROUP BY path),
pages AS (SELECT s.path, count(*) AS c FROM sources s JOIN messages m ON m.rowid = s.message_rowid WHERE m.kind = 'page' GROUP BY s.path),
prob AS (SELECT path, count(*) FILTER (WHERE kind = 'failed') AS failed, count(*) FILTER (WHERE kind = 'skipped') AS skipped
  FROM problems GROUP BY path)
SELECT f.path, f.sha256, f.size, f.format, f.run_id, f.seen, f.emitted, f.status,
  COALESCE(st.c, 0), COALESCE(d.c, 0), COALESCE(p.failed, 0), COALESCE(p.skipped, 0), COALESCE(pg.c, 0)
FROM files f LEFT JOIN stored st ON st.path = f.path LEFT JOIN dup d ON d.path = f.path LEFT JOIN prob p ON p.path = f.path
  LEFT JOIN pages pg ON pg.path = f.path
ORDER BY f.path, f.sha256`)
	if err != nil {
		return nil, fmt.Errorf("postgres: files: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.FileRecord, error) {
		var f store.FileRecord
		err := r.Scan(&f.Path, &f.SHA256, &f.Size, &f.Format, &f.RunID, &f.Seen, &f.Emitted, &f.Status,
			&f.Stored, &f.Duplicates, &f.Failed, &f.Skipped, &f.Pages)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: files: %w", err)
	}
	if out == nil {
		out = []store.FileRecord{}
	}
	return out, nil
}

// SetCopies implements store.Store: it replaces every printed→native
// copy link. A linked printed message leaves searches, counts and
// threading; its native message carries its sources and lists it. A
// link from anything but a printed message to a native one is refused
// and nothing changes.
func (s *Store) SetCopies(ctx context.Context, links []store.CopyLink) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: set copies: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey(s.schema)); err != nil {
		return fmt.Errorf("postgres: set copies: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE messages SET copy_of = '', copy_score = 0, copy_evidence = NULL WHERE copy_of <> ''`); err != nil {
		return fmt.Errorf("postgres: set copies: %w", err)
	}
	batch := &pgx.Batch{}
	for _, l := range links {
		batch.Queue(`UPDATE messages SET copy_of = $2, copy_score = $3, copy_evidence = $4
			WHERE id = $1 AND kind = 'printed' AND EXISTS (SELECT 1 FROM messages n WHERE n.id = $2 AND n.kind = 'native')`,
			clean(l.ID), clean(l.Of), l.Score, jsonArg(cleanAll(nonNil(l.Evidence))))
	}
	br := tx.SendBatch(ctx, batch)
	for _, l := range links {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return fmt.Errorf("postgres: link %s to %s: %w", l.ID, l.Of, err)
		}
		if tag.RowsAffected() != 1 {
			br.Close()
			return fmt.Errorf("postgres: cannot link %s as a copy of %s: it must be a printed message and %s a native one", l.ID, l.Of, l.Of)
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("postgres: set copies: %w", err)
	}
	if err := bump(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: set copies: %w", err)
	}
	return nil
}
