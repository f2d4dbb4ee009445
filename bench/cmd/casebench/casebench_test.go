package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/bench/corpus"
	"github.com/casefile/casefile/internal/query"
)

func TestQueriesAreValidAndTranslated(t *testing.T) {
	qs := buildQueries(corpus.New(corpus.Options{N: 100, Seed: 1}))
	if len(qs) < 25 {
		t.Fatalf("only %d queries, want about 30", len(qs))
	}
	seen := map[string]bool{}
	for _, q := range qs {
		if _, err := query.Parse(q.Casefile); err != nil {
			t.Errorf("casefile query %q does not parse: %v", q.Casefile, err)
		}
		if q.Kind == "" || q.Notmuch == "" || q.Mu == "" || strings.Contains(q.Casefile, "\n") {
			t.Errorf("query %+v lacks a translation", q)
		}
		if seen[q.Casefile] {
			t.Errorf("query %q appears twice", q.Casefile)
		}
		seen[q.Casefile] = true
		// Operators must be spelt the way each tool understands them.
		if strings.Contains(q.Casefile, " -") && !strings.Contains(q.Notmuch, "and not") {
			t.Errorf("NOT of %q not translated for notmuch: %q", q.Casefile, q.Notmuch)
		}
		if strings.Contains(q.Casefile, "date:") && !strings.Contains(q.Mu, "date:") {
			t.Errorf("date of %q not translated for mu: %q", q.Casefile, q.Mu)
		}
	}
	for _, kind := range []string{"common word", "rare word (rank 45000)", "two words AND", "phrase",
		"from: address (most active)", "date range (6 months)", "prefix (common)", "OR", "NOT", "combination: from + OR + NOT"} {
		found := false
		for _, q := range qs {
			found = found || q.Kind == kind
		}
		if !found {
			t.Errorf("query set lacks %q", kind)
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		var d []time.Duration
		for _, x := range xs {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i
	}
	tests := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(5), 99, 5 * time.Millisecond},
		{ms(3, 1, 2), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 100, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tt.in, tt.p, got, tt.want)
		}
	}
}

