package dedup

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/printed"
)

// corpusDir locates a shared corpus: $CASEFILE_CORPORA/<name> or
// ../../../shared/corpora/<name> relative to this package.
func corpusDir(name string) string {
	if env := os.Getenv("CASEFILE_CORPORA"); env != "" {
		return filepath.Join(env, name)
	}
	return filepath.Join("..", "..", "..", "shared", "corpora", name)
}

// TestHouseOversightClusters recovers every printed message of the House
// Oversight release (the same email is printed in several files) and
// clusters the copies. It checks the clusters against the third-party
// labels: two files whose top messages fall in one cluster must carry the
// same labelled author and timestamp. Set DEDUP_CLUSTERS_OUT=file to
// write the clusters for review.
func TestHouseOversightClusters(t *testing.T) {
	dir := corpusDir("house-oversight-2025")
	files, _ := filepath.Glob(filepath.Join(dir, "texts", "*.txt"))
	if len(files) == 0 {
		t.Skipf("corpus not available at %s (set CASEFILE_CORPORA)", dir)
	}
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	labels := readLabels(t, filepath.Join(dir, "labels.csv"))
	var cands []Candidate
	byID := map[string]Candidate{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(f), ".txt")
		res := printed.Recover(printed.Document{Path: base, Pages: printed.SplitPages(string(b))}, printed.Options{})
		for i, m := range res.Messages {
			c := FromMessage(m)
			c.ID = fmt.Sprintf("%s#%d", base, i)
			cands = append(cands, c)
			byID[c.ID] = c
		}
	}
	start := time.Now()
	clusters := ClusterPrinted(cands, Options{})
	took := time.Since(start)

	inCluster, multiFile, sameFile := 0, 0, 0
	sizes := map[int]int{}
	agree, disagree := 0, 0
	var report strings.Builder
	for _, cl := range clusters {
		inCluster += len(cl)
		sizes[len(cl)]++
		filesIn := map[string]bool{}
		for _, id := range cl {
			filesIn[strings.SplitN(id, "#", 2)[0]] = true
		}
		if len(filesIn) > 1 {
			multiFile++
		}
		if len(filesIn) < len(cl) {
			sameFile++
		}
		// Label check on top messages (#0) of different files.
		var tops []string
		for _, id := range cl {
			if strings.HasSuffix(id, "#0") {
				tops = append(tops, strings.TrimSuffix(strings.TrimPrefix(id, "HOUSE_OVERSIGHT_"), "#0"))
			}
		}
		for i := 0; i < len(tops); i++ {
			for j := i + 1; j < len(tops); j++ {
				a, b := labels[tops[i]], labels[tops[j]]
				if a.category != "email" || b.category != "email" || a.timestamp == "" || b.timestamp == "" {
					continue
				}
				if a.author == b.author && sameInstantOrZoneShift(a.timestamp, b.timestamp) {
					agree++
				} else {
					disagree++
					t.Logf("labels disagree within a cluster: %s (%s, %s) vs %s (%s, %s)", tops[i], a.author, a.timestamp, tops[j], b.author, b.timestamp)
				}
			}
		}
		fmt.Fprintf(&report, "cluster of %d:\n", len(cl))
		for _, id := range cl {
			c := byID[id]
			fmt.Fprintf(&report, "  %-28s %-40.40q %s local=%v %.60q\n", id, c.From.String(), c.Date.Format("2006-01-02 15:04"), c.DateLocal, c.Subject)
		}
	}
	if p := os.Getenv("DEDUP_CLUSTERS_OUT"); p != "" {
		if err := os.WriteFile(p, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var sz []string
	keys := make([]int, 0, len(sizes))
	for k := range sizes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		sz = append(sz, fmt.Sprintf("%d×%d", sizes[k], k))
	}
	t.Logf("%d files, %d printed messages: %d clusters (%s) holding %d messages; %d span several files, %d hold two copies from one file; labels agree on %d top-message pairs, disagree on %d; clustering took %v",
		len(files), len(cands), len(clusters), strings.Join(sz, " "), inCluster, multiFile, sameFile, agree, disagree, took.Round(time.Millisecond))
	if len(clusters) == 0 {
		t.Error("no printed duplicates found; the release is known to print many emails several times")
	}
	if disagree > max(1, agree/20) {
		t.Errorf("labels disagree on %d of %d clustered top-message pairs (more than 5%%)", disagree, agree+disagree)
	}
}

// sameInstantOrZoneShift accepts label timestamps that differ by whole
// quarter hours (one label converted a zoneless time with another zone)
// within a minute: the labels' parser rounds some times to the minute.
func sameInstantOrZoneShift(a, b string) bool {
	const layout = "2006-01-02 15:04:05-07:00"
	ta, err1 := time.Parse(layout, a)
	tb, err2 := time.Parse(layout, b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	d := ta.Sub(tb).Abs()
	r := d % (15 * time.Minute)
	return d <= 14*time.Hour+time.Minute && (r <= time.Minute || 15*time.Minute-r <= time.Minute)
}

type label struct{ category, author, timestamp string }

func readLabels(t *testing.T, path string) map[string]label {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]label{}
	for _, r := range rows[1:] {
		if len(r) >= 5 {
			out[r[0]] = label{category: r[1], author: r[2], timestamp: r[4]}
		}
	}
	return out
}
