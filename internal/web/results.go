package web

import (
	"container/list"
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// DefaultResultCache is how many search pages and counts a case's server
// keeps (Options.ResultCache).
const DefaultResultCache = 1024

// resultCache keeps the search pages and counts a case's server computed
// most recently, valid while the case has not changed since: its
// store.Generation grows with every write, edit, threading and copy
// link, and an entry answers only at the generation it was computed at.
// Paging back and forth, reloading, a team reading the same query, and
// the facet panel then cost a lookup instead of ranking every
// match again (a common word ranks tens of thousands of rows: 70-150 ms
// of database time at 100k messages). Least recently used entries go
// first. Viewer-specific work (masking, audit) happens after the cache,
// on every request.
type resultCache struct {
	mu      sync.Mutex
	max     int
	gen     int64
	entries map[string]*list.Element // of *resultEntry
	lru     list.List                // front: most recently used
	// hits and misses count lookups (tests, and the server's log).
	hits, misses int64
}

type resultEntry struct {
	key    string
	count  int
	hits   []pageHit
	facets *facetData
}

// pageHit is what a result list shows of a hit, as the store gave it
// (masking is applied when the page is drawn): a few hundred bytes, so
// a full cache holds about 10 MB.
type pageHit struct {
	ID, Subject, Kind, ThreadID string
	From                        model.Address
	Date                        *time.Time
	DateFlag, Snippet           string
	Copies                      int
}

// newResultCache returns a cache of max entries; nil (no caching) when
// max is negative.
func newResultCache(max int) *resultCache {
	if max < 0 {
		return nil
	}
	if max == 0 {
		max = DefaultResultCache
	}
	return &resultCache{max: max, entries: map[string]*list.Element{}}
}

// at moves the cache to generation gen, dropping every entry of an
// earlier one; it reports false for a gen older than the cache's (a
// request that read the generation before a change another one saw).
// Called with mu held.
func (c *resultCache) at(gen int64) bool {
	switch {
	case gen < c.gen:
		return false
	case gen > c.gen:
		clear(c.entries)
		c.lru.Init()
		c.gen = gen
	}
	return true
}

func (c *resultCache) get(gen int64, key string) (*resultEntry, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at(gen) {
		if el, ok := c.entries[key]; ok {
			c.lru.MoveToFront(el)
			c.hits++
			return el.Value.(*resultEntry), true
		}
	}
	c.misses++
	return nil, false
}

func (c *resultCache) put(gen int64, e *resultEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(gen) {
		return
	}
	if el, ok := c.entries[e.key]; ok {
		el.Value = e
		c.lru.MoveToFront(el)
		return
	}
	c.entries[e.key] = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		delete(c.entries, old.Value.(*resultEntry).key)
		c.lru.Remove(old)
	}
}

// stats returns the lookups answered and missed so far.
func (c *resultCache) stats() (hits, misses int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// maxCachedOffset bounds the pages kept: deep pages are rarely read
// twice.
const maxCachedOffset = 10000

// generation returns the case's generation for the result cache; ok is
// false (and the cache is bypassed) when there is no cache or it cannot
// be read.
func (s *Server) generation(ctx context.Context) (gen int64, ok bool) {
	if s.results == nil {
		return 0, false
	}
	gen, err := s.st.Generation(ctx)
	if err != nil {
		s.log.Printf("casefile serve: result cache bypassed: %v", err)
		return 0, false
	}
	return gen, true
}

// count is Store.Count through the result cache (gen from generation;
// ok false bypasses it).
func (s *Server) count(ctx context.Context, gen int64, ok bool, node query.Node) (int, error) {
	key := "count\x00" + node.String()
	if ok {
		if e, hit := s.results.get(gen, key); hit {
			return e.count, nil
		}
	}
	n, err := s.st.Count(ctx, node)
	if err == nil && ok {
		s.results.put(gen, &resultEntry{key: key, count: n})
	}
	return n, err
}

// searchPage is Store.Search of one page (opts.Limit hits) through the
// result cache.
func (s *Server) searchPage(ctx context.Context, gen int64, ok bool, node query.Node, opts store.SearchOptions) ([]pageHit, error) {
	ok = ok && opts.Limit > 0 && opts.Offset <= maxCachedOffset
	key := "page\x00" + node.String() + "\x00" + opts.Sort + "\x00" + strconv.Itoa(opts.Limit) + "\x00" +
		strconv.Itoa(opts.Offset) + "\x00" + opts.HighStart + "\x00" + opts.HighEnd
	if ok {
		if e, hit := s.results.get(gen, key); hit {
			return e.hits, nil
		}
	}
	var hits []pageHit
	err := s.st.Search(ctx, node, opts, func(h store.Hit) error {
		m := h.Message
		hits = append(hits, pageHit{ID: m.ID, Subject: m.Subject, Kind: m.Kind, ThreadID: m.ThreadID, From: m.From,
			Date: m.DateUTC, DateFlag: m.DateFlag, Snippet: h.Snippet, Copies: len(m.Sources)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ok {
		s.results.put(gen, &resultEntry{key: key, hits: hits})
	}
	return hits, nil
}
