package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/internal/people"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// peopleIndex holds the case's people directory (internal/people). It is
// built in the background on first use (it reads every message once) and
// rebuilt on request.
type peopleIndex struct {
	mu       sync.Mutex
	dir      *people.Directory
	err      error
	building bool
	read     int // messages read by the running build
	builtAt  time.Time
	wg       sync.WaitGroup
}

// peopleState is what a page shows while the directory is not ready.
type peopleState struct {
	Building bool
	Read     int
	Err      string
}

// startPeople starts a build unless one is running. Call with pi.mu held.
func (s *Server) startPeople() {
	pi := &s.people
	if pi.building {
		return
	}
	pi.building, pi.read, pi.err = true, 0, nil
	pi.wg.Add(1)
	go func() {
		defer pi.wg.Done()
		gen, err := s.st.Generation(s.ctx)
		var d *people.Directory
		if err == nil {
			d, err = people.Build(s.ctx, s.st, people.Options{Progress: func(n int) {
				pi.mu.Lock()
				pi.read = n
				pi.mu.Unlock()
			}})
		}
		if err == nil {
			// The saved index lets `casefile contacts` answer without
			// reading the case; it only saves time, so a failure is logged.
			if _, xerr := people.OpenIndex(s.ctx, s.st); errors.Is(xerr, people.ErrNoIndex) {
				if xerr := people.SaveIndex(s.ctx, s.st, d, gen); xerr != nil {
					s.log.Printf("casefile serve: %v", xerr)
				}
			}
		}
		pi.mu.Lock()
		defer pi.mu.Unlock()
		pi.building = false
		if err != nil {
			pi.err = fmt.Errorf("web: people index: %w", err)
			return
		}
		pi.dir, pi.builtAt = d, time.Now()
	}()
}

// directory returns the people directory, or the state to show while it
// is being built (the first request starts the build).
func (s *Server) directory() (*people.Directory, peopleState) {
	pi := &s.people
	pi.mu.Lock()
	defer pi.mu.Unlock()
	if pi.dir != nil {
		return pi.dir, peopleState{}
	}
	if pi.err != nil {
		return nil, peopleState{Err: pi.err.Error()}
	}
	s.startPeople()
	return nil, peopleState{Building: true, Read: pi.read}
}

// buildPeople builds the directory now and waits for it (tests, and the
// rebuild button).
func (s *Server) buildPeople(ctx context.Context) error {
	pi := &s.people
	pi.mu.Lock()
	pi.dir = nil
	s.startPeople()
	pi.mu.Unlock()
	done := make(chan struct{})
	go func() { pi.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	pi.mu.Lock()
	defer pi.mu.Unlock()
	return pi.err
}

// withPeople runs fn with the directory, or renders the waiting page.
func (s *Server) withPeople(w http.ResponseWriter, r *http.Request, fn func(d *people.Directory)) {
	d, st := s.directory()
	if d != nil {
		fn(d)
		return
	}
	if st.Err != "" {
		s.showError(w, r, http.StatusInternalServerError, st.Err, "Reload the page to try again.")
		return
	}
	s.render(w, r, http.StatusOK, "peoplewait", page{Title: "Reading the case…", Nav: "people", Data: st})
}

// peopleError maps a Resolve error to a page.
func (s *Server) peopleError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.showError(w, r, http.StatusNotFound, err.Error(), "Open the People page to browse everyone in the case.")
	case errors.Is(err, store.ErrAmbiguous), errors.Is(err, people.ErrSamePerson):
		s.showError(w, r, http.StatusBadRequest, err.Error(), "Use the person's ID or one of their addresses.")
	default:
		var de *people.DateError
		if errors.As(err, &de) {
			s.showError(w, r, http.StatusBadRequest, err.Error(), "")
			return
		}
		s.fail(w, r, err)
	}
}

