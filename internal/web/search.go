package web

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// Snippet highlight markers: Unicode noncharacters, which never occur in
// interchanged text. The snippet is HTML-escaped, then the markers become
// <mark> elements (see highlight).
const (
	markStart = "\uFDD0"
	markEnd   = "\uFDD1"
)

// DefaultPageSize is the number of hits per search page.
const DefaultPageSize = 50

// MaxPageSize bounds ?n=.
const MaxPageSize = 1000

// queryError is a query syntax error prepared for display.
type queryError struct {
	Message string
	Column  int
	Caret   string // the query and a caret line under the error
}

func newQueryError(q string, err error) *queryError {
	var se *query.SyntaxError
	if errors.As(err, &se) {
		return &queryError{Message: err.Error(), Column: se.Column(), Caret: se.Caret(q)}
	}
	return &queryError{Message: err.Error()}
}

// hitView is one search result row.
type hitView struct {
	ID, Subject, Kind, ThreadID string
	From                        model.Address
	Date                        string
	Snippet                     template.HTML
	Copies                      int
}

// pageLink is one pagination link.
type pageLink struct {
	Label   string
	URL     string
	Current bool
}

type searchData struct {
	Query      string
	Canonical  string
	Sort       string
	Error      *queryError
	Total      int
	From, To   int // 1-based range shown
	Hits       []hitView
	Pages      []pageLink
	Prev, Next string
	FacetsURL  string
	Timeline   string
}

// handleSearch renders the search page: GET /?q=&offset=&sort=&n=.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	// Links carry the query as the page shows it (labels for protected
	// names, which the server reads back as the names).
	lq := v.str(q)
	d := searchData{Query: q, Sort: r.URL.Query().Get("sort")}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	size, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if size <= 0 {
		size = DefaultPageSize
	}
	size = min(size, MaxPageSize)
	if !store.ValidSort(d.Sort) {
		d.Error = &queryError{Message: "unknown sort " + strconv.Quote(d.Sort) + ": use rank, date or -date"}
		d.Sort = ""
	}
	eq := expandLabels(v.m, q)
	node, err := query.Parse(eq)
	if err != nil {
		d.Error = newQueryError(eq, err)
	}
	if d.Error != nil {
		s.render(w, r, http.StatusOK, "search", page{Title: "Search", Query: q, Nav: "search", Data: d})
		return
	}
	ctx := r.Context()
	d.Canonical = node.String()
	// The total is counted while the page is found: both read every
	// match of a common word (15 and 100 ms for the commonest at 100k).
	gen, cached := s.generation(ctx)
	var countErr error
	counted := make(chan struct{})
	go func() {
		defer close(counted)
		d.Total, countErr = s.count(ctx, gen, cached, node)
	}()
	opts := store.SearchOptions{Sort: d.Sort, Limit: size, Offset: offset, HighStart: markStart, HighEnd: markEnd}
	hits, err := s.searchPage(ctx, gen, cached, node, opts)
	for _, h := range hits {
		d.Hits = append(d.Hits, hitView{
			ID: h.ID, Subject: h.Subject, Kind: h.Kind, ThreadID: h.ThreadID, From: h.From,
			Date: formatDate(h.Date, h.DateFlag), Snippet: highlight(maskSnippet(v.snippetMasker(), h.Snippet)), Copies: h.Copies,
		})
	}
	<-counted
	if err == nil {
		err = countErr
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(d.Hits) > 0 {
		d.From, d.To = offset+1, offset+len(d.Hits)
	}
	link := func(off int) string {
		u := s.url(searchURL(lq, off))
		if d.Sort != "" {
			u += sepFor(u) + "sort=" + d.Sort
		}
		if size != DefaultPageSize {
			u += sepFor(u) + "n=" + strconv.Itoa(size)
		}
		return u
	}
	if offset > 0 {
		d.Prev = link(max(offset-size, 0))
	}
	if offset+size < d.Total {
		d.Next = link(offset + size)
	}
	d.Pages = paginate(d.Total, offset, size, link)
	d.FacetsURL = s.url("/facets?q=" + urlQueryEscape(lq))
	d.Timeline = s.url("/timeline?q=" + urlQueryEscape(lq))
	if !s.record(w, r, "search", "", map[string]any{"query": q, "hits": d.Total, "offset": offset}) {
		return
	}
	s.render(w, r, http.StatusOK, "search", page{Title: "Search", Query: q, Nav: "search", Data: d})
}

func sepFor(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// paginate returns links to the first page, the pages around the current
// one and the last page. There is no cap on how far one can page.
func paginate(total, offset, size int, link func(int) string) []pageLink {
	if total <= size {
		return nil
	}
	last := (total - 1) / size
	cur := offset / size
	var out []pageLink
	prev := -1
	for _, p := range []int{0, cur - 2, cur - 1, cur, cur + 1, cur + 2, last} {
		if p < 0 || p > last || p <= prev {
			continue
		}
		if prev >= 0 && p > prev+1 {
			out = append(out, pageLink{Label: "…"})
		}
		off := p * size
		if p == cur {
			off = offset // keep an unaligned offset as is
		}
		out = append(out, pageLink{Label: strconv.Itoa(p + 1), URL: link(off), Current: p == cur})
		prev = p
	}
	return out
}

// highlight HTML-escapes a snippet and turns the highlight markers into
// <mark> elements. Unbalanced markers never produce unbalanced HTML.
func highlight(snip string) template.HTML {
	var b strings.Builder
	open := false
	for snip != "" {
		i := strings.IndexAny(snip, markStart+markEnd)
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(snip))
			break
		}
		b.WriteString(template.HTMLEscapeString(snip[:i]))
		switch {
		case strings.HasPrefix(snip[i:], markStart):
			if !open {
				b.WriteString("<mark>")
				open = true
			}
			snip = snip[i+len(markStart):]
		default:
			if open {
				b.WriteString("</mark>")
				open = false
			}
			snip = snip[i+len(markEnd):]
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

// handleCheck validates a query as it is typed (htmx): an empty fragment
// when it parses, the error with its caret otherwise.
func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	var qe *queryError
	eq := expandLabels(v.m, q)
	if _, err := query.Parse(eq); err != nil {
		qe = newQueryError(eq, err)
	}
	s.render(w, r, http.StatusOK, "frag-check", page{Data: qe})
}
