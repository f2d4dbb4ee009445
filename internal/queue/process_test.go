package queue

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestWorkerProcess is the worker run by TestKilledWorkerProcess in a
// child process; it does nothing in a normal test run.
func TestWorkerProcess(t *testing.T) {
	if os.Getenv("CASEFILE_QUEUE_CHILD") != "1" {
		t.Skip("helper process for TestKilledWorkerProcess")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	nc, err := nats.Connect(os.Getenv("CASEFILE_QUEUE_URL"))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	q, err := Open(ctx, nc, Config{Stream: os.Getenv("CASEFILE_QUEUE_STREAM"), DeadStream: os.Getenv("CASEFILE_QUEUE_DEAD"), Prefix: os.Getenv("CASEFILE_QUEUE_PREFIX")})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	dir := os.Getenv("CASEFILE_QUEUE_DIR")
	w, err := q.NewWorker(ctx, WorkerOptions{Name: os.Getenv("CASEFILE_QUEUE_NAME"), MaxDeliver: 3, AckWait: time.Second,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }, PollWait: 100 * time.Millisecond})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	err = w.Run(ctx, func(ctx context.Context, u Unit) error {
		fmt.Println("start", u.Path, u.Attempt)
		if strings.Contains(u.Path, "poison") {
			return errors.New("cannot parse " + u.Path)
		}
		time.Sleep(20 * time.Millisecond) // the "work"
		// Idempotent commit keyed by unit ID.
		f, err := os.OpenFile(filepath.Join(dir, u.ID), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		switch {
		case errors.Is(err, os.ErrExist):
			fmt.Println("already", u.Path)
			return nil
		case err != nil:
			return err
		}
		fmt.Fprintln(f, u.Path)
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Println("commit", u.Path)
		if u.Path == "slow-commit" {
			fmt.Println("committed-slow")
			time.Sleep(30 * time.Second) // SIGKILLed here: committed, not acked
		}
		return nil
	})
	if err != nil {
		fmt.Println("error", err)
	}
}

// TestKilledWorkerProcess runs two worker processes; the one that
// committed a unit but has not acked it yet is killed with SIGKILL. The
// unit is redelivered to the survivor, which finds the results already
// committed; every good unit ends up committed exactly once and the
// poison unit is dead-lettered after 3 attempts.
func TestKilledWorkerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	q, cfg := testQueue(t)
	ctx := context.Background()
	dir := t.TempDir()
	paths := []string{"slow-commit", "poison.mbox"}
	for i := range 38 {
		paths = append(paths, fmt.Sprintf("box/%02d.mbox", i))
	}
	for _, p := range paths {
		if _, err := q.Publish(ctx, unit("harbor", p)); err != nil {
			t.Fatal(err)
		}
	}
	type line struct {
		worker int
		text   string
	}
	lines := make(chan line, 1000)
	var all []line
	var mu sync.Mutex
	procs := make([]*exec.Cmd, 2)
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.v=false")
		cmd.Env = append(os.Environ(), "CASEFILE_QUEUE_CHILD=1", "CASEFILE_QUEUE_URL="+natsURL,
			"CASEFILE_QUEUE_STREAM="+cfg.Stream, "CASEFILE_QUEUE_DEAD="+cfg.DeadStream, "CASEFILE_QUEUE_PREFIX="+cfg.Prefix,
			"CASEFILE_QUEUE_DIR="+dir, fmt.Sprintf("CASEFILE_QUEUE_NAME=w%d", i))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i] = cmd
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				l := line{i, sc.Text()}
				mu.Lock()
				all = append(all, l)
				mu.Unlock()
				select {
				case lines <- l:
				default:
				}
			}
		}()
	}
	killed := -1
	deadline := time.After(60 * time.Second)
	for killed < 0 {
		select {
		case l := <-lines:
			if strings.HasPrefix(l.text, "error") {
				t.Fatalf("worker %d: %s", l.worker, l.text)
			}
			if l.text == "committed-slow" {
				killed = l.worker
				if err := procs[killed].Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
		case <-deadline:
			t.Fatal("no worker reached the slow unit")
		}
	}
	waitFor(t, "queue drained by the survivor", 60*time.Second, func() bool {
		p, err := q.Progress(ctx, "harbor", "")
		return err == nil && p.Remaining == 0 && p.Dead == 1
	})
	survivor := 1 - killed
	_ = procs[survivor].Process.Signal(syscall.SIGTERM)
	_ = procs[survivor].Wait()

	mu.Lock()
	defer mu.Unlock()
	commits := map[string]int{}
	var redelivered bool
	for _, l := range all {
		f := strings.Fields(l.text)
		switch {
		case len(f) == 2 && f[0] == "commit":
			commits[f[1]]++
		case len(f) == 2 && f[0] == "already" && f[1] == "slow-commit" && l.worker == survivor:
			redelivered = true
		}
	}
	if len(commits) != len(paths)-1 {
		t.Errorf("%d units committed, want %d", len(commits), len(paths)-1)
	}
	for p, n := range commits {
		if n != 1 {
			t.Errorf("unit %s committed %d times", p, n)
		}
	}
	if !redelivered {
		t.Error("the killed worker's unit was not redelivered to the survivor")
	}
	files, _ := os.ReadDir(dir)
	if len(files) != len(paths)-1 {
		t.Errorf("%d result files, want %d", len(files), len(paths)-1)
	}
	dl, err := q.DeadLetters(ctx, "harbor")
	if err != nil || len(dl) != 1 || dl[0].Unit.Path != "poison.mbox" || dl[0].Attempts != 3 {
		t.Fatalf("dead letters: %+v, %v", dl, err)
	}
	t.Logf("worker w%d killed after committing slow-commit; survivor w%d redelivered it; %d units committed once each; poison dead after %d attempts", killed, survivor, len(commits), dl[0].Attempts)
}
