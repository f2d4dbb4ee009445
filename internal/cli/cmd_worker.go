package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/ocr"
	"github.com/casefile/casefile/internal/queue"
)

// caseIngester runs queue units through the ingest pipeline, one file per
// unit, into cases on the PostgreSQL server. A unit's file is marked done
// in the same transaction as its last messages, so a redelivered unit
// whose results were committed is a no-op.
type caseIngester struct {
	e          *env
	q          *queue.Queue
	noOCR      bool
	ocrWorkers int
	mu         sync.Mutex
	cases      map[string]*casedir.Case
	engines    map[string]*ocr.Engine // page readers, by case
}

// ocrOptions are the OCR settings of every worker: the case's cache,
// shared by the workers (a shared file system), with claims so that the
// pages of one PDF are read once between them.
func (ci *caseIngester) ocrOptions(c *casedir.Case) ocr.Options {
	return ocr.Options{CacheDir: c.OCRCacheDir(), Workers: ci.ocrWorkers, Claims: true}
}

func (ci *caseIngester) open(ctx context.Context, name string) (*casedir.Case, error) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if c, ok := ci.cases[name]; ok {
		return c, nil
	}
	c, err := casedir.OpenDB(ctx, ci.e.db, name, ci.e.dataDir, false)
	if err != nil {
		return nil, err
	}
	ci.cases[name] = c
	return c, nil
}

func (ci *caseIngester) close() {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	for _, c := range ci.cases {
		c.Close()
	}
}