// dateFilter reads ?from= and ?to= (YYYY, YYYY-MM or YYYY-MM-DD, both
// periods included).
func dateFilter(r *http.Request) (people.Filter, string, string, error) {
	var f people.Filter
	from, to := strings.TrimSpace(r.URL.Query().Get("from")), strings.TrimSpace(r.URL.Query().Get("to"))
	if from != "" {
		a, _, err := people.ParsePeriod(from)
		if err != nil {
			return f, from, to, err
		}
		f.From = a
	}
	if to != "" {
		_, b, err := people.ParsePeriod(to)
		if err != nil {
			return f, from, to, err
		}
		f.To = b
	}
	return f, from, to, nil
}

func stamp(s *people.Stamp) string {
	if s == nil {
		return "(no date)"
	}
	t := s.Time
	if s.Local {
		return formatDate(&t, "local")
	}
	return formatDate(&t, "")
}

// withAny builds the query "with:a OR with:b ..." for addresses.
func withAny(addrs []string) string {
	var ns []query.Node
	for _, a := range addrs {
		if hasWord(a) {
			ns = append(ns, query.Term{Field: query.FieldWith, Value: a, Phrase: true})
		}
	}
	if len(ns) == 0 {
		return ""
	}
	return query.NewOr(ns...).String()
}

// --- people list ---

type personRow struct {
	*people.Person
	First, Last string
}

type peopleData struct {
	Filter   string
	Rows     []personRow
	Total    int
	Shown    string
	Prev     string
	Next     string
	Messages int
	BuiltAt  string
	CSRF     string
}

const peoplePageSize = 100

// handlePeople lists the people of the case, most active first, with an
// optional name/address filter (?f=) and paging (?offset=).
func (s *Server) handlePeople(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	s.withPeople(w, r, func(d *people.Directory) {
		f := strings.ToLower(strings.TrimSpace(labelRef(v.m, r.URL.Query().Get("f"))))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		offset = max(offset, 0)
		var all []*people.Person
		for _, p := range d.People() {
			if f == "" || matchesPerson(p, f) {
				all = append(all, p)
			}
		}
		data := peopleData{Filter: r.URL.Query().Get("f"), Total: len(all), Messages: d.Messages(), CSRF: s.csrf}
		s.people.mu.Lock()
		data.BuiltAt = s.people.builtAt.Format("15:04:05")
		s.people.mu.Unlock()
		link := func(off int) string {
			q := url.Values{}
			if data.Filter != "" {
				q.Set("f", v.str(data.Filter))
			}
			if off > 0 {
				q.Set("offset", strconv.Itoa(off))
			}
			if len(q) == 0 {
				return s.url("/people")
			}
			return s.url("/people?" + q.Encode())
		}
		end := min(offset+peoplePageSize, len(all))
		if offset < end {
			for _, p := range all[offset:end] {
				data.Rows = append(data.Rows, personRow{Person: p, First: stamp(p.First), Last: stamp(p.Last)})
			}
			data.Shown = fmt.Sprintf("%d–%d", offset+1, end)
		}
		if offset > 0 {
			data.Prev = link(max(offset-peoplePageSize, 0))
		}
		if end < len(all) {
			data.Next = link(end)
		}
		s.render(w, r, http.StatusOK, "people", page{Title: "People", Nav: "people", Data: data})
	})
}

func matchesPerson(p *people.Person, f string) bool {
	for _, l := range [][]string{{p.Name, p.ID}, p.Names, p.Addresses, p.Aliases} {
		for _, v := range l {
			if strings.Contains(strings.ToLower(v), f) {
				return true
			}
		}
	}
	return false
}

// handleRebuildPeople rebuilds the directory (POST, CSRF-checked).
func (s *Server) handleRebuildPeople(w http.ResponseWriter, r *http.Request) {
	s.people.mu.Lock()
	if !s.people.building {
		s.people.dir = nil
		s.startPeople()
	}
	s.people.mu.Unlock()
	http.Redirect(w, r, s.url("/people"), http.StatusSeeOther)
}

