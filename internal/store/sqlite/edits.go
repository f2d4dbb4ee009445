package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/casefile/casefile/internal/store"
)

// AddEdit appends e to the edit log and applies tag edits, in one
// transaction.
func (s *Store) AddEdit(ctx context.Context, e store.Edit) (store.Edit, error) {
	if err := store.ValidateEdit(e); err != nil {
		return e, err
	}
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	data := ""
	if len(e.Data) > 0 {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return e, fmt.Errorf("store: edit data: %w", err)
		}
		data = string(b)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return e, fmt.Errorf("store: add edit: %w", err)
	}
	defer tx.Rollback()
	at := e.At.UTC().Format(time.RFC3339Nano)
	res, err := tx.ExecContext(ctx, `INSERT INTO edits(kind, target, value, data, actor, reason, at) VALUES(?,?,?,?,?,?,?)`,
		e.Kind, e.Target, e.Value, data, e.Actor, e.Reason, at)
	if err != nil {
		return e, fmt.Errorf("store: add edit: %w", err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return e, fmt.Errorf("store: add edit: %w", err)
	}
	switch e.Kind {
	case store.EditTagAdd:
		_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO tags(message_id, tag, created) VALUES(?,?,?)`, e.Target, e.Value, at)
	case store.EditTagRemove:
		_, err = tx.ExecContext(ctx, `DELETE FROM tags WHERE message_id = ? AND tag = ?`, e.Target, e.Value)
	}
	if err != nil {
		return e, fmt.Errorf("store: apply %s: %w", e.Kind, err)
	}
	if err := bump(ctx, tx); err != nil {
		return e, err
	}
	if err := tx.Commit(); err != nil {
		return e, fmt.Errorf("store: add edit: %w", err)
	}
	return e, nil
}

// Edits lists edits oldest first.
func (s *Store) Edits(ctx context.Context, f store.EditFilter) ([]store.Edit, error) {
	q := `SELECT id, kind, target, value, data, actor, reason, at FROM edits WHERE 1=1`
	var args []any
	if f.KindPrefix != "" {
		q += ` AND substr(kind, 1, ?) = ?`
		args = append(args, len(f.KindPrefix), f.KindPrefix)
	}
	if f.Target != "" {
		q += ` AND target = ?`
		args = append(args, f.Target)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: edits: %w", err)
	}
	defer rows.Close()
	var out []store.Edit
	for rows.Next() {
		var e store.Edit
		var data, at string
		if err := rows.Scan(&e.ID, &e.Kind, &e.Target, &e.Value, &data, &e.Actor, &e.Reason, &at); err != nil {
			return nil, fmt.Errorf("store: edits: %w", err)
		}
		if data != "" {
			if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
				return nil, fmt.Errorf("store: edit %d data: %w", e.ID, err)
			}
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Tags returns a message's tags, sorted.
func (s *Store) Tags(ctx context.Context, messageID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tag FROM tags WHERE message_id = ? ORDER BY tag`, messageID)
	if err != nil {
		return nil, fmt.Errorf("store: tags of %s: %w", messageID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
