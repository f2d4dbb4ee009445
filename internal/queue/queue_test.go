package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSubjectToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"harbor", "harbor"},
		{"Harbor_2024-leak", "Harbor_2024-leak"},
		{"example.case", "example%2Ecase"},
		{"a b*>", "a%20b%2A%3E"},
		{"100%", "100%25"},
		{"", "%"},
		{"é", "%C3%A9"},
	}
	for _, tc := range tests {
		if got := SubjectToken(tc.in); got != tc.want {
			t.Errorf("SubjectToken(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.ContainsAny(SubjectToken(tc.in), ". *>\t") {
			t.Errorf("SubjectToken(%q) is not a single subject token", tc.in)
		}
	}
}

func TestUnitIDAndBackoff(t *testing.T) {
	a := UnitID("harbor", KindFile, "mail/a.mbox", "", 0, "ab")
	tests := []struct {
		name string
		id   string
		same bool
	}{
		{"same inputs", UnitID("harbor", KindFile, "mail/a.mbox", "", 0, "ab"), true},
		{"other case", UnitID("lighthouse", KindFile, "mail/a.mbox", "", 0, "ab"), false},
		{"other content", UnitID("harbor", KindFile, "mail/a.mbox", "", 0, "cd"), false},
		{"other path", UnitID("harbor", KindFile, "mail/b.mbox", "", 0, "ab"), false},
		{"member", UnitID("harbor", Kind("member"), "mail/a.mbox", "x", 0, "ab"), false},
		{"page", UnitID("harbor", KindOCRPage, "mail/a.mbox", "", 3, "ab"), false},
		{"no separator confusion", UnitID("harbo", KindFile, "rmail/a.mbox", "", 0, "ab"), false},
	}
	for _, tc := range tests {
		if (tc.id == a) != tc.same || len(tc.id) != 32 {
			t.Errorf("%s: id %s vs %s", tc.name, tc.id, a)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if got := DefaultBackoff(i + 1); got != w {
			t.Errorf("DefaultBackoff(%d) = %s, want %s", i+1, got, w)
		}
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestEnqueueIdempotent(t *testing.T) {
	q, _ := testQueue(t)
	ctx := context.Background()
	root := writeTree(t, map[string]string{
		"custodian-a/inbox.mbox":  "From a@harbor.example\n\nhi\n",
		"custodian-a/notes.txt":   "printed email",
		"custodian-b/sent.eml":    "From: b@harbor.example\n\nhello\n",
		".git/objects/x":          "never walked",
		"custodian-b/.casefile/y": "never walked",
		"excluded/z.eml":          "excluded",
	})
	if err := os.Symlink(filepath.Join(root, "custodian-b/sent.eml"), filepath.Join(root, "link.eml")); err != nil {
		t.Fatal(err)
	}
	opts := EnqueueOptions{Exclude: []string{filepath.Join(root, "excluded")}}
	res, err := q.Enqueue(ctx, "harbor", root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 3 || res.Published != 3 || res.Duplicates != 0 || len(res.NotRegular) != 1 || res.NotRegular[0] != "link.eml" {
		t.Fatalf("first Enqueue = %+v", res)
	}
	res, err = q.Enqueue(ctx, "harbor", root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Published != 0 || res.Duplicates != 3 {
		t.Fatalf("re-Enqueue = %+v, want 3 duplicates", res)
	}
	// Another case is another unit; a Skip function leaves files out.
	res, err = q.Enqueue(ctx, "lighthouse", root, EnqueueOptions{Exclude: opts.Exclude, Skip: func(_ context.Context, u Unit) (bool, error) {
		return strings.HasSuffix(u.Path, ".txt"), nil
	}})
	if err != nil || res.Published != 2 || res.Skipped != 1 {
		t.Fatalf("lighthouse Enqueue = %+v, %v", res, err)
	}
	p, err := q.Progress(ctx, "harbor", "")
	if err != nil || p.Remaining != 3 || p.Dead != 0 {
		t.Fatalf("Progress = %+v, %v", p, err)
	}
	// A single file as root: path relative to its folder.
	one := filepath.Join(root, "custodian-b/sent.eml")
	var got Unit
	_, err = q.Enqueue(ctx, "single", one, EnqueueOptions{Skip: func(_ context.Context, u Unit) (bool, error) { got = u; return true, nil }})
	if err != nil || got.Path != "sent.eml" || got.Root != filepath.Dir(one) || got.Size != int64(len("From: b@harbor.example\n\nhello\n")) || len(got.SHA256) != 64 {
		t.Fatalf("single-file unit = %+v, %v", got, err)
	}
	if _, err := q.Enqueue(ctx, "harbor", filepath.Join(root, "missing"), opts); err == nil || !strings.Contains(err.Error(), "check the path") {
		t.Fatalf("missing root: %v", err)
	}
}

// TestWorkersProcessAll runs two workers over 30 units, one of them
// poison: every good unit is committed exactly once and acked, the
// poison one is dead-lettered after MaxDeliver attempts with its error.
func TestWorkersProcessAll(t *testing.T) {
	q, _ := testQueue(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 30
	for i := range n {
		path := fmt.Sprintf("box/%02d.mbox", i)
		if i == 7 {
			path = "box/poison.mbox"
		}
		if _, err := q.Publish(ctx, unit("harbor", path)); err != nil {
			t.Fatal(err)
		}
	}
	res := newResults()
	handler := func(name string) Handler {
		return func(ctx context.Context, u Unit) error {
			res.attempt(u)
			if strings.Contains(u.Path, "poison") {
				return fmt.Errorf("mbox parser exploded at offset 1234 in %s", u.Path)
			}
			time.Sleep(5 * time.Millisecond)
			res.commit(u, name)
			return nil
		}
	}
	opts := WorkerOptions{MaxDeliver: 3, Backoff: func(int) time.Duration { return 50 * time.Millisecond }, PollWait: 200 * time.Millisecond}
	var wg sync.WaitGroup
	workers := make([]*Worker, 2)
	for i := range workers {
		o := opts
		o.Name = fmt.Sprintf("w%d", i)
		w, err := q.NewWorker(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		workers[i] = w
		wg.Go(func() {
			if err := w.Run(ctx, handler(o.Name)); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	waitFor(t, "all units done", 30*time.Second, func() bool {
		p, err := q.Progress(ctx, "harbor", "")
		return err == nil && p.Remaining == 0 && p.Dead == 1
	})
	cancel()
	wg.Wait()
	if c := res.committed(); c != n-1 {
		t.Fatalf("committed %d units, want %d", c, n-1)
	}
	poison := unit("harbor", "box/poison.mbox").ID
	if a := res.attempts[poison]; fmt.Sprint(a) != "[1 2 3]" {
		t.Fatalf("poison attempts = %v, want [1 2 3]", a)
	}
	var acked, dead int64
	used := map[string]bool{}
	for _, w := range workers {
		st := w.Stats()
		acked += st.Acked
		dead += st.Dead
	}
	for _, wname := range res.byWorker {
		used[wname] = true
	}
	if acked != n-1 || dead != 1 || len(used) != 2 {
		t.Fatalf("acked %d dead %d workers used %d; want %d, 1, 2", acked, dead, len(used), n-1)
	}
	dl, err := q.DeadLetters(context.Background(), "harbor")
	if err != nil || len(dl) != 1 {
		t.Fatalf("DeadLetters = %+v, %v", dl, err)
	}
	d := dl[0]
	if d.Unit.ID != poison || d.Attempts != 3 || !strings.Contains(d.Error, "offset 1234") || d.Worker == "" || d.Unit.Path != "box/poison.mbox" {
		t.Fatalf("dead letter = %+v", d)
	}
	if other, _ := q.DeadLetters(context.Background(), "lighthouse"); len(other) != 0 {
		t.Fatalf("dead letters leaked to another case: %+v", other)
	}
}

// TestCancelledWorkerUnitRedelivered: worker A is stopped (its context
// cancelled) while its handler is mid-unit, before the ack; the unit is
// redelivered to worker B and committed exactly once. A second unit is
// committed by A and A is stopped before it can ack: B gets it again
// and the idempotent handler does not commit twice.
func TestCancelledWorkerUnitRedelivered(t *testing.T) {
	q, _ := testQueue(t)
	bg := context.Background()
	res := newResults()
	started := make(chan Unit, 10)
	// A blocks in every unit until cancelled; for "commit-first" it
	// commits before blocking (killed between commit and ack).
	handlerA := func(ctx context.Context, u Unit) error {
		res.attempt(u)
		if strings.Contains(u.Path, "commit-first") {
			res.commit(u, "A")
		}
		started <- u
		<-ctx.Done()
		return ctx.Err()
	}
	handlerB := func(ctx context.Context, u Unit) error {
		res.attempt(u)
		res.commit(u, "B")
		return nil
	}
	opts := WorkerOptions{PollWait: 100 * time.Millisecond, AckWait: 5 * time.Second, Concurrency: 2}
	ctxA, cancelA := context.WithCancel(bg)
	wA, err := q.NewWorker(bg, opts)
	if err != nil {
		t.Fatal(err)
	}
	doneA := make(chan error, 1)
	go func() { doneA <- wA.Run(ctxA, handlerA) }()
	for _, p := range []string{"a/commit-first.mbox", "a/uncommitted.mbox"} {
		if _, err := q.Publish(bg, unit("harbor", p)); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("worker A never started both units")
		}
	}
	cancelA()
	select {
	case err := <-doneA:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("worker A did not shut down")
	}
	if st := wA.Stats(); st.Acked != 0 || st.Released != 2 {
		t.Fatalf("worker A stats %+v; want 0 acked, 2 released", st)
	}
	ctxB, cancelB := context.WithCancel(bg)
	defer cancelB()
	opts.Name = "B"
	wB, err := q.NewWorker(bg, opts)
	if err != nil {
		t.Fatal(err)
	}
	go wB.Run(ctxB, handlerB)
	waitFor(t, "both units acked by B", 10*time.Second, func() bool { return wB.Stats().Acked == 2 })
	p, err := q.Progress(bg, "harbor", "")
	if err != nil || p.Remaining != 0 || p.InFlight != 0 {
		t.Fatalf("Progress after = %+v, %v", p, err)
	}
	res.mu.Lock()
	defer res.mu.Unlock()
	ids := []string{unit("harbor", "a/commit-first.mbox").ID, unit("harbor", "a/uncommitted.mbox").ID}
	want := map[string]string{ids[0]: "A", ids[1]: "B"}
	for id, w := range want {
		if res.commits[id] != 1 || res.byWorker[id] != w {
			t.Errorf("unit %s committed %d times by %q; want once by %s", id, res.commits[id], res.byWorker[id], w)
		}
		a := res.attempts[id]
		sort.Ints(a)
		if fmt.Sprint(a) != "[1 2]" {
			t.Errorf("unit %s attempts %v, want [1 2]", id, a)
		}
	}
}

// TestHeartbeatPreventsRedelivery: a unit that takes 3× the ack wait is
// not redelivered to the idle second worker, thanks to InProgress.
func TestHeartbeatPreventsRedelivery(t *testing.T) {
	q, _ := testQueue(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := newResults()
	h := func(ctx context.Context, u Unit) error {
		res.attempt(u)
		select {
		case <-time.After(3 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
		res.commit(u, "")
		return nil
	}
	var ws []*Worker
	for i := range 2 {
		w, err := q.NewWorker(ctx, WorkerOptions{Name: fmt.Sprint(i), AckWait: time.Second, PollWait: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
		go w.Run(ctx, h)
	}
	u := unit("harbor", "slow-ocr.pdf")
	if _, err := q.Publish(ctx, u); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "slow unit acked", 15*time.Second, func() bool { return ws[0].Stats().Acked+ws[1].Stats().Acked == 1 })
	time.Sleep(300 * time.Millisecond)
	res.mu.Lock()
	defer res.mu.Unlock()
	if a := res.attempts[u.ID]; len(a) != 1 {
		t.Fatalf("slow unit delivered %d times (%v); heartbeats should keep it with one worker", len(a), a)
	}
}

// TestPermanentAndMalformed: a Permanent error dead-letters at once; a
// message that is not a unit is dead-lettered with its raw body; a unit
// delivered more than MaxDeliver times (its workers kept dying) is
// dead-lettered without running the handler again.
func TestPermanentAndMalformed(t *testing.T) {
	q, cfg := testQueue(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	calls := map[string]int{}
	h := func(ctx context.Context, u Unit) error {
		mu.Lock()
		calls[u.Path]++
		mu.Unlock()
		switch u.Path {
		case "gone.mbox":
			return Permanent(fmt.Errorf("open %s: %w", u.Path, os.ErrNotExist))
		case "crasher.pst":
			// Simulates a worker that dies: never answer, let AckWait expire.
			<-ctx.Done()
			return ctx.Err()
		case "panics.eml":
			panic("nil map write")
		}
		return nil
	}
	for _, p := range []string{"gone.mbox", "ok.mbox", "panics.eml"} {
		if _, err := q.Publish(ctx, unit("harbor", p)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.js.Publish(ctx, cfg.Prefix+".work.harbor", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	w, err := q.NewWorker(ctx, WorkerOptions{MaxDeliver: 2, Backoff: func(int) time.Duration { return 10 * time.Millisecond }, PollWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go w.Run(ctx, h)
	waitFor(t, "queue drained", 15*time.Second, func() bool {
		p, err := q.Progress(ctx, "harbor", "")
		return err == nil && p.Remaining == 0 && p.Dead == 3
	})
	dl, err := q.DeadLetters(ctx, "harbor")
	if err != nil || len(dl) != 3 {
		t.Fatalf("DeadLetters = %+v, %v", dl, err)
	}
	byPath := map[string]DeadLetter{}
	for _, d := range dl {
		byPath[d.Unit.Path] = d
	}
	if d := byPath["gone.mbox"]; d.Attempts != 1 || !strings.Contains(d.Error, "file does not exist") {
		t.Errorf("permanent: %+v", d)
	}
	if d := byPath["panics.eml"]; d.Attempts != 2 || !strings.Contains(d.Error, "panicked") {
		t.Errorf("panic: %+v", d)
	}
	if d := byPath[""]; d.Raw != "{not json" || !strings.Contains(d.Error, "not a readable work unit") {
		t.Errorf("malformed: %+v", d)
	}
	mu.Lock()
	if calls["gone.mbox"] != 1 || calls["ok.mbox"] != 1 || calls["panics.eml"] != 2 {
		t.Errorf("handler calls %v", calls)
	}
	mu.Unlock()
	cancel()

	// The crashing unit: its worker vanishes every time (connection
	// dropped without ack); after MaxDeliver deliveries the next worker
	// dead-letters it without calling the handler.
	q2, _ := testQueue(t)
	bg := context.Background()
	if _, err := q2.Publish(bg, unit("harbor", "crasher.pst")); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		cctx, ccancel := context.WithCancel(bg)
		w, err := q2.NewWorker(bg, WorkerOptions{MaxDeliver: 2, AckWait: 500 * time.Millisecond, Heartbeat: time.Hour, PollWait: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan struct{})
		go w.Run(cctx, func(ctx context.Context, u Unit) error {
			close(got)
			select {} // hangs like a stuck parser; never acks, never naks
		})
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatalf("delivery %d never arrived", i+1)
		}
		ccancel() // the loop stops pulling; the hung handler holds the unit until AckWait
	}
	var called atomic.Bool
	w3, err := q2.NewWorker(bg, WorkerOptions{MaxDeliver: 2, AckWait: 500 * time.Millisecond, PollWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c3, cancel3 := context.WithCancel(bg)
	defer cancel3()
	go w3.Run(c3, func(context.Context, Unit) error { called.Store(true); return nil })
	waitFor(t, "crasher dead-lettered", 10*time.Second, func() bool { return w3.Stats().Dead == 1 })
	dl, _ = q2.DeadLetters(bg, "harbor")
	if called.Load() || len(dl) != 1 || dl[0].Attempts != 2 || !strings.Contains(dl[0].Error, "crashed or was killed") {
		t.Fatalf("crasher: handler called %v, dead letters %+v", called.Load(), dl)
	}
}

func TestConnectErrors(t *testing.T) {
	_, err := Connect(context.Background(), "nats://user:s3cret@127.0.0.1:1", Config{})
	if err == nil || !strings.Contains(err.Error(), "cannot reach NATS") || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "-js") {
		t.Fatalf("Connect to a closed port: %v", err)
	}
	if !errors.Is(Permanent(os.ErrNotExist), os.ErrNotExist) || !IsPermanent(fmt.Errorf("x: %w", Permanent(errors.New("y")))) || Permanent(nil) != nil {
		t.Fatal("Permanent wrapping broken")
	}
}
