package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/casefile/casefile/internal/store"
)

// AddEdit appends e to the edit log and applies tag edits, in one
// transaction. At is kept to the microsecond (PostgreSQL's precision).
func (s *Store) AddEdit(ctx context.Context, e store.Edit) (store.Edit, error) {
	if err := store.ValidateEdit(e); err != nil {
		return e, err
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	var data any
	if len(e.Data) > 0 {
		d := make(map[string]string, len(e.Data))
		for k, v := range e.Data {
			d[clean(k)] = clean(v)
		}
		data = jsonArg(d)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return e, fmt.Errorf("store: add %s edit on %s: %w", e.Kind, e.Target, err)
	}
	defer tx.Rollback(context.Background())
	err = tx.QueryRow(ctx, `INSERT INTO edits(kind, target, value, data, actor, reason, at) VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		clean(e.Kind), clean(e.Target), clean(e.Value), data, clean(e.Actor), clean(e.Reason), e.At).Scan(&e.ID)
	if err != nil {
		return e, fmt.Errorf("store: add %s edit on %s: %w", e.Kind, e.Target, err)
	}
	switch e.Kind {
	case store.EditTagAdd:
		_, err = tx.Exec(ctx, `INSERT INTO tags(message_id, tag, created) VALUES($1, $2, $3) ON CONFLICT DO NOTHING`,
			clean(e.Target), clean(e.Value), e.At)
	case store.EditTagRemove:
		_, err = tx.Exec(ctx, `DELETE FROM tags WHERE message_id = $1 AND tag = $2`, clean(e.Target), clean(e.Value))
	}
	if err != nil {
		return e, fmt.Errorf("store: apply %s on %s: %w", e.Kind, e.Target, err)
	}
	if err := bump(ctx, tx); err != nil {
		return e, err
	}
	if err := tx.Commit(ctx); err != nil {
		return e, fmt.Errorf("store: add %s edit on %s: %w", e.Kind, e.Target, err)
	}
	return e, nil
}

// Edits lists edits oldest first.
func (s *Store) Edits(ctx context.Context, f store.EditFilter) ([]store.Edit, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, kind, target, value, data, actor, reason, at FROM edits
		WHERE ($1::text = '' OR starts_with(kind, $1::text)) AND ($2::text = '' OR target = $2::text) ORDER BY id`,
		clean(f.KindPrefix), clean(f.Target))
	if err != nil {
		return nil, fmt.Errorf("store: edits: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Edit, error) {
		var e store.Edit
		err := r.Scan(&e.ID, &e.Kind, &e.Target, &e.Value, &e.Data, &e.Actor, &e.Reason, &e.At)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: edits: %w", err)
	}
	return out, nil
}

// Tags returns a message's tags, sorted.
func (s *Store) Tags(ctx context.Context, messageID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT tag FROM tags WHERE message_id = $1 ORDER BY tag`, clean(messageID))
	if err != nil {
		return nil, fmt.Errorf("store: tags of %s: %w", messageID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: tags of %s: %w", messageID, err)
	}
	return out, nil
}
