package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/internal/extract"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// Facet tuning.
const (
	// DefaultExactFacetLimit: queries with at most this many hits are
	// tallied exactly by streaming the hits once; larger ones count the
	// case's most common values with one Count query each.
	DefaultExactFacetLimit = 2000
	facetValues            = 10 // values shown per facet (years: facetYears)
	facetYears             = 40
	facetWorkers           = 3
	facetTimeout           = 20 * time.Second
)

// facetValue is one clickable facet entry.
type facetValue struct {
	Label string
	Title string // tooltip (e.g. the full path)
	// Q is the query with the filter added (or removed when Active);
	// the template links to its search, so the link is built from the
	// masked query.
	Q      string
	Count  int
	Active bool // the filter is already part of the query
}

// facetGroup is one facet: year, kind, source or person.
type facetGroup struct {
	Name   string
	Values []facetValue
}

type facetData struct {
	Groups []facetGroup
	Total  int
	Exact  bool   // tallied from every hit (else: counts of the case's top values)
	Error  string // query error or timeout
}

// facetCache holds the case-wide candidate values; computed panels are
// kept in the server's result cache.
type facetCache struct {
	mu      sync.Mutex
	cand    *candidates
	candAt  time.Time
	files   map[string]string // top-level file path -> format
	filesAt time.Time
}

func newFacetCache() *facetCache { return &facetCache{} }

// candidates are the case's most common facet values.
type candidates struct {
	years   []int
	sources []string
	senders []string
}

