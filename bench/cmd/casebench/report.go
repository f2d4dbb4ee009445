package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/casefile/casefile/bench/corpus"
)

// toolReport is everything measured for one tool.
type toolReport struct {
	Name      string
	Version   string
	Skipped   string // why the tool was not measured
	Ingest    *ingestResult
	IngestErr string
	Startup   time.Duration
	Timings   []queryTiming
	QueryErr  string
	Counts    []int // total hits per query, -1 when unknown
}

func (t *toolReport) all() []time.Duration {
	var d []time.Duration
	for _, q := range t.Timings {
		d = append(d, q.Durations...)
	}
	return d
}

func (t *toolReport) rate(n int) float64 {
	if t.Ingest == nil || t.Ingest.Wall <= 0 {
		return 0
	}
	return float64(n) / t.Ingest.Wall.Seconds()
}

type report struct {
	When        time.Time
	Machine     string
	N           int
	Seed        int64
	Corpus      corpus.Stats
	CorpusNote  string
	Runs        int
	Queries     []benchQuery
	Tools       []*toolReport // casefile, notmuch, mu
	CommandLine string
}

func (r *report) tool(name string) *toolReport {
	for _, t := range r.Tools {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Markdown section markers in the -out file.
const (
	beginMarker = "<!-- casebench:results:begin -->"
	endMarker   = "<!-- casebench:results:end -->"
)

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < 10*time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

func fmtBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
	}
}

func netOf(d, startup time.Duration) time.Duration { return max(0, d-startup) }

// cell renders a tool's value or why it is missing.
func (t *toolReport) cell(f func(*toolReport) string) string {
	switch {
	case t.Skipped != "":
		return "skipped"
	case t.Ingest == nil:
		return "failed"
	}
	return f(t)
}

func (t *toolReport) qcell(f func(*toolReport) string) string {
	if t.Skipped == "" && t.Ingest != nil && len(t.Timings) == 0 {
		return "failed"
	}
	return t.cell(f)
}

