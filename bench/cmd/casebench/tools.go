package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ingestResult describes one tool's full ingest of the corpus.
type ingestResult struct {
	Wall           time.Duration
	MaxRSS         int64         // bytes, the largest of the measured processes
	CPU            time.Duration // user + system time of the measured processes
	Indexed        int           // messages the tool says it holds
	IndexBytes     int64         // on-disk size of the database (casefile: case minus originals/)
	OriginalsBytes int64         // casefile only: the preserved copies of the input
	Note           string
}

// queryTiming is the timing of one query, runs times (warm-up excluded).
type queryTiming struct {
	Query     string
	Hits      int // hits returned with limit 20
	Durations []time.Duration
}

// tool is one search engine under test. casefile is driven through its
// CLI like the others, so a missing or stub binary only removes its column.
type tool interface {
	Name() string
	Version(ctx context.Context) string
	// Ingest indexes the Maildir from scratch.
	Ingest(ctx context.Context, maildir string) (ingestResult, error)
	// Startup is the median time of a process start that does no work
	// (zero for in-process timing).
	Startup(ctx context.Context, runs int) (time.Duration, error)
	// Queries times each query runs times after one warm-up run.
	Queries(ctx context.Context, qs []string, runs int) ([]queryTiming, error)
	// Count returns the total number of messages matching q.
	Count(ctx context.Context, q string) (int, error)
	// Syntax picks the tool's translation of a query.
	Syntax(q benchQuery) string
	InProcess() bool
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// timeProcesses runs argv(q) warm-up+runs times per query and counts
// output lines as hits. okCodes are the acceptable exit codes; code
// noMatch (if >0) means zero hits.
func timeProcesses(ctx context.Context, env []string, qs []string, runs int, noMatch int, argv func(q string) []string) ([]queryTiming, error) {
	var out []queryTiming
	for _, q := range qs {
		qt := queryTiming{Query: q}
		args := argv(q)
		for k := 0; k <= runs; k++ {
			r, err := run(ctx, env, true, args[0], args[1:]...)
			if err != nil {
				return nil, err
			}
			hits := countLines(r.Stdout)
			switch {
			case r.ExitCode == 0:
			case noMatch > 0 && r.ExitCode == noMatch:
				hits = 0
			default:
				return nil, describeFailure(fmt.Sprintf("%s for query %q", args[0], q), r)
			}
			if k == 0 {
				continue // warm-up
			}
			qt.Hits = hits
			qt.Durations = append(qt.Durations, r.Wall)
		}
		out = append(out, qt)
	}
	return out, nil
}

func medianStartup(ctx context.Context, runs int, name string, args ...string) (time.Duration, error) {
	var d []time.Duration
	for k := 0; k <= runs; k++ {
		r, err := run(ctx, nil, false, name, args...)
		if err != nil {
			return 0, err
		}
		if r.ExitCode != 0 {
			return 0, describeFailure(name+" "+strings.Join(args, " "), r)
		}
		if k > 0 {
			d = append(d, r.Wall)
		}
	}
	return percentile(d, 50), nil
}

// ---- casefile ----

type casefileTool struct {
	bin     string
	dir     string // work/casefile
	workers int
}

func (t *casefileTool) caseDir() string            { return filepath.Join(t.dir, "case") }
func (t *casefileTool) Name() string               { return "casefile" }
func (t *casefileTool) Syntax(q benchQuery) string { return q.Casefile }
func (t *casefileTool) InProcess() bool            { return true }
func (t *casefileTool) Version(ctx context.Context) string {
	r, err := run(ctx, nil, true, t.bin, "--version")
	if err != nil {
		return "casefile (" + t.bin + ")"
	}
	return firstLine(r.Stdout) + " (" + t.bin + ")"
}

func (t *casefileTool) Startup(context.Context, int) (time.Duration, error) { return 0, nil }

func (t *casefileTool) Ingest(ctx context.Context, maildir string) (ingestResult, error) {
	var res ingestResult
	if err := os.RemoveAll(t.dir); err != nil {
		return res, fmt.Errorf("casebench: remove old casefile case: %w", err)
	}
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return res, fmt.Errorf("casebench: %w", err)
	}
	cd := t.caseDir()
	ri, err := run(ctx, nil, false, t.bin, "init", "--case", cd)
	if err != nil {
		return res, err
	}
	if ri.ExitCode != 0 {
		return res, describeFailure("casefile init", ri)
	}
	args := []string{"ingest", "--case", cd, "--quiet", "--json"}
	if t.workers > 0 {
		args = append(args, "--workers", strconv.Itoa(t.workers))
	}
	rg, err := run(ctx, nil, true, t.bin, append(args, maildir)...)
	if err != nil {
		return res, err
	}
	switch rg.ExitCode {
	case 0:
	case 3:
		res.Note = "exit 3: some items failed (see `casefile errors`)"
	default:
		return res, describeFailure("casefile ingest", rg)
	}
	res.Wall, res.CPU = ri.Wall+rg.Wall, ri.CPU+rg.CPU
	res.MaxRSS = max(ri.MaxRSS, rg.MaxRSS)
	rs, err := run(ctx, nil, true, t.bin, "stats", "--case", cd, "--json")
	if err != nil {
		return res, err
	}
	if rs.ExitCode != 0 {
		return res, describeFailure("casefile stats", rs)
	}
	var stats struct {
		Messages int `json:"messages"`
	}
	if err := json.Unmarshal(rs.Stdout, &stats); err != nil {
		return res, fmt.Errorf("casebench: casefile stats --json: %w (output %.200q)", err, rs.Stdout)
	}
	res.Indexed = stats.Messages
	orig := filepath.Join(cd, "originals")
	if res.IndexBytes, err = diskUsage(cd, orig); err != nil {
		return res, err
	}
	if _, err := os.Stat(orig); err == nil {
		if res.OriginalsBytes, err = diskUsage(orig); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (t *casefileTool) Queries(ctx context.Context, qs []string, runs int) ([]queryTiming, error) {
	file := filepath.Join(t.dir, "queries.txt")
	if err := os.WriteFile(file, []byte(strings.Join(qs, "\n")+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("casebench: write query file: %w", err)
	}
	r, err := run(ctx, nil, true, t.bin, "bench-queries", "--case", t.caseDir(), "--file", file,
		"--runs", strconv.Itoa(runs+1), "--json")
	if err != nil {
		return nil, err
	}
	if r.ExitCode != 0 {
		return nil, describeFailure("casefile bench-queries", r)
	}
	return parseBenchQueries(r.Stdout, qs)
}

// parseBenchQueries reads `casefile bench-queries --json` output and
// drops each query's first (warm-up) run.
func parseBenchQueries(out []byte, qs []string) ([]queryTiming, error) {
	var parsed struct {
		Queries []struct {
			Query     string  `json:"query"`
			Hits      int     `json:"hits"`
			Durations []int64 `json:"durations_ns"`
		} `json:"queries"`
	}
	if err := json.Unmarshal(out, &parsed); err != nil {
		return nil, fmt.Errorf("casebench: casefile bench-queries output: %w (output %.200q)", err, out)
	}
	if len(parsed.Queries) != len(qs) {
		return nil, fmt.Errorf("casebench: casefile bench-queries answered %d queries, want %d", len(parsed.Queries), len(qs))
	}
	var res []queryTiming
	for k, q := range parsed.Queries {
		if q.Query != qs[k] {
			return nil, fmt.Errorf("casebench: casefile bench-queries answer %d is for %q, want %q", k, q.Query, qs[k])
		}
		if len(q.Durations) < 2 {
			return nil, fmt.Errorf("casebench: casefile bench-queries gave %d runs for %q, want at least 2", len(q.Durations), q.Query)
		}
		qt := queryTiming{Query: q.Query, Hits: q.Hits}
		for _, d := range q.Durations[1:] {
			qt.Durations = append(qt.Durations, time.Duration(d))
		}
		res = append(res, qt)
	}
	return res, nil
}

func (t *casefileTool) Count(ctx context.Context, q string) (int, error) {
	r, err := run(ctx, nil, true, t.bin, "search", "--case", t.caseDir(), "--count", q)
	if err != nil {
		return 0, err
	}
	if r.ExitCode != 0 {
		return 0, describeFailure("casefile search --count", r)
	}
	return parseCount("casefile search --count", r.Stdout)
}

func parseCount(what string, out []byte) (int, error) {
	n, err := strconv.Atoi(firstLine(out))
	if err != nil {
		return 0, fmt.Errorf("casebench: %s printed %.80q, not a number", what, out)
	}
	return n, nil
}

// ---- notmuch ----

type notmuchTool struct {
	dir string // work/notmuch
}

func (t *notmuchTool) Name() string               { return "notmuch" }
func (t *notmuchTool) Syntax(q benchQuery) string { return q.Notmuch }
func (t *notmuchTool) InProcess() bool            { return false }
func (t *notmuchTool) env() []string {
	return []string{"NOTMUCH_CONFIG=" + filepath.Join(t.dir, "notmuch-config")}
}

func (t *notmuchTool) Version(ctx context.Context) string {
	r, err := run(ctx, nil, true, "notmuch", "--version")
	if err != nil {
		return "notmuch (version unknown)"
	}
	return firstLine(r.Stdout)
}

func (t *notmuchTool) Ingest(ctx context.Context, maildir string) (ingestResult, error) {
	var res ingestResult
	if err := os.RemoveAll(t.dir); err != nil {
		return res, fmt.Errorf("casebench: remove old notmuch database: %w", err)
	}
	db := filepath.Join(t.dir, "db")
	if err := os.MkdirAll(db, 0o755); err != nil {
		return res, fmt.Errorf("casebench: %w", err)
	}
	cfg := fmt.Sprintf(`[database]
path=%s
mail_root=%s
[new]
tags=
ignore=
[search]
exclude_tags=
[maildir]
synchronize_flags=false
[user]
name=Bench User
primary_email=bench@bench.example
`, db, maildir)
	if err := os.WriteFile(filepath.Join(t.dir, "notmuch-config"), []byte(cfg), 0o644); err != nil {
		return res, fmt.Errorf("casebench: write notmuch config: %w", err)
	}
	r, err := run(ctx, t.env(), false, "notmuch", "new", "--quiet")
	if err != nil {
		return res, err
	}
	if r.ExitCode != 0 {
		return res, describeFailure("notmuch new", r)
	}
	res.Wall, res.MaxRSS, res.CPU = r.Wall, r.MaxRSS, r.CPU
	if res.Indexed, err = t.Count(ctx, "*"); err != nil {
		return res, err
	}
	res.IndexBytes, err = diskUsage(db)
	return res, err
}

func (t *notmuchTool) Startup(ctx context.Context, runs int) (time.Duration, error) {
	return medianStartup(ctx, runs, "notmuch", "--version")
}

func (t *notmuchTool) Queries(ctx context.Context, qs []string, runs int) ([]queryTiming, error) {
	return timeProcesses(ctx, t.env(), qs, runs, 0, func(q string) []string {
		return []string{"notmuch", "search", "--output=messages", "--limit=20", q}
	})
}

func (t *notmuchTool) Count(ctx context.Context, q string) (int, error) {
	r, err := run(ctx, t.env(), true, "notmuch", "count", q)
	if err != nil {
		return 0, err
	}
	if r.ExitCode != 0 {
		return 0, describeFailure("notmuch count", r)
	}
	return parseCount("notmuch count", r.Stdout)
}

// ---- mu ----

type muTool struct {
	dir string // work/mu
}

// muNoMatches is mu's exit code for a query without results.
const muNoMatches = 4

func (t *muTool) Name() string               { return "mu" }
func (t *muTool) Syntax(q benchQuery) string { return q.Mu }
func (t *muTool) InProcess() bool            { return false }
func (t *muTool) home() string               { return "--muhome=" + filepath.Join(t.dir, "home") }

func (t *muTool) Version(ctx context.Context) string {
	r, err := run(ctx, nil, true, "mu", "--version")
	if err != nil {
		return "mu (version unknown)"
	}
	return firstLine(r.Stdout)
}

var muStoreCount = regexp.MustCompile(`messages in store\s*\|\s*(\d+)`)

func (t *muTool) Ingest(ctx context.Context, maildir string) (ingestResult, error) {
	var res ingestResult
	if err := os.RemoveAll(t.dir); err != nil {
		return res, fmt.Errorf("casebench: remove old mu store: %w", err)
	}
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return res, fmt.Errorf("casebench: %w", err)
	}
	ri, err := run(ctx, nil, false, "mu", "init", "--maildir="+maildir, t.home())
	if err != nil {
		return res, err
	}
	if ri.ExitCode != 0 {
		return res, describeFailure("mu init", ri)
	}
	rx, err := run(ctx, nil, false, "mu", "index", "--quiet", t.home())
	if err != nil {
		return res, err
	}
	if rx.ExitCode != 0 {
		return res, describeFailure("mu index", rx)
	}
	res.Wall, res.MaxRSS, res.CPU = ri.Wall+rx.Wall, max(ri.MaxRSS, rx.MaxRSS), ri.CPU+rx.CPU
	rs, err := run(ctx, nil, true, "mu", "info", t.home(), "store")
	if err != nil {
		return res, err
	}
	if m := muStoreCount.FindSubmatch(rs.Stdout); m != nil {
		res.Indexed, _ = strconv.Atoi(string(m[1]))
	} else {
		res.Note = "could not read `mu info store`"
	}
	res.IndexBytes, err = diskUsage(filepath.Join(t.dir, "home"))
	return res, err
}

func (t *muTool) Startup(ctx context.Context, runs int) (time.Duration, error) {
	return medianStartup(ctx, runs, "mu", "--version")
}

func (t *muTool) Queries(ctx context.Context, qs []string, runs int) ([]queryTiming, error) {
	return timeProcesses(ctx, nil, qs, runs, muNoMatches, func(q string) []string {
		return []string{"mu", "find", t.home(), "--nocolor", "--maxnum=20", q}
	})
}

func (t *muTool) Count(ctx context.Context, q string) (int, error) {
	r, err := run(ctx, nil, true, "mu", "find", t.home(), "--fields=i", q)
	if err != nil {
		return 0, err
	}
	switch r.ExitCode {
	case 0:
		return countLines(r.Stdout), nil
	case muNoMatches:
		return 0, nil
	}
	return 0, describeFailure("mu find", r)
}
