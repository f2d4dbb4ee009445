package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// Limits on investigator input.
const (
	maxTagRunes  = 64
	maxNoteBytes = 20000
)

// editsData is the tags-and-notes panel of a message.
type editsData struct {
	ID    string
	Tags  []string
	Notes []store.Edit
	Error string
	CSRF  string
}

func (s *Server) edits(ctx context.Context, id string) (editsData, error) {
	d := editsData{ID: id, CSRF: s.csrf}
	var err error
	if d.Tags, err = s.st.Tags(ctx, id); err != nil {
		return d, err
	}
	if d.Notes, err = s.st.Edits(ctx, store.EditFilter{KindPrefix: store.EditNote, Target: id}); err != nil {
		return d, err
	}
	return d, nil
}

// checkTag validates a tag: it must be searchable as tag:VALUE without
// quoting.
func checkTag(t string) error {
	switch {
	case t == "":
		return fmt.Errorf("a tag cannot be empty")
	case utf8.RuneCountInString(t) > maxTagRunes:
		return fmt.Errorf("a tag can have at most %d characters", maxTagRunes)
	case strings.HasPrefix(t, "-"):
		return fmt.Errorf("a tag cannot start with \"-\" (it would mean NOT in a search)")
	case strings.ContainsFunc(t, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"()*`, r)
	}):
		return fmt.Errorf("a tag cannot contain spaces, quotes, parentheses or *; use - or _ between words")
	}
	return nil
}

func (s *Server) handleTagAdd(w http.ResponseWriter, r *http.Request) {
	s.applyEdit(w, r, store.EditTagAdd, "tag")
}

func (s *Server) handleTagRemove(w http.ResponseWriter, r *http.Request) {
	s.applyEdit(w, r, store.EditTagRemove, "tag")
}

func (s *Server) handleNoteAdd(w http.ResponseWriter, r *http.Request) {
	s.applyEdit(w, r, store.EditNote, "note")
}

// applyEdit records a tag or note edit on the message {id} and answers
// with the refreshed panel (htmx) or a redirect to the message.
func (s *Server) applyEdit(w http.ResponseWriter, r *http.Request, kind, field string) {
	ctx := r.Context()
	id, err := s.resolve(ctx, r.PathValue("id"))
	if err != nil || id != r.PathValue("id") {
		if err == nil {
			err = fmt.Errorf("%w: give the full message id", store.ErrNotFound)
		}
		s.lookupError(w, r, "message", err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.showError(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error(), "Reload the page and try again.")
		return
	}
	v := strings.TrimSpace(r.PostForm.Get(field))
	if kind == store.EditTagRemove {
		// A masked page shows a tag with a protected name as its label;
		// removing it means the tag behind the label.
		if t, err := s.unmaskedTag(r, id, v); err != nil {
			s.fail(w, r, err)
			return
		} else if t != "" {
			v = t
		}
	}
	var verr error
	switch field {
	case "tag":
		verr = checkTag(v)
	case "note":
		if v == "" {
			verr = fmt.Errorf("the note is empty")
		} else if len(v) > maxNoteBytes {
			verr = fmt.Errorf("the note is longer than %d bytes; split it", maxNoteBytes)
		} else if !utf8.ValidString(v) {
			verr = fmt.Errorf("the note is not valid UTF-8")
		}
	}
	if verr == nil {
		e, err := s.st.AddEdit(ctx, store.Edit{Kind: kind, Target: id, Value: v, Actor: s.access.Viewer(r).Name})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// (The edit advanced the case's generation: cached results
		// and facets that a tag: query depends on are stale now.)
		// Recorded after the change is committed; a failure to record
		// fails the request rather than passing silently.
		if !s.record(w, r, "edit", id, map[string]any{"kind": kind, "value": v, "edit_id": e.ID}) {
			return
		}
	}
	if r.Header.Get("HX-Request") != "true" {
		if verr != nil {
			s.showError(w, r, http.StatusBadRequest, verr.Error(), "Go back and correct it.")
			return
		}
		http.Redirect(w, r, s.url("/m/"+id+"#edits"), http.StatusSeeOther)
		return
	}
	d, err := s.edits(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if verr != nil {
		d.Error = verr.Error()
	}
	s.render(w, r, http.StatusOK, "frag-edits", page{Data: d})
}

// unmaskedTag returns the tag of message id that a masked page showed
// as shown ("" when shown is a tag as it is, or matches none).
func (s *Server) unmaskedTag(r *http.Request, id, shown string) (string, error) {
	v, err := s.view(r)
	if err != nil || !v.on() {
		return "", err
	}
	tags, err := s.st.Tags(r.Context(), id)
	if err != nil {
		return "", err
	}
	for _, t := range tags {
		if t == shown {
			return "", nil
		}
	}
	for _, t := range tags {
		if v.m.String(t) == shown {
			return t, nil
		}
	}
	return "", nil
}

// tagCount is one row of the tags page.
type tagCount struct {
	Tag   string
	Q     string // the tag: search (the template links to it)
	Count int
}

type tagsData struct {
	Tags  []tagCount
	Notes []store.Edit
}

// handleTags lists every tag in use (with a tag: search link) and every
// note, from the case's edit log.
func (s *Server) handleTags(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tagEdits, err := s.st.Edits(ctx, store.EditFilter{KindPrefix: "tag."})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	state := map[string]map[string]bool{} // tag -> message IDs
	for _, e := range tagEdits {
		if state[e.Value] == nil {
			state[e.Value] = map[string]bool{}
		}
		switch e.Kind {
		case store.EditTagAdd:
			state[e.Value][e.Target] = true
		case store.EditTagRemove:
			delete(state[e.Value], e.Target)
		}
	}
	var d tagsData
	for t, ids := range state {
		if len(ids) > 0 {
			q := query.Term{Field: query.FieldTag, Value: t}.String()
			d.Tags = append(d.Tags, tagCount{Tag: t, Count: len(ids), Q: q})
		}
	}
	sort.Slice(d.Tags, func(i, j int) bool { return d.Tags[i].Tag < d.Tags[j].Tag })
	if d.Notes, err = s.st.Edits(ctx, store.EditFilter{KindPrefix: store.EditNote}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tags", page{Title: "Tags and notes", Nav: "tags", Data: d})
}

// handleExportEdits downloads the case's whole edit log (tags, notes and
// identity edits) as JSON Lines, oldest first.
// Protected names are masked in it, like every other export (the
// protect edits themselves included).
func (s *Server) handleExportEdits(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	es, err := s.st.Edits(r.Context(), store.EditFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, e := range es {
		var x any = e
		if v.on() {
			x = maskDeep(v.m, e)
		}
		if err := enc.Encode(x); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if !s.record(w, r, "export", "", map[string]any{"what": "edits", "count": len(es)}) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-ndjson; charset=utf-8")
	h.Set("Content-Disposition", contentDisposition("casefile-edits.jsonl"))
	h.Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, v.str(b.String()))
}
