package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// msgCols are the messages columns scanned by scanMessage, prefixed "m.".
const msgCols = `m.rowid, m.id, m.kind, m.mid, m.in_reply_to, m.refs, m.date_utc, m.date_offset, m.date_raw, m.date_flag,
m.from_name, m.from_addr, m.sender_json, m.to_json, m.cc_json, m.bcc_json, m.reply_to_json, m.headers_json, m.warnings_json,
m.flags, m.size, m.raw_sha256, m.content_hash, m.confidence, m.container_id,
COALESCE((SELECT thread_id FROM threads WHERE rowid = m.rowid), ''), COALESCE((SELECT parent_id FROM threads WHERE rowid = m.rowid), ''), m.copy_of`

type scanner interface{ Scan(dest ...any) error }

func scanMessage(sc scanner, extra ...any) (*model.Message, int64, error) {
	var (
		m                                                            model.Message
		rowid                                                        int64
		date                                                         sql.NullInt64
		refs, sender, to, cc, bcc, replyTo, headers, warnings, flags string
	)
	dest := []any{&rowid, &m.ID, &m.Kind, &m.MessageID, &m.InReplyTo, &refs, &date, &m.DateOffset, &m.DateRaw, &m.DateFlag,
		&m.From.Name, &m.From.Address, &sender, &to, &cc, &bcc, &replyTo, &headers, &warnings,
		&flags, &m.Size, &m.RawSHA256, &m.ContentHash, &m.Confidence, &m.ContainerID, &m.ThreadID, &m.ParentID, &m.CopyOf}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, 0, err
	}
	if date.Valid {
		t := time.Unix(date.Int64, 0).UTC()
		m.DateUTC = &t
	}
	_ = json.Unmarshal([]byte(refs), &m.References)
	_ = json.Unmarshal([]byte(sender), &m.Sender)
	_ = json.Unmarshal([]byte(to), &m.To)
	_ = json.Unmarshal([]byte(cc), &m.Cc)
	_ = json.Unmarshal([]byte(bcc), &m.Bcc)
	_ = json.Unmarshal([]byte(replyTo), &m.ReplyTo)
	_ = json.Unmarshal([]byte(headers), &m.Headers)
	_ = json.Unmarshal([]byte(warnings), &m.Warnings)
	if flags != "" {
		m.Flags = strings.Fields(flags)
	}
	if m.To == nil {
		m.To = []model.Address{}
	}
	if m.Cc == nil {
		m.Cc = []model.Address{}
	}
	return &m, rowid, nil
}

func (s *Store) sources(ctx context.Context, rowid int64) ([]model.Source, error) {
	return sourcesOf(ctx, s.db, rowid)
}

// querier is a *sql.DB or *sql.Conn.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sourcesSQL selects a message's sources, with those of the printed
// copies linked to it.
const sourcesSQL = `SELECT path, member, offset, length, sha256, file_sha256, page, page_end, bates, line_from, line_to, run_id
		FROM sources WHERE message_rowid=?1 OR message_rowid IN
			(SELECT c.rowid FROM messages c WHERE c.copy_of != '' AND c.copy_of = (SELECT id FROM messages WHERE rowid=?1))
		ORDER BY run_id, path, member, offset, page, line_from`

// sourcesOf returns a message's sources, with those of the printed
// copies linked to it.
func sourcesOf(ctx context.Context, db querier, rowid int64) ([]model.Source, error) {
	rows, err := db.QueryContext(ctx, sourcesSQL, rowid)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sources: %w", err)
	}
	return scanSources(rows)
}

// sourceReader looks up the sources of many messages with one prepared
// statement (preparing it took 15% of a selective search's time).
type sourceReader struct{ st *sql.Stmt }

func newSourceReader(ctx context.Context, conn *sql.Conn) (*sourceReader, error) {
	st, err := conn.PrepareContext(ctx, sourcesSQL)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sources: %w", err)
	}
	return &sourceReader{st}, nil
}

