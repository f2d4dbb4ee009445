package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// runResult is what one measured child process did.
type runResult struct {
	Wall     time.Duration
	MaxRSS   int64         // bytes, from wait4 rusage
	CPU      time.Duration // user + system time of the child
	ExitCode int
	Stdout   []byte
	Stderr   string // last 4 KiB
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// run starts name with args and env added to the harness's environment,
// waits for it and measures wall time and peak RSS. keepStdout=false
// discards standard output (progress noise). A non-zero exit is not an
// error: callers decide which exit codes are acceptable.
func run(ctx context.Context, env []string, keepStdout bool, name string, args ...string) (runResult, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(cleanEnv(), env...)
	var out bytes.Buffer
	if keepStdout {
		cmd.Stdout = &out
	} else {
		cmd.Stdout = io.Discard
	}
	errBuf := &tailBuffer{max: 4096}
	cmd.Stderr = errBuf
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	res := runResult{Wall: wall, Stdout: out.Bytes(), Stderr: string(errBuf.buf)}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			res.MaxRSS = ru.Maxrss * 1024 // Linux reports KiB
			res.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return res, fmt.Errorf("casebench: run %s: %w", name, err)
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("casebench: run %s: %w", name, ctx.Err())
	}
	return res, nil
}

// cleanEnv is the harness environment without variables that would point
// the tools at the user's own mail or case, with TZ=UTC so that every tool
// reads date ranges as UTC days.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "NOTMUCH_CONFIG", "NOTMUCH_PROFILE", "MAILDIR", "MUHOME", "CASEFILE_CASE", "TZ":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TZ=UTC")
}

func describeFailure(what string, r runResult) error {
	msg := strings.TrimSpace(r.Stderr)
	if msg == "" {
		msg = "(no error output)"
	}
	return fmt.Errorf("casebench: %s exited with code %d: %s", what, r.ExitCode, msg)
}

// diskUsage returns the bytes allocated on disk (like du) under root,
// excluding the subtrees named in skip (absolute paths).
func diskUsage(root string, skip ...string) (int64, error) {
	var total int64
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if slices.Contains(skip, path) {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += fi.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("casebench: disk usage of %s: %w", root, err)
	}
	return total, nil
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100).
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	k := int(float64(len(s))*p/100+0.999999999) - 1
	return s[max(0, min(k, len(s)-1))]
}

// countLines counts non-empty lines.
func countLines(b []byte) int {
	n := 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			n++
		}
	}
	return n
}
