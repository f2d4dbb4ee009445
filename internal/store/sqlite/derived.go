package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// bump advances the case's generation inside the transaction that
// changes the case, so a reader never sees the change without it.
func bump(ctx context.Context, tx execer) error {
	if _, err := tx.ExecContext(ctx, `UPDATE generation SET n = n + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("sqlite: count change: %w", err)
	}
	return nil
}

// Generation implements store.Store.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: generation: %w", err)
	}
	return n, nil
}

// PutDerived implements store.Store.
func (s *Store) PutDerived(ctx context.Context, set string, gen int64, entries map[string][]byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: save %s: %w", set, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM derived WHERE set_name = ?`, set); err != nil {
		return fmt.Errorf("sqlite: save %s: %w", set, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO derived_sets(name, generation) VALUES(?, ?)
		ON CONFLICT(name) DO UPDATE SET generation = excluded.generation`, set, gen); err != nil {
		return fmt.Errorf("sqlite: save %s: %w", set, err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO derived(set_name, key, data) VALUES(?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: save %s: %w", set, err)
	}
	defer ins.Close()
	for k, v := range entries {
		if _, err := ins.ExecContext(ctx, set, k, v); err != nil {
			return fmt.Errorf("sqlite: save %s/%s: %w", set, k, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: save %s: %w", set, err)
	}
	return nil
}

// Derived implements store.Store. The set's generation and the entry are
// read in one statement, so they belong to the same PutDerived.
func (s *Store) Derived(ctx context.Context, set, key string) (int64, []byte, error) {
	var gen int64
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT g.generation, d.data FROM derived_sets g JOIN derived d ON d.set_name = g.name
		WHERE g.name = ? AND d.key = ?`, set, key).Scan(&gen, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("%w: derived %s/%s", store.ErrNotFound, set, key)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("sqlite: read %s/%s: %w", set, key, err)
	}
	return gen, data, nil
}

// listCols are msgCols without the header list, which listings leave
// out (it is the bulk of a message row after the text).
var listCols = strings.Replace(msgCols, "m.headers_json", "'[]'", 1)

// Messages implements store.Store: the messages are read 500 at a time,
// each page with its sources in one query, as by Each.
func (s *Store) Messages(ctx context.Context, ids []string, fn func(*model.Message) error) error {
	copies, err := s.hasCopies(ctx)
	if err != nil {
		return err
	}
	var all []*model.Message
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+listCols+`, t.subject
			FROM messages m JOIN msgtext t ON t.rowid = m.rowid WHERE m.id IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return fmt.Errorf("sqlite: read messages: %w", err)
		}
		var page []*model.Message
		var rowids []int64
		for rows.Next() {
			var subj sql.NullString
			m, rowid, err := scanMessage(rows, &subj)
			if err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: read messages: %w", err)
			}
			m.Subject, m.Headers = subj.String, nil
			page, rowids = append(page, m), append(rowids, rowid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: read messages: %w", err)
		}
		if len(page) > 0 {
			if err := s.fillPage(ctx, page, rowids, copies, false); err != nil {
				return err
			}
		}
		all = append(all, page...)
	}
	slices.SortFunc(all, compareDateID)
	for _, m := range all {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// compareDateID is Each's order: by date, undated last, then by ID.
func compareDateID(a, b *model.Message) int {
	switch {
	case a.DateUTC != nil && b.DateUTC != nil:
		if c := a.DateUTC.Compare(*b.DateUTC); c != 0 {
			return c
		}
	case a.DateUTC != nil:
		return -1
	case b.DateUTC != nil:
		return 1
	}
	return cmp.Compare(a.ID, b.ID)
}
