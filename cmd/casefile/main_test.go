package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/casefile/casefile/internal/pgtest"
	"github.com/casefile/casefile/internal/queue"
	"github.com/casefile/casefile/internal/store/postgres"
	"github.com/casefile/casefile/internal/testutil"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "casefile-cli-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "casefile")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build casefile: %v\n%s", err, out)
		os.Exit(1)
	}
	// The queue tests' workers and 'ingest --queue' runs get streams of
	// their own, so two test processes on one NATS server (or a real
	// deployment there) never take each other's units.
	qname := fmt.Sprintf("clitest%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	os.Setenv("CASEFILE_QUEUE_NAME", qname)
	code := m.Run()
	deleteQueue()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testQueue is the queue the CLI uses under TestMain's CASEFILE_QUEUE_NAME.
func testQueue() queue.Config {
	c, err := queue.Named(os.Getenv("CASEFILE_QUEUE_NAME"))
	if err != nil {
		panic(err)
	}
	return c
}

// deleteQueue removes the streams of the test queue, if NATS is there.
func deleteQueue() {
	nc, err := nats.Connect("nats://127.0.0.1:4222", nats.Timeout(2*time.Second))
	if err != nil {
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := testQueue()
	for _, s := range []string{c.Stream, c.DeadStream} {
		_ = js.DeleteStream(ctx, s) // absent when no queue test ran
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	return runWith(t, "", append(os.Environ(), "CASEFILE_CASE="), args...)
}

// runWith runs the binary with this standard input and environment.
func runWith(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{o.String(), e.String(), code}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, s)
	}
}

func hasKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: JSON lacks %q: %v", what, k, m)
		}
	}
}

func ingestExample(t *testing.T) string {
	t.Helper()
	cs := filepath.Join(t.TempDir(), "harbor.case")
	if r := run(t, "init", "--case", cs); r.code != 0 {
		t.Fatalf("init: %+v", r)
	}
	if r := run(t, "ingest", "--case", cs, "-q", "../../examples/harbor"); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	return cs
}

