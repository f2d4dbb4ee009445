package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/internal/ingest"
)

func TestResultCacheGenerations(t *testing.T) {
	c := newResultCache(2)
	entry := func(k string, n int) *resultEntry { return &resultEntry{key: k, count: n} }
	c.put(5, entry("a", 1))
	c.put(5, entry("b", 2))
	steps := []struct {
		name string
		gen  int64
		key  string
		want int // -1: a miss
	}{
		{"same generation", 5, "a", 1},
		{"other key", 5, "b", 2},
		{"unknown key", 5, "c", -1},
		{"an older generation never answers", 4, "a", -1},
		{"and does not drop the current one", 5, "a", 1},
		{"a newer generation drops everything", 6, "a", -1},
		{"for good", 5, "b", -1},
	}
	for _, st := range steps {
		e, ok := c.get(st.gen, st.key)
		if got := map[bool]int{true: 0, false: -1}[ok]; ok {
			got = e.count
			if got != st.want {
				t.Errorf("%s: get(%d, %q) = %d, want %d", st.name, st.gen, st.key, got, st.want)
			}
		} else if st.want != -1 {
			t.Errorf("%s: get(%d, %q) missed, want %d", st.name, st.gen, st.key, st.want)
		}
	}
	// A result computed at an older generation is not kept.
	c.put(5, entry("a", 9))
	if _, ok := c.get(6, "a"); ok {
		t.Error("put at an older generation was kept")
	}
	// Least recently used entries go first.
	c.put(6, entry("a", 1))
	c.put(6, entry("b", 2))
	c.get(6, "a")
	c.put(6, entry("c", 3))
	if _, ok := c.get(6, "b"); ok {
		t.Error("least recently used entry b kept beyond max")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(6, k); !ok {
			t.Errorf("entry %s evicted", k)
		}
	}
	if newResultCache(-1) != nil {
		t.Error("a negative size should disable the cache")
	}
	var off *resultCache // disabled: every lookup misses, puts are dropped
	off.put(1, entry("a", 1))
	if _, ok := off.get(1, "a"); ok {
		t.Error("disabled cache answered")
	}
}

// TestSearchResultCache checks that a repeated search is answered from
// the cache, and that every change to the case — a tag, an ingest — is
// seen by the next search.
func TestSearchResultCache(t *testing.T) {
	for _, size := range []int{0, -1} {
		f := newFixture(t, trackerBase, "")
		if size != 0 {
			f.srv.results = newResultCache(size)
		}
		search := func(q string) string {
			t.Helper()
			w := f.get(t, "/?q="+url.QueryEscape(q))
			if w.Code != http.StatusOK {
				t.Fatalf("search %q: %d", q, w.Code)
			}
			return w.Body.String()
		}
		zero := `<strong id="total">0</strong>`
		mustContain(t, "before tagging", search("tag:cache-check"), zero)
		first := search("lease")
		if again := search("lease"); again != first {
			t.Errorf("cache size %d: a repeated search differs", size)
		}
		hits, misses := f.srv.results.stats()
		if size == 0 && (hits != 2 || misses != 4) {
			t.Errorf("cache hits %d, misses %d; want 2 (page and count of the repeated search) and 4", hits, misses)
		}
		if size < 0 && hits+misses != 0 {
			t.Errorf("disabled cache looked up %d times", hits+misses)
		}

		tok := f.srv.csrf
		w := f.post(t, "/m/"+idLease+"/tags", url.Values{"tag": {"cache-check"}}, tok, tok,
			map[string]string{"Origin": "http://" + testHost, "Sec-Fetch-Site": "same-origin"})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("tag: %d %s", w.Code, w.Body.String())
		}
		mustContain(t, "after tagging", search("tag:cache-check"), `<strong id="total">1</strong>`, idLease)

		// A message ingested next to the server is found at once.
		mustContain(t, "before ingest", search("zanzibarquay"), zero)
		facets := func() map[string]map[string]int {
			return facetCounts(t, f.get(t, "/facets?q=zanzibarquay").Body.String())
		}
		if n := facets()["Year"]["2020"]; n != 0 {
			t.Fatalf("year facet before ingest: %d", n)
		}
		dir := t.TempDir()
		eml := "From: Ines Cache <ines@cache.example>\r\nTo: Bo <bo@cache.example>\r\nSubject: zanzibarquay\r\n" +
			"Message-ID: <cache-check@cache.example>\r\nDate: Mon, 2 Mar 2020 10:00:00 +0000\r\n\r\nzanzibarquay at noon\r\n"
		if err := os.WriteFile(filepath.Join(dir, "new.eml"), []byte(eml), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ingest.Run(context.Background(), f.c, dir, ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "after ingest", search("zanzibarquay"), `<strong id="total">1</strong>`, "Ines Cache")
		if n := facets()["Year"]["2020"]; n != 1 {
			t.Errorf("cache size %d: year facet after ingest = %d, want 1 (a stale panel kept)", size, n)
		}
	}
}
