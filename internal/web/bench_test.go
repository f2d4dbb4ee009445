package web

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/casefile/casefile/bench/corpus"
	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/mask"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// The benchmarks measure server time (handler, no network) of the search
// and reader pages on a synthetic case of CASEFILE_WEB_BENCH_N messages
// (default 5,000; the target is at most 100 ms per page at 100,000).
// The case is built once per run in a temporary folder. The server keeps
// no results (every iteration does the whole search) but in
// BenchmarkSearchPageCached.

var benchCase struct {
	once sync.Once
	srv  *Server
	c    *corpus.Corpus
	ids  []string
	dir  string
	err  error
}

func benchServer(b *testing.B) (*Server, []string, *corpus.Corpus) {
	b.Helper()
	benchCase.once.Do(func() {
		n := 5000
		if v, err := strconv.Atoi(os.Getenv("CASEFILE_WEB_BENCH_N")); err == nil && v > 0 {
			n = v
		}
		dir, err := os.MkdirTemp("", "casefile-web-bench-*")
		if err != nil {
			benchCase.err = err
			return
		}
		benchCase.dir = dir
		ctx := context.Background()
		cp := corpus.New(corpus.Options{N: n, Seed: 5})
		if _, err := cp.WriteMaildir(ctx, filepath.Join(dir, "mail")); err != nil {
			benchCase.err = err
			return
		}
		c, err := casedir.Init(ctx, filepath.Join(dir, "case"))
		if err != nil {
			benchCase.err = err
			return
		}
		if _, err := ingest.Run(ctx, c, filepath.Join(dir, "mail"), ingest.Options{}); err != nil {
			benchCase.err = err
			return
		}
		node, _ := query.Parse("*")
		err = c.Store.Search(ctx, node, store.SearchOptions{Sort: "date"}, func(h store.Hit) error {
			benchCase.ids = append(benchCase.ids, h.Message.ID)
			return nil
		})
		if err != nil {
			benchCase.err = err
			return
		}
		benchCase.c = cp
		benchCase.srv, benchCase.err = New(Options{Case: c, Addr: testHost, Logger: log.New(io.Discard, "", 0), ResultCache: -1})
	})
	if benchCase.err != nil {
		b.Fatal(benchCase.err)
	}
	return benchCase.srv, benchCase.ids, benchCase.c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchCase.dir != "" {
		os.RemoveAll(benchCase.dir)
	}
	os.Exit(code)
}

func benchGet(b *testing.B, s *Server, target string) {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = testHost
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("%s: status %d", target, w.Code)
	}
}

func BenchmarkSearchPage(b *testing.B) {
	s, ids, cp := benchServer(b)
	common := cp.CommonWords()
	p := cp.Person(0)
	queries := map[string]string{
		"all":          "",
		"common-word":  common[0],
		"two-words":    common[1] + " " + common[2],
		"rare-word":    cp.Word(cp.Words() - 1),
		"phrase":       `"` + common[3] + " " + common[4] + `"`,
		"sender":       "from:" + p.Address,
		"date-range":   "date:" + cp.Date(0).Format("2006"),
		"last-page":    "",
		"prefix-field": "subject:" + cp.Word(0)[:min(3, len(cp.Word(0)))] + "*",
	}
	for name, q := range queries {
		target := "/?q=" + url.QueryEscape(q)
		if name == "last-page" {
			target += "&offset=" + strconv.Itoa(len(ids)-10)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				benchGet(b, s, target)
			}
		})
	}
}

// BenchmarkSearchPageCached measures a repeated search of the commonest
// word with the result cache: what a reload, a colleague's identical
// search or paging back costs.
func BenchmarkSearchPageCached(b *testing.B) {
	s, _, cp := benchServer(b)
	s.results = newResultCache(0)
	b.Cleanup(func() { s.results = nil })
	target := "/?q=" + url.QueryEscape(cp.CommonWords()[0])
	benchGet(b, s, target)
	for b.Loop() {
		benchGet(b, s, target)
	}
	if hits, misses := s.results.stats(); misses != 2 || hits == 0 {
		b.Fatalf("result cache: %d hits, %d misses; want every repeat answered", hits, misses)
	}
}

func BenchmarkReader(b *testing.B) {
	s, ids, _ := benchServer(b)
	i := 0
	for b.Loop() {
		benchGet(b, s, "/m/"+ids[(i*7919)%len(ids)])
		i++
	}
}

func BenchmarkBodyHTML(b *testing.B) {
	s, ids, _ := benchServer(b)
	i := 0
	for b.Loop() {
		benchGet(b, s, "/m/"+ids[(i*7919)%len(ids)]+"/body.html")
		i++
	}
}

func BenchmarkThread(b *testing.B) {
	s, ids, _ := benchServer(b)
	i := 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/t/"+ids[(i*7919)%len(ids)], nil)
		req.Host = testHost
		s.ServeHTTP(httptest.NewRecorder(), req) // redirects to the thread
		i++
	}
}

// BenchmarkFacets measures the facet panel (the benchmark server keeps no
// results, so every iteration computes it): a selective
// query (tallied) and the whole case (counted per value).
func BenchmarkFacets(b *testing.B) {
	s, _, cp := benchServer(b)
	for name, q := range map[string]string{"selective": "from:" + cp.Person(0).Address, "all": ""} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				benchGet(b, s, "/facets?q="+url.QueryEscape(q))
			}
		})
	}
}

// BenchmarkMasked measures the pages with the most active sender's name
// protected (the protection is released afterwards): the masker check
// on every request and the masking of the page.
func BenchmarkMasked(b *testing.B) {
	s, ids, cp := benchServer(b)
	p := cp.Person(0)
	ctx := context.Background()
	if err := mask.Add(ctx, s.st, p.Name, "bench", ""); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mask.Remove(ctx, s.st, p.Name, "bench", "") })
	for name, target := range map[string]string{
		"search-sender": "/?q=" + url.QueryEscape("from:"+p.Address),
		"search-rare":   "/?q=" + url.QueryEscape(cp.Word(cp.Words()-1)),
		"reader":        "",
		"body":          "",
	} {
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				t := target
				switch name {
				case "reader":
					t = "/m/" + ids[(i*7919)%len(ids)]
				case "body":
					t = "/m/" + ids[(i*7919)%len(ids)] + "/body.html"
				}
				benchGet(b, s, t)
				i++
			}
		})
	}
}
