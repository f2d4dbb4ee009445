package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/casefile/casefile/internal/store"
)

// bump advances the case's generation inside the transaction that
// changes the case, so a reader never sees the change without it.
func bump(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `UPDATE generation SET n = n + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("postgres: count change: %w", err)
	}
	return nil
}

// Generation implements store.Store.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: generation of case %s: %w", s.name, err)
	}
	return n, nil
}

// PutDerived implements store.Store.
func (s *Store) PutDerived(ctx context.Context, set string, gen int64, entries map[string][]byte) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: save %s of case %s: %w", set, s.name, err)
	}
	defer tx.Rollback(context.Background())
	// Concurrent savers of one set take turns; the last one wins whole.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey(s.schema)+":derived:"+set); err != nil {
		return fmt.Errorf("postgres: save %s of case %s: %w", set, s.name, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM derived WHERE set_name = $1`, set); err != nil {
		return fmt.Errorf("postgres: save %s of case %s: %w", set, s.name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO derived_sets(name, generation) VALUES($1, $2)
		ON CONFLICT(name) DO UPDATE SET generation = excluded.generation`, set, gen); err != nil {
		return fmt.Errorf("postgres: save %s of case %s: %w", set, s.name, err)
	}
	keys := make([]string, 0, len(entries))
	data := make([][]byte, 0, len(entries))
	for k, v := range entries {
		keys, data = append(keys, clean(k)), append(data, v)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO derived(set_name, key, data) SELECT $1, * FROM unnest($2::text[], $3::bytea[])`, set, keys, data); err != nil {
		return fmt.Errorf("postgres: save %s of case %s: %w", set, s.name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: save %s of case %s: %w", set, s.name, err)
	}
	return nil
}

// Derived implements store.Store.
func (s *Store) Derived(ctx context.Context, set, key string) (int64, []byte, error) {
	var gen int64
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT g.generation, d.data FROM derived_sets g JOIN derived d ON d.set_name = g.name
		WHERE g.name = $1 AND d.key = $2`, set, clean(key)).Scan(&gen, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, fmt.Errorf("%w: derived %s/%s", store.ErrNotFound, set, key)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("postgres: read %s/%s of case %s: %w", set, key, s.name, err)
	}
	return gen, data, nil
}
