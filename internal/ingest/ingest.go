// Package ingest runs the pipeline that turns a cache into case content:
// source.Walk finds raw items, a pool of workers parses them (native
// messages with internal/message, printed documents with
// internal/printed), and a single writer commits batches to the store.
//
// Ingest is resumable and idempotent: a top-level file is marked done in
// the same transaction as its last messages, so after a crash the next
// run skips finished files and re-processes the interrupted one, whose
// already-stored copies are recognised and not duplicated.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/message"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/source"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/thread"
)

// Options configure Run. The zero value means the documented defaults.
type Options struct {
	// Workers parse in parallel; 0 means runtime.NumCPU().
	Workers int
	// BatchSize is the number of messages per transaction; 0 means 5000
	// (bigger batches mean fewer FTS5 segment flushes: ~10% faster than
	// 1000 at 20k messages).
	BatchSize int
	// NoPreserve skips copying originals into the case (for benchmarks
	// and for caches already kept read-only elsewhere).
	NoPreserve bool
	// Source and Message are passed to the walker and the parser.
	Source  source.Options
	Message message.Options
	// Documents handles printed documents (PDF, images, OCR text, HTML).
	// Nil records them as skipped with a reason.
	Documents DocumentHandler
	// Progress receives progress updates (may be nil).
	Progress func(Progress)
	// Files, when not nil, limits the run to these files under root
	// (paths relative to root, forward slashes), recorded under those
	// paths as a whole-root run would (distributed ingest: one file per
	// work unit).
	Files []string
	// NoFinalize skips the whole-case passes at the end of a run
	// (Message-ID conflicts, printed copies, threads); the caller runs
	// Complete once all parts of a distributed ingest are in.
	NoFinalize bool
}

// DocumentHandler recovers printed messages from a document. It returns
// the messages (Kind printed, Sources set) and per-page problems.
type DocumentHandler func(ctx context.Context, ev source.Event) ([]*model.Message, []store.Problem, error)

// Progress is a snapshot of a running ingest.
type Progress struct {
	BytesDone, BytesTotal int64
	Files, Items          int
	New, Duplicates       int
	Failed, Skipped       int
	Elapsed               time.Duration
	CurrentFile           string
	Done                  bool
}

// Summary is what a run did. Counts are for this run only; the case's
// totals are in store.Stats.
type Summary struct {
	RunID         int64         `json:"run"`
	Files         int           `json:"files"`
	FilesResumed  int           `json:"files_already_done"`
	Items         int           `json:"items"`
	New           int           `json:"new"`
	Pages         int           `json:"pages"`
	Duplicates    int           `json:"duplicates"`
	Known         int           `json:"already_known"`
	Printed       int           `json:"printed"`
	PrintedCopies int           `json:"printed_copies"`
	Failed        int           `json:"failed"`
	Skipped       int           `json:"skipped"`
	Warnings      int           `json:"warnings"`
	Threads       int           `json:"threads"`
	SubjectJoins  int           `json:"subject_joins"`
	Bytes         int64         `json:"bytes"`
	Elapsed       time.Duration `json:"-"`
	ElapsedSecond float64       `json:"elapsed_seconds"`
	Interrupted   bool          `json:"interrupted"`
}

// Counters returns the summary as a map for the run record.
func (s Summary) Counters() map[string]int {
	return map[string]int{"files": s.Files, "files_already_done": s.FilesResumed, "items": s.Items, "new": s.New, "pages": s.Pages,
		"duplicates": s.Duplicates, "already_known": s.Known, "printed": s.Printed, "failed": s.Failed,
		"skipped": s.Skipped, "warnings": s.Warnings}
}

type job struct {
	ev   source.Event
	file string
	// preserve, when set, is the whole top-level file to copy into the
	// case's originals before the job's result is reported (so a file is
	// never marked done before its original is kept: the committer
	// writes buffered originals out before each batch, batcher.before).
	preserve []byte
	// packed keeps it in a pack (a file holding one message).
	packed bool
}

// keep preserves the whole content of an input file: a one-message file
// (Maildir, .eml) in a pack, anything else as a file of its own.
func keep(c *casedir.Case, data []byte, ev source.Event, packed bool) error {
	if packed {
		return c.PreserveMessage(data, ev.File.SHA256)
	}
	return c.PreserveBytes(data, ev.File.SHA256)
}

// result is what flows to the writer: parsed messages, problems, or a
// file marker.
type result struct {
	file     string
	msgs     []*model.Message
	problems []store.Problem
	counted  bool // a job result (counts towards the file's completion)
	fileEnd  *source.Event
	fileJobs int
	resumed  bool // the file was completed by an earlier run and skipped
	eof      bool // all producers are done
	fatal    error
}