func (r *sourceReader) of(ctx context.Context, rowid int64) ([]model.Source, error) {
	rows, err := r.st.QueryContext(ctx, rowid)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sources: %w", err)
	}
	return scanSources(rows)
}

func (r *sourceReader) close() { r.st.Close() }

// scanSources reads and closes source rows.
func scanSources(rows *sql.Rows) ([]model.Source, error) {
	defer rows.Close()
	out := []model.Source{}
	for rows.Next() {
		var src model.Source
		if err := rows.Scan(&src.Path, &src.Member, &src.Offset, &src.Length, &src.SHA256, &src.FileSHA256, &src.Page, &src.PageEnd,
			&src.Bates, &src.LineFrom, &src.LineTo, &src.RunID); err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, id string) (*model.Message, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+msgCols+`, m.body_html, t.subject, t.body
		FROM messages m JOIN msgtext t ON t.rowid = m.rowid WHERE m.id=?`, id)
	var html, subj, body sql.NullString
	m, rowid, err := scanMessage(row, &html, &subj, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: message %s", store.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s: %w", id, err)
	}
	m.BodyHTML, m.Subject, m.BodyText = html.String, subj.String, body.String
	if m.Sources, err = s.sources(ctx, rowid); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT filename, mime, size, sha256, text_error FROM attachments WHERE message_rowid=? ORDER BY idx`, rowid)
	if err != nil {
		return nil, fmt.Errorf("sqlite: attachments of %s: %w", id, err)
	}
	defer rows.Close()
	m.Attachments = []model.Attachment{}
	for rows.Next() {
		var a model.Attachment
		if err := rows.Scan(&a.Filename, &a.MIME, &a.Size, &a.SHA256, &a.TextError); err != nil {
			return nil, err
		}
		m.Attachments = append(m.Attachments, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cp, err := s.copiesOf(ctx, []string{m.ID})
	if err != nil {
		return nil, err
	}
	m.Copies = cp[m.ID]
	return m, nil
}

// ResolveID implements store.Store.
func (s *Store) ResolveID(ctx context.Context, prefix string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(prefix))
	if len(p) < 4 || strings.Trim(p, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%w: %q is not a message id (ids are 16 hex digits; at least 4 are needed)", store.ErrNotFound, prefix)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM messages WHERE id >= ? AND id < ? ORDER BY id LIMIT 6`, p, p+"g")
	if err != nil {
		return "", fmt.Errorf("sqlite: resolve %s: %w", prefix, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		ids = append(ids, id)
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

// Each implements store.Store. Messages are read a page at a time, with
// the page's sources and attachments in one query each (not three
// queries per message).
func (s *Store) Each(ctx context.Context, fn func(*model.Message) error) error {
	return s.each(ctx, true, fn)
}

// EachText implements store.Store.
func (s *Store) EachText(ctx context.Context, fn func(*model.Message) error) error {
	return s.each(ctx, false, fn)
}

// each streams every message, whole or (full false) without HTML, header
// list and attachments.
func (s *Store) each(ctx context.Context, full bool, fn func(*model.Message) error) error {
	copies, err := s.hasCopies(ctx)
	if err != nil {
		return err
	}
	cols, html := msgCols, "m.body_html"
	if !full {
		cols, html = listCols, "''"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+cols+`, `+html+`, t.subject, t.body
		FROM messages m JOIN msgtext t ON t.rowid = m.rowid ORDER BY m.date_utc IS NULL, m.date_utc, m.id`)
	if err != nil {
		return fmt.Errorf("sqlite: each: %w", err)
	}
	defer rows.Close()
	const pageSize = 500
	var page []*model.Message
	var rowids []int64
	flush := func() error {
		if len(page) == 0 {
			return nil
		}
		if err := s.fillPage(ctx, page, rowids, copies, full); err != nil {
			return err
		}
		for _, m := range page {
			if err := fn(m); err != nil {
				return err
			}
		}
		page, rowids = page[:0], rowids[:0]
		return ctx.Err()
	}
	for rows.Next() {
		var html, subj, body sql.NullString
		m, rowid, err := scanMessage(rows, &html, &subj, &body)
		if err != nil {
			return fmt.Errorf("sqlite: each: %w", err)
		}
		m.BodyHTML, m.Subject, m.BodyText = html.String, subj.String, body.String
		if !full {
			m.Headers = nil
		}
		page, rowids = append(page, m), append(rowids, rowid)
		if len(page) == pageSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: each: %w", err)
	}
	return flush()
}

// copiesOf maps native message IDs to the printed copies linked to them.
func (s *Store) copiesOf(ctx context.Context, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT copy_of, id FROM messages WHERE copy_of != '' AND copy_of IN (?`+strings.Repeat(",?", len(ids)-1)+`) ORDER BY copy_of, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: copies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var of, id string
		if err := rows.Scan(&of, &id); err != nil {
			return nil, fmt.Errorf("sqlite: copies: %w", err)
		}
		out[of] = append(out[of], id)
	}
	return out, rows.Err()
}

// fillPage loads the sources (and attachments) of a page of messages.
func (s *Store) fillPage(ctx context.Context, page []*model.Message, rowids []int64, copies, attachments bool) error {
	byRow := make(map[int64]*model.Message, len(page))
	in := make([]string, len(rowids))
	args := make([]any, len(rowids))
	for i, r := range rowids {
		byRow[r] = page[i]
		page[i].Sources = []model.Source{}
		if attachments {
			page[i].Attachments = []model.Attachment{}
		}
		in[i], args[i] = "?", r
	}
	list := strings.Join(in, ",")
	rows, err := s.db.QueryContext(ctx, `SELECT message_rowid, path, member, offset, length, sha256, file_sha256, page, page_end, bates, line_from, line_to, run_id
		FROM sources WHERE message_rowid IN (`+list+`) ORDER BY message_rowid, run_id, path, member, offset, page, line_from`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: sources: %w", err)
	}
	for rows.Next() {
		var r int64
		var src model.Source
		if err := rows.Scan(&r, &src.Path, &src.Member, &src.Offset, &src.Length, &src.SHA256, &src.FileSHA256, &src.Page, &src.PageEnd,
			&src.Bates, &src.LineFrom, &src.LineTo, &src.RunID); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: sources: %w", err)
		}
		byRow[r].Sources = append(byRow[r].Sources, src)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: sources: %w", err)
	}
	if copies {
		if err := s.fillCopies(ctx, page); err != nil {
			return err
		}
	}
	if !attachments {
		return nil
	}
	rows, err = s.db.QueryContext(ctx, `SELECT message_rowid, filename, mime, size, sha256, text_error
		FROM attachments WHERE message_rowid IN (`+list+`) ORDER BY message_rowid, idx`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r int64
		var a model.Attachment
		if err := rows.Scan(&r, &a.Filename, &a.MIME, &a.Size, &a.SHA256, &a.TextError); err != nil {
			return fmt.Errorf("sqlite: attachments: %w", err)
		}
		byRow[r].Attachments = append(byRow[r].Attachments, a)
	}
	return rows.Err()
}

