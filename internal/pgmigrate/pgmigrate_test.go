package pgmigrate

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/casefile/casefile/internal/pgtest"
	"github.com/casefile/casefile/internal/store"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		n     int
		ok    bool
	}{
		{"ordered", map[string]string{"m/0002_b.sql": "B", "m/0001_a.sql": "A"}, 2, true},
		{"gap", map[string]string{"m/0001_a.sql": "A", "m/0003_c.sql": "C"}, 0, false},
		{"bad name", map[string]string{"m/0001_a.sql": "A", "m/readme.txt": "x"}, 0, false},
		{"starts at 2", map[string]string{"m/0002_a.sql": "A"}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range tc.files {
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			ms, err := Load(fsys, "m")
			if (err == nil) != tc.ok || len(ms) != tc.n {
				t.Fatalf("Load = %d migrations, %v; want %d, ok %v", len(ms), err, tc.n, tc.ok)
			}
			if tc.ok && (ms[0].SQL != "A" || ms[0].Name != "a" || ms[1].Version != 2) {
				t.Fatalf("Load = %+v", ms)
			}
		})
	}
}

func TestApply(t *testing.T) {
	db := pgtest.Pool(t)
	schema := pgtest.Schema(t, db, "mig")
	ctx := context.Background()
	v1 := []Migration{{1, "init", `CREATE TABLE t(x int); INSERT INTO t VALUES (1);`}}
	v2 := append(v1, Migration{2, "more", `INSERT INTO t VALUES (2);`})

	// Concurrent first starts: exactly one applies, none fails.
	var wg sync.WaitGroup
	applied := make([]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Go(func() { _, applied[i], errs[i] = Apply(ctx, db, schema, "c", v1) })
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("concurrent Apply %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if total != 1 {
		t.Fatalf("migration applied %d times", total)
	}
	if v, n, err := Apply(ctx, db, schema, "c", v2); v != 2 || n != 1 || err != nil {
		t.Fatalf("upgrade = %d, %d, %v", v, n, err)
	}
	// Another component in the same schema has its own sequence.
	if v, n, err := Apply(ctx, db, schema, "other", []Migration{{1, "x", `CREATE TABLE u(y int)`}}); v != 1 || n != 1 || err != nil {
		t.Fatalf("other component = %d, %d, %v", v, n, err)
	}
	var sum int
	if err := db.QueryRow(ctx, `SELECT sum(x) FROM "`+schema+`".t`).Scan(&sum); err != nil || sum != 3 {
		t.Fatalf("sum = %d, %v", sum, err)
	}
	// Older binary against a newer schema.
	if _, _, err := Apply(ctx, db, schema, "c", v1); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Apply older = %v", err)
	}
	// A failing migration changes nothing.
	bad := append(v2, Migration{3, "ok", `INSERT INTO t VALUES (100)`}, Migration{4, "bad", `INSERT INTO nope VALUES (1)`})
	if _, _, err := Apply(ctx, db, schema, "c", bad); err == nil {
		t.Fatal("failing migration succeeded")
	}
	if err := db.QueryRow(ctx, `SELECT sum(x) FROM "`+schema+`".t`).Scan(&sum); err != nil || sum != 3 {
		t.Fatalf("after failed migration sum = %d, %v (want 3: nothing applied)", sum, err)
	}
	if err := ValidSchema("pg_catalog"); err == nil {
		t.Fatal("pg_ schema accepted")
	}
}