// Run ingests root (a file or a folder) into the case.
func Run(ctx context.Context, c *casedir.Case, root string, opts Options) (Summary, error) {
	start := time.Now()
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	if _, err := os.Stat(root); err != nil {
		return Summary{}, fmt.Errorf("ingest: %w", err)
	}
	absCase, _ := filepath.Abs(c.Dir)
	opts.Source.Exclude = append(opts.Source.Exclude, absCase)
	// The total size (for the ETA) is summed in the background: on a big
	// tree that stat pass would otherwise delay the start. Without
	// progress reports it is not needed (100k files: 0.4 s of CPU).
	var total atomic.Int64
	if opts.Files == nil && opts.Progress != nil {
		go func() { total.Store(totalBytes(ctx, root, absCase)) }()
	}

	st := c.Store
	// Which files earlier runs completed, read once rather than one query
	// per file.
	// (For a run limited to a few Files, one query each is cheaper.)
	done := map[[2]string]bool{}
	isDone := func(ctx context.Context, path, sha string) (bool, error) { return done[[2]string{path, sha}], nil }
	if opts.Files != nil {
		isDone = st.FileDone
	} else {
		recs, err := st.Files(ctx)
		if err != nil {
			return Summary{}, err
		}
		for _, f := range recs {
			if f.Status == "done" {
				done[[2]string{f.Path, f.SHA256}] = true
			}
		}
	}
	runID, err := st.BeginRun(ctx, root)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{RunID: runID}
	var bytesDone atomic.Int64
	var items atomic.Int64

	jobs := make(chan job, 4*opts.Workers)
	results := make(chan result, 8*opts.Workers)

	// Workers.
	var wg sync.WaitGroup
	for i := 0; i < opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if j.preserve != nil {
					if err := keep(c, j.preserve, j.ev, j.packed); err != nil {
						results <- result{file: j.file, counted: true, fatal: err}
						continue
					}
				}
				results <- process(ctx, j, opts, runID)
			}
		}()
	}

	// Walker.
	walkErr := make(chan error, 1)
	go func() {
		var fileJobs int
		var preserve []byte // the current file, to be kept by its first job
		var packed bool
		walk := source.Walk
		if opts.Files != nil {
			walk = func(ctx context.Context, root string, o source.Options, emit func(source.Event) error) error {
				return source.WalkFiles(ctx, root, opts.Files, o, emit)
			}
		}
		err := walk(ctx, root, opts.Source, func(ev source.Event) error {
			switch ev.Type {
			case source.EventFileStart:
				d, err := isDone(ctx, ev.File.Path, ev.File.SHA256)
				if err != nil {
					return err
				}
				if d {
					results <- result{file: ev.File.Path, resumed: true}
					bytesDone.Add(ev.File.Size)
					return source.ErrSkipFile
				}
				preserve = nil
				packed = ev.File.Format == source.FormatEML || ev.File.Format == source.FormatMaildir
				if !opts.NoPreserve {
					if ev.File.Data != nil {
						preserve = ev.File.Data // copied by a worker
					} else if err := c.Preserve(ev.File.AbsPath, ev.File.SHA256, ev.File.Size); err != nil {
						return err
					}
				}
				fileJobs = 0
			case source.EventMessage, source.EventDocument:
				fileJobs++
				items.Add(1)
				select {
				case jobs <- job{ev: ev, file: ev.File.Path, preserve: preserve, packed: packed}:
					preserve = nil
				case <-ctx.Done():
					return ctx.Err()
				}
			case source.EventSkipped, source.EventFailed:
				results <- result{file: ev.File.Path, problems: []store.Problem{problemOf(ev, runID)}}
			case source.EventFileEnd:
				if preserve != nil { // a file without parsable items
					if err := keep(c, preserve, ev, packed); err != nil {
						return err
					}
					preserve = nil
				}
				e := ev
				var ws []store.Problem
				for _, w := range ev.Warnings {
					ws = append(ws, store.Problem{RunID: runID, Kind: "warning", Path: ev.File.Path, Reason: w})
				}
				results <- result{file: ev.File.Path, fileEnd: &e, fileJobs: fileJobs, problems: ws}
				bytesDone.Add(ev.File.Size)
			}
			return nil
		})
		close(jobs)
		walkErr <- err
	}()
	go func() {
		wg.Wait()
		// The walker has closed jobs before workers finish; once both are
		// done nothing else writes to results.
		results <- result{eof: true}
	}()

	// Writer (this goroutine).
	w := newBatcher(st, runID, opts.BatchSize, &sum, c.FlushOriginals)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	report := func(done bool) {
		if opts.Progress == nil {
			return
		}
		c := w.committed()
		opts.Progress(Progress{BytesDone: bytesDone.Load(), BytesTotal: total.Load(), Files: sum.Files, Items: int(items.Load()),
			New: c.New - c.Pages, Duplicates: c.Duplicates + c.Known, Failed: sum.Failed, Skipped: sum.Skipped,
			Elapsed: time.Since(start), Done: done})
	}
	var writeErr error