// IngestFile implements queue.FileIngester.
func (ci *caseIngester) IngestFile(ctx context.Context, caseName, root, relPath, sha256 string) error {
	c, err := ci.open(ctx, caseName)
	if err != nil {
		if errors.Is(err, casedir.ErrNotACase) {
			return queue.Permanent(err)
		}
		return err
	}
	ocrOpts := ci.ocrOptions(c)
	// The pages of a scanned PDF that no worker has read yet are handed
	// out as ocr-page units, so idle workers read them while this one
	// works through the rest and picks up their results.
	self := filepath.Join(root, filepath.FromSlash(relPath))
	ocrOpts.Fanout = func(ctx context.Context, path string, pages []int) {
		if ci.q == nil || filepath.Clean(path) != self {
			return // a container member: only this worker can read it
		}
		queued := 0
		for _, p := range pages {
			u := queue.Unit{Case: caseName, Kind: queue.KindOCRPage, Root: root, Path: relPath, Page: p, SHA256: sha256}
			if _, err := ci.q.Publish(ctx, u); err != nil {
				fmt.Fprintf(ci.e.stderr, "casefile worker: %s: %s: could not hand out pages to other workers (this worker reads them): %v\n", caseName, relPath, err)
				break
			}
			queued++
		}
		fmt.Fprintf(ci.e.stderr, "casefile worker: %s: %s: %d page(s) to OCR handed out to other workers\n", caseName, relPath, queued)
	}
	opts := ingest.Options{Files: []string{relPath}, NoFinalize: true, Workers: 1,
		Documents: ingest.PrintedDocuments(ingest.PrintedOptions{NoOCR: ci.noOCR, OCR: ocrOpts,
			Warn: func(s string) { fmt.Fprintln(ci.e.stderr, "casefile worker: "+s) }})}
	fmt.Fprintf(ci.e.stderr, "casefile worker: %s: %s: ingesting\n", caseName, relPath)
	sum, err := ingest.Run(ctx, c, root, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(ci.e.stderr, "casefile worker: %s: %s: %d new, %d duplicate copies, %d failed, %d skipped\n",
		caseName, relPath, sum.New, sum.Duplicates, sum.Failed, sum.Skipped)
	return nil
}

// OCRPage implements queue.FileIngester: it reads one page into the
// case's shared OCR cache. A page another worker holds, or one read
// before, is done.
func (ci *caseIngester) OCRPage(ctx context.Context, caseName, root, relPath string, page int) error {
	if ci.noOCR {
		return nil
	}
	c, err := ci.open(ctx, caseName)
	if err != nil {
		if errors.Is(err, casedir.ErrNotACase) {
			return queue.Permanent(err)
		}
		return err
	}
	ci.mu.Lock()
	eng := ci.engines[caseName]
	if eng == nil {
		if eng, err = ocr.New(ci.ocrOptions(c)); err != nil {
			ci.mu.Unlock()
			return queue.Permanent(err)
		}
		ci.engines[caseName] = eng
	}
	ci.mu.Unlock()
	pt, err := eng.Page(ctx, filepath.Join(root, filepath.FromSlash(relPath)), page)
	var tm ocr.ErrToolMissing
	if errors.As(err, &tm) {
		// The worker holding the PDF reads the page (or records why not).
		fmt.Fprintf(ci.e.stderr, "casefile worker: %s: %s: page %d left to the worker ingesting it: %v\n", caseName, relPath, page, err)
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case pt.Elsewhere:
		fmt.Fprintf(ci.e.stderr, "casefile worker: %s: %s: page %d: another worker is reading it\n", caseName, relPath, page)
	case pt.Cached:
		fmt.Fprintf(ci.e.stderr, "casefile worker: %s: %s: page %d: read before\n", caseName, relPath, page)
	default:
		fmt.Fprintf(ci.e.stderr, "casefile worker: %s: %s: page %d: OCR'd\n", caseName, relPath, page)
	}
	return nil
}

func cmdWorker(e *env) *cobra.Command {
	var (
		natsURL     string
		concurrency int
		noOCR       bool
		ackWait     time.Duration
		ocrWorkers  int
	)
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Team mode: process ingest work units from NATS JetStream into cases on PostgreSQL",
		Long: `worker pulls work units (one input file each) that 'casefile ingest --queue'
published, ingests each into its case on the PostgreSQL server (--db), and
acknowledges it only after its results are committed. The pages of a
scanned PDF are spread over the workers: the worker ingesting the PDF
hands out the pages nobody has read as units of their own, reads pages
itself until none is left, and takes the others' text from the case's
OCR cache (which must be on the shared file system, under --data-dir).
A worker killed in the middle of a unit causes the unit to be delivered
again, to this or another worker; the store recognises what was already committed, so
nothing is duplicated. A unit that fails 5 times goes to the dead letters
(listed by 'ingest --queue' and kept in the stream casefile-dead) and does
not block the others. The input folder must be readable at the same path
on every worker (a shared file system). Stop with Ctrl-C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if e.db == "" {
				return usage("worker needs --db: the PostgreSQL server holding the cases")
			}
			defer throughputGC()()
			qc, err := queueConfig()
			if err != nil {
				return err
			}
			q, err := queue.Connect(ctx, natsURL, qc)
			if err != nil {
				return err
			}
			defer q.Close()
			ci := &caseIngester{e: e, q: q, noOCR: noOCR, ocrWorkers: ocrWorkers, cases: map[string]*casedir.Case{}, engines: map[string]*ocr.Engine{}}
			defer ci.close()
			w, err := q.NewWorker(ctx, queue.WorkerOptions{Concurrency: concurrency, AckWait: ackWait,
				Logf: func(f string, a ...any) { fmt.Fprintf(e.stderr, "casefile worker: "+f+"\n", a...) }})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "casefile worker: waiting for work on %s (Ctrl-C stops)\n", natsURL)
			err = w.Run(ctx, queue.IngestHandler(ci))
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		},
	}
	cmd.Flags().StringVar(&natsURL, "nats", envOr("CASEFILE_NATS", "nats://127.0.0.1:4222"), "NATS server with JetStream (env CASEFILE_NATS)")
	cmd.Flags().IntVar(&concurrency, "concurrency", 1, "units processed at once by this worker")
	cmd.Flags().BoolVar(&noOCR, "no-ocr", false, "do not OCR images or image-only PDF pages")
	cmd.Flags().IntVar(&ocrWorkers, "ocr-workers", 0, "pages this worker OCRs at once (default: one per core)")
	cmd.Flags().DurationVar(&ackWait, "ack-wait", 60*time.Second, "how long a silent worker keeps a unit before it is delivered to another (a consumer setting: the last worker started sets it)")
	return cmd
}

// queueConfig is the work queue of this deployment: CASEFILE_QUEUE_NAME,
// when set, names a queue of its own (queue.Named). Workers and 'ingest
// --queue' must use the same name.
func queueConfig() (queue.Config, error) {
	c, err := queue.Named(os.Getenv("CASEFILE_QUEUE_NAME"))
	if err != nil {
		return c, usage("CASEFILE_QUEUE_NAME: %v", err)
	}
	return c, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// queueIngest publishes the files under root as work units and waits
// until workers have processed them, then runs the whole-case passes.
func queueIngest(ctx context.Context, e *env, c *casedir.Case, natsURL, root string, quiet bool) (queue.EnqueueResult, queue.Progress, ingest.CompleteStats, error) {
	var cs ingest.CompleteStats
	var prog queue.Progress
	qc, err := queueConfig()
	if err != nil {
		return queue.EnqueueResult{}, prog, cs, err
	}
	q, err := queue.Connect(ctx, natsURL, qc)
	if err != nil {
		return queue.EnqueueResult{}, prog, cs, err
	}
	defer q.Close()
	abs, _ := filepath.Abs(e.dataDir)
	res, err := q.Enqueue(ctx, e.caseDir, root, queue.EnqueueOptions{
		Exclude: []string{abs},
		Skip: func(ctx context.Context, u queue.Unit) (bool, error) {
			return c.Store.FileDone(ctx, u.Path, u.SHA256)
		},
	})
	if err != nil {
		return res, prog, cs, err
	}
	if !quiet {
		fmt.Fprintf(e.stderr, "queued %d file(s) (%d already done, %d already queued); waiting for workers (casefile worker --db … --nats %s)\n",
			res.Published, res.Skipped, res.Duplicates, natsURL)
	}
	start := time.Now()
	for {
		if prog, err = q.Progress(ctx, e.caseDir, ""); err != nil {
			return res, prog, cs, err
		}
		if prog.Remaining == 0 {
			break
		}
		if !quiet {
			done := uint64(res.Published+res.Duplicates) - min(prog.Remaining, uint64(res.Published+res.Duplicates))
			fmt.Fprintf(e.stderr, "%s  %d unit(s) remaining, %d in flight, %d done, %d dead\n",
				time.Since(start).Round(time.Second), prog.Remaining, prog.InFlight, done, prog.Dead)
		}
		select {
		case <-ctx.Done():
			return res, prog, cs, fmt.Errorf("stopped waiting; the units stay queued and workers go on: %w", ctx.Err())
		case <-time.After(time.Second):
		}
	}
	cs, err = ingest.Complete(ctx, c.Store)
	return res, prog, cs, err
}

// printDead lists a case's dead letters on stderr.
func printDead(ctx context.Context, e *env, natsURL string) error {
	qc, err := queueConfig()
	if err != nil {
		return err
	}
	q, err := queue.Connect(ctx, natsURL, qc)
	if err != nil {
		return err
	}
	defer q.Close()
	dead, err := q.DeadLetters(ctx, e.caseDir)
	if err != nil {
		return err
	}
	for _, d := range dead {
		fmt.Fprintf(e.stderr, "dead unit: %s: %s\n", d.Unit.Path, d.Error)
	}
	return nil
}

var _ queue.FileIngester = (*caseIngester)(nil)
