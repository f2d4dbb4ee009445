package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"

	"github.com/casefile/casefile/internal/store"
)

// threadNode is one message (or placeholder) of a thread tree.
type threadNode struct {
	store.ThreadEntry
	When     string
	Current  bool
	Children []*threadNode
}

type threadData struct {
	ID           string
	Roots        []*threadNode
	Messages     int
	Placeholders int
	SearchURL    string
}

// handleThread renders GET /t/{id}: the thread as a nested tree, with
// placeholders for referenced messages that are not in the case. {id}
// may also be a message ID (or prefix): it redirects to that message's
// thread. ?m= marks the message the reader came from.
func (s *Server) handleThread(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tid := r.PathValue("id")
	entries, err := s.st.Thread(ctx, tid)
	if errors.Is(err, store.ErrNotFound) {
		id, rerr := s.resolve(ctx, tid)
		if rerr != nil {
			s.lookupError(w, r, "thread or message", rerr)
			return
		}
		m, gerr := s.st.Get(ctx, id)
		if gerr != nil {
			s.lookupError(w, r, "message", gerr)
			return
		}
		if m.ThreadID == "" || m.ThreadID == tid {
			s.showError(w, r, http.StatusNotFound, "Message "+id+" has no thread yet.",
				"Threads are computed at the end of a complete ingest: finish the ingest (run it again) to thread it.")
			return
		}
		http.Redirect(w, r, s.url("/t/"+url.PathEscape(m.ThreadID)+"?m="+url.QueryEscape(id)), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur := r.URL.Query().Get("m")
	d := threadData{ID: tid, Roots: buildTree(entries, cur), SearchURL: s.url(searchURL("thread:"+tid, 0))}
	for _, e := range entries {
		if e.Placeholder {
			d.Placeholders++
		} else {
			d.Messages++
		}
	}
	title := "Thread"
	if len(d.Roots) > 0 {
		for _, e := range entries {
			if !e.Placeholder && e.Subject != "" {
				title = "Thread: " + e.Subject
				break
			}
		}
	}
	if !s.record(w, r, "open", tid, map[string]any{"view": "thread"}) {
		return
	}
	s.render(w, r, http.StatusOK, "thread", page{Title: title, Nav: "search", Data: d})
}

// buildTree links entries by ParentID; entries whose parent is missing
// become roots. Siblings are ordered by date (undated last).
func buildTree(entries []store.ThreadEntry, cur string) []*threadNode {
	nodes := make(map[string]*threadNode, len(entries))
	var order []*threadNode
	for _, e := range entries {
		n := &threadNode{ThreadEntry: e, Current: e.ID == cur}
		if !e.Placeholder {
			n.When = formatDate(e.Date, "")
			if e.Message != nil {
				n.When = formatDate(e.Date, e.Message.DateFlag)
			}
		}
		nodes[e.ID] = n
		order = append(order, n)
	}
	var roots []*threadNode
	for _, n := range order {
		if p, ok := nodes[n.ParentID]; ok && n.ParentID != "" && p != n && !descendsFrom(nodes, p, n) {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	byDate := func(ns []*threadNode) {
		sort.SliceStable(ns, func(i, j int) bool {
			a, b := ns[i].Date, ns[j].Date
			if a == nil || b == nil {
				return a != nil
			}
			return a.Before(*b)
		})
	}
	byDate(roots)
	for _, n := range order {
		byDate(n.Children)
	}
	return roots
}

// descendsFrom reports whether p is n or below n, walking p's parents:
// a guard against cycles in damaged thread data.
func descendsFrom(nodes map[string]*threadNode, p, n *threadNode) bool {
	for i := 0; p != nil && i < len(nodes); i++ {
		if p == n {
			return true
		}
		p = nodes[p.ParentID]
	}
	return false
}