loop:
	for {
		select {
		case r := <-results:
			if r.eof {
				break loop
			}
			if writeErr != nil {
				continue // drain so producers finish
			}
			if r.fatal != nil {
				writeErr = r.fatal
				continue
			}
			flushed, err := w.add(ctx, r)
			if err != nil {
				writeErr = err
			} else if flushed {
				report(false)
			}
		case <-tick.C:
			if writeErr == nil {
				if err := w.flushIfIdle(ctx); err != nil {
					writeErr = err
				}
			}
			report(false)
		}
	}
	werr := <-walkErr
	// Commit what was parsed even when interrupted: it is complete data,
	// and files are only marked done when all their items are in.
	fctx := context.WithoutCancel(ctx)
	if writeErr == nil {
		writeErr = w.flush(fctx)
	}
	if err := w.close(); writeErr == nil {
		writeErr = err
	}
	sum.Items = int(items.Load())
	sum.Bytes = bytesDone.Load()
	status := "done"
	switch {
	case writeErr != nil:
		status = "failed"
	case werr != nil && errors.Is(werr, context.Canceled):
		status, sum.Interrupted = "interrupted", true
	case werr != nil:
		status = "failed"
	}
	if writeErr == nil && werr == nil && !opts.NoFinalize {
		cs, err := Complete(fctx, st)
		if err != nil {
			writeErr = err
		}
		sum.PrintedCopies, sum.Threads, sum.SubjectJoins = cs.PrintedCopies, cs.Threads, cs.SubjectJoins
	}
	sum.Elapsed = time.Since(start)
	sum.ElapsedSecond = sum.Elapsed.Seconds()
	_ = st.FinishRun(fctx, runID, status, sum.Counters())
	report(true)
	if writeErr != nil {
		return sum, writeErr
	}
	if werr != nil {
		return sum, fmt.Errorf("ingest: %w", werr)
	}
	return sum, nil
}

func problemOf(ev source.Event, runID int64) store.Problem {
	kind := "skipped"
	if ev.Type == source.EventFailed {
		kind = "failed"
	}
	reason := ev.Reason
	if reason == "" && ev.Err != nil {
		reason = ev.Err.Error()
	}
	path := ev.Source.Path
	if path == "" {
		path = ev.File.Path
	}
	return store.Problem{RunID: runID, Kind: kind, Path: path, Member: ev.Source.Member, Offset: ev.Source.Offset, Page: ev.Source.Page, Reason: reason}
}

// process parses one item on a worker.
func process(ctx context.Context, j job, opts Options, runID int64) result {
	r := result{file: j.file, counted: true}
	ev := j.ev
	src := ev.Source
	src.RunID = runID
	if src.Path == "" {
		src.Path = ev.File.Path
	}
	if src.FileSHA256 == "" {
		src.FileSHA256 = ev.File.SHA256
	}
	for _, w := range ev.Warnings {
		r.problems = append(r.problems, store.Problem{RunID: runID, Kind: "warning", Path: src.Path, Member: src.Member, Offset: src.Offset, Reason: w})
	}
	if ev.Type == source.EventDocument {
		if opts.Documents == nil {
			r.problems = append(r.problems, store.Problem{RunID: runID, Kind: "skipped", Path: src.Path, Member: src.Member,
				Reason: fmt.Sprintf("%s document: printed-email recovery is not enabled for this run", ev.Format)})
			return r
		}
		msgs, probs, err := opts.Documents(ctx, ev)
		for i := range probs {
			probs[i].RunID = runID
		}
		r.problems = append(r.problems, probs...)
		if err != nil {
			r.problems = append(r.problems, store.Problem{RunID: runID, Kind: "failed", Path: src.Path, Member: src.Member, Reason: err.Error()})
		}
		for _, m := range msgs {
			for i := range m.Sources {
				m.Sources[i].RunID = runID
			}
		}
		r.msgs = msgs
		return r
	}
	m, err := message.Parse(ctx, ev.Raw, opts.Message)
	if err != nil {
		where := fmt.Sprintf("offset %d", src.Offset)
		if src.Member != "" {
			where = "member " + src.Member + ", " + where
		}
		r.problems = append(r.problems, store.Problem{RunID: runID, Kind: "failed", Path: src.Path, Member: src.Member, Offset: src.Offset,
			Reason: fmt.Sprintf("cannot parse message in %s (%s): %v", src.Path, where, err)})
		return r
	}
	m.Sources = []model.Source{src}
	r.msgs = []*model.Message{m}
	return r
}