// TestJSONContract pins the JSON fields scripts may rely on (docs/cli.md).
func TestJSONContract(t *testing.T) {
	cs := ingestExample(t)

	r := run(t, "search", "--case", cs, "--json", "lease")
	var hits []map[string]any
	decode(t, r.stdout, &hits)
	if len(hits) != 5 {
		t.Fatalf("search lease: %d hits, want 5", len(hits))
	}
	for _, h := range hits {
		hasKeys(t, "search hit", h, "id", "date", "from", "to", "cc", "subject", "snippet", "sources")
		hasKeys(t, "from", h["from"].(map[string]any), "name", "address")
		src := h["sources"].([]any)
		if len(src) == 0 {
			t.Fatalf("hit without sources: %v", h)
		}
		hasKeys(t, "source", src[0].(map[string]any), "path", "offset", "length", "member", "sha256")
	}
	if !strings.Contains(hits[0]["snippet"].(string), "«") {
		t.Errorf("snippet lacks highlight: %q", hits[0]["snippet"])
	}

	// An mbox source is verifiable with dd: its bytes hash to sha256.
	r = run(t, "search", "--case", cs, "--json", `"offshore account"`)
	decode(t, r.stdout, &hits)
	if len(hits) != 1 {
		t.Fatalf("want 1 hit, got %d", len(hits))
	}
	id := hits[0]["id"].(string)

	r = run(t, "show", "--case", cs, "--json", id[:6])
	var msg map[string]any
	decode(t, r.stdout, &msg)
	hasKeys(t, "show", msg, "id", "date", "from", "to", "cc", "subject", "sources", "message_id", "body_text", "attachments",
		"thread_id", "parent_id", "date_raw")
	if msg["id"] != id {
		t.Errorf("show by prefix returned %v, want %s", msg["id"], id)
	}
	foundMbox := false
	for _, s := range msg["sources"].([]any) {
		src := s.(map[string]any)
		if !strings.HasSuffix(src["path"].(string), ".mbox") {
			continue
		}
		foundMbox = true
		b, err := os.ReadFile(filepath.Join("../../examples/harbor", src["path"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		off, n := int(src["offset"].(float64)), int(src["length"].(float64))
		if !bytes.HasPrefix(b[off:off+n], []byte("From: ")) {
			t.Errorf("mbox offset %d does not start at the header: %q", off, b[off:off+20])
		}
	}
	if !foundMbox {
		t.Errorf("message has no mbox source: %v", msg["sources"])
	}

	r = run(t, "thread", "--case", cs, "--json", id)
	var th map[string]any
	decode(t, r.stdout, &th)
	hasKeys(t, "thread", th, "thread_id", "messages")
	ms := th["messages"].([]any)
	if len(ms) != 3 {
		t.Errorf("thread has %d messages, want 3", len(ms))
	}
	for _, m := range ms {
		hasKeys(t, "thread message", m.(map[string]any), "id", "parent_id", "date", "from", "subject")
	}

	r = run(t, "export", "--case", cs, "--format", "jsonl")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 11 {
		t.Errorf("export jsonl: %d lines, want 11", len(lines))
	}
	printed := 0
	for _, l := range lines {
		var m map[string]any
		decode(t, l, &m)
		hasKeys(t, "export", m, "id", "body_text", "sources", "attachments", "date_raw")
		if m["kind"] == "printed" {
			printed++
			src := m["sources"].([]any)[0].(map[string]any)
			hasKeys(t, "printed source", src, "page", "bates")
			// A printed date without a zone carries no zone designator.
			if d, _ := m["date"].(string); m["date_flag"] == "local" && (strings.HasSuffix(d, "Z") || len(d) != len("2006-01-02T15:04:05")) {
				t.Errorf("local printed date %q, want wall-clock time without zone", d)
			}
		}
	}
	if printed != 2 {
		t.Errorf("export: %d printed, want 2", printed)
	}

	r = run(t, "export", "--case", cs, "--format", "csv")
	if n := strings.Count(r.stdout, "\n"); n < 12 || !strings.HasPrefix(r.stdout, "id,kind,date,date_flag,date_raw") {
		t.Errorf("export csv: %d lines, header %q", n, strings.SplitN(r.stdout, "\n", 2)[0])
	}
	if strings.Count(r.stdout, ",local,") != 2 {
		t.Errorf("export csv: want the 2 printed messages flagged local:\n%s", r.stdout)
	}

	r = run(t, "stats", "--case", cs, "--json")
	var st map[string]any
	decode(t, r.stdout, &st)
	if st["messages"].(float64) != 11 || st["duplicates"].(float64) != 6 {
		t.Errorf("stats: %v", st)
	}

	r = run(t, "errors", "--case", cs, "--all", "--json")
	var probs []map[string]any
	decode(t, r.stdout, &probs)
	if len(probs) != 2 {
		t.Errorf("errors --all: %d, want 2 skipped", len(probs))
	}
}

func TestExitCodesAndMessages(t *testing.T) {
	cs := ingestExample(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"syntax error", []string{"search", "--case", cs, `"unclosed`}, 2, "^"},
		{"unknown field", []string{"search", "--case", cs, "form:jonas"}, 2, `did you mean "from:"`},
		{"no such message", []string{"show", "--case", cs, "ffffffff"}, 4, "no message"},
		{"not a case", []string{"stats", "--case", t.TempDir()}, 4, "casefile init"},
		{"bad export format", []string{"export", "--case", cs, "--format", "xml"}, 2, "jsonl or csv"},
		{"missing path", []string{"ingest", "--case", cs, filepath.Join(t.TempDir(), "nope")}, 1, "no such file"},
		{"bad sort", []string{"search", "--case", cs, "--sort", "foo", "lease"}, 2, "use rank, date or -date"},
		{"negative limit", []string{"search", "--case", cs, "--limit", "-1", "lease"}, 2, "negative"},
		{"bad errors kind", []string{"errors", "--case", cs, "--kind", "failled"}, 2, "use failed, skipped or warning"},
		{"no such run", []string{"errors", "--case", cs, "--run", "99"}, 4, "no ingest run 99"},
		{"short id", []string{"show", "--case", cs, "ab"}, 2, "at least 4 hex digits"},
		{"not hex id", []string{"show", "--case", cs, "zzzzzz"}, 2, "not a message ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
		})
	}
	// CASEFILE_CASE is the fallback for --case.
	cmd := exec.Command(bin, "stats", "--json")
	cmd.Env = append(os.Environ(), "CASEFILE_CASE="+cs)
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), `"messages": 11`) {
		t.Errorf("CASEFILE_CASE fallback: %v %s", err, out)
	}
}