// ThreadInputs implements store.Store.
func (s *Store) ThreadInputs(ctx context.Context, fn func(store.ThreadInput) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.mid, m.in_reply_to, m.refs, t.subject, m.date_utc, m.from_name, m.from_addr,
		m.sender_json, m.to_json, m.cc_json, m.bcc_json
		FROM messages m JOIN msgtext t ON t.rowid = m.rowid WHERE m.kind != 'page' AND m.copy_of = ''`)
	if err != nil {
		return fmt.Errorf("sqlite: thread inputs: %w", err)
	}
	defer rows.Close()
	// Rows are read here and decoded (JSON address lists, half the work)
	// by a second goroutine, in order, a batch at a time: threading a
	// whole case waits for this (100k messages: 1.1 s of CPU).
	type raw struct {
		in                        store.ThreadInput
		from                      model.Address
		refs, sender, to, cc, bcc string
	}
	const batch = 512
	batches := make(chan []raw, 4)
	stop := make(chan struct{})
	decoded := make(chan error, 1)
	go func() {
		var ferr error
		for b := range batches {
			if ferr != nil {
				continue // drain
			}
			for i := range b {
				r := &b[i]
				m := model.Message{From: r.from}
				_ = json.Unmarshal([]byte(r.refs), &r.in.References)
				_ = json.Unmarshal([]byte(r.sender), &m.Sender)
				_ = json.Unmarshal([]byte(r.to), &m.To)
				_ = json.Unmarshal([]byte(r.cc), &m.Cc)
				_ = json.Unmarshal([]byte(r.bcc), &m.Bcc)
				r.in.Participants = m.Participants()
				if ferr = fn(r.in); ferr != nil {
					close(stop)
					break
				}
			}
		}
		decoded <- ferr
	}()
	scanErr := func() error {
		defer close(batches)
		b := make([]raw, 0, batch)
		for rows.Next() {
			var r raw
			var subj sql.NullString
			var date sql.NullInt64
			if err := rows.Scan(&r.in.ID, &r.in.MessageID, &r.in.InReplyTo, &r.refs, &subj, &date, &r.from.Name, &r.from.Address,
				&r.sender, &r.to, &r.cc, &r.bcc); err != nil {
				return err
			}
			r.in.Subject = subj.String
			if date.Valid {
				r.in.Date = time.Unix(date.Int64, 0).UTC()
			}
			if b = append(b, r); len(b) == batch {
				select {
				case batches <- b:
				case <-stop:
					return nil
				}
				b = make([]raw, 0, batch)
			}
		}
		if len(b) > 0 {
			select {
			case batches <- b:
			case <-stop:
			}
		}
		return rows.Err()
	}()
	if err := <-decoded; err != nil {
		return err
	}
	return scanErr
}

// SetThreads implements store.Store.
func (s *Store) SetThreads(ctx context.Context, as []store.ThreadAssignment, ph []store.Placeholder) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: set threads: %w", err)
	}
	defer tx.Rollback()
	// Row IDs by message ID, and the assignments in place: only changes
	// are written.
	rowids := map[string]int64{}
	if err := eachRow(ctx, tx, `SELECT id, rowid FROM messages`, func(rows *sql.Rows) error {
		var id string
		var r int64
		err := rows.Scan(&id, &r)
		rowids[id] = r
		return err
	}); err != nil {
		return fmt.Errorf("sqlite: set threads: %w", err)
	}
	old := map[int64][2]string{}
	if err := eachRow(ctx, tx, `SELECT rowid, thread_id, parent_id FROM threads`, func(rows *sql.Rows) error {
		var r int64
		var v [2]string
		err := rows.Scan(&r, &v[0], &v[1])
		old[r] = v
		return err
	}); err != nil {
		return fmt.Errorf("sqlite: set threads: %w", err)
	}
	put, err := tx.PrepareContext(ctx, `INSERT INTO threads(rowid, thread_id, parent_id) VALUES(?,?,?)
		ON CONFLICT(rowid) DO UPDATE SET thread_id=excluded.thread_id, parent_id=excluded.parent_id`)
	if err != nil {
		return err
	}
	defer put.Close()
	del, err := tx.PrepareContext(ctx, `DELETE FROM threads WHERE rowid=?`)
	if err != nil {
		return err
	}
	defer del.Close()
	for _, a := range as {
		r, ok := rowids[a.ID]
		if !ok || (a.ThreadID == "" && a.ParentID == "") {
			continue
		}
		v, had := old[r]
		delete(old, r)
		if had && v == [2]string{a.ThreadID, a.ParentID} {
			continue
		}
		if _, err := put.ExecContext(ctx, r, a.ThreadID, a.ParentID); err != nil {
			return fmt.Errorf("sqlite: set thread of %s: %w", a.ID, err)
		}
	}
	// Replace means replace: messages without an assignment lose the one
	// a previous threading pass gave them.
	for r := range old {
		if _, err := del.ExecContext(ctx, r); err != nil {
			return fmt.Errorf("sqlite: clear thread of message row %d: %w", r, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM placeholders`); err != nil {
		return err
	}
	pst, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO placeholders(id, mid, thread_id, parent_id) VALUES(?,?,?,?)`)
	if err != nil {
		return err
	}
	defer pst.Close()
	for _, p := range ph {
		if _, err := pst.ExecContext(ctx, p.ID, p.MessageID, p.ThreadID, p.ParentID); err != nil {
			return fmt.Errorf("sqlite: placeholder %s: %w", p.ID, err)
		}
	}
	if err := bump(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Thread implements store.Store. Entries are ordered by date.
func (s *Store) Thread(ctx context.Context, threadID string) ([]store.ThreadEntry, error) {
	if threadID == "" {
		return nil, fmt.Errorf("%w: message has no thread yet (finish the ingest to thread it)", store.ErrNotFound)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+msgCols+`, t.subject FROM messages m JOIN msgtext t ON t.rowid=m.rowid
		WHERE m.rowid IN (SELECT rowid FROM threads WHERE thread_id=?) ORDER BY m.date_utc IS NULL, m.date_utc, m.id`, threadID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: thread %s: %w", threadID, err)
	}
	defer rows.Close()
	var out []store.ThreadEntry
	for rows.Next() {
		var subj sql.NullString
		m, _, err := scanMessage(rows, &subj)
		if err != nil {
			return nil, err
		}
		m.Subject = subj.String
		out = append(out, store.ThreadEntry{ID: m.ID, ParentID: m.ParentID, MessageID: m.MessageID, Date: m.DateUTC, From: m.From, Subject: m.Subject, Message: m})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prow, err := s.db.QueryContext(ctx, `SELECT id, mid, parent_id FROM placeholders WHERE thread_id=? ORDER BY id`, threadID)
	if err != nil {
		return nil, err
	}
	defer prow.Close()
	var ph []store.ThreadEntry
	for prow.Next() {
		e := store.ThreadEntry{Placeholder: true}
		if err := prow.Scan(&e.ID, &e.MessageID, &e.ParentID); err != nil {
			return nil, err
		}
		ph = append(ph, e)
	}
	if len(out) == 0 && len(ph) == 0 {
		return nil, fmt.Errorf("%w: thread %s", store.ErrNotFound, threadID)
	}
	return append(ph, out...), prow.Err()
}

// Stats implements store.Store.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	var st store.Stats
	copies, err := s.hasCopies(ctx)
	if err != nil {
		return st, err
	}
	// Messages whose sources are counted more than once; a printed copy's
	// sources count for its native message.
	dup := `SELECT COUNT(*) FROM (SELECT message_rowid FROM sources
		WHERE message_rowid NOT IN (SELECT rowid FROM messages WHERE kind = 'page')
		GROUP BY message_rowid HAVING COUNT(*) > 1)`
	if copies {
		dup = `SELECT COUNT(*) FROM (SELECT CASE WHEN m.copy_of = '' THEN m.id ELSE m.copy_of END AS owner
			FROM sources s JOIN messages m ON m.rowid = s.message_rowid WHERE m.kind != 'page'
			GROUP BY owner HAVING COUNT(*) > 1)`
	}
	var first, last sql.NullInt64
	// The message counts are one pass over messages_stats (a covering
	// index); the others read small indexes.
	err = s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(kind != 'page' AND copy_of = ''), 0),
		COALESCE(SUM(kind = 'native'), 0),
		COALESCE(SUM(kind = 'printed' AND copy_of = ''), 0),
		COALESCE(SUM(kind = 'printed' AND copy_of != ''), 0),
		COALESCE(SUM(kind = 'page'), 0),
		COALESCE(SUM((' '||flags||' ') LIKE '% mid_conflict %'), 0),
		COALESCE(SUM(date_utc IS NULL AND kind != 'page' AND copy_of = ''), 0),
		MIN(CASE WHEN kind != 'page' AND copy_of = '' THEN date_utc END),
		MAX(CASE WHEN kind != 'page' AND copy_of = '' THEN date_utc END),
		(SELECT COUNT(*) FROM sources) - (SELECT COUNT(*) FROM sources WHERE message_rowid IN (SELECT rowid FROM messages WHERE kind = 'page')),
		(`+dup+`),
		(SELECT COUNT(DISTINCT thread_id) FROM threads WHERE thread_id != ''),
		(SELECT COUNT(*) FROM placeholders),
		(SELECT COUNT(*) FROM attachments),
		(SELECT COUNT(*) FROM files),
		(SELECT COUNT(*) FROM problems WHERE kind='failed'),
		(SELECT COUNT(*) FROM problems WHERE kind='skipped'),
		(SELECT COUNT(*) FROM problems WHERE kind='warning'),
		(SELECT COUNT(*) FROM runs)
		FROM messages INDEXED BY messages_stats`).Scan(&st.Messages, &st.Native, &st.Printed, &st.PrintedCopies, &st.Pages, &st.MIDConflicts,
		&st.UndatedMsgs, &first, &last, &st.Sources, &st.DuplicatedMsg,
		&st.Threads, &st.Placeholders, &st.Attachments, &st.Files, &st.Failed, &st.Skipped, &st.Warnings, &st.Runs)
	if err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	st.Duplicates = st.Sources - st.Messages
	if first.Valid {
		t := time.Unix(first.Int64, 0).UTC()
		st.First = &t
	}
	if last.Valid {
		t := time.Unix(last.Int64, 0).UTC()
		st.Last = &t
	}
	return st, nil
}