type fileState struct {
	got    int
	failed int
	end    *source.Event
	jobs   int
}

// batcher accumulates results and commits them in batches. A file's
// record is committed in the batch that contains its last item.
//
// Batches are committed by a goroutine of their own, in order, while
// the next one fills: committing 5,000 messages takes most of a second,
// and parse workers that had to wait for it left a core idle (100k
// Maildir messages: 28.6 s with the wait, 24.4 s without).
type batcher struct {
	st      store.Store
	runID   int64
	size    int
	sum     *Summary
	batch   store.Batch
	nmsgs   int
	pending map[string]*fileState
	last    time.Time

	commits chan commit   // to the committer; unbuffered: one batch in flight
	stopped chan struct{} // closed when the committer has returned
	// before runs ahead of every write: the case's buffered originals
	// are written out before the batch records their files as done.
	before func() error
	mu     sync.Mutex // guards res and err, written by the committer
	res    store.PutResult
	err    error
}

type commit struct {
	ctx   context.Context
	batch store.Batch
}

func newBatcher(st store.Store, runID int64, size int, sum *Summary, before func() error) *batcher {
	b := &batcher{st: st, runID: runID, size: size, sum: sum, pending: map[string]*fileState{},
		commits: make(chan commit), stopped: make(chan struct{}), before: before}
	go b.committer()
	return b
}

// committer writes batches in the order they are handed over; after a
// failed write it drops the rest (their files are not marked done, so
// the next run redoes them).
func (b *batcher) committer() {
	defer close(b.stopped)
	for c := range b.commits {
		b.mu.Lock()
		failed := b.err != nil
		b.mu.Unlock()
		if failed {
			continue
		}
		var res store.PutResult
		var err error
		if b.before != nil {
			err = b.before()
		}
		if err == nil {
			res, err = b.st.Write(c.ctx, b.runID, c.batch)
		}
		b.mu.Lock()
		if err != nil {
			b.err = err
		} else {
			b.res.New += res.New
			b.res.Pages += res.Pages
			b.res.Duplicates += res.Duplicates
			b.res.Known += res.Known
		}
		b.mu.Unlock()
	}
}

// committed returns what the batches committed so far stored.
func (b *batcher) committed() store.PutResult {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.res
}