// handlePersonRef resolves ?ref= (an address, a name or an ID) to a
// person page.
// A reference holding a label (a link from a masked page) means the
// protected name behind it.
func (s *Server) handlePersonRef(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	s.withPeople(w, r, func(d *people.Directory) {
		p, err := d.Resolve(labelRef(v.m, r.URL.Query().Get("ref")))
		if err != nil {
			s.peopleError(w, r, err)
			return
		}
		http.Redirect(w, r, s.url("/p/"+url.PathEscape(p.ID)), http.StatusSeeOther)
	})
}

// --- person page ---

type contactRow struct {
	people.ContactCount
	First, Last, PairURL string
}

type roleRow struct {
	people.Role
	First, Last string
}

type monthCount struct {
	Month string
	N     int
}

type personData struct {
	P        *people.Profile
	First    string
	Last     string
	Roles    []roleRow
	Contacts []contactRow
	Months   []monthCount
	Chart    chartData
	// SearchQ finds every message with the person's addresses (the
	// template links to it).
	SearchQ string
	Aliases []*people.Alias
}

// chartData is the JSON read by charts.js: bar series by month.
type chartData struct {
	Series []chartSeries `json:"series"`
}

type chartSeries struct {
	Group  string         `json:"group"` // a fixed label, never case text
	Points map[string]int `json:"points"`
}

// handlePerson renders GET /p/{id}: addresses, names, aliases with
// evidence, roles over time, top contacts, activity by month.
func (s *Server) handlePerson(w http.ResponseWriter, r *http.Request) {
	s.withPeople(w, r, func(d *people.Directory) {
		pr, err := d.Profile(r.PathValue("id"), 25)
		if err != nil {
			s.peopleError(w, r, err)
			return
		}
		if pr.ID != r.PathValue("id") {
			http.Redirect(w, r, s.url("/p/"+url.PathEscape(pr.ID)), http.StatusSeeOther)
			return
		}
		data := personData{P: pr, First: stamp(pr.First), Last: stamp(pr.Last)}
		for _, ro := range pr.Roles {
			data.Roles = append(data.Roles, roleRow{Role: ro, First: stamp(ro.First), Last: stamp(ro.Last)})
		}
		for _, c := range pr.TopContacts {
			data.Contacts = append(data.Contacts, contactRow{ContactCount: c, First: stamp(c.First), Last: stamp(c.Last),
				PairURL: s.url("/pair?a=" + url.QueryEscape(pr.ID) + "&b=" + url.QueryEscape(c.ID))})
		}
		for m, n := range pr.ActivityByMonth {
			data.Months = append(data.Months, monthCount{m, n})
		}
		sort.Slice(data.Months, func(i, j int) bool { return data.Months[i].Month < data.Months[j].Month })
		data.Chart = chartData{Series: []chartSeries{{Group: "messages", Points: pr.ActivityByMonth}}}
		data.SearchQ = withAny(pr.Addresses)
		for _, a := range d.Aliases() {
			if a.Person != nil && a.Person.ID == pr.ID {
				data.Aliases = append(data.Aliases, a)
			}
		}
		if !s.record(w, r, "open", pr.ID, map[string]any{"view": "person"}) {
			return
		}
		s.render(w, r, http.StatusOK, "person", page{Title: pr.Name, Nav: "people", Data: data, Charts: true})
	})
}

// --- person timeline ---

type personTimelineData struct {
	P       *people.Person
	DataURL string
}

// handlePersonTimeline renders GET /p/{id}/timeline: the person's events
// (sent, received, mentioned, roles) on a vis-timeline.
func (s *Server) handlePersonTimeline(w http.ResponseWriter, r *http.Request) {
	s.withPeople(w, r, func(d *people.Directory) {
		p, err := d.Person(r.PathValue("id"))
		if err != nil {
			s.peopleError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "persontimeline", page{Title: "Timeline of " + p.Name, Nav: "people", Charts: true,
			Data: personTimelineData{P: p, DataURL: s.url("/p/" + url.PathEscape(p.ID) + "/timeline.json")}})
	})
}

