package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const natsURL = "nats://127.0.0.1:4222"

var startOnce sync.Once

// testQueue opens a queue on the local nats-server with unique stream
// names and subject prefix, deleted at cleanup. It starts the server
// when it is not listening and skips the test if that fails.
func testQueue(t *testing.T) (*Queue, Config) {
	t.Helper()
	return testQueueTB(t)
}

// testQueueTB is testQueue for benchmarks too.
func testQueueTB(t testing.TB) (*Queue, Config) {
	t.Helper()
	url := natsURL
	if v := os.Getenv("CASEFILE_TEST_NATS"); v != "" {
		url = v
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		startOnce.Do(func() {
			cmd := exec.Command("start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/nats-server", "--",
				"-a", "127.0.0.1", "-p", "4222", "-js", "-sd", "/var/lib/nats-server", "-l", "/var/log/nats-server.log")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Logf("starting nats-server: %v %s", err, out)
			}
			time.Sleep(time.Second)
		})
		nc, err = nats.Connect(url, nats.Timeout(2*time.Second))
	}
	if err != nil {
		t.Skipf("NATS with JetStream not reachable at %s (%v) and could not be started; set CASEFILE_TEST_NATS", url, err)
	}
	t.Cleanup(nc.Close)
	var b [5]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	cfg := Config{Stream: "T_WORK_" + id, DeadStream: "T_DEAD_" + id, Prefix: "cftest" + id}
	ctx := context.Background()
	q, err := Open(ctx, nc, cfg)
	if err != nil {
		if strings.Contains(err.Error(), "JetStream") {
			t.Skipf("NATS at %s: %v", url, err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		js, _ := jetstream.New(nc)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range []string{cfg.Stream, cfg.DeadStream} {
			if err := js.DeleteStream(ctx, s); err != nil {
				t.Errorf("deleting test stream %s: %v", s, err)
			}
		}
	})
	return q, q.Config()
}

// results is an idempotent "store": it records each unit ID once and
// counts how often each was committed and attempted.
type results struct {
	mu       sync.Mutex
	commits  map[string]int // times a unit's results were newly committed
	attempts map[string][]int
	byWorker map[string]string
}

func newResults() *results {
	return &results{commits: map[string]int{}, attempts: map[string][]int{}, byWorker: map[string]string{}}
}

func (r *results) attempt(u Unit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts[u.ID] = append(r.attempts[u.ID], u.Attempt)
}

// commit records u's results unless they are already there.
func (r *results) commit(u Unit, worker string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byWorker[u.ID]; ok {
		return
	}
	r.byWorker[u.ID] = worker
	r.commits[u.ID]++
}

func (r *results) committed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byWorker)
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func unit(c, path string) Unit {
	return Unit{Case: c, Kind: KindFile, Root: "/data", Path: path, SHA256: strings.Repeat("a", 64)}.withID()
}