// Markdown renders the results section.
func (r *report) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	s := r.Corpus
	w("## Results\n\n")
	w("Run %s on %s, `%s`.\n\n", r.When.UTC().Format("2006-01-02 15:04 MST"), r.Machine, r.CommandLine)
	w("Corpus: %d messages (seed %d), %s on disk: %d threads, %d replies, %d with attachments, "+
		"%d HTML-only, %d quoted-printable, %d non-UTF-8. %s\n\n",
		s.Messages, r.Seed, fmtBytes(s.Bytes), s.Threads, s.Replies, s.WithAttachments, s.HTMLOnly,
		s.QuotedPrintable, s.NonUTF8, r.CorpusNote)
	row := func(label string, f func(*toolReport) string) {
		w("| %s |", label)
		for _, t := range r.Tools {
			w(" %s |", t.cell(f))
		}
		w("\n")
	}
	qrow := func(label string, f func(*toolReport) string) {
		w("| %s |", label)
		for _, t := range r.Tools {
			w(" %s |", t.qcell(f))
		}
		w("\n")
	}
	header := func(first string) {
		w("| %s |", first)
		for _, t := range r.Tools {
			w(" %s |", t.Name)
		}
		w("\n|---|")
		for range r.Tools {
			w("---:|")
		}
		w("\n")
	}

	w("### Ingest\n\n")
	header("")
	w("| version |")
	for _, t := range r.Tools {
		w(" %s |", t.Version)
	}
	w("\n")
	row("wall time", func(t *toolReport) string { return fmtDur(t.Ingest.Wall) })
	row("CPU time (user + sys)", func(t *toolReport) string { return fmtDur(t.Ingest.CPU) })
	row("messages/s", func(t *toolReport) string { return fmt.Sprintf("%.0f", t.rate(r.N)) })
	row("messages indexed", func(t *toolReport) string { return fmt.Sprint(t.Ingest.Indexed) })
	row("peak RSS", func(t *toolReport) string { return fmtBytes(t.Ingest.MaxRSS) })
	row("index on disk", func(t *toolReport) string { return fmtBytes(t.Ingest.IndexBytes) })
	row("copy of originals", func(t *toolReport) string {
		if t.Ingest.OriginalsBytes == 0 {
			return "–"
		}
		return fmtBytes(t.Ingest.OriginalsBytes)
	})
	w("\ncasefile's time is `casefile init` + `casefile ingest`; notmuch's is `notmuch new`; mu's is `mu init` + `mu index`. " +
		"casefile's index size is the case folder without `originals/`, which holds its preserved copy of the input.\n\n")
	for _, t := range r.Tools {
		if t.Ingest != nil && t.Ingest.Note != "" {
			w("Note (%s): %s\n\n", t.Name, t.Ingest.Note)
		}
		if t.IngestErr != "" {
			w("**%s ingest failed:** %s\n\n", t.Name, t.IngestErr)
		}
		if t.QueryErr != "" {
			w("**%s queries failed:** %s\n\n", t.Name, t.QueryErr)
		}
		if t.Skipped != "" {
			w("%s skipped: %s\n\n", t.Name, t.Skipped)
		}
	}

	w("### Query latency\n\n%d queries × %d runs each (after one warm-up run), limit 20 hits.\n\n", len(r.Queries), r.Runs)
	header("")
	qrow("p50", func(t *toolReport) string { return fmtDur(percentile(t.all(), 50)) })
	qrow("p99", func(t *toolReport) string { return fmtDur(percentile(t.all(), 99)) })
	qrow("process start-up (median `--version`)", func(t *toolReport) string {
		if t.Startup == 0 {
			return "in-process"
		}
		return fmtDur(t.Startup)
	})
	qrow("p50 minus start-up", func(t *toolReport) string { return fmtDur(netOf(percentile(t.all(), 50), t.Startup)) })
	qrow("p99 minus start-up", func(t *toolReport) string { return fmtDur(netOf(percentile(t.all(), 99), t.Startup)) })
	w("\ncasefile is timed in-process (`casefile bench-queries`: parse + `Store.Search`, limit 20, rank order). " +
		"notmuch (`notmuch search --output=messages --limit=20`) and mu (`mu find --maxnum=20`) are timed per process call, " +
		"so their raw numbers include process start-up and opening the Xapian database; the start-up row " +
		"(median of `notmuch --version` / `mu --version`) is subtracted in the last two rows. Opening the database is not subtracted.\n\n")

	w("### Targets\n\n| target | measured | result |\n|---|---|---|\n")
	for _, tg := range r.targets() {
		w("| %s | %s | %s |\n", tg[0], tg[1], tg[2])
	}

	w("\n### Per query\n\nTotal hits (all matches, counted once with each tool's count command) and median latency; notmuch and mu minus start-up.\n\n")
	var names []string
	for _, t := range r.Tools {
		names = append(names, t.Name)
	}
	w("| # | kind | casefile query | total hits %s", strings.Join(names, " / "))
	w(" |")
	for _, t := range r.Tools {
		w(" p50 %s |", t.Name)
	}
	w(" p99 casefile |\n|---:|---|---|---:|")
	for range r.Tools {
		w("---:|")
	}
	w("---:|\n")
	for k, q := range r.Queries {
		var counts []string
		for _, t := range r.Tools {
			if k < len(t.Counts) && t.Counts[k] >= 0 {
				counts = append(counts, fmt.Sprint(t.Counts[k]))
			} else {
				counts = append(counts, "–")
			}
		}
		w("| %d | %s | `%s` | %s |", k+1, q.Kind, q.Casefile, strings.Join(counts, " / "))
		for _, t := range r.Tools {
			if k < len(t.Timings) {
				w(" %s |", fmtDur(netOf(percentile(t.Timings[k].Durations, 50), t.Startup)))
			} else {
				w(" – |")
			}
		}
		if cf := r.tool("casefile"); cf != nil && k < len(cf.Timings) {
			w(" %s |\n", fmtDur(percentile(cf.Timings[k].Durations, 99)))
		} else {
			w(" – |\n")
		}
	}
	w("\n#### Query translations\n\n| # | casefile | notmuch | mu |\n|---:|---|---|---|\n")
	for k, q := range r.Queries {
		w("| %d | `%s` | `%s` | `%s` |\n", k+1, q.Casefile, q.Notmuch, q.Mu)
	}
	return b.String()
}

