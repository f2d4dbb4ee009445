package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/pgtest"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/storetest"
)

func testDSN() string { return pgtest.DSN() }

// needServer returns the test DSN, starting the local server if needed
// (pgtest), and skips the test when no server can be reached.
func needServer(t testing.TB) string {
	t.Helper()
	pgtest.Pool(t)
	return pgtest.DSN()
}

// caseName returns a fresh case name for this test.
func caseName(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "test_" + hex.EncodeToString(b)
}

// openTemp opens a fresh case, closed and dropped when the test ends.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	dsn := needServer(t)
	name := caseName(t)
	ctx := context.Background()
	st, err := Open(ctx, dsn, name)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() {
		st.Close()
		if err := DropCase(context.Background(), dsn, name); err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DropCase(%s): %v", name, err)
		}
	})
	return st, name
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, _ := openTemp(t)
		return st
	})
}

func schemaVersion(t *testing.T, st *Store) int {
	t.Helper()
	var v int
	if err := st.Pool().QueryRow(context.Background(), `SELECT version FROM schema_version`).Scan(&v); err != nil {
		t.Fatalf("read schema_version: %v", err)
	}
	return v
}

func TestSchemaVersion(t *testing.T) {
	ctx := context.Background()
	st, name := openTemp(t)
	if got := schemaVersion(t, st); got != len(migrations) || got == 0 {
		t.Fatalf("schema_version = %d, want %d", got, len(migrations))
	}
	run, err := st.BeginRun(ctx, "/input")
	if err != nil {
		t.Fatal(err)
	}
	m := &model.Message{Kind: model.KindNative, MessageID: "keep@harbor.example", ContentHash: "keep", Subject: "kept across reopen",
		Sources: []model.Source{{Path: "a.mbox"}}}
	if _, err := st.Write(ctx, run, store.Batch{Messages: []*model.Message{m}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Reopening an up-to-date case migrates nothing and keeps the data.
	st2, err := Open(ctx, testDSN(), name)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st2.Close()
	if got := schemaVersion(t, st2); got != len(migrations) {
		t.Errorf("schema_version after reopen = %d, want %d", got, len(migrations))
	}
	got, err := st2.Get(ctx, m.ID)
	if err != nil || got.Subject != "kept across reopen" {
		t.Errorf("Get after reopen = %+v, %v", got, err)
	}
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	st, name := openTemp(t)
	if _, err := st.Pool().Exec(ctx, `UPDATE schema_version SET version = $1`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st2, err := Open(ctx, testDSN(), name)
	if err == nil {
		st2.Close()
		t.Fatal("Open of a case with a newer schema succeeded")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("Open error = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "upgrade casefile") {
		t.Errorf("Open error %q does not say what to do", err)
	}
}

// TestCases checks that cases in one database are separate schemas:
// listed, isolated from each other and dropped one by one.
func TestCases(t *testing.T) {
	ctx := context.Background()
	dsn := needServer(t)
	a, nameA := openTemp(t)
	b, nameB := openTemp(t)
	run, err := a.BeginRun(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	m := &model.Message{Kind: model.KindNative, MessageID: "only-a@harbor.example", ContentHash: "a", Subject: "only in a",
		BodyText: "lighthouse", Sources: []model.Source{{Path: "a.mbox"}}}
	if _, err := a.Write(ctx, run, store.Batch{Messages: []*model.Message{m}}); err != nil {
		t.Fatal(err)
	}
	q, _ := query.Parse("lighthouse")
	for _, tc := range []struct {
		st   *Store
		want int
	}{{a, 1}, {b, 0}} {
		if n, err := tc.st.Count(ctx, q); err != nil || n != tc.want {
			t.Errorf("Count(lighthouse) in %s = %d, %v; want %d", tc.st.Name(), n, err, tc.want)
		}
	}
	cases, err := ListCases(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]CaseInfo{}
	for _, c := range cases {
		found[c.Name] = c
	}
	for _, st := range []*Store{a, b} {
		c, ok := found[st.Name()]
		if !ok || c.Schema != st.Schema() || c.Version != len(migrations) || c.Created.IsZero() {
			t.Errorf("ListCases: %s = %+v (listed: %v), want schema %s, version %d", st.Name(), c, ok, st.Schema(), len(migrations))
		}
	}
	a.Close()
	if err := DropCase(ctx, dsn, nameA); err != nil {
		t.Fatalf("DropCase(%s): %v", nameA, err)
	}
	if err := DropCase(ctx, dsn, nameA); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DropCase(%s) = %v, want ErrNotFound", nameA, err)
	}
	if n, err := b.Count(ctx, query.MatchAll{}); err != nil || n != 0 {
		t.Errorf("Count in %s after dropping %s = %d, %v", nameB, nameA, n, err)
	}
	cases, _ = ListCases(ctx, dsn)
	for _, c := range cases {
		if c.Name == nameA {
			t.Errorf("ListCases still lists dropped case %s", nameA)
		}
	}
}

// TestListCasesWhileDropping lists cases while other sessions drop
// theirs: a case dropped between the listing and the read of its
// details is left out, not an error (other servers and test processes
// share the database).
func TestListCasesWhileDropping(t *testing.T) {
	ctx := context.Background()
	dsn := needServer(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{`SELECT 1 FROM case_no_such_schema_x.case_info`, `SELECT 1 FROM pg_catalog.no_such_table_x`} {
		if _, err := conn.Exec(ctx, q); !dropped(err) {
			t.Errorf("%s: dropped(%v) = false", q, err)
		}
	}
	if _, err := conn.Exec(ctx, `SELEC 1`); dropped(err) {
		t.Errorf("a syntax error counts as dropped")
	}
	var names []string
	for range 6 {
		st, name := openTemp(t)
		st.Close()
		names = append(names, name)
	}
	done := make(chan error)
	go func() {
		for _, n := range names {
			if err := DropCase(ctx, dsn, n); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		if _, err := ListCases(ctx, dsn); err != nil {
			t.Fatalf("ListCases while cases are dropped: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
	}
}

func TestSchemaName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"harbor", "case_harbor"},
		{"harbor_2008", "case_harbor_2008"},
		{"Harbor", "case_harbor_"},
		{"harbor leak", "case_harbor_leak_"},
		{"Zoë's files", "case_zo_s_files_"},
		{"???", "case_"},
		{strings.Repeat("a", 41), "case_" + strings.Repeat("a", 40) + "_"},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		got, err := SchemaName(tc.name)
		if err != nil {
			t.Errorf("SchemaName(%q): %v", tc.name, err)
			continue
		}
		if !strings.HasPrefix(got, tc.want) || len(got) > 63 {
			t.Errorf("SchemaName(%q) = %q, want it to start with %q (at most 63 bytes)", tc.name, got, tc.want)
		}
		if got != tc.want && len(got) != len(tc.want)+8 {
			t.Errorf("SchemaName(%q) = %q, want %q and 8 hex digits", tc.name, got, tc.want)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("SchemaName(%q) = SchemaName(%q) = %q", tc.name, other, got)
		}
		seen[got] = tc.name
	}
	// Names that sanitise alike still get different schemas.
	a, _ := SchemaName("harbor-leak")
	b, _ := SchemaName("harbor leak")
	if a == b {
		t.Errorf("SchemaName gives %q to both %q and %q", a, "harbor-leak", "harbor leak")
	}
	for _, bad := range []string{"", "  "} {
		if _, err := SchemaName(bad); err == nil {
			t.Errorf("SchemaName(%q) succeeded", bad)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dsn := needServer(t)
	if st, err := Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", "x"); err == nil {
		st.Close()
		t.Error("Open on a closed port succeeded")
	} else if !strings.Contains(err.Error(), "cannot connect to 127.0.0.1:1") {
		t.Errorf("Open on a closed port: %v; want it to name the server", err)
	}
	if _, err := Open(ctx, "postgres://%zz", "x"); err == nil || !strings.Contains(err.Error(), "bad connection string") {
		t.Errorf("Open with a bad DSN: %v", err)
	}
	// A schema that happens to be named like a case is not taken over.
	name := caseName(t)
	schema, _ := SchemaName(name)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+ident(schema)+`; CREATE TABLE `+ident(schema)+`.mine(x int)`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `DROP SCHEMA `+ident(schema)+` CASCADE`)
	if st, err := Open(ctx, dsn, name); err == nil {
		st.Close()
		t.Errorf("Open took over foreign schema %s", schema)
	} else if !strings.Contains(err.Error(), "not a casefile case") {
		t.Errorf("Open on foreign schema: %v", err)
	}
	if err := DropCase(ctx, dsn, name); err == nil || !strings.Contains(err.Error(), "not a casefile case") {
		t.Errorf("DropCase on foreign schema: %v", err)
	}
}

// TestNear checks cf_near, the SQL function behind NEAR, against SQLite
// FTS5's own NEAR on the same text: phrases in any order, distances
// around the boundary, phrase word order.
func TestNear(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	text := "please review the budget before friday and send the site visit report to the board, review it"
	lite, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	lite.SetMaxOpenConns(1)
	if _, err := lite.Exec(`CREATE VIRTUAL TABLE f USING fts5(x, tokenize='unicode61 remove_diacritics 2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := lite.Exec(`INSERT INTO f(x) VALUES(?)`, text); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		phrases []string
		dist    int
	}{
		{[]string{"review", "budget"}, 1},
		{[]string{"review", "budget"}, 0},
		{[]string{"budget", "review"}, 1},
		{[]string{"review", "friday"}, 3},
		{[]string{"review", "friday"}, 2},
		{[]string{"site visit", "report"}, 0},
		{[]string{"report", "site visit"}, 0},
		{[]string{"budget", "site visit"}, 5},
		{[]string{"budget", "site visit"}, 4},
		{[]string{"visit site", "report"}, 10},
		{[]string{"review", "friday", "board"}, 10},
		{[]string{"review", "friday", "board"}, 9},
		{[]string{"friday", "board"}, 7},
		{[]string{"friday", "board"}, 8},
		{[]string{"board", "review"}, 0}, // the second "review"
		{[]string{"review", "nowhere"}, 100},
		{[]string{"review", "review"}, 0},
		{[]string{"the", "the"}, 3},
		{[]string{"the budget", "the board"}, 12},
		{[]string{"the budget", "the board"}, 11},
	}
	outcomes := map[bool]int{}
	for _, tc := range tests {
		quoted := make([]string, len(tc.phrases))
		for i, p := range tc.phrases {
			quoted[i] = `"` + p + `"`
		}
		var n int
		if err := lite.QueryRow(`SELECT count(*) FROM f WHERE f MATCH ?`, fmt.Sprintf("NEAR(%s, %d)", strings.Join(quoted, " "), tc.dist)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		want := n == 1
		outcomes[want]++
		var got bool
		b := budget{left: vectorBudget}
		err := st.Pool().QueryRow(ctx, `SELECT cf_near($1::tsvector, $2::text[], $3)`, vector(text, &b), tc.phrases, tc.dist).Scan(&got)
		if err != nil {
			t.Fatalf("cf_near(%q, %d): %v", tc.phrases, tc.dist, err)
		}
		if got != want {
			t.Errorf("cf_near(%q, %d) = %v, FTS5 NEAR says %v", tc.phrases, tc.dist, got, want)
		}
		// Two single words take the native tsquery path instead.
		var ws [][]string
		for _, p := range tc.phrases {
			ws = append(ws, strings.Fields(p))
		}
		if ts, ok := nearPair(ws, tc.dist); ok {
			b := budget{left: vectorBudget}
			if err := st.Pool().QueryRow(ctx, `SELECT $1::tsvector @@ $2::tsquery`, vector(text, &b), ts).Scan(&got); err != nil {
				t.Fatalf("nearPair(%q, %d): %v", tc.phrases, tc.dist, err)
			}
			if got != want {
				t.Errorf("nearPair(%q, %d) matches %v, FTS5 NEAR says %v", tc.phrases, tc.dist, got, want)
			}
		}
	}
	if outcomes[true] < 4 || outcomes[false] < 4 {
		t.Errorf("cases too one-sided: %v", outcomes)
	}
}

func TestEditsAppendOnly(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	if _, err := st.AddEdit(ctx, store.Edit{Kind: store.EditNote, Target: "0123456789abcdef", Value: "first note", Actor: "ana"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE edits SET value = 'rewritten'`, `DELETE FROM edits`, `TRUNCATE edits`} {
		if _, err := st.Pool().Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want append-only error", q, err)
		}
	}
	if es, err := st.Edits(ctx, store.EditFilter{}); err != nil || len(es) != 1 || es[0].Value != "first note" {
		t.Errorf("Edits after refused changes = %+v, %v", es, err)
	}
}

// TestUnstorableText checks that text PostgreSQL cannot hold (NUL bytes,
// invalid UTF-8) is stored with U+FFFD instead of failing the batch.
func TestUnstorableText(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	run, _ := st.BeginRun(ctx, "/input")
	m := &model.Message{Kind: model.KindNative, MessageID: "nul@harbor.example", ContentHash: "nul",
		Subject: "bad\x00bytes", BodyText: "caf\xe9 lighthouse", From: model.Address{Name: "Jonas\x00", Address: "jonas@harbor.example"},
		Headers: [][2]string{{"X-Odd", "a\x00b"}}, Sources: []model.Source{{Path: "odd\xff.mbox"}}}
	if _, err := st.Write(ctx, run, store.Batch{Messages: []*model.Message{m}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := st.Get(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "bad\uFFFDbytes" || got.BodyText != "caf\uFFFD lighthouse" || got.From.Name != "Jonas\uFFFD" ||
		got.Headers[0][1] != "a\uFFFDb" || got.Sources[0].Path != "odd\uFFFD.mbox" {
		t.Errorf("Get = subject %q body %q from %q headers %q sources %+v", got.Subject, got.BodyText, got.From.Name, got.Headers, got.Sources)
	}
	q, _ := query.Parse("lighthouse")
	if n, err := st.Count(ctx, q); err != nil || n != 1 {
		t.Errorf("Count(lighthouse) = %d, %v", n, err)
	}
}

// TestLongText checks PostgreSQL's tsvector limits: words past the
// 16,383rd position and texts with very many different words are still
// written and the words found.
func TestLongText(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	var body strings.Builder
	for i := range 60000 {
		fmt.Fprintf(&body, "w%d ", i)
	}
	body.WriteString("closing lighthouse")
	m := &model.Message{Kind: model.KindNative, MessageID: "long@harbor.example", ContentHash: "long", Subject: "long one",
		BodyText: body.String(), Sources: []model.Source{{Path: "a.mbox"}}}
	run, _ := st.BeginRun(ctx, "/input")
	if _, err := st.Write(ctx, run, store.Batch{Messages: []*model.Message{m}}); err != nil {
		t.Fatalf("Write of a 60000-word body: %v", err)
	}
	for q, want := range map[string]int{"lighthouse": 1, "w59999": 1, "w0": 1, `subject:"long one"`: 1} {
		n, err := st.Count(ctx, mustParse(t, q))
		if err != nil || n != want {
			t.Errorf("Count(%s) = %d, %v; want %d", q, n, err, want)
		}
	}
}

func mustParse(t testing.TB, q string) query.Node {
	t.Helper()
	n, err := query.Parse(q)
	if err != nil {
		t.Fatalf("parse %q: %v", q, err)
	}
	return n
}

func TestWithSetting(t *testing.T) {
	const k = "max_parallel_workers_per_gather"
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?" + k + "=0&sslmode=disable"},
		{"postgresql://u@h/db", "postgresql://u@h/db?" + k + "=0"},
		{"postgres://u@h/db?" + k + "=2", "postgres://u@h/db?" + k + "=2"},
		{"host=h user=u dbname=db", "host=h user=u dbname=db " + k + "=0"},
		{"host=h " + k + "=4", "host=h " + k + "=4"},
	} {
		if got := WithSetting(tc.dsn, k, "0"); got != tc.want {
			t.Errorf("WithSetting(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
	// The setting reaches the server.
	ctx := context.Background()
	dsn := WithSetting(needServer(t), k, "0")
	cfg, err := parseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW "+k).Scan(&v); err != nil || v != "0" {
		t.Errorf("SHOW %s = %q, %v; want 0", k, v, err)
	}
}

func TestStaleStats(t *testing.T) {
	tests := []struct {
		analyzed       bool
		modified, live int64
		want           bool
	}{
		{false, 0, 0, true},         // never analysed
		{true, 0, 100000, false},    // nothing changed
		{true, 49, 0, false},        // a few rows into an empty table
		{true, 50, 0, true},         // the autovacuum threshold
		{true, 9999, 100000, false}, // a small ingest into a large case
		{true, 10050, 100000, true}, // a tenth of it, plus 50
	}
	for _, tc := range tests {
		if got := staleStats(tc.analyzed, tc.modified, tc.live); got != tc.want {
			t.Errorf("staleStats(%v, %d, %d) = %v, want %v", tc.analyzed, tc.modified, tc.live, got, tc.want)
		}
	}
}

// TestAnalyzeStale: Finalize analyses a case's tables the first time and
// after large changes, and leaves them alone after small ones. The
// store is reopened after each write so the server's statistics receive
// the write's row counts (a backend reports them when it exits).
func TestAnalyzeStale(t *testing.T) {
	dsn := needServer(t)
	st, name := openTemp(t)
	ctx := context.Background()
	t.Cleanup(func() { st.Close() }) // the last reopened store
	// Autovacuum must not analyse the tables behind the test's back.
	for _, tbl := range analyzedTables {
		if _, err := st.pool.Exec(ctx, "ALTER TABLE "+tbl+" SET (autovacuum_enabled = false)"); err != nil {
			t.Fatal(err)
		}
	}
	all := slices.Sorted(slices.Values(analyzedTables))
	write := func(from, n int) {
		t.Helper()
		run, err := st.BeginRun(ctx, "/in")
		if err != nil {
			t.Fatal(err)
		}
		var b store.Batch
		for i := from; i < from+n; i++ {
			b.Messages = append(b.Messages, &model.Message{Kind: model.KindNative, MessageID: fmt.Sprintf("m%d@harbor.example", i),
				ContentHash: fmt.Sprint(i), Subject: "berth", Sources: []model.Source{{Path: "a.mbox", Offset: int64(i)}}})
		}
		if _, err := st.Write(ctx, run, b); err != nil {
			t.Fatal(err)
		}
		// Reopen, then wait until the server counts the rows.
		st.Close()
		if st, err = Open(ctx, dsn, name); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			var mod, live int64
			if err := st.pool.QueryRow(ctx, `SELECT n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables
				WHERE schemaname = $1 AND relname = 'messages'`, st.schema).Scan(&mod, &live); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				t.Fatal(err)
			}
			if live >= int64(from+n) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the server's statistics did not count %d messages in 15 s (live %d)", from+n, live)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	check := func(step string, want []string) {
		t.Helper()
		got, err := st.analyzeStale(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: analysed %v, want %v", step, got, want)
		}
	}
	write(0, 200)
	check("first time", all)
	check("again, nothing changed", nil)
	write(200, 10)
	check("after 10 more messages", nil)
	write(210, 150)
	// threads is left alone: nothing threads the case here.
	check("after 150 more", []string{"messages", "msgrank", "msgtext", "sources"})
}

// TestWeightedFields: field terms matched or narrowed by their weight in
// msgrank's vector (fieldWeights) find exactly the messages whose field
// holds them: also when a word fills the subject with more positions
// than PostgreSQL keeps (so the later fields' positions of it are cut),
// and when a phrase would only run across two fields.
func TestWeightedFields(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	rep := func(n int) string { return strings.Repeat("alpha ", n) }
	msgs := []*model.Message{
		{MessageID: "a@harbor.example", Subject: rep(200) + "quay", From: model.Address{Name: "Alpha Side", Address: "alpha@harbor.example"},
			BodyText: rep(300)},
		// the word everywhere but the subject; the subject's last word and
		// the sender's first make "quay side" only across the two fields
		{MessageID: "b@harbor.example", Subject: "tide quay", From: model.Address{Name: "Side Alpha", Address: "side@harbor.example"},
			To: []model.Address{{Name: rep(300), Address: "alpha@port.example"}}, BodyText: rep(300),
			Attachments: []model.Attachment{{Filename: "alpha.pdf", MIME: "application/pdf", Size: 1, SHA256: "x"}}},
		{MessageID: "c@harbor.example", Subject: "other", From: model.Address{Address: "jonas@harbor.example"}, BodyText: "alpha quay side"},
		// 300 in the subject: msgrank keeps 256 positions of the word, all
		// the subject's, and none of the sender's or recipients'
		{MessageID: "d@harbor.example", Subject: rep(300), From: model.Address{Name: "Dee", Address: "alpha@dock.example"},
			To: []model.Address{{Name: "Alpha Crew", Address: "crew@dock.example"}}, BodyText: "nothing"},
	}
	var b store.Batch
	for i, m := range msgs {
		m.Kind, m.ContentHash = model.KindNative, m.MessageID
		m.Sources = []model.Source{{Path: "a.mbox", Offset: int64(i)}}
		b.Messages = append(b.Messages, m)
	}
	run, _ := st.BeginRun(ctx, "/input")
	if _, err := st.Write(ctx, run, b); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, m := range msgs {
		ids[m.MessageID[:1]] = m.ID
	}
	tests := []struct {
		q    string
		want string // message letters
	}{
		{"subject:alpha", "ad"},
		{"subject:alp*", "ad"},
		{`subject:"alpha quay"`, "a"},
		{`subject:"quay side"`, ""},
		{"subject:NEAR(alpha quay)", "a"},
		{"from:alpha", "abd"},
		{"from:alp*", "abd"},
		{"from:side", "ab"},
		{`from:"side alpha"`, "ab"}, // "Alpha Side alpha@..." holds it too
		{`from:"side side"`, ""},
		{"filename:alpha", "b"},
		{"to:alpha", "bd"},
		{"with:alpha", "abd"},
		{"body:alpha", "abc"},
		{`body:"quay side"`, "c"},
	}
	for _, tc := range tests {
		var want []string
		for _, l := range tc.want {
			want = append(want, ids[string(l)])
		}
		var got []string
		if err := st.Search(ctx, mustParse(t, tc.q), store.SearchOptions{}, func(h store.Hit) error {
			got = append(got, h.Message.ID)
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v (messages %v)", tc.q, got, want, ids)
		}
	}
}

// TestMigrateThreads: a case from before migration 6 (threads kept in
// messages' own columns) keeps its threads when its assignments move to
// the threads table.
func TestMigrateThreads(t *testing.T) {
	ctx := context.Background()
	st, name := openTemp(t)
	run, _ := st.BeginRun(ctx, "/input")
	var b store.Batch
	for i, mid := range []string{"root@harbor.example", "reply@harbor.example"} {
		b.Messages = append(b.Messages, &model.Message{Kind: model.KindNative, MessageID: mid, ContentHash: mid, Subject: "berth",
			Sources: []model.Source{{Path: "a.mbox", Offset: int64(i)}}})
	}
	if _, err := st.Write(ctx, run, b); err != nil {
		t.Fatal(err)
	}
	root, reply := b.Messages[0].ID, b.Messages[1].ID
	// Back to schema 5: threads in messages, no threads table.
	st2 := downgrade(t, st, name, 5,
		`DROP TABLE threads`,
		`CREATE INDEX messages_thread ON messages(thread_id) WHERE thread_id <> ''`,
		`UPDATE messages SET thread_id = 'th1', parent_id = CASE WHEN id = '`+reply+`' THEN '`+root+`' ELSE '' END`)
	entries, err := st2.Thread(ctx, "th1")
	if err != nil || len(entries) != 2 {
		t.Fatalf("Thread(th1) = %d entries, %v", len(entries), err)
	}
	got, err := st2.Get(ctx, reply)
	if err != nil || got.ThreadID != "th1" || got.ParentID != root {
		t.Errorf("Get(reply) thread %q parent %q, %v", got.ThreadID, got.ParentID, err)
	}
	if n, err := st2.Count(ctx, mustParse(t, "thread:th1")); err != nil || n != 2 {
		t.Errorf("Count(thread:th1) = %d, %v", n, err)
	}
	if s, err := st2.Stats(ctx); err != nil || s.Threads != 1 {
		t.Errorf("Stats: %d threads, %v", s.Threads, err)
	}
	// A new threading pass replaces the migrated assignments.
	if err := st2.SetThreads(ctx, []store.ThreadAssignment{{ID: root, ThreadID: "th2"}}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := st2.Get(ctx, reply); got.ThreadID != "" || got.ParentID != "" {
		t.Errorf("after SetThreads without it, reply has thread %q parent %q", got.ThreadID, got.ParentID)
	}
	if got, _ := st2.Get(ctx, root); got.ThreadID != "th2" {
		t.Errorf("after SetThreads, root has thread %q", got.ThreadID)
	}
}

// TestMigrateRankDates: migration 7 copies messages' dates and
// attachment counts into msgrank, and text searches limited by them find
// the same messages before and after it.
func TestMigrateRankDates(t *testing.T) {
	ctx := context.Background()
	st, name := openTemp(t)
	run, _ := st.BeginRun(ctx, "/input")
	var b store.Batch
	for i, y := range []int{2008, 2009, 2010} {
		d := time.Date(y, 3, 1, 12, 0, 0, 0, time.UTC)
		mid := fmt.Sprintf("m%d@harbor.example", i)
		b.Messages = append(b.Messages, &model.Message{Kind: model.KindNative, MessageID: mid, ContentHash: mid, Subject: "berth manifest",
			DateUTC: &d, Sources: []model.Source{{Path: "a.mbox", Offset: int64(i)}}})
	}
	undated := &model.Message{Kind: model.KindNative, MessageID: "u@harbor.example", ContentHash: "u", Subject: "berth",
		Sources: []model.Source{{Path: "a.mbox", Offset: 9}}, Attachments: []model.Attachment{{Filename: "manifest.pdf", MIME: "application/pdf"}}}
	b.Messages = append(b.Messages, undated)
	if _, err := st.Write(ctx, run, b); err != nil {
		t.Fatal(err)
	}
	queries := map[string]int{"berth date:2009": 1, "berth date:2008..2009": 2, "berth -date:2009": 3, "manifest has:date": 3, "date:2010": 1,
		"berth has:attachment": 1, "berth -has:attachment": 3, "berth has:attachment date:2009": 0}
	check := func(st *Store, when string) {
		t.Helper()
		for q, want := range queries {
			n, err := st.Count(ctx, mustParse(t, q))
			var hits int
			serr := st.Search(ctx, mustParse(t, q), store.SearchOptions{Limit: 10}, func(store.Hit) error { hits++; return nil })
			if err != nil || serr != nil || n != want || hits != want {
				t.Errorf("%s: %q: Count %d (%v), Search %d hits (%v); want %d", when, q, n, err, hits, serr, want)
			}
		}
	}
	check(st, "written")
	// Back to schema 6: no dates, attachment counts or flags in msgrank.
	st2 := downgrade(t, st, name, 6, `DROP INDEX msgrank_date`, `ALTER TABLE msgrank DROP COLUMN date_utc`,
		`ALTER TABLE msgrank DROP COLUMN att_count`, `ALTER TABLE msgrank DROP COLUMN clamped`)
	var missing int
	if err := st2.Pool().QueryRow(ctx, `SELECT count(*) FROM msgrank r JOIN messages m ON m.rowid = r.rowid
		WHERE r.date_utc IS DISTINCT FROM m.date_utc OR r.att_count <> m.att_count`).Scan(&missing); err != nil || missing != 0 {
		t.Errorf("after migration, %d msgrank rows disagree with messages on the date or attachments (%v)", missing, err)
	}
	var clamped int
	if err := st2.Pool().QueryRow(ctx, `SELECT count(*) FROM msgrank WHERE clamped`).Scan(&clamped); err != nil || clamped != 0 {
		t.Errorf("after migration, %d short messages are flagged clamped (%v)", clamped, err)
	}
	check(st2, "migrated")
}

// TestPhraseClamped: a phrase is checked in msgrank's vector before the
// fields' own vectors, except in rows whose vector was clamped
// (msgrank.clamped): there a phrase that PostgreSQL's concatenation
// pushed past the last position is still found. The flag computed when
// writing agrees with the one migration 7 computes from the vector.
func TestPhraseClamped(t *testing.T) {
	ctx := context.Background()
	st, _ := openTemp(t)
	run, _ := st.BeginRun(ctx, "/input")
	filler := func(prefix string, n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return strings.Join(ws, " ")
	}
	msgs := map[string]*model.Message{
		"shifted": {Subject: filler("s", 40), BodyText: filler("b", maxPos-40) + " wire transfer"},
		"plain":   {Subject: "deposit", BodyText: "please wire transfer the deposit"},
		"apart":   {Subject: "deposit", BodyText: "wire the transfer"},
		"counted": {Subject: strings.Repeat("cargo ", 100), BodyText: strings.Repeat("cargo ", 156) + "wire transfer"},
	}
	var b store.Batch
	i := 0
	for k, m := range msgs {
		m.Kind, m.MessageID, m.ContentHash = model.KindNative, k+"@harbor.example", k
		m.Sources = []model.Source{{Path: "a.mbox", Offset: int64(i)}}
		b.Messages = append(b.Messages, m)
		i++
	}
	if _, err := st.Write(ctx, run, b); err != nil {
		t.Fatal(err)
	}
	var inAll, inBody bool
	if err := st.Pool().QueryRow(ctx, `SELECT r.v @@ 'wire <-> transfer'::tsquery, t.v_body @@ 'wire <-> transfer'::tsquery
		FROM msgrank r JOIN msgtext t ON t.rowid = r.rowid JOIN messages m ON m.rowid = r.rowid WHERE m.id = $1`, msgs["shifted"].ID).Scan(&inAll, &inBody); err != nil {
		t.Fatal(err)
	}
	if inAll || !inBody {
		t.Fatalf("the shifted message's phrase: in msgrank's vector %v, in the body's %v; want false, true (the case this test is about)", inAll, inBody)
	}
	for q, want := range map[string]int{`"wire transfer"`: 3, `body:"wire transfer"`: 3, `"wire transfer" -deposit`: 2, `wire transfer`: 4,
		`NEAR/0(wire transfer)`: 3, `NEAR/1(transfer wire)`: 4, `body:NEAR/0(wire transfer)`: 3} {
		n, err := st.Count(ctx, mustParse(t, q))
		var hits int
		serr := st.Search(ctx, mustParse(t, q), store.SearchOptions{Limit: 10}, func(store.Hit) error { hits++; return nil })
		if err != nil || serr != nil || n != want || hits != want {
			t.Errorf("%s: Count %d (%v), Search %d hits (%v); want %d", q, n, err, hits, serr, want)
		}
	}
	var disagree int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM msgrank r
		WHERE r.clamped <> EXISTS (SELECT 1 FROM unnest(r.v) u WHERE cardinality(u.positions) >= 256 OR 16383 = ANY (u.positions))`).Scan(&disagree); err != nil || disagree != 0 {
		t.Errorf("%d rows' clamped flag disagrees with migration 7's formula (%v)", disagree, err)
	}
	var clamped int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM msgrank WHERE clamped`).Scan(&clamped); err != nil || clamped != 2 {
		t.Errorf("%d rows clamped, want 2 (shifted, counted): %v", clamped, err)
	}
}

// downgrade takes case name back to schema version v with stmts, closes
// st and reopens the case, which migrates it again; it checks the
// version reached and returns the reopened store (closed at the end of
// the test).
func downgrade(t *testing.T, st *Store, name string, v int, stmts ...string) *Store {
	t.Helper()
	ctx := context.Background()
	for _, q := range append(stmts, fmt.Sprintf(`UPDATE schema_version SET version = %d`, v)) {
		if _, err := st.Pool().Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	st.Close()
	st2, err := Open(ctx, testDSN(), name)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { st2.Close() })
	if got := schemaVersion(t, st2); got != len(migrations) {
		t.Errorf("schema_version = %d, want %d", got, len(migrations))
	}
	return st2
}