func TestWriteSection(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, before string
		wantErr      bool
		want         string
	}{
		{"new file", "", false, "# casefile benchmarks\n\n" + beginMarker + "\nNEW\n" + endMarker + "\n"},
		{"append", "# B\n\nMethod.\n", false, "# B\n\nMethod.\n\n" + beginMarker + "\nNEW\n" + endMarker + "\n"},
		{"replace", "# B\n" + beginMarker + "\nOLD\n" + endMarker + "\nAfter.\n", false,
			"# B\n" + beginMarker + "\nNEW\n" + endMarker + "\nAfter.\n"},
		{"one marker", "# B\n" + beginMarker + "\nOLD\n", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".md")
			if tt.before != "" {
				os.WriteFile(path, []byte(tt.before), 0o644)
			}
			err := writeSection(path, "NEW\n")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.want {
				t.Fatalf("file =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestParseBenchQueries(t *testing.T) {
	out := []byte(`{"queries":[{"query":"a","hits":3,"durations_ns":[900,1,2]},{"query":"b c","hits":0,"durations_ns":[5,6]}]}`)
	got, err := parseBenchQueries(out, []string{"a", "b c"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Hits != 3 || len(got[0].Durations) != 2 || got[0].Durations[0] != 1 || got[1].Durations[0] != 6 {
		t.Fatalf("warm-up not dropped or values lost: %+v", got)
	}
	for _, bad := range []struct {
		out string
		qs  []string
	}{
		{`{"queries":[{"query":"a","durations_ns":[1,2]}]}`, []string{"a", "b"}},
		{`{"queries":[{"query":"x","durations_ns":[1,2]}]}`, []string{"a"}},
		{`{"queries":[{"query":"a","durations_ns":[1]}]}`, []string{"a"}},
		{`not json`, []string{"a"}},
	} {
		if _, err := parseBenchQueries([]byte(bad.out), bad.qs); err == nil {
			t.Errorf("parseBenchQueries(%s, %v) accepted bad output", bad.out, bad.qs)
		}
	}
}

func TestRunMeasuresChild(t *testing.T) {
	ctx := context.Background()
	// The child allocates ~64 MiB so its peak RSS is clearly visible.
	r, err := run(ctx, []string{"CB_X=1"}, true, "sh", "-c", `head -c 67108864 /dev/zero | tail -c 1 >/dev/null; echo "$CB_X $TZ"; echo oops >&2; exit 3`)
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitCode != 3 || strings.TrimSpace(string(r.Stdout)) != "1 UTC" || !strings.Contains(r.Stderr, "oops") {
		t.Fatalf("got %+v", r)
	}
	if r.MaxRSS <= 0 || r.Wall <= 0 || r.CPU <= 0 {
		t.Fatalf("no rusage: %+v", r)
	}
	if _, err := run(ctx, nil, false, "casebench-no-such-binary"); err == nil {
		t.Fatal("missing binary gave no error")
	}
}

func TestDiskUsageSkips(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "originals"), 0o755)
	os.WriteFile(filepath.Join(dir, "db"), make([]byte, 100000), 0o644)
	os.WriteFile(filepath.Join(dir, "originals", "big"), make([]byte, 1000000), 0o644)
	all, err := diskUsage(dir)
	if err != nil {
		t.Fatal(err)
	}
	without, err := diskUsage(dir, filepath.Join(dir, "originals"))
	if err != nil {
		t.Fatal(err)
	}
	if without < 100000 || all-without < 1000000 {
		t.Fatalf("all %d, without originals %d", all, without)
	}
}

func writeCorpus(t *testing.T, n int) (*corpus.Corpus, string) {
	t.Helper()
	c := corpus.New(corpus.Options{N: n, Seed: 4})
	dir := filepath.Join(t.TempDir(), "mail")
	if _, err := c.WriteMaildir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	return c, dir
}

// TestCasefileAdapter drives the casefile adapter against a fake binary
// speaking the same CLI contract.
func TestCasefileAdapter(t *testing.T) {
	_, maildir := writeCorpus(t, 30)
	bin, _ := filepath.Abs("testdata/fake-casefile")
	for _, exit := range []string{"0", "3", "1"} {
		t.Run("ingest exit "+exit, func(t *testing.T) {
			t.Setenv("FAKE_INGEST_EXIT", exit)
			ct := &casefileTool{bin: bin, dir: filepath.Join(t.TempDir(), "cf"), workers: 2}
			res, err := ct.Ingest(context.Background(), maildir)
			if exit == "1" {
				if err == nil || !strings.Contains(err.Error(), "casefile ingest exited with code 1") {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Indexed != 30 || res.IndexBytes < 10000 || res.OriginalsBytes <= res.IndexBytes {
				t.Fatalf("ingest result %+v", res)
			}
			if (exit == "3") != (res.Note != "") {
				t.Fatalf("exit %s gave note %q", exit, res.Note)
			}
			qs := []string{`"board meeting"`, "a OR b"}
			tm, err := ct.Queries(context.Background(), qs, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(tm) != 2 || tm[1].Query != "a OR b" || len(tm[0].Durations) != 3 || tm[0].Durations[0] != 2*time.Millisecond {
				t.Fatalf("timings %+v", tm)
			}
			if n, err := ct.Count(context.Background(), "x"); err != nil || n != 42 {
				t.Fatalf("count %d, %v", n, err)
			}
		})
	}
}

// groundTruth counts messages from person 0 and dated in the first half
// of 2008 (UTC), straight from the corpus plan.
func groundTruth(c *corpus.Corpus) (from, h1 int) {
	lo := time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(2008, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < c.N(); i++ {
		if strings.Contains(string(c.Message(i)), "\nFrom: \""+c.Person(0).Name+"\" <"+c.Person(0).Address+">\n") {
			from++
		}
		if d := c.Date(i); !d.Before(lo) && d.Before(hi) {
			h1++
		}
	}
	return from, h1
}

// TestExternalTools indexes a small corpus with notmuch and mu (when
// installed) and checks the translated from: and date queries return the
// true counts.
func TestExternalTools(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes with notmuch and mu")
	}
	c, maildir := writeCorpus(t, 600)
	qs := buildQueries(c)
	var fromQ, dateQ benchQuery
	for _, q := range qs {
		switch q.Kind {
		case "from: address (most active)":
			fromQ = q
		case "date range (6 months)":
			dateQ = q
		}
	}
	wantFrom, wantH1 := groundTruth(c)
	if wantFrom == 0 || wantH1 == 0 {
		t.Fatalf("ground truth empty: from %d, H1 2008 %d", wantFrom, wantH1)
	}
	for _, tc := range []struct {
		bin string
		mk  func(dir string) tool
	}{
		{"notmuch", func(d string) tool { return &notmuchTool{dir: d} }},
		{"mu", func(d string) tool { return &muTool{dir: d} }},
	} {
		t.Run(tc.bin, func(t *testing.T) {
			if _, err := exec.LookPath(tc.bin); err != nil {
				t.Skipf("%s not installed", tc.bin)
			}
			ctx := context.Background()
			tl := tc.mk(t.TempDir())
			res, err := tl.Ingest(ctx, maildir)
			if err != nil {
				t.Fatal(err)
			}
			if res.Indexed != c.N() || res.IndexBytes == 0 || res.MaxRSS == 0 {
				t.Fatalf("ingest %+v", res)
			}
			for _, x := range []struct {
				q    string
				want int
			}{{tl.Syntax(fromQ), wantFrom}, {tl.Syntax(dateQ), wantH1}, {"zqxjvwabsent", 0}} {
				if n, err := tl.Count(ctx, x.q); err != nil || n != x.want {
					t.Errorf("count %q = %d, %v; want %d", x.q, n, err, x.want)
				}
			}
			tm, err := tl.Queries(ctx, []string{tl.Syntax(fromQ), "zqxjvwabsent"}, 2)
			if err != nil {
				t.Fatal(err)
			}
			if tm[0].Hits != min(20, wantFrom) || tm[1].Hits != 0 || len(tm[0].Durations) != 2 {
				t.Fatalf("timings %+v", tm)
			}
			if st, err := tl.Startup(ctx, 3); err != nil || st <= 0 {
				t.Fatalf("startup %v, %v", st, err)
			}
		})
	}
}