// close waits for the last batch to be written, copies the counts into
// the summary and returns the first write error.
func (b *batcher) close() error {
	close(b.commits)
	<-b.stopped
	c := b.committed()
	b.sum.New, b.sum.Pages, b.sum.Duplicates, b.sum.Known = c.New-c.Pages, c.Pages, c.Duplicates, c.Known
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// add takes one result and reports whether it caused a commit.
func (b *batcher) add(ctx context.Context, r result) (bool, error) {
	if r.resumed {
		b.sum.FilesResumed++
		return false, nil
	}
	if ctx.Err() != nil {
		// After an interruption nothing more is recorded: results that
		// arrive now may stem from cancelled work (a parse cut short, a
		// killed readpst). Unfinished files are redone on the next run.
		return false, nil
	}
	for _, p := range r.problems {
		switch p.Kind {
		case "failed":
			b.sum.Failed++
		case "skipped":
			b.sum.Skipped++
		default:
			b.sum.Warnings++
		}
	}
	b.batch.Problems = append(b.batch.Problems, r.problems...)
	failedHere := 0
	for _, p := range r.problems {
		if p.Kind == "failed" || p.Retry {
			failedHere++
		}
	}
	for _, m := range r.msgs {
		if m.Kind == model.KindPrinted {
			b.sum.Printed++
		}
	}
	b.batch.Messages = append(b.batch.Messages, r.msgs...)
	b.nmsgs += len(r.msgs)
	fs := b.pending[r.file]
	if fs == nil && (r.counted || r.fileEnd != nil || failedHere > 0) {
		fs = &fileState{}
		b.pending[r.file] = fs
	}
	if r.counted {
		fs.got++
	}
	if fs != nil {
		fs.failed += failedHere
	}
	if r.fileEnd != nil {
		fs.end, fs.jobs = r.fileEnd, r.fileJobs
	}
	if fs != nil && fs.end != nil && fs.got == fs.jobs {
		e := fs.end
		// A file with failed items stays "partial" so the next run retries
		// it (e.g. after installing a missing tool); stored copies and
		// recorded problems are idempotent, so retrying adds no duplicates.
		status := "done"
		if fs.failed > 0 {
			status = "partial"
		}
		b.batch.Files = append(b.batch.Files, store.FileRecord{Path: e.File.Path, SHA256: e.File.SHA256, Size: e.File.Size,
			Format: e.File.Format, Seen: e.Seen, Emitted: e.Emitted + e.Documents, Status: status})
		b.sum.Files++
		delete(b.pending, r.file)
	}
	if b.nmsgs >= b.size {
		return true, b.flush(ctx)
	}
	return false, nil
}

func (b *batcher) flushIfIdle(ctx context.Context) error {
	if time.Since(b.last) < 2*time.Second {
		return nil
	}
	return b.flush(ctx)
}

func (b *batcher) flush(ctx context.Context) error {
	b.last = time.Now()
	if len(b.batch.Messages) == 0 && len(b.batch.Problems) == 0 && len(b.batch.Files) == 0 {
		return nil
	}
	b.mu.Lock()
	err := b.err
	b.mu.Unlock()
	if err != nil {
		return err
	}
	// Encoding rows here takes that work off the committer, the
	// pipeline's slowest stage (9% of its time at 100k).
	if p, ok := b.st.(store.Preparer); ok {
		p.Prepare(&b.batch)
	}
	// A batch handed over is written whole even if the run is being
	// interrupted: it is complete data (see Run).
	b.commits <- commit{context.WithoutCancel(ctx), b.batch}
	b.batch = store.Batch{}
	b.nmsgs = 0
	return nil
}

// CompleteStats reports the whole-case passes of Complete.
type CompleteStats struct {
	PrintedCopies, Threads, SubjectJoins int
}

// Complete runs the passes that need the whole case, after a complete
// ingest: Message-ID conflict flags (Store.Finalize), printed→native copy
// links (LinkCopies), then threads (Rethread).
func Complete(ctx context.Context, st store.Store) (CompleteStats, error) {
	var cs CompleteStats
	if err := st.Finalize(ctx); err != nil {
		return cs, err
	}
	n, err := LinkCopies(ctx, st)
	if err != nil {
		return cs, err
	}
	cs.PrintedCopies = n
	ts, err := Rethread(ctx, st)
	if err != nil {
		return cs, err
	}
	cs.Threads, cs.SubjectJoins = ts.Threads, ts.SubjectJoins
	return cs, nil
}

// ThreadStats reports a rethreading pass.
type ThreadStats struct {
	Threads, Placeholders, SubjectJoins int
}

// Rethread recomputes threads for the whole case.
func Rethread(ctx context.Context, st store.Store) (ThreadStats, error) {
	var nodes []thread.Node
	err := st.ThreadInputs(ctx, func(in store.ThreadInput) error {
		nodes = append(nodes, thread.Node{ID: in.ID, MessageID: in.MessageID, InReplyTo: in.InReplyTo, References: in.References,
			Subject: in.Subject, Date: in.Date, Participants: in.Participants})
		return nil
	})
	if err != nil {
		return ThreadStats{}, err
	}
	res := thread.Build(nodes, thread.Options{})
	as := make([]store.ThreadAssignment, 0, len(nodes))
	threads := map[string]bool{}
	for _, n := range nodes {
		tid := res.ThreadID[n.ID]
		threads[tid] = true
		as = append(as, store.ThreadAssignment{ID: n.ID, ThreadID: tid, ParentID: res.Parent[n.ID]})
	}
	ph := make([]store.Placeholder, 0, len(res.Placeholders))
	for _, p := range res.Placeholders {
		ph = append(ph, store.Placeholder{ID: p.ID, MessageID: p.MessageID, ThreadID: p.ThreadID, ParentID: p.ParentID})
	}
	if err := st.SetThreads(ctx, as, ph); err != nil {
		return ThreadStats{}, err
	}
	return ThreadStats{Threads: len(threads), Placeholders: len(ph), SubjectJoins: res.SubjectJoins}, nil
}

// totalBytes sums regular file sizes under root for progress/ETA.
func totalBytes(ctx context.Context, root, exclude string) int64 {
	var n int64
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if abs, _ := filepath.Abs(p); abs == exclude {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
