package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/ocr"
)

func cmdIngest(e *env) *cobra.Command {
	var (
		workers    int
		noPreserve bool
		noPrinted  bool
		noOCR      bool
		createCase bool
		quiet      bool
		queueURL   string
		batch      int
	)
	cmd := &cobra.Command{
		Use:   "ingest PATH...",
		Short: "Add mailboxes, folders, archives and documents to the case",
		Long: `ingest walks each PATH (a file or a folder, recursively), detects every
mbox, Maildir, .eml, zip and PST by content, and stores each message once
with every place it was found. Printed documents (PDF, OCR text, HTML,
images) are recovered into messages too.

Re-running the same command is safe: finished files are skipped and an
interrupted file is completed without duplicates. Exit code 3 means the
run finished but some items failed; list them with 'casefile errors'.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := e.openCase(ctx, createCase)
			if err != nil {
				return err
			}
			if err := e.applyMask(ctx, c); err != nil {
				return err
			}
			defer c.Close()
			if queueURL != "" {
				if e.db == "" {
					return usage("--queue needs --db: workers write to the PostgreSQL server")
				}
				failedUnits := false
				for _, root := range args {
					res, prog, cs, err := queueIngest(ctx, e, c, queueURL, root, quiet)
					if err != nil {
						return err
					}
					if prog.Dead > 0 {
						failedUnits = true
						_ = printDead(ctx, e, queueURL)
					}
					st, err := c.Store.Stats(ctx)
					if err != nil {
						return err
					}
					if e.jsonOut {
						if err := writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "queued": res, "queue": prog, "complete": cs, "case": st}); err != nil {
							return err
						}
					} else {
						fmt.Fprintf(e.stdout, "queued %d file(s) from %s; %d dead unit(s)\ncase now: %d messages (%d copies), %d threads, %d failed, %d skipped\n",
							res.Published, root, prog.Dead, st.Messages, st.Sources, st.Threads, st.Failed, st.Skipped)
					}
					if st.Failed > 0 {
						failedUnits = true
					}
				}
				if failedUnits {
					return withCode(ExitPartial, fmt.Errorf("some items or units failed (casefile errors; dead units are listed above)"))
				}
				return nil
			}
			defer throughputGC()()
			opts := ingest.Options{Workers: workers, NoPreserve: noPreserve, BatchSize: batch}
			if !noPrinted {
				opts.Documents = ingest.PrintedDocuments(ingest.PrintedOptions{NoOCR: noOCR, OCR: ocr.Options{CacheDir: c.OCRCacheDir()},
					Warn: func(s string) { fmt.Fprintln(e.stderr, "casefile: "+s) }})
			}
			var total ingest.Summary
			failed := false
			for _, root := range args {
				p := newProgress(e.stderr, quiet, root)
				opts.Progress = p.reporter()
				sum, err := ingest.Run(ctx, c, root, opts)
				p.finish()
				total = addSummary(total, sum)
				if err != nil {
					if sum.Interrupted || errors.Is(err, context.Canceled) {
						return withCode(ExitError, fmt.Errorf("ingest interrupted after %d item(s); run the same command again to resume", sum.Items))
					}
					return err
				}
				if sum.Failed > 0 {
					failed = true
				}
			}
			st, err := c.Store.Stats(ctx)
			if err != nil {
				return err
			}
			if e.jsonOut {
				if err := writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "run": total, "case": st}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "ingested %d item(s) from %d file(s) in %s (%d file(s) already done)\n",
					total.Items, total.Files, total.Elapsed.Round(time.Millisecond), total.FilesResumed)
				fmt.Fprintf(e.stdout, "  new messages %d, duplicate copies %d, already known %d, printed %d\n",
					total.New, total.Duplicates, total.Known, total.Printed)
				fmt.Fprintf(e.stdout, "  failed %d, skipped %d, warnings %d\n", total.Failed, total.Skipped, total.Warnings)
				fmt.Fprintf(e.stdout, "case now: %d messages (%d copies), %d threads, %d failed, %d skipped\n",
					st.Messages, st.Sources, st.Threads, st.Failed, st.Skipped)
				if total.Failed > 0 || total.Skipped > 0 {
					fmt.Fprintf(e.stdout, "see what failed or was skipped: casefile errors --case %s\n", e.caseDir)
				}
				fmt.Fprintf(e.stdout, "per-file reconciliation: casefile files --case %s\n", e.caseDir)
			}
			if failed {
				return withCode(ExitPartial, fmt.Errorf("some items failed"))
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&workers, "workers", 0, "parser workers (default: number of CPUs)")
	cmd.Flags().BoolVar(&noPreserve, "no-preserve", false, "do not copy originals into the case (they must stay available elsewhere)")
	cmd.Flags().BoolVar(&noPrinted, "no-printed", false, "record printed documents as skipped instead of recovering emails from them")
	cmd.Flags().BoolVar(&noOCR, "no-ocr", false, "do not OCR images or image-only PDF pages (they are recorded as skipped; run again without --no-ocr to OCR them)")
	cmd.Flags().BoolVar(&createCase, "init", false, "create the case folder if it does not exist")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	cmd.Flags().IntVar(&batch, "batch", 0, "messages per transaction (default 5000)")
	_ = cmd.Flags().MarkHidden("batch")
	cmd.Flags().StringVar(&queueURL, "queue", "", "team mode: publish the files as work units to this NATS JetStream server (e.g. nats://127.0.0.1:4222) for 'casefile worker' processes, wait for them, then finish the case (needs --db)")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print the run summary as JSON")
	return cmd
}

func addSummary(a, b ingest.Summary) ingest.Summary {
	a.RunID = b.RunID
	a.Files += b.Files
	a.FilesResumed += b.FilesResumed
	a.Items += b.Items
	a.New += b.New
	a.Duplicates += b.Duplicates
	a.Known += b.Known
	a.Printed += b.Printed
	a.Failed += b.Failed
	a.Skipped += b.Skipped
	a.Warnings += b.Warnings
	a.Threads = b.Threads
	a.SubjectJoins = b.SubjectJoins
	a.Bytes += b.Bytes
	a.Elapsed += b.Elapsed
	a.ElapsedSecond = a.Elapsed.Seconds()
	a.Interrupted = a.Interrupted || b.Interrupted
	return a
}

// progress renders ingest progress: a bar with rate and ETA on a
// terminal, a plain line every 10 seconds otherwise.
type progress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	quiet bool
	last  time.Time
}

func newProgress(w io.Writer, quiet bool, root string) *progress {
	p := &progress{w: w, quiet: quiet, last: time.Now()}
	if quiet {
		return p
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("ingesting "+root),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// reporter returns the ingest's progress callback: nil with --quiet,
// so the ingest also skips what only a display needs (the total size).
func (p *progress) reporter() func(ingest.Progress) {
	if p.quiet {
		return nil
	}
	return p.update
}

func (p *progress) update(pr ingest.Progress) {
	rate := 0.0
	if s := pr.Elapsed.Seconds(); s > 0 {
		rate = float64(pr.Items) / s
	}
	if p.bar != nil {
		if pr.BytesTotal > 0 && p.bar.GetMax64() != pr.BytesTotal {
			p.bar.ChangeMax64(pr.BytesTotal)
		}
		p.bar.Describe(fmt.Sprintf("%d msgs (%.0f/s), %d new, %d dup, %d failed", pr.Items, rate, pr.New, pr.Duplicates, pr.Failed))
		_ = p.bar.Set64(pr.BytesDone)
		return
	}
	if !pr.Done && time.Since(p.last) < 10*time.Second {
		return
	}
	p.last = time.Now()
	pct, eta := 0.0, "unknown"
	if pr.BytesTotal > 0 {
		pct = 100 * float64(pr.BytesDone) / float64(pr.BytesTotal)
		if pr.BytesDone > 0 && !pr.Done {
			left := time.Duration(float64(pr.Elapsed) * float64(pr.BytesTotal-pr.BytesDone) / float64(pr.BytesDone))
			eta = left.Round(time.Second).String()
		}
	}
	if pr.Done {
		eta = "done"
	}
	fmt.Fprintf(p.w, "ingest: %d items (%.0f/s), %.0f%% of %s, %d new, %d duplicate, %d failed, %d skipped, ETA %s\n",
		pr.Items, rate, pct, humanBytes(pr.BytesTotal), pr.New, pr.Duplicates, pr.Failed, pr.Skipped, eta)
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