// candidates returns the case-wide candidate values, recomputed at most
// once a minute (an ingest may be running next to the server).
func (s *Server) candidates(ctx context.Context) (*candidates, error) {
	f := s.facets
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cand != nil && time.Since(f.candAt) < time.Minute {
		return f.cand, nil
	}
	years := map[int]int{}
	senders := map[string]int{}
	err := s.st.ThreadInputs(ctx, func(in store.ThreadInput) error {
		if !in.Date.IsZero() {
			years[in.Date.Year()]++
		}
		// Participants start with the sender when there is one; the
		// counts shown are Count queries, so a wrong guess here only
		// changes which values are offered.
		if len(in.Participants) > 0 {
			senders[in.Participants[0]]++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: facet values: %w", err)
	}
	files, err := s.st.Files(ctx)
	if err != nil {
		return nil, fmt.Errorf("web: facet values: %w", err)
	}
	paths := map[string]int{}
	formats := map[string]string{}
	for _, fr := range files {
		formats[fr.Path] = fr.Format
		if fr.Stored > 0 {
			paths[sourceGroup(fr.Path, fr.Format)] += fr.Stored
		}
	}
	f.files, f.filesAt = formats, time.Now()
	c := &candidates{senders: topKeys(senders, 2*facetValues), sources: topKeys(paths, 2*facetValues)}
	for _, y := range topKeys(yearKeys(years), facetYears) {
		n, _ := strconv.Atoi(y)
		c.years = append(c.years, n)
	}
	sort.Ints(c.years)
	f.cand, f.candAt = c, time.Now()
	return c, nil
}

// fileFormats returns the format of every top-level file (cached for a
// minute).
func (s *Server) fileFormats(ctx context.Context) (map[string]string, error) {
	f := s.facets
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files != nil && time.Since(f.filesAt) < time.Minute {
		return f.files, nil
	}
	files, err := s.st.Files(ctx)
	if err != nil {
		return nil, fmt.Errorf("web: facet values: %w", err)
	}
	f.files, f.filesAt = extract.FileFormats(files), time.Now()
	return f.files, nil
}

// sourceGroup is the source facet value for a top-level file: the file
// itself, except for Maildir messages (one file each, in a cur/ or new/
// folder), which are grouped by that folder. (source: matches whole path
// components, and such folders hold nothing but Maildir messages.)
func sourceGroup(path, format string) string {
	if format != "eml" && format != "maildir" {
		return path
	}
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return path
	}
	dir := path[:i]
	if base := dir[strings.LastIndexByte(dir, '/')+1:]; base == "cur" || base == "new" {
		return dir
	}
	return path
}

func yearKeys(m map[int]int) map[string]int {
	out := make(map[string]int, len(m))
	for y, n := range m {
		out[fmt.Sprintf("%04d", y)] = n
	}
	return out
}

// topKeys returns up to n keys with the highest counts (ties by key).
func topKeys(m map[string]int, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}

// facetFilter is one candidate filter with its display label.
type facetFilter struct {
	group, label, title string
	node                query.Node
}

func yearFilter(y int) facetFilter {
	n, err := query.Parse(fmt.Sprintf("date:%04d", y))
	if err != nil { // years outside 1000..9999 cannot be written
		return facetFilter{}
	}
	return facetFilter{group: "Year", label: strconv.Itoa(y), node: n}
}

func kindFilter(k string) facetFilter {
	return facetFilter{group: "Kind", label: k, node: query.Term{Field: query.FieldKind, Value: k}}
}

func sourceFilter(p string) facetFilter {
	label := p
	if i := strings.LastIndex(p, "/"); i >= 0 && len(p) > 40 {
		label = "…" + p[i:]
	}
	return facetFilter{group: "Source", label: label, title: p, node: query.Term{Field: query.FieldSource, Value: p, Phrase: true}}
}

func senderFilter(addr, name string) facetFilter {
	label := addr
	if name != "" {
		label = name + " <" + addr + ">"
	}
	return facetFilter{group: "Sender", label: label, title: addr, node: query.Term{Field: query.FieldFrom, Value: addr, Phrase: true}}
}

var facetOrder = []string{"Year", "Kind", "Source", "Sender"}

// handleFacets renders the facet panel for ?q= (loaded by htmx after the
// results, so a slow facet never delays the result list).
func (s *Server) handleFacets(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	node, err := query.Parse(expandLabels(v.m, q))
	if err != nil {
		s.render(w, r, http.StatusOK, "frag-facets", page{Data: &facetData{Error: "fix the query to see facets"}})
		return
	}
	// Panels are kept while the case is unchanged (result cache).
	gen, cached := s.generation(r.Context())
	key := "facets\x00" + node.String()
	if cached {
		if e, ok := s.results.get(gen, key); ok {
			s.render(w, r, http.StatusOK, "frag-facets", page{Data: e.facets})
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), facetTimeout)
	defer cancel()
	d, err := s.computeFacets(ctx, node, gen, cached)
	if err != nil {
		if ctx.Err() != nil && r.Context().Err() == nil {
			s.render(w, r, http.StatusOK, "frag-facets", page{Data: &facetData{Error: "facets took too long for this query; narrow it down"}})
			return
		}
		s.fail(w, r, err)
		return
	}
	if cached {
		s.results.put(gen, &resultEntry{key: key, facets: d})
	}
	s.render(w, r, http.StatusOK, "frag-facets", page{Data: d})
}

// computeFacets tallies year, kind, source and sender for the hits of
// node: exactly for small result sets, by Count queries over the case's
// most common values otherwise. gen and cached are the result cache's
// (Server.generation), for the total, which the search page counted.
func (s *Server) computeFacets(ctx context.Context, node query.Node, gen int64, cached bool) (*facetData, error) {
	total, err := s.count(ctx, gen, cached, node)
	if err != nil {
		return nil, err
	}
	d := &facetData{Total: total}
	var counted []counted
	if total <= s.exactFacets {
		d.Exact = true
		counted, err = s.tallyFacets(ctx, node)
	} else {
		counted, err = s.countFacets(ctx, node)
	}
	if err != nil {
		return nil, err
	}
	active := map[string]bool{}
	var conj []query.Node
	if a, ok := node.(query.And); ok {
		conj = a.Children
	} else if _, ok := node.(query.MatchAll); !ok {
		conj = []query.Node{node}
	}
	for _, c := range conj {
		active[c.String()] = true
	}
	groups := map[string][]facetValue{}
	for _, c := range counted {
		if c.n == 0 || c.f.node == nil {
			continue
		}
		fs := c.f.node.String()
		v := facetValue{Label: c.f.label, Title: c.f.title, Count: c.n, Active: active[fs]}
		if v.Active {
			var rest []query.Node
			for _, x := range conj {
				if x.String() != fs {
					rest = append(rest, x)
				}
			}
			v.Q = query.NewAnd(rest...).String()
		} else {
			v.Q = query.NewAnd(node, c.f.node).String()
		}
		groups[c.f.group] = append(groups[c.f.group], v)
	}
	for _, g := range facetOrder {
		vs := groups[g]
		if g != "Year" {
			sort.SliceStable(vs, func(i, j int) bool { return vs[i].Count > vs[j].Count })
			if len(vs) > facetValues {
				vs = vs[:facetValues]
			}
		}
		if len(vs) > 0 {
			d.Groups = append(d.Groups, facetGroup{Name: g, Values: vs})
		}
	}
	return d, nil
}

type counted struct {
	f facetFilter
	n int
}

// tallyFacets streams every hit of node once and counts its values.
func (s *Server) tallyFacets(ctx context.Context, node query.Node) ([]counted, error) {
	formats, err := s.fileFormats(ctx)
	if err != nil {
		return nil, err
	}
	years, kinds, paths, senders := map[int]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	names := map[string]string{}
	err = s.st.Search(ctx, node, store.SearchOptions{Sort: "date"}, func(h store.Hit) error {
		m := h.Message
		if m.DateUTC != nil {
			years[m.DateUTC.Year()]++
		}
		kinds[m.Kind]++
		seen := map[string]bool{}
		for _, src := range m.Sources {
			if g := sourceGroup(src.Path, formats[src.Path]); !seen[g] {
				seen[g] = true
				paths[g]++
			}
		}
		if a := strings.ToLower(m.From.Address); a != "" {
			senders[a]++
			if names[a] == "" {
				names[a] = m.From.Name
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []counted
	ys := make([]int, 0, len(years))
	for y := range years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	if len(ys) > facetYears {
		ys = ys[len(ys)-facetYears:]
	}
	for _, y := range ys {
		out = append(out, counted{yearFilter(y), years[y]})
	}
	for _, k := range []string{"native", "printed"} {
		out = append(out, counted{kindFilter(k), kinds[k]})
	}
	for _, p := range topKeys(paths, facetValues) {
		out = append(out, counted{sourceFilter(p), paths[p]})
	}
	for _, a := range topKeys(senders, facetValues) {
		out = append(out, counted{senderFilter(a, names[a]), senders[a]})
	}
	return out, nil
}

// countFacets counts the case's most common values within node's hits,
// one Count query per value, a few at a time.
func (s *Server) countFacets(ctx context.Context, node query.Node) ([]counted, error) {
	c, err := s.candidates(ctx)
	if err != nil {
		return nil, err
	}
	var fs []facetFilter
	for _, y := range c.years {
		fs = append(fs, yearFilter(y))
	}
	fs = append(fs, kindFilter("native"), kindFilter("printed"))
	for _, p := range c.sources {
		fs = append(fs, sourceFilter(p))
	}
	for _, a := range c.senders {
		fs = append(fs, senderFilter(a, ""))
	}
	out := make([]counted, len(fs))
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range facetWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i].f = fs[i]
				if fs[i].node == nil {
					continue
				}
				out[i].n, errs[i] = s.st.Count(ctx, query.NewAnd(node, fs[i].node))
			}
		}()
	}
	for i := range fs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
