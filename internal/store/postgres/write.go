package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// copyItem is one copy of a message in a batch, in write order, with
// its rfc822 children flattened after it.
type copyItem struct {
	m   *model.Message
	key string
}

// flatten lists m and its children depth-first. Children without
// sources inherit m's with the member suffixed "#rfc822-N", so each
// keeps its provenance; ContainerID links them to m.
func flatten(m *model.Message, container string, out []copyItem) []copyItem {
	if container != "" {
		m.ContainerID = container
	}
	key := model.DedupKey(m)
	if m.ID == "" {
		m.ID = model.IDForKey(key)
	}
	out = append(out, copyItem{m: m, key: key})
	for i, c := range m.Children {
		if len(c.Sources) == 0 {
			for _, src := range m.Sources {
				cs := src
				cs.Member = src.Member + fmt.Sprintf("#rfc822-%d", i+1)
				cs.SHA256 = c.RawSHA256
				cs.Length = c.Size
				cs.Offset = src.Offset + c.RawOffset // 0: not verbatim in the parent
				c.Sources = append(c.Sources, cs)
			}
		}
		out = flatten(c, m.ID, out)
	}
	return out
}

// Write implements store.Store. The batch is one transaction, sent to
// the server as one pipeline after a single look-up of which messages
// the case already holds.
func (s *Store) Write(ctx context.Context, runID int64, b store.Batch) (store.PutResult, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var res store.PutResult
	pre, ok := b.Prepared.(*prepared)
	if !ok || len(pre.items) == 0 && len(b.Messages) > 0 {
		pre = prepare(b.Messages)
	}
	items := pre.items
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("postgres: write batch to case %s: %w", s.name, err)
	}
	defer tx.Rollback(context.Background())
	// Writers in other processes wait here, so the new/duplicate counts
	// stay exact.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey(s.schema)); err != nil {
		return res, fmt.Errorf("postgres: write batch to case %s: %w", s.name, err)
	}
	known := map[string]bool{}
	if len(items) > 0 {
		keys := make([]string, len(items))
		for i, it := range items {
			keys[i] = clean(it.key)
		}
		rows, err := tx.Query(ctx, `SELECT dedup_key FROM messages WHERE dedup_key = ANY($1)`, keys)
		if err != nil {
			return res, fmt.Errorf("postgres: look up batch messages: %w", err)
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return res, fmt.Errorf("postgres: look up batch messages: %w", err)
		}
		for _, k := range found {
			known[k] = true
		}
	}

	w := &writer{batch: &pgx.Batch{}}
	isNew := make([]bool, len(items))
	for i, it := range items {
		m := it.m
		key := clean(it.key)
		if !known[key] {
			known[key] = true
			isNew[i] = true
			w.message(i, m, key, runID, pre.text[i])
		}
		for _, src := range m.Sources {
			w.queue(writeOp{what: "record source " + src.Path + " for", item: i, source: true},
				`INSERT INTO sources(message_rowid, path, member, byte_offset, length, sha256, file_sha256, page, page_end, bates, line_from, line_to, run_id)
				SELECT rowid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM messages WHERE dedup_key = $1
				ON CONFLICT DO NOTHING`,
				key, clean(src.Path), clean(src.Member), src.Offset, src.Length, clean(src.SHA256), clean(src.FileSHA256),
				src.Page, src.PageEnd, clean(src.Bates), src.LineFrom, src.LineTo, runID)
		}
	}
	for _, p := range b.Problems {
		w.queue(writeOp{what: "record problem for " + p.Path, item: -1},
			`INSERT INTO problems(run_id, kind, path, member, byte_offset, page, reason) VALUES($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT DO NOTHING`,
			runID, clean(p.Kind), clean(p.Path), clean(p.Member), p.Offset, p.Page, clean(p.Reason))
	}
	for _, f := range b.Files {
		w.queue(writeOp{what: "record file " + f.Path, item: -1},
			`INSERT INTO files(path, sha256, size, format, run_id, seen, emitted, status) VALUES($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (path, sha256) DO UPDATE SET size = excluded.size, format = excluded.format, run_id = excluded.run_id,
			  seen = excluded.seen, emitted = excluded.emitted, status = excluded.status`,
			clean(f.Path), clean(f.SHA256), f.Size, clean(f.Format), runID, f.Seen, f.Emitted, clean(f.Status))
	}
	added := make([]int64, len(items))
	if len(w.ops) > 0 {
		br := tx.SendBatch(ctx, w.batch)
		for _, o := range w.ops {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				if o.item >= 0 {
					return res, fmt.Errorf("postgres: %s message %s: %w", o.what, items[o.item].m.ID, err)
				}
				return res, fmt.Errorf("postgres: %s: %w", o.what, err)
			}
			if o.source {
				added[o.item] += tag.RowsAffected()
			}
		}
		if err := br.Close(); err != nil {
			return res, fmt.Errorf("postgres: write batch to case %s: %w", s.name, err)
		}
	}
	if len(b.Messages) > 0 {
		if err := bump(ctx, tx); err != nil {
			return res, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("postgres: commit batch to case %s: %w", s.name, err)
	}
	for i := range items {
		switch {
		case isNew[i]:
			res.New++
			if items[i].m.Kind == model.KindPage {
				res.Pages++
			}
		case added[i] > 0:
			res.Duplicates++
		default:
			res.Known++
		}
	}
	return res, nil
}

// writeOp is one queued statement of a batch: what it does (to name a
// failure), for which copy (-1 for problems and files), and whether it
// records a source (whose rows affected count new copies).
type writeOp struct {
	what   string
	item   int
	source bool
}

// writer queues a batch's statements for one pipeline.
type writer struct {
	batch *pgx.Batch
	ops   []writeOp
}