// Problems implements store.Store.
func (s *Store) Problems(ctx context.Context, kind string, runID int64) ([]store.Problem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, kind, path, member, offset, page, reason FROM problems
		WHERE (?='' OR kind=?) AND (?=0 OR run_id=?) ORDER BY path, member, offset, page, id`, kind, kind, runID, runID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: problems: %w", err)
	}
	defer rows.Close()
	out := []store.Problem{}
	for rows.Next() {
		var p store.Problem
		if err := rows.Scan(&p.RunID, &p.Kind, &p.Path, &p.Member, &p.Offset, &p.Page, &p.Reason); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Files implements store.Store. Stored, Failed, Skipped and Duplicates
// are computed from the case's current state, so they do not depend on
// how many runs it took to ingest the file.
func (s *Store) Files(ctx context.Context) ([]store.FileRecord, error) {
	rows, err := s.db.QueryContext(ctx, `
WITH msrc AS (
  SELECT s.* FROM sources s JOIN messages m ON m.rowid = s.message_rowid WHERE m.kind != 'page'
), ranked AS (
  SELECT path, ROW_NUMBER() OVER (PARTITION BY message_rowid ORDER BY path, member, offset, page, line_from) AS n FROM msrc
), dup AS (SELECT path, COUNT(*) AS c FROM ranked WHERE n > 1 GROUP BY path),
stored AS (SELECT path, COUNT(*) AS c FROM msrc GROUP BY path),
pages AS (SELECT s.path, COUNT(*) AS c FROM sources s JOIN messages m ON m.rowid = s.message_rowid WHERE m.kind = 'page' GROUP BY s.path),
prob AS (SELECT path, SUM(kind='failed') AS failed, SUM(kind='skipped') AS skipped FROM problems GROUP BY path)
SELECT f.path, f.sha256, f.size, f.format, f.run_id, f.seen, f.emitted, f.status,
  COALESCE(st.c, 0), COALESCE(d.c, 0), COALESCE(p.failed, 0), COALESCE(p.skipped, 0), COALESCE(pg.c, 0)
FROM files f LEFT JOIN stored st ON st.path=f.path LEFT JOIN dup d ON d.path=f.path LEFT JOIN prob p ON p.path=f.path
  LEFT JOIN pages pg ON pg.path=f.path
ORDER BY f.path`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: files: %w", err)
	}
	defer rows.Close()
	out := []store.FileRecord{}
	for rows.Next() {
		var f store.FileRecord
		if err := rows.Scan(&f.Path, &f.SHA256, &f.Size, &f.Format, &f.RunID, &f.Seen, &f.Emitted, &f.Status,
			&f.Stored, &f.Duplicates, &f.Failed, &f.Skipped, &f.Pages); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// fillCopies adds to each native message of page the IDs and sources of
// the printed copies linked to it.
func (s *Store) fillCopies(ctx context.Context, page []*model.Message) error {
	byID := make(map[string]*model.Message, len(page))
	ids := make([]string, 0, len(page))
	for _, m := range page {
		if m.Kind == model.KindNative {
			byID[m.ID] = m
			ids = append(ids, m.ID)
		}
	}
	cp, err := s.copiesOf(ctx, ids)
	if err != nil || len(cp) == 0 {
		return err
	}
	var args []any
	for of, list := range cp {
		byID[of].Copies = list
		args = append(args, of)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.copy_of, s.path, s.member, s.offset, s.length, s.sha256, s.file_sha256, s.page, s.page_end, s.bates,
		s.line_from, s.line_to, s.run_id FROM sources s JOIN messages c ON c.rowid = s.message_rowid
		WHERE c.copy_of != '' AND c.copy_of IN (?`+strings.Repeat(",?", len(args)-1)+`)`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: sources of copies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var of string
		var src model.Source
		if err := rows.Scan(&of, &src.Path, &src.Member, &src.Offset, &src.Length, &src.SHA256, &src.FileSHA256, &src.Page, &src.PageEnd,
			&src.Bates, &src.LineFrom, &src.LineTo, &src.RunID); err != nil {
			return fmt.Errorf("sqlite: sources of copies: %w", err)
		}
		byID[of].Sources = append(byID[of].Sources, src)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: sources of copies: %w", err)
	}
	for of := range cp {
		slices.SortFunc(byID[of].Sources, compareSources)
	}
	return nil
}

