// Command casebench generates a synthetic Maildir corpus (bench/corpus) and
// measures, in the same run, casefile, notmuch and mu on it: ingest wall
// time, messages per second, peak RSS, index size and query latency on a
// fixed query set translated into each tool's syntax. It prints a Markdown
// report with ratios and targets and can write it into a section of a
// Markdown file (-out docs/benchmarks.md).
//
//	go run ./bench/cmd/casebench -n 100000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/casefile/casefile/bench/corpus"
)

type config struct {
	n               int
	seed            int64
	work            string
	casefile        string
	casefileWorkers int
	skipCasefile    bool
	skipNotmuch     bool
	skipMu          bool
	runs            int
	out             string
	genWorkers      int
	regen           bool
	noCounts        bool
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", corpus.DefaultN, "number of messages to generate")
	flag.Int64Var(&c.seed, "seed", 1, "corpus seed (same seed and -n give the same corpus)")
	flag.StringVar(&c.work, "work", "", "work folder for the corpus and the indexes (default: $TMPDIR/casebench-n<N>-s<seed>); a corpus already there with the same -n and -seed is reused")
	flag.StringVar(&c.casefile, "casefile", "", "casefile binary (default: casefile on $PATH, else built from ./cmd/casefile into the work folder)")
	flag.IntVar(&c.casefileWorkers, "casefile-workers", 0, "pass --workers N to casefile ingest (0: casefile's default)")
	flag.BoolVar(&c.skipCasefile, "skip-casefile", false, "do not measure casefile")
	flag.BoolVar(&c.skipNotmuch, "skip-notmuch", false, "do not measure notmuch")
	flag.BoolVar(&c.skipMu, "skip-mu", false, "do not measure mu")
	flag.IntVar(&c.runs, "queries-runs", 10, "timed runs per query (after one warm-up run)")
	flag.StringVar(&c.out, "out", "", "write the results into this Markdown file between casebench markers (e.g. docs/benchmarks.md)")
	flag.IntVar(&c.genWorkers, "gen-workers", 0, "corpus writer goroutines (0: GOMAXPROCS)")
	flag.BoolVar(&c.regen, "regen", false, "regenerate the corpus even if the work folder has it")
	flag.BoolVar(&c.noCounts, "no-counts", false, "skip counting total hits per query with each tool")
	flag.Parse()
	if flag.NArg() > 0 || c.n <= 0 || c.runs <= 0 {
		fmt.Fprintln(os.Stderr, "casebench: unexpected arguments; usage: casebench [-n 100000] [-seed 1] [-work DIR] [-casefile BIN] [-out docs/benchmarks.md]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := benchmark(ctx, c, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func logf(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// manifest records which corpus a work folder holds.
type manifest struct {
	Version int          `json:"version"`
	N       int          `json:"n"`
	Seed    int64        `json:"seed"`
	Stats   corpus.Stats `json:"stats"`
}

// prepareCorpus writes the corpus, or reuses the one already in work.
func prepareCorpus(ctx context.Context, c config, cp *corpus.Corpus, logw io.Writer) (corpus.Stats, string, error) {
	maildir := filepath.Join(c.work, "mail")
	mpath := filepath.Join(c.work, "corpus.json")
	if !c.regen {
		if b, err := os.ReadFile(mpath); err == nil {
			var m manifest
			if json.Unmarshal(b, &m) == nil && m.Version == corpus.Version && m.N == c.n && m.Seed == c.seed {
				if ents, err := os.ReadDir(filepath.Join(maildir, "cur")); err == nil && len(ents) == c.n {
					logf(logw, "reusing corpus in %s (%d messages)", maildir, c.n)
					return m.Stats, fmt.Sprintf("Generated earlier in %s (reused).", fmtDur(m.Stats.Duration)), nil
				}
			}
		}
	}
	if err := os.RemoveAll(maildir); err != nil {
		return corpus.Stats{}, "", fmt.Errorf("casebench: remove old corpus: %w", err)
	}
	os.Remove(mpath)
	logf(logw, "generating %d messages into %s", c.n, maildir)
	s, err := cp.WriteMaildir(ctx, maildir)
	if err != nil {
		return s, "", err
	}
	logf(logw, "generated %d messages, %s, in %s (%.0f msg/s)", s.Messages, fmtBytes(s.Bytes), fmtDur(s.Duration), float64(s.Messages)/s.Duration.Seconds())
	b, _ := json.MarshalIndent(manifest{corpus.Version, c.n, c.seed, s}, "", "  ")
	if err := os.WriteFile(mpath, b, 0o644); err != nil {
		return s, "", fmt.Errorf("casebench: write corpus manifest: %w", err)
	}
	return s, fmt.Sprintf("Generated in %s with %d writers.", fmtDur(s.Duration), cp.Options().Workers), nil
}

// findCasefile resolves the casefile binary: the flag, $PATH, or a build
// of ./cmd/casefile when run from the module root.
func findCasefile(ctx context.Context, c config, logw io.Writer) (string, error) {
	if c.casefile != "" {
		p, err := exec.LookPath(c.casefile)
		if err != nil {
			return "", fmt.Errorf("casebench: casefile binary %q not found: %w", c.casefile, err)
		}
		return filepath.Abs(p)
	}
	if p, err := exec.LookPath("casefile"); err == nil {
		return filepath.Abs(p)
	}
	if _, err := os.Stat(filepath.Join("cmd", "casefile")); err != nil {
		return "", errors.New("casebench: casefile is not on $PATH and ./cmd/casefile is not here; build it with `go build -o /tmp/casefile ./cmd/casefile` and pass -casefile /tmp/casefile")
	}
	bin := filepath.Join(c.work, "bin", "casefile")
	logf(logw, "building casefile: go build -o %s ./cmd/casefile", bin)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/casefile")
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("casebench: go build ./cmd/casefile failed (%w); fix the build or pass -casefile BIN", err)
	}
	return bin, nil
}

func machine() string {
	cpu := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			load = ", load average " + f[0] + " at start"
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s/%s, %s%s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, runtime.Version(), load)
}

func benchmark(ctx context.Context, c config, stdout, logw io.Writer) error {
	if c.work == "" {
		c.work = filepath.Join(os.TempDir(), fmt.Sprintf("casebench-n%d-s%d", c.n, c.seed))
	}
	work, err := filepath.Abs(c.work)
	if err != nil {
		return fmt.Errorf("casebench: work folder: %w", err)
	}
	c.work = work
	if err := os.MkdirAll(c.work, 0o755); err != nil {
		return fmt.Errorf("casebench: create work folder: %w", err)
	}

	rep := &report{
		When: time.Now(), Machine: machine(), N: c.n, Seed: c.seed, Runs: c.runs,
		CommandLine: "casebench " + strings.Join(os.Args[1:], " "),
	}
	cp := corpus.New(corpus.Options{N: c.n, Seed: c.seed, Workers: c.genWorkers})
	rep.Corpus, rep.CorpusNote, err = prepareCorpus(ctx, c, cp, logw)
	if err != nil {
		return err
	}
	maildir := filepath.Join(c.work, "mail")
	rep.Queries = buildQueries(cp)

	var tools []tool
	add := func(name string, skip bool, t func() (tool, error)) {
		tr := &toolReport{Name: name}
		rep.Tools = append(rep.Tools, tr)
		if skip {
			tr.Skipped = "-skip-" + name
			tools = append(tools, nil)
			return
		}
		tt, err := t()
		if err != nil {
			tr.Skipped = err.Error()
			logf(logw, "%s", err)
			tools = append(tools, nil)
			return
		}
		tools = append(tools, tt)
		tr.Version = tt.Version(ctx)
	}
	add("casefile", c.skipCasefile, func() (tool, error) {
		bin, err := findCasefile(ctx, c, logw)
		if err != nil {
			return nil, err
		}
		return &casefileTool{bin: bin, dir: filepath.Join(c.work, "casefile"), workers: c.casefileWorkers}, nil
	})
	for _, ext := range []struct {
		name, bin, pkg string
		skip           bool
		mk             func() tool
	}{
		{"notmuch", "notmuch", "notmuch", c.skipNotmuch, func() tool { return &notmuchTool{dir: filepath.Join(c.work, "notmuch")} }},
		{"mu", "mu", "maildir-utils", c.skipMu, func() tool { return &muTool{dir: filepath.Join(c.work, "mu")} }},
	} {
		add(ext.name, ext.skip, func() (tool, error) {
			if _, err := exec.LookPath(ext.bin); err != nil {
				return nil, fmt.Errorf("casebench: %s is not installed; install the Debian package %s (apt-get install -y %s) — continuing without it", ext.bin, ext.pkg, ext.pkg)
			}
			return ext.mk(), nil
		})
	}

	for k, t := range tools {
		if t == nil {
			continue
		}
		tr := rep.Tools[k]
		logf(logw, "%s: indexing %d messages", t.Name(), c.n)
		res, err := t.Ingest(ctx, maildir)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			tr.IngestErr = err.Error()
			logf(logw, "%s: ingest failed: %v", t.Name(), err)
			continue
		}
		tr.Ingest = &res
		logf(logw, "%s: %s (CPU %s), %.0f msg/s, peak RSS %s, index %s, %d messages indexed %s",
			t.Name(), fmtDur(res.Wall), fmtDur(res.CPU), tr.rate(c.n), fmtBytes(res.MaxRSS), fmtBytes(res.IndexBytes), res.Indexed, res.Note)
	}
	for k, t := range tools {
		tr := rep.Tools[k]
		if t == nil || tr.Ingest == nil {
			continue
		}
		var qs []string
		for _, q := range rep.Queries {
			qs = append(qs, t.Syntax(q))
		}
		if tr.Startup, err = t.Startup(ctx, c.runs*3); err != nil {
			tr.QueryErr = err.Error()
			continue
		}
		logf(logw, "%s: timing %d queries × %d runs", t.Name(), len(qs), c.runs)
		if tr.Timings, err = t.Queries(ctx, qs, c.runs); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			tr.QueryErr = err.Error()
			logf(logw, "%s: queries failed: %v", t.Name(), err)
			continue
		}
		logf(logw, "%s: p50 %s p99 %s (start-up %s)", t.Name(), fmtDur(percentile(tr.all(), 50)), fmtDur(percentile(tr.all(), 99)), fmtDur(tr.Startup))
		if c.noCounts {
			continue
		}
		for _, q := range qs {
			n, err := t.Count(ctx, q)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				logf(logw, "%s: count %q: %v", t.Name(), q, err)
				n = -1
			}
			tr.Counts = append(tr.Counts, n)
		}
	}

	md := rep.Markdown()
	fmt.Fprint(stdout, md)
	if b, err := json.MarshalIndent(rep, "", "  "); err == nil {
		os.WriteFile(filepath.Join(c.work, "results.json"), b, 0o644)
	}
	if c.out != "" {
		if err := writeSection(c.out, md); err != nil {
			return err
		}
		logf(logw, "wrote results to %s", c.out)
	}
	return nil
}