// handlePersonTimelineData serves the events as timeline items.
func (s *Server) handlePersonTimelineData(w http.ResponseWriter, r *http.Request) {
	s.withPeople(w, r, func(d *people.Directory) {
		evs, err := d.Timeline(r.PathValue("id"), people.Filter{})
		if err != nil {
			s.textError(w, r, http.StatusNotFound, err.Error())
			return
		}
		out := timelineJSON{Query: r.PathValue("id"), Items: []timelineItem{}}
		for i, e := range evs {
			out.Total++
			if e.Date == nil {
				out.Undated++
				continue
			}
			if len(out.Items) >= maxTimelineItems {
				continue
			}
			it := timelineItem{ID: strconv.Itoa(i), Start: e.Date.Time.UTC().Format(time.RFC3339), Subject: e.Summary, Kind: e.Kind}
			if e.Message != nil {
				it.Message = e.Message.ID
			}
			out.Items = append(out.Items, it)
		}
		out.Shown = len(out.Items)
		if !s.record(w, r, "open", r.PathValue("id"), map[string]any{"view": "person timeline"}) {
			return
		}
		s.writeJSON(w, r, out)
	})
}

// --- pair page ---

type pairRow struct {
	people.ContactMessage
	When string
}

type pairData struct {
	C           *people.Contacts
	First, Last string
	Rows        []pairRow
	Chart       chartData
	From, To    string
	Error       string
	AURL, BURL  string
	A, B        string
}

// handlePair renders GET /pair?a=&b=[&from=&to=]: the contact record of
// two people: counts, first and last contact, a monthly chart by
// direction and every message between them.
func (s *Server) handlePair(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	s.withPeople(w, r, func(d *people.Directory) {
		f, from, to, err := dateFilter(r)
		if err != nil {
			s.peopleError(w, r, err)
			return
		}
		c, err := d.Contacts(labelRef(v.m, r.URL.Query().Get("a")), labelRef(v.m, r.URL.Query().Get("b")), f)
		if err != nil {
			s.peopleError(w, r, err)
			return
		}
		data := pairData{C: c, First: stamp(c.First), Last: stamp(c.Last), From: from, To: to, A: c.A.ID, B: c.B.ID,
			AURL: s.url("/p/" + url.PathEscape(c.A.ID)), BURL: s.url("/p/" + url.PathEscape(c.B.ID))}
		ab, ba := map[string]int{}, map[string]int{}
		for _, m := range c.Messages {
			data.Rows = append(data.Rows, pairRow{ContactMessage: m, When: stamp(m.Date)})
			if m.Date == nil {
				continue
			}
			k := m.Date.Time.UTC().Format("2006-01")
			if m.Direction == "a_to_b" {
				ab[k]++
			} else {
				ba[k]++
			}
		}
		data.Chart = chartData{Series: []chartSeries{{Group: "a_to_b", Points: ab}, {Group: "b_to_a", Points: ba}}}
		if !s.record(w, r, "open", c.A.ID+" "+c.B.ID, map[string]any{"view": "pair", "from": from, "to": to}) {
			return
		}
		s.render(w, r, http.StatusOK, "pair", page{Title: c.A.Name + " ↔ " + c.B.Name, Nav: "people", Data: data, Charts: true})
	})
}

// --- graph ---

// DefaultGraphPeople bounds the people drawn on the graph (the most
// connected ones); ?top= changes it.
const DefaultGraphPeople = 150

type graphData struct {
	From, To string
	Min, Top int
	DataURL  string
}

// graphParams reads the graph filters.
func graphParams(r *http.Request) (people.GraphFilter, int, string, string, error) {
	f, from, to, err := dateFilter(r)
	gf := people.GraphFilter{Filter: f, MinWeight: 1}
	if v, e := strconv.Atoi(r.URL.Query().Get("min")); e == nil && v > 0 {
		gf.MinWeight = v
	}
	top := DefaultGraphPeople
	if v, e := strconv.Atoi(r.URL.Query().Get("top")); e == nil && v > 0 {
		top = min(v, 2000)
	}
	return gf, top, from, to, err
}

