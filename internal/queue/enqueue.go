package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// skippedDirs are never descended into (as in internal/source).
var skippedDirs = map[string]bool{".casefile": true, ".git": true, ".hg": true, ".svn": true, ".bzr": true}

// EnqueueOptions configure Enqueue.
type EnqueueOptions struct {
	// Exclude lists directories (absolute, or relative to the working
	// directory) not to walk, e.g. a case folder inside the root.
	Exclude []string
	// Skip, when set, is asked about each unit before it is published;
	// returning true leaves it out (e.g. the store already has the file:
	// store.FileDone(path, sha256)).
	Skip func(ctx context.Context, u Unit) (bool, error)
	// Progress is called after each file.
	Progress func(EnqueueResult)
}

// EnqueueResult counts what Enqueue did.
type EnqueueResult struct {
	Files      int   `json:"files"`      // regular files found
	Published  int   `json:"published"`  // new units queued
	Duplicates int   `json:"duplicates"` // already queued (same unit ID within the duplicate window)
	Skipped    int   `json:"skipped"`    // left out by Options.Skip
	Bytes      int64 `json:"bytes"`
	// NotRegular lists entries that are neither directories nor regular
	// files (symlinks, devices...), relative to the root; they are not
	// queued.
	NotRegular []string `json:"not_regular,omitempty"`
}

// Enqueue walks root (a folder or one file) in lexical order and
// publishes one KindFile unit per regular file for caseName, with the
// file's SHA-256. Re-running it within the duplicate window publishes
// nothing new. It stops at the first publish error; units published
// before it stay queued, and running it again completes the job.
func (q *Queue) Enqueue(ctx context.Context, caseName, root string, opts EnqueueOptions) (EnqueueResult, error) {
	var res EnqueueResult
	abs, err := filepath.Abs(root)
	if err != nil {
		return res, fmt.Errorf("queue: %s: %w", root, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return res, fmt.Errorf("queue: %w (check the path)", err)
	}
	base := abs
	if !st.IsDir() {
		base = filepath.Dir(abs)
	}
	excl := map[string]bool{}
	for _, e := range opts.Exclude {
		if a, err := filepath.Abs(e); err == nil {
			excl[a] = true
		}
	}
	now := time.Now().UTC()
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("queue: walking %s: %w", p, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if p != abs && (skippedDirs[d.Name()] || excl[p]) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(base, p)
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			res.NotRegular = append(res.NotRegular, rel)
			return nil
		}
		sum, size, err := hashFile(p)
		if err != nil {
			return err
		}
		res.Files++
		res.Bytes += size
		u := Unit{Case: caseName, Kind: KindFile, Root: base, Path: rel, SHA256: sum, Size: size, Enqueued: now}.withID()
		if opts.Skip != nil {
			skip, err := opts.Skip(ctx, u)
			if err != nil {
				return fmt.Errorf("queue: checking %s: %w", rel, err)
			}
			if skip {
				res.Skipped++
				return nil
			}
		}
		dup, err := q.Publish(ctx, u)
		if err != nil {
			return err
		}
		if dup {
			res.Duplicates++
		} else {
			res.Published++
		}
		if opts.Progress != nil {
			opts.Progress(res)
		}
		return nil
	})
	return res, err
}

func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, fmt.Errorf("queue: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("queue: reading %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