// compareSources is the contract's source order: run, path, member,
// offset, page, line.
func compareSources(a, b model.Source) int {
	return cmp.Or(cmp.Compare(a.RunID, b.RunID), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Member, b.Member),
		cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.Page, b.Page), cmp.Compare(a.LineFrom, b.LineFrom))
}

// SetCopies implements store.Store.
func (s *Store) SetCopies(ctx context.Context, links []store.CopyLink) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: set copies: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET copy_of='', copy_score=0, copy_evidence='' WHERE copy_of != ''`); err != nil {
		return fmt.Errorf("sqlite: set copies: %w", err)
	}
	st, err := tx.PrepareContext(ctx, `UPDATE messages SET copy_of=?, copy_score=?, copy_evidence=?
		WHERE id=? AND kind='printed' AND EXISTS (SELECT 1 FROM messages n WHERE n.id=? AND n.kind='native')`)
	if err != nil {
		return fmt.Errorf("sqlite: set copies: %w", err)
	}
	defer st.Close()
	for _, l := range links {
		r, err := st.ExecContext(ctx, l.Of, l.Score, mustJSON(nonNil(l.Evidence)), l.ID, l.Of)
		if err != nil {
			return fmt.Errorf("sqlite: link %s to %s: %w", l.ID, l.Of, err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return fmt.Errorf("sqlite: cannot link %s as a copy of %s: it must be a printed message and %s a native one", l.ID, l.Of, l.Of)
		}
	}
	if err := bump(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// eachRow runs a query in tx and calls fn for each row.
func eachRow(ctx context.Context, tx *sql.Tx, q string, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
