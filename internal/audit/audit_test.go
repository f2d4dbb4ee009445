package audit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/casefile/casefile/internal/pgtest"
	"github.com/casefile/casefile/internal/store"
)

func openLog(t *testing.T) (*Log, *pgxpool.Pool) {
	t.Helper()
	db := pgtest.Pool(t)
	schema := pgtest.Schema(t, db, "audit")
	l, err := Open(context.Background(), db, Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	return l, db
}

func TestRecordAndList(t *testing.T) {
	l, _ := openLog(t)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	in := []Event{
		{User: "alice", UserID: 1, Action: ActionSearch, Case: "harbor", Details: map[string]any{"query": "from:jonas.reyes@harbor.example", "hits": 12}, RemoteAddr: "192.0.2.1"},
		{User: "alice", UserID: 1, Action: ActionOpen, Case: "harbor", Target: "b708c0ffee000001"},
		{User: "bob", UserID: 2, Action: ActionExport, Case: "harbor", Details: map[string]any{"format": "jsonl", "count": 40}},
		{User: "bob", UserID: 2, Action: ActionSearch, Case: "lighthouse"},
		{User: "carol", Action: ActionLoginFailed, Details: map[string]any{"reason": "bad credentials"}},
		{User: "alice", UserID: 1, Action: ActionEdit, Case: "harbor", Target: "person:jonas", Details: map[string]any{"alias_add": "J. Reyes"}},
		// Caller-supplied ID and time are ignored.
		{ID: 999, Time: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), User: "alice", UserID: 1, Action: ActionOpen, Case: "harbor", Target: "b708c0ffee000002"},
	}
	var ids []int64
	for _, ev := range in {
		got, err := l.Record(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if got.Time.Before(before) || got.ID == 999 {
			t.Fatalf("Record kept caller's id/time: %+v", got)
		}
		ids = append(ids, got.ID)
	}
	if _, err := l.Record(ctx, Event{User: "x"}); err == nil {
		t.Fatal("Record accepted an event without action")
	}
	tests := []struct {
		name string
		f    Filter
		want []int // indexes into in, in result order
	}{
		{"all newest first", Filter{}, []int{6, 5, 4, 3, 2, 1, 0}},
		{"oldest first", Filter{Oldest: true, Limit: 2}, []int{0, 1}},
		{"case", Filter{Case: "harbor"}, []int{6, 5, 2, 1, 0}},
		{"user", Filter{User: "bob"}, []int{3, 2}},
		{"case and user", Filter{Case: "harbor", User: "alice"}, []int{6, 5, 1, 0}},
		{"actions", Filter{Actions: []string{ActionOpen, ActionExport}}, []int{6, 2, 1}},
		{"target", Filter{Target: "b708c0ffee000001"}, []int{1}},
		{"limit", Filter{Limit: 3}, []int{6, 5, 4}},
		{"page before id", Filter{BeforeID: ids[3], Limit: 2}, []int{2, 1}},
		{"since future", Filter{Since: time.Now().Add(time.Hour)}, nil},
		{"until past", Filter{Until: before}, nil},
		{"since and until", Filter{Since: before, Until: time.Now().Add(time.Minute), Case: "lighthouse"}, []int{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := l.List(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != len(tc.want) {
				t.Fatalf("got %d events, want %d: %+v", len(evs), len(tc.want), evs)
			}
			for i, w := range tc.want {
				if evs[i].ID != ids[w] {
					t.Fatalf("event %d is id %d, want %d", i, evs[i].ID, ids[w])
				}
			}
		})
	}
	evs, _ := l.List(ctx, Filter{Actions: []string{ActionSearch}, Case: "harbor"})
	e := evs[0]
	if e.User != "alice" || e.UserID != 1 || e.RemoteAddr != "192.0.2.1" || e.Details["query"] != "from:jonas.reyes@harbor.example" || e.Details["hits"] != float64(12) {
		t.Fatalf("round trip lost fields: %+v", e)
	}
	if evs, _ := l.List(ctx, Filter{Actions: []string{ActionLoginFailed}}); evs[0].UserID != 0 || evs[0].Case != "" {
		t.Fatalf("event without user id/case: %+v", evs[0])
	}
}

func TestAppendOnly(t *testing.T) {
	l, db := openLog(t)
	ctx := context.Background()
	ev, err := l.Record(ctx, Event{User: "alice", Action: ActionOpen, Case: "harbor", Target: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	tbl := `"` + l.Schema() + `".audit_events`
	tests := []struct{ name, sql string }{
		{"update one row", `UPDATE ` + tbl + ` SET user_name = 'mallory' WHERE id = $1`},
		{"update all rows", `UPDATE ` + tbl + ` SET details = '{}' WHERE $1::bigint > 0`},
		{"delete one row", `DELETE FROM ` + tbl + ` WHERE id = $1`},
		{"delete all", `DELETE FROM ` + tbl + ` WHERE $1::bigint > 0`},
		{"truncate", `TRUNCATE ` + tbl},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if strings.Contains(tc.sql, "$1") {
				_, err = db.Exec(ctx, tc.sql, ev.ID)
			} else {
				_, err = db.Exec(ctx, tc.sql)
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "42501" || !strings.Contains(pe.Message, "append-only") {
				t.Fatalf("%s: err = %v; want SQLSTATE 42501 append-only", tc.sql, err)
			}
		})
	}
	evs, err := l.List(ctx, Filter{})
	if err != nil || len(evs) != 1 || evs[0].User != "alice" {
		t.Fatalf("after tampering attempts: %+v %v", evs, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	l, db := openLog(t)
	ctx := context.Background()
	if _, err := Open(ctx, db, Options{Schema: l.Schema()}); err != nil {
		t.Fatalf("second Open: %v", err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO "`+l.Schema()+`".schema_migrations(component, version, name) VALUES ('audit', 2, 'future')`); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, db, Options{Schema: l.Schema()}); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
}
