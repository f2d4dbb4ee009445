package web

import (
	"net/http"
	"time"

	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// maxTimelineItems bounds the messages drawn on one timeline (the page
// says when a query has more and how to narrow it).
const maxTimelineItems = 5000

type timelineData struct {
	Query   string
	Error   *queryError
	DataURL string
}

// timelineItem is one message on the timeline (JSON for timeline.js).
type timelineItem struct {
	ID      string `json:"id"`
	Message string `json:"message"` // the message to open
	Start   string `json:"start"`
	Subject string `json:"subject"`
	From    string `json:"from"`
	Kind    string `json:"kind"`
}

type timelineJSON struct {
	Query   string         `json:"query"`
	Total   int            `json:"total"`
	Undated int            `json:"undated"`
	Shown   int            `json:"shown"`
	Items   []timelineItem `json:"items"`
}

// handleTimeline renders GET /timeline?q=: the page; the items come from
// /timeline/data.json and are drawn by vis-timeline.
func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	d := timelineData{Query: q, DataURL: s.url("/timeline/data.json?q=" + urlQueryEscape(v.str(q)))}
	eq := expandLabels(v.m, q)
	if _, err := query.Parse(eq); err != nil {
		d.Error = newQueryError(eq, err)
	}
	s.render(w, r, http.StatusOK, "timeline", page{Title: "Timeline", Query: q, Nav: "timeline", Data: d, Charts: true})
}

// handleTimelineData serves the dated hits of ?q= in date order, at most
// maxTimelineItems of them.
func (s *Server) handleTimelineData(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	node, err := query.Parse(expandLabels(v.m, q))
	if err != nil {
		s.textError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	out := timelineJSON{Query: node.String(), Items: []timelineItem{}}
	dated := query.NewAnd(node, query.Has{What: query.HasDate})
	gen, cached := s.generation(ctx)
	if out.Total, err = s.count(ctx, gen, cached, node); err != nil { // the search page's count
		s.fail(w, r, err)
		return
	}
	n, err := s.st.Count(ctx, dated)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out.Undated = out.Total - n
	err = s.st.Search(ctx, dated, store.SearchOptions{Sort: "date", Limit: maxTimelineItems}, func(h store.Hit) error {
		m := h.Message
		from := m.From.Name
		if from == "" {
			from = m.From.Address
		}
		out.Items = append(out.Items, timelineItem{ID: m.ID, Message: m.ID, Start: m.DateUTC.UTC().Format(time.RFC3339),
			Subject: m.Subject, From: from, Kind: m.Kind})
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out.Shown = len(out.Items)
	if !s.record(w, r, "search", "", map[string]any{"query": q, "hits": out.Total, "view": "timeline"}) {
		return
	}
	s.writeJSON(w, r, out)
}