func (w *writer) queue(o writeOp, sql string, args ...any) {
	w.ops = append(w.ops, o)
	w.batch.Queue(sql, args...)
}

// Prepare implements store.Preparer: it flattens the batch's messages
// and renders their texts' vectors (the writer's largest share of CPU)
// ahead of Write.
func (s *Store) Prepare(b *store.Batch) { b.Prepared = prepare(b.Messages) }

// prepared is a batch made ready for Write: its copies in write order
// and, for each, its text fields and their vectors.
type prepared struct {
	items []copyItem
	text  []*textRow
}

func prepare(msgs []*model.Message) *prepared {
	p := &prepared{}
	for _, m := range msgs {
		p.items = flatten(m, "", p.items)
	}
	p.text = make([]*textRow, len(p.items))
	for i, it := range p.items {
		p.text[i] = indexText(it.m)
	}
	return p
}

// textRow is a message's msgtext row: its text fields and their
// tsvector literals, and whether their concatenation (v_all) is clamped
// (concatClamped).
type textRow struct {
	f       fields
	vecs    [numFields]string
	clamped bool
}

// indexText renders m's text fields and their vectors.
func indexText(m *model.Message) *textRow {
	var names, atext []string
	for _, a := range m.Attachments {
		names = append(names, a.Filename)
		if a.Text != "" {
			atext = append(atext, a.Text)
		}
	}
	r := &textRow{f: fields{
		clean(m.Subject), clean(m.BodyText), clean(store.AddressText(m.From, m.Sender)), clean(store.AddressText(m.To...)),
		clean(store.AddressText(m.Cc...)), clean(store.AddressText(m.Bcc...)), clean(strings.Join(names, " ; ")), clean(strings.Join(atext, "\n\n")),
	}}
	// Short fields are indexed first, so a huge attachment text cannot
	// push the subject or the addresses out of the vector budget.
	bud := budget{left: vectorBudget}
	var pos [numFields]map[string][]int
	var last [numFields]int
	for _, i := range []int{fSubject, fSender, fTo, fCc, fBcc, fFilename, fBody, fAtttext} {
		r.vecs[i], pos[i], last[i] = vectorPos(r.f[i], &bud)
	}
	r.clamped = concatClamped(&pos, &last)
	return r
}

// message queues the statements that store a new message: its row, its
// text and full-text vectors (t), and its attachments.
func (w *writer) message(item int, m *model.Message, key string, runID int64, t *textRow) {
	op := func(what string) writeOp { return writeOp{what: what, item: item} }
	var sender model.Address
	if !m.Sender.IsZero() {
		sender = m.Sender
	}
	w.queue(op("insert"),
		`INSERT INTO messages(id, dedup_key, kind, mid, in_reply_to, refs, date_utc, date_offset, date_raw, date_flag,
		  from_name, from_addr, sender, to_, cc, bcc, reply_to, headers, warnings, flags, body_html,
		  size, raw_sha256, content_hash, confidence, container_id, att_count, has_html, run_id)
		VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
		  $22, $23, $24, $25, $26, $27, $28, $29)`,
		clean(m.ID), key, clean(m.Kind), clean(model.NormalizeMessageID(m.MessageID)), clean(model.NormalizeMessageID(m.InReplyTo)),
		jsonArg(cleanAll(nonNil(m.References))), m.DateUTC, m.DateOffset, clean(m.DateRaw), clean(m.DateFlag),
		clean(m.From.Name), clean(strings.ToLower(m.From.Address)), jsonArg(cleanAddr(sender)), jsonArg(cleanAddrs(m.To)),
		jsonArg(cleanAddrs(m.Cc)), jsonArg(cleanAddrs(m.Bcc)), jsonArg(cleanAddrs(m.ReplyTo)), jsonArg(cleanHeaders(m.Headers)),
		jsonArg(cleanAll(nonNil(m.Warnings))), cleanAll(nonNil(m.Flags)), clean(m.BodyHTML),
		m.Size, clean(m.RawSHA256), clean(m.ContentHash), m.Confidence, clean(m.ContainerID), len(m.Attachments), m.BodyHTML != "", runID)
	for i, a := range m.Attachments {
		w.queue(op(fmt.Sprintf("insert attachment %q of", a.Filename)),
			`INSERT INTO attachments(message_rowid, idx, filename, mime, size, sha256, text_error)
			SELECT rowid, $2, $3, $4, $5, $6, $7 FROM messages WHERE dedup_key = $1 ON CONFLICT DO NOTHING`,
			key, i, clean(a.Filename), clean(a.MIME), a.Size, clean(a.SHA256), clean(a.TextError))
	}
	args := []any{key}
	for _, f := range t.f {
		args = append(args, f)
	}
	for _, v := range t.vecs {
		args = append(args, v)
	}
	w.queue(op("index"),
		`INSERT INTO msgtext(rowid, subject, body, sender, to_, cc, bcc, filename, atttext,
		  v_subject, v_body, v_sender, v_to, v_cc, v_bcc, v_filename, v_atttext)
		SELECT rowid, $2, $3, $4, $5, $6, $7, $8, $9,
		  $10::tsvector, $11::tsvector, $12::tsvector, $13::tsvector, $14::tsvector, $15::tsvector, $16::tsvector, $17::tsvector
		FROM messages WHERE dedup_key = $1`, args...)
	w.queue(op("index"), `INSERT INTO msgrank(rowid, v, date_utc, att_count, clamped)
		SELECT t.rowid, t.v_all, m.date_utc, m.att_count, $2 FROM msgtext t JOIN messages m ON m.rowid = t.rowid
		WHERE m.dedup_key = $1`, key, t.clamped)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