// handleGraph renders GET /graph: who wrote to whom (cytoscape), with
// date range and minimum weight filters.
func (s *Server) handleGraph(w http.ResponseWriter, r *http.Request) {
	s.withPeople(w, r, func(d *people.Directory) {
		gf, top, from, to, err := graphParams(r)
		if err != nil {
			s.peopleError(w, r, err)
			return
		}
		data := graphData{From: from, To: to, Min: gf.MinWeight, Top: top, DataURL: s.url("/graph/data.json?" + graphQuery(from, to, gf.MinWeight, top))}
		s.render(w, r, http.StatusOK, "graph", page{Title: "Contact graph", Nav: "graph", Data: data, Charts: true})
	})
}

// graphJSON is the data read by graph.js.
type graphJSON struct {
	Nodes   []people.GraphNode `json:"nodes"`
	Edges   []graphEdge        `json:"edges"`
	Omitted int                `json:"omitted"` // people left out by ?top=
	Query   string             `json:"query"`   // filter for pair links
}

type graphEdge struct {
	people.GraphEdge
	Pair string `json:"pair"` // pair page URL
}

// handleGraphData serves the graph of the filtered messages, limited to
// the top most connected people.
func (s *Server) handleGraphData(w http.ResponseWriter, r *http.Request) {
	s.withPeople(w, r, func(d *people.Directory) {
		gf, top, from, to, err := graphParams(r)
		if err != nil {
			s.textError(w, r, http.StatusBadRequest, err.Error())
			return
		}
		g := d.Graph(gf)
		out := limitGraph(g, top)
		v := url.Values{}
		if from != "" {
			v.Set("from", from)
		}
		if to != "" {
			v.Set("to", to)
		}
		out.Query = v.Encode()
		for i := range out.Edges {
			e := &out.Edges[i]
			e.Pair = s.url("/pair?a=" + url.QueryEscape(e.Source) + "&b=" + url.QueryEscape(e.Target))
			if out.Query != "" {
				e.Pair += "&" + out.Query
			}
		}
		if !s.record(w, r, "open", "", map[string]any{"view": "graph", "from": from, "to": to, "min": gf.MinWeight, "top": top}) {
			return
		}
		s.writeJSON(w, r, out)
	})
}

// graphQuery is the query string of the graph data for the filters.
func graphQuery(from, to string, minWeight, top int) string {
	v := url.Values{}
	if from != "" {
		v.Set("from", from)
	}
	if to != "" {
		v.Set("to", to)
	}
	v.Set("min", strconv.Itoa(minWeight))
	v.Set("top", strconv.Itoa(top))
	return v.Encode()
}

// limitGraph keeps the top people by messages sent and received, and the
// edges between them.
func limitGraph(g *people.Graph, top int) graphJSON {
	nodes := append([]people.GraphNode(nil), g.Nodes...)
	sort.SliceStable(nodes, func(i, j int) bool {
		a, b := nodes[i].Sent+nodes[i].Received, nodes[j].Sent+nodes[j].Received
		if a != b {
			return a > b
		}
		return nodes[i].ID < nodes[j].ID
	})
	out := graphJSON{Nodes: []people.GraphNode{}, Edges: []graphEdge{}}
	if len(nodes) > top {
		out.Omitted = len(nodes) - top
		nodes = nodes[:top]
	}
	keep := map[string]bool{}
	for _, n := range nodes {
		keep[n.ID] = true
	}
	out.Nodes = nodes
	for _, e := range g.Edges {
		if keep[e.Source] && keep[e.Target] {
			out.Edges = append(out.Edges, graphEdge{GraphEdge: e})
		}
	}
	return out
}