// TestKill9Resume kills ingest with SIGKILL at several points and checks
// that re-running gives exactly the counts of an uninterrupted run.
func TestKill9Resume(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	src := t.TempDir()
	for f := 0; f < 24; f++ {
		var b strings.Builder
		for i := 0; i < 250; i++ {
			fmt.Fprintf(&b, "From x Mon Jan  1 00:00:00 2010\nFrom: P%d <p%d@harbor.example>\nTo: desk@ledger.example\n", i%23, i%23)
			fmt.Fprintf(&b, "Date: Tue, %d Mar 2011 09:%02d:00 +0100\nSubject: manifest %d/%d\nMessage-ID: <k%d.%d@harbor.example>\n", 1+i%28, i%60, f, i, f, i)
			if i%4 == 1 {
				fmt.Fprintf(&b, "References: <k%d.%d@harbor.example>\n", f, i-1)
			}
			fmt.Fprintf(&b, "\nContainer %d, manifest line %d, vessel %d.\n%s\n\n", i, f, i*13, strings.Repeat("cargo ", 40))
		}
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("c%02d.mbox", f)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stats := func(cs string) map[string]any {
		r := run(t, "stats", "--case", cs, "--json")
		var st map[string]any
		decode(t, r.stdout, &st)
		delete(st, "runs")
		return st
	}
	clean := filepath.Join(t.TempDir(), "clean")
	if r := run(t, "ingest", "--init", "-q", "--case", clean, src); r.code != 0 {
		t.Fatalf("clean ingest: %+v", r)
	}
	want := stats(clean)
	if want["messages"].(float64) != 6000 {
		t.Fatalf("clean run stored %v messages, want 6000", want["messages"])
	}
	for _, delay := range []time.Duration{80 * time.Millisecond, 250 * time.Millisecond, 600 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			cs := killAndResume(t, src, delay)
			got := stats(cs)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after kill -9 at %s and resume:\n got  %v\n want %v", delay, got, want)
			}
			// A third run changes nothing.
			run(t, "ingest", "-q", "--batch", "300", "--case", cs, src)
			if again := stats(cs); fmt.Sprint(again) != fmt.Sprint(want) {
				t.Errorf("third run changed counts: %v", again)
			}
		})
	}
}

// killAndResume ingests src into a new case in batches of 300, kills
// the ingest with SIGKILL after delay, runs the same command again to
// completion and returns the case.
func killAndResume(t *testing.T, src string, delay time.Duration) string {
	t.Helper()
	cs := filepath.Join(t.TempDir(), "case")
	if r := run(t, "init", "--case", cs); r.code != 0 {
		t.Fatal(r)
	}
	cmd := exec.Command(bin, "ingest", "-q", "--batch", "300", "--case", cs, src)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	if cmd.Wait() == nil {
		t.Logf("ingest finished within %s; kill had no effect", delay)
	}
	if r := run(t, "ingest", "-q", "--batch", "300", "--case", cs, src); r.code != 0 {
		t.Fatalf("resume: %+v", r)
	}
	return cs
}

// TestKill9ResumePacked kills the ingest of a folder of one-message
// files, whose originals are buffered into packs, and checks that the
// resumed case has every original of every message it recorded: the
// buffers are written out before each commit that marks files done.
func TestKill9ResumePacked(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	src := filepath.Join(t.TempDir(), "maildir")
	for _, d := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const n = 8000
	for i := range n {
		msg := fmt.Sprintf("From: P%d <p%d@harbor.example>\r\nTo: desk@ledger.example\r\nDate: Tue, %d Mar 2011 09:%02d:00 +0100\r\n"+
			"Subject: berth %d\r\nMessage-ID: <b%d@harbor.example>\r\n\r\nBerth %d, %s\r\n", i%31, i%31, 1+i%28, i%60, i, i, i, strings.Repeat("crane ", 30))
		if err := os.WriteFile(filepath.Join(src, "cur", fmt.Sprintf("%d.harbor:2,S", i)), []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, delay := range []time.Duration{200 * time.Millisecond, 450 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			cs := killAndResume(t, src, delay)
			r := run(t, "verify", "--case", cs, "--json")
			var rep struct {
				Counts map[string]int `json:"counts"`
			}
			decode(t, r.stdout, &rep)
			if r.code != 0 || rep.Counts["missing"] != 0 || rep.Counts["mismatch"] != 0 || rep.Counts["ok"] < 2*n {
				t.Errorf("verify after kill -9 at %s and resume: exit %d counts %v; want every source and original ok", delay, r.code, rep.Counts)
			}
		})
	}
}