// targets returns rows of (target, measured, PASS/FAIL/n/a).
func (r *report) targets() [][3]string {
	cf := r.tool("casefile")
	ok := func(b bool) string {
		if b {
			return "PASS"
		}
		return "FAIL"
	}
	var rows [][3]string
	haveIngest := func(t *toolReport) bool { return t != nil && t.Ingest != nil && t.Ingest.Wall > 0 }
	for _, cmp := range []struct {
		name string
		want float64
	}{{"notmuch", 10}, {"mu", 5}} {
		label := fmt.Sprintf("ingest msg/s ≥ %.0f× %s", cmp.want, cmp.name)
		o := r.tool(cmp.name)
		if !haveIngest(cf) || !haveIngest(o) {
			rows = append(rows, [3]string{label, "–", "n/a"})
			continue
		}
		ratio := cf.rate(r.N) / o.rate(r.N)
		rows = append(rows, [3]string{label, fmt.Sprintf("%.1f×", ratio), ok(ratio >= cmp.want)})
	}
	haveQ := cf != nil && len(cf.Timings) > 0
	for _, p := range []struct {
		pct   float64
		limit time.Duration
	}{{50, 10 * time.Millisecond}, {99, 100 * time.Millisecond}} {
		label := fmt.Sprintf("casefile query p%.0f ≤ %s", p.pct, fmtDur(p.limit))
		if !haveQ {
			rows = append(rows, [3]string{label, "–", "n/a"})
			continue
		}
		d := percentile(cf.all(), p.pct)
		rows = append(rows, [3]string{label, fmtDur(d), ok(d <= p.limit)})
	}
	if haveQ {
		for _, name := range []string{"notmuch", "mu"} {
			o := r.tool(name)
			if o == nil || len(o.Timings) == 0 {
				continue
			}
			on := netOf(percentile(o.all(), 50), o.Startup)
			cp := percentile(cf.all(), 50)
			if cp > 0 {
				rows = append(rows, [3]string{"(info) " + name + " p50 minus start-up ÷ casefile p50 (> 1: casefile faster)",
					fmt.Sprintf("%.2f (%s vs %s)", float64(on)/float64(cp), fmtDur(on), fmtDur(cp)), "–"})
			}
		}
	}
	if haveIngest(cf) {
		rows = append(rows, [3]string{"casefile ingest peak RSS ≤ 1 GB", fmtBytes(cf.Ingest.MaxRSS), ok(cf.Ingest.MaxRSS <= 1<<30)})
	} else {
		rows = append(rows, [3]string{"casefile ingest peak RSS ≤ 1 GB", "–", "n/a"})
	}
	return rows
}

// writeSection puts section between the markers of the Markdown file at
// path, creating the file or appending the markers when needed.
func writeSection(path, section string) error {
	block := beginMarker + "\n" + section + endMarker + "\n"
	old, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		old = []byte("# casefile benchmarks\n\n")
	case err != nil:
		return fmt.Errorf("casebench: read %s: %w", path, err)
	}
	s := string(old)
	i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
	switch {
	case i >= 0 && j > i:
		s = s[:i] + block + strings.TrimPrefix(s[j+len(endMarker):], "\n")
	case i >= 0 || j >= 0:
		return fmt.Errorf("casebench: %s has only one of the markers %q and %q; fix the file by hand", path, beginMarker, endMarker)
	default:
		if !strings.HasSuffix(s, "\n\n") {
			s = strings.TrimRight(s, "\n") + "\n\n"
		}
		s += block
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		return fmt.Errorf("casebench: write %s: %w", path, err)
	}
	return nil
}