// TestVerify: verify re-checks every citation of the example case, and
// exits 1 naming the file when a preserved original was altered.
func TestVerify(t *testing.T) {
	cs := ingestExample(t)
	r := run(t, "verify", "--case", cs, "--json")
	var rep struct {
		Counts map[string]int `json:"counts"`
	}
	decode(t, r.stdout, &rep)
	if r.code != 0 || rep.Counts["ok"] != 27 || rep.Counts["mismatch"] != 0 || rep.Counts["missing"] != 0 || rep.Counts["unchecked"] != 1 {
		t.Fatalf("verify: exit %d counts %v; want 0 and 27 ok (17 sources, 10 originals), 1 unchecked zip member", r.code, rep.Counts)
	}
	// Alter one preserved original.
	var victim string
	filepath.WalkDir(filepath.Join(cs, "originals"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && victim == "" {
			victim = p
		}
		return nil
	})
	os.Chmod(victim, 0o644)
	if err := os.WriteFile(victim, []byte("tampered"), 0o444); err != nil {
		t.Fatal(err)
	}
	r = run(t, "verify", "--case", cs)
	if r.code != 1 || !strings.Contains(r.stdout, "mismatch") || !strings.Contains(r.stderr, "verification failed") {
		t.Errorf("after tampering: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestTeamModeCLI runs the same commands against a case on PostgreSQL
// (--db): ingest --init, search, stats, verify; a case that does not exist
// on the server is "not found" (exit 4).
func TestTeamModeCLI(t *testing.T) {
	pgtest.Pool(t) // skips when no server can be reached or started
	db := dbCase(t, "clitest")
	if r := run(t, append([]string{"stats"}, db...)...); r.code != 4 || !strings.Contains(r.stderr, "no case") {
		t.Errorf("stats on a missing case: exit %d %q; want 4 naming the case", r.code, r.stderr)
	}
	if r := run(t, append([]string{"ingest", "--init", "-q"}, append(db, "../../examples/harbor")...)...); r.code != 0 {
		t.Fatalf("ingest --db: exit %d %s", r.code, r.stderr)
	}
	r := run(t, append([]string{"search", "--json", "lease"}, db...)...)
	var hits []map[string]any
	decode(t, r.stdout, &hits)
	if len(hits) != 5 {
		t.Errorf("search lease on PostgreSQL: %d hits, want 5 (as on SQLite)", len(hits))
	}
	r = run(t, append([]string{"stats", "--json"}, db...)...)
	var st map[string]any
	decode(t, r.stdout, &st)
	if st["messages"].(float64) != 11 || st["duplicates"].(float64) != 6 || st["pages"].(float64) != 1 {
		t.Errorf("stats on PostgreSQL: %v", st)
	}
	if r := run(t, append([]string{"verify"}, db...)...); r.code != 0 {
		t.Errorf("verify on PostgreSQL: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// TestQueueIngest: 'ingest --queue' publishes the example cache as work
// units, two 'casefile worker' processes ingest them into the case on
// PostgreSQL, and the result equals a single-process ingest.
func TestQueueIngest(t *testing.T) {
	needTeam(t)
	db := initDBCase(t, "queuetest")
	stop, logs := startWorkers(t, 2, db)
	defer stop()
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range logs {
				t.Logf("worker log:\n%s", l.String())
			}
		}
	})
	r := run(t, append([]string{"ingest", "--json", "--queue", "nats://127.0.0.1:4222"}, append(db, "../../examples/harbor")...)...)
	if r.code != 0 {
		t.Fatalf("ingest --queue: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var out struct {
		Case map[string]any `json:"case"`
	}
	decode(t, r.stdout, &out)
	for k, want := range map[string]float64{"messages": 11, "duplicates": 6, "threads": 7, "printed": 2, "pages": 1, "files": 10, "skipped": 2} {
		if got, _ := out.Case[k].(float64); got != want {
			t.Errorf("%s = %v, want %v (as a single-process ingest)", k, out.Case[k], want)
		}
	}
	// Re-running queues nothing new and changes nothing.
	r = run(t, append([]string{"ingest", "--json", "--queue", "nats://127.0.0.1:4222"}, append(db, "../../examples/harbor")...)...)
	var again struct {
		Queued map[string]any `json:"queued"`
		Case   map[string]any `json:"case"`
	}
	decode(t, r.stdout, &again)
	if again.Queued["published"].(float64) != 0 || again.Case["messages"].(float64) != 11 {
		t.Errorf("second run: queued %v, case %v", again.Queued, again.Case)
	}
}

// TestProtectedNames: once a name is protected, no command's output or
// export carries it or the addresses used with it; --unmask shows them.
func TestProtectedNames(t *testing.T) {
	cs := ingestExample(t)
	if r := run(t, "protect", "add", "--case", cs, "Mara Lefkowitz", "--reason", "source"); r.code != 0 {
		t.Fatalf("protect add: %d %s", r.code, r.stderr)
	}
	leaks := func(what, out string) {
		t.Helper()
		for _, s := range []string{"Mara Lefkowitz", "mara@lefko.example", "Lefkowitz, Mara"} {
			if strings.Contains(out, s) {
				t.Errorf("%s shows %q", what, s)
			}
		}
		if !strings.Contains(out, "[protected 1]") {
			t.Errorf("%s has no [protected 1] label", what)
		}
	}
	for _, args := range [][]string{
		{"search", "--json", "lease"},
		{"search", "berth"},
		{"show", "--json", "434e"},
		{"export", "--format", "jsonl"},
		{"export", "--format", "csv"},
		{"people", "--json"},
		{"contacts", "--json", "Jonas Reyes", "Mara Lefkowitz"},
	} {
		r := run(t, append(args, "--case", cs)...)
		if r.code != 0 {
			t.Errorf("%v: exit %d %s", args, r.code, r.stderr)
			continue
		}
		leaks(strings.Join(args, " "), r.stdout)
		if strings.Contains(strings.Join(args, " "), "json") && !strings.HasPrefix(args[0], "export") {
			var v any
			decode(t, r.stdout, &v) // still valid JSON
		}
	}
	if r := run(t, "search", "--case", cs, "--unmask", "lease"); !strings.Contains(r.stdout, "Mara Lefkowitz") {
		t.Errorf("--unmask hides the name: %s", r.stdout)
	}
	if r := run(t, "protect", "list", "--case", cs, "--json"); !strings.Contains(r.stdout, `"Mara Lefkowitz"`) || !strings.Contains(r.stdout, `"source"`) {
		t.Errorf("protect list: %s", r.stdout)
	}
	// Exports hold messages only: no document pages, no printed copies.
	r := run(t, "export", "--case", cs, "--format", "jsonl")
	if n := strings.Count(strings.TrimSpace(r.stdout), "\n") + 1; n != 11 {
		t.Errorf("export: %d lines, want 11 messages", n)
	}
}

// TestQueueIngestWorkerKilled: two workers ingest a cache of mboxes from
// the queue; one is killed with SIGKILL in the middle of its work. The
// survivor takes over the killed worker's unit after the ack wait, the
// final counts equal a single-process ingest (no loss, no duplicates), and
// a poison unit (its file vanished) is reported as a dead letter.
func TestQueueIngestWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	needTeam(t)
	// A cache of 6 mboxes of 1,000 messages; neighbours share 200.
	src := t.TempDir()
	for f := range 6 {
		var b strings.Builder
		for i := f * 800; i < f*800+1000; i++ {
			fmt.Fprintf(&b, "From sender%d@lumen.example Mon Feb  1 10:00:00 2010\nFrom: Sender %d <sender%d@lumen.example>\nTo: desk@harbor.example\n"+
				"Subject: report %d\nDate: Mon, 1 Feb 2010 10:%02d:00 +0000\nMessage-ID: <r%d@lumen.example>\n\nReport number %d about berth %d.\n\n",
				i%37, i%37, i%37, i, i%60, i, i, i%11)
		}
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("box%d.mbox", f)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref := filepath.Join(t.TempDir(), "ref.case")
	if r := run(t, "ingest", "--init", "-q", "--case", ref, src); r.code != 0 {
		t.Fatalf("reference ingest: %d %s", r.code, r.stderr)
	}
	var want map[string]any
	decode(t, run(t, "stats", "--json", "--case", ref).stdout, &want)

	db := initDBCase(t, "killtest")
	name := db[len(db)-1]
	// The poison unit: a file that is gone by the time a worker looks.
	q, err := queue.Connect(context.Background(), "nats://127.0.0.1:4222", testQueue())
	if err != nil {
		t.Fatal(err)
	}
	absSrc, _ := filepath.Abs(src)
	if _, err := q.Publish(context.Background(), queue.Unit{Case: name, Kind: queue.KindFile, Root: absSrc, Path: "vanished.mbox",
		SHA256: strings.Repeat("0", 64), Enqueued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	q.Close()

	start := func() (*exec.Cmd, *bytes.Buffer) {
		w := exec.Command(bin, append([]string{"worker", "--nats", "nats://127.0.0.1:4222", "--ack-wait", "3s"}, db...)...)
		var errb bytes.Buffer
		w.Stderr = &errb
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		return w, &errb
	}
	victim, vlog := start()
	survivor, slog := start()
	defer func() {
		survivor.Process.Signal(os.Interrupt)
		survivor.Wait()
		if t.Failed() {
			t.Logf("victim log:\n%s\nsurvivor log:\n%s", vlog, slog)
		}
	}()
	ing := exec.Command(bin, append([]string{"ingest", "--json", "--queue", "nats://127.0.0.1:4222"}, append(db, src)...)...)
	var out, errb bytes.Buffer
	ing.Stdout, ing.Stderr = &out, &errb
	if err := ing.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill the victim in the middle of its second unit.
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(vlog.String(), ": ingesting") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	victim.Process.Kill()
	victim.Wait()
	lines := strings.Split(vlog.String(), "\n")
	var held string // the unit the victim was working on
	for _, l := range lines {
		if strings.HasSuffix(l, ": ingesting") {
			f := strings.Split(l, ": ")
			held = f[len(f)-2]
		} else if held != "" && strings.Contains(l, ": "+held+": ") {
			held = ""
		}
	}
	err = ing.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 3 || !strings.Contains(errb.String(), "vanished.mbox") {
		t.Errorf("ingest --queue: exit %d, stderr %q; want 3 and the dead unit named", code, errb.String())
	}
	if held == "" {
		t.Log("the victim finished its unit before the kill landed; redelivery not exercised this time")
	} else if !regexp.MustCompile(`: ` + regexp.QuoteMeta(held) + `: \d+ new`).MatchString(slog.String()) {
		t.Errorf("the killed worker's unit %s was not completed by the survivor", held)
	}
	var got struct {
		Case map[string]any `json:"case"`
	}
	decode(t, out.String(), &got)
	for _, k := range []string{"messages", "sources", "duplicates", "duplicated_messages", "threads", "files", "failed"} {
		if got.Case[k] != want[k] {
			t.Errorf("%s = %v after a worker was killed, want %v as a single-process ingest", k, got.Case[k], want[k])
		}
	}
}

// TestTeamModeTokens: with an API token, every CLI command on a case on
// the server checks the account's role there and is audited; a reader
// cannot change the case, and another case does not exist for them.
func TestTeamModeTokens(t *testing.T) {
	pgtest.Pool(t)
	dsn := pgtest.DSN()
	stamp := time.Now().UnixNano()
	caseA, caseB := fmt.Sprintf("tokA_%d", stamp), fmt.Sprintf("tokB_%d", stamp)
	schema := fmt.Sprintf("team_test_%d", stamp)
	t.Cleanup(func() {
		postgres.DropCase(context.Background(), dsn, caseA)
		postgres.DropCase(context.Background(), dsn, caseB)
		pool := pgtest.Pool(t)
		pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
	})
	data := t.TempDir()
	env := append(os.Environ(), "CASEFILE_CASE=", "CASEFILE_DB="+dsn, "CASEFILE_DATA="+data, "CASEFILE_TEAM_SCHEMA="+schema)
	runEnv := func(stdin string, extra []string, args ...string) result {
		t.Helper()
		return runWith(t, stdin, append(append([]string{}, env...), extra...), args...)
	}
	for _, c := range []string{caseA, caseB} {
		if r := runEnv("", nil, "ingest", "--init", "-q", "--case", c, "../../examples/harbor"); r.code != 0 {
			t.Fatalf("ingest %s: %d %s", c, r.code, r.stderr)
		}
	}
	if r := runEnv("reader-password-2026\n", nil, "user", "add", "rita", "--password-stdin"); r.code != 0 {
		t.Fatalf("user add: %d %s", r.code, r.stderr)
	}
	if r := runEnv("", nil, "user", "grant", "rita", caseA, "reader"); r.code != 0 {
		t.Fatalf("grant: %d %s", r.code, r.stderr)
	}
	r := runEnv("", nil, "user", "token", "add", "rita", "--json")
	var tok struct {
		Token string `json:"token"`
	}
	decode(t, r.stdout, &tok)
	as := []string{"CASEFILE_TOKEN=" + tok.Token}
	if r := runEnv("", as, "search", "--case", caseA, "--count", "lease"); r.code != 0 || strings.TrimSpace(r.stdout) != "5" {
		t.Errorf("reader search on A: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := runEnv("", as, "protect", "add", "--case", caseA, "Jonas Reyes"); r.code == 0 {
		t.Errorf("a reader could change case A (protect add)")
	}
	if r := runEnv("", as, "ingest", "--case", caseA, "../../examples/harbor"); r.code == 0 {
		t.Errorf("a reader could ingest into case A")
	}
	rb := runEnv("", as, "search", "--case", caseB, "lease")
	rn := runEnv("", as, "search", "--case", "no_such_case_"+fmt.Sprint(stamp), "lease")
	if rb.code != 4 || rb.code != rn.code || strings.Contains(rb.stderr, caseB) != strings.Contains(rn.stderr, "no_such_case") {
		t.Errorf("case B for a reader of A: exit %d %q; a missing case: exit %d %q; want the same not-found", rb.code, rb.stderr, rn.code, rn.stderr)
	}
	if r := runEnv("", []string{"CASEFILE_TOKEN=cf_not-a-real-token"}, "stats", "--case", caseA); r.code == 0 || !strings.Contains(r.stderr, "token") {
		t.Errorf("a bad token: exit %d %q", r.code, r.stderr)
	}
	r = runEnv("", nil, "audit", "--case", caseA, "--json")
	if !strings.Contains(r.stdout, `"cli"`) || !strings.Contains(r.stdout, `"rita"`) || !strings.Contains(r.stdout, `search`) {
		t.Errorf("audit lacks the reader's CLI search: %s", r.stdout)
	}
}

// TestQueueIngestOCRPages: the pages of one scanned PDF are spread over
// two workers: the worker ingesting the PDF hands out the pages nobody has
// read, the other worker OCRs some of them into the shared cache, and the
// case ends up as a single-process ingest of the same PDF.
func TestQueueIngestOCRPages(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	needOCR(t)
	needTeam(t)
	src := t.TempDir()
	writeScans(t, src, 6)

	ref := filepath.Join(t.TempDir(), "ref.case")
	if r := run(t, "ingest", "--init", "-q", "--case", ref, src); r.code != 0 {
		t.Fatalf("reference ingest: %d %s", r.code, r.stderr)
	}
	var want map[string]any
	decode(t, run(t, "stats", "--json", "--case", ref).stdout, &want)
	if want["printed"] != 6.0 {
		t.Fatalf("reference ingest recovered %v printed messages from 6 scanned pages", want["printed"])
	}

	db := initDBCase(t, "ocrpages")
	stop, logs := startWorkers(t, 2, append([]string{"--ocr-workers", "1"}, db...))
	defer stop()
	r := run(t, append([]string{"ingest", "--json", "--queue", "nats://127.0.0.1:4222"}, append(db, src)...)...)
	stop()
	if r.code != 0 {
		t.Fatalf("ingest --queue: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var got struct {
		Case map[string]any `json:"case"`
	}
	decode(t, r.stdout, &got)
	for _, k := range []string{"messages", "printed", "pages", "files", "failed"} {
		if got.Case[k] != want[k] {
			t.Errorf("%s = %v, want %v as a single-process ingest", k, got.Case[k], want[k])
		}
	}
	// One worker ingested the PDF and handed pages out; the other OCR'd
	// some of them; no page was OCR'd twice.
	handed, ocrd := 0, 0
	for _, l := range logs {
		s := l.String()
		if strings.Contains(s, "page(s) to OCR handed out") {
			handed++
		}
		ocrd += strings.Count(s, ": OCR'd\n")
	}
	if handed != 1 || ocrd == 0 {
		for i, l := range logs {
			t.Logf("worker %d log:\n%s", i, l.String())
		}
		t.Errorf("%d worker(s) handed out pages and %d page unit(s) were OCR'd, want 1 and at least 1", handed, ocrd)
	}
}

// BenchmarkQueueOCR measures queued ingest of one 24-page scanned PDF with
// one worker and with two, each OCRing one page at a time
// (--ocr-workers 1), as two single-core machines would: the pages are
// spread over the workers through ocr-page units. Needs PostgreSQL, NATS,
// tesseract and poppler; run with -benchtime 1x.
func BenchmarkQueueOCR(b *testing.B) {
	needOCR(b)
	pgtest.Pool(b)
	src := b.TempDir()
	writeScans(b, src, 24)
	dsn := pgtest.DSN()
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				name := fmt.Sprintf("ocrbench_%d", time.Now().UnixNano())
				db := []string{"--db", dsn, "--data-dir", b.TempDir(), "--case", name}
				if out, err := exec.Command(bin, append([]string{"init"}, db...)...).CombinedOutput(); err != nil {
					b.Fatalf("init: %v %s", err, out)
				}
				stop, _ := startWorkers(b, n, append([]string{"--ocr-workers", "1"}, db...))
				time.Sleep(500 * time.Millisecond) // workers connected
				b.StartTimer()
				out, err := exec.Command(bin, append([]string{"ingest", "--json", "-q", "--queue", "nats://127.0.0.1:4222"}, append(db, src)...)...).Output()
				b.StopTimer()
				stop()
				postgres.DropCase(context.Background(), dsn, name)
				if err != nil {
					b.Fatalf("ingest --queue: %v", err)
				}
				var got struct {
					Case map[string]any `json:"case"`
				}
				if err := json.Unmarshal(out, &got); err != nil || got.Case["printed"] != 24.0 {
					b.Fatalf("ingest --queue: %v %s", err, out)
				}
				b.StartTimer()
			}
			b.ReportMetric(24*float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// needTeam skips unless PostgreSQL (started when absent, if possible) and
// NATS are reachable.
func needTeam(tb testing.TB) {
	tb.Helper()
	pgtest.Pool(tb)
	conn, err := net.DialTimeout("tcp", "127.0.0.1:4222", 2*time.Second)
	if err != nil {
		tb.Skipf("NATS not reachable on 127.0.0.1:4222 (%v); scripts/services.sh starts it", err)
	}
	conn.Close()
}

// dbCase names a fresh case on the test PostgreSQL server (dropped when
// the test ends) and returns the flags that select it: --db, --data-dir
// and --case.
func dbCase(t *testing.T, prefix string) []string {
	t.Helper()
	dsn := pgtest.DSN()
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	t.Cleanup(func() { postgres.DropCase(context.Background(), dsn, name) })
	return []string{"--db", dsn, "--data-dir", t.TempDir(), "--case", name}
}

// initDBCase is dbCase with the case created (casefile init).
func initDBCase(t *testing.T, prefix string) []string {
	t.Helper()
	db := dbCase(t, prefix)
	if r := run(t, append([]string{"init"}, db...)...); r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.stderr)
	}
	return db
}

// needOCR skips unless tesseract and poppler's tools are installed.
func needOCR(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"tesseract", "pdftoppm", "pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s not installed (scripts/deps.sh installs it)", tool)
		}
	}
}

// writeScans writes dir/scans.pdf: n scanned pages, each a printed email
// from Marta Quill to Jonas Reyes (fictional).
func writeScans(tb testing.TB, dir string, n int) {
	tb.Helper()
	var pages []testutil.PDFPage
	for i := range n {
		pages = append(pages, testutil.PDFPage{Image: testutil.RenderText(tb, []string{
			"From: Marta Quill <marta.quill@harbor.example>",
			fmt.Sprintf("Sent: Tuesday, March %d, 2014 11:%02d AM", i%28+1, i%60),
			"To: Jonas Reyes <jonas.reyes@harbor.example>",
			fmt.Sprintf("Subject: Berth lease, part %d", i+1),
			"",
			fmt.Sprintf("Part %d of the lease is attached for the warehouse on the north quay.", i+1),
		}, 2550, 1650)})
	}
	testutil.WritePDF(tb, dir, "scans.pdf", pages)
}

// startWorkers starts n 'casefile worker' processes with args (after
// --nats) and returns a function that stops them (interrupt, wait) and
// their logs, to be read after stopping.
func startWorkers(tb testing.TB, n int, args []string) (stop func(), logs []*bytes.Buffer) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var ws []*exec.Cmd
	for range n {
		w := exec.CommandContext(ctx, bin, append([]string{"worker", "--nats", "nats://127.0.0.1:4222"}, args...)...)
		w.Cancel = func() error { return w.Process.Signal(os.Interrupt) }
		var errb bytes.Buffer
		w.Stderr = &errb
		if err := w.Start(); err != nil {
			cancel()
			tb.Fatal(err)
		}
		ws, logs = append(ws, w), append(logs, &errb)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			for _, w := range ws {
				w.Wait()
			}
		})
	}, logs
}
