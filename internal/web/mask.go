package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/casefile/casefile/internal/mask"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// unmark takes the highlight markers out of a snippet.
var unmark = strings.NewReplacer(markStart, "", markEnd, "")

// Protected names in the workspace.
//
// A case's protected names (casefile protect) are masked in everything
// a Server sends, as in the CLI: each mention becomes its label,
// "[protected N]". Two layers make sure nothing slips through:
//
//  1. Data: every value a template or JSON encoder sees is deep-copied
//     with every string masked (maskDeep), before html/template or
//     encoding/json escape it — so a name is masked even where escaping
//     would hide it from a text search (O'Brien → O&#39;Brien, an
//     address in a link → mara%40lefko.example). Links that carry case
//     text (facets, person links, tag searches) are built from these
//     masked values, in the templates.
//  2. Output: the finished page or JSON is masked once more as text.
//
// Labels work as input: a search for `from:"[protected 1]"` or a link
// to /person?ref=[protected 1] means the protected name (expandLabels),
// so masked links keep working.
//
// The viewer may choose to show protected names: locally a POST (with
// the CSRF token) remembered for the process; on a team server only
// owners and editors may, it is remembered for their session, and it
// is recorded in the audit log (action "unmask"). A banner says so on
// every page.

// maskTTL bounds how long a cached masker is used even when the
// protections did not change (addresses used under a protected name are
// looked up in the messages, which an ingest may add to).
const maskTTL = time.Minute

// unmaskTTL is how long a team viewer's choice to show protected names
// lasts (a browser session lasts at most 12 hours).
const unmaskTTL = 12 * time.Hour

// view is the masking decision for one request.
type view struct {
	m        *mask.Masker // the case's masker (inactive when nothing is protected)
	unmasked bool         // the viewer chose to see protected names
}

// on reports whether this response must be masked.
func (v view) on() bool { return v.m.Active() && !v.unmasked }

// str masks s when the response is masked.
func (v view) str(s string) string {
	if !v.on() {
		return s
	}
	return v.m.String(s)
}

// snippetMasker is the masker for search snippets (nil: leave them).
func (v view) snippetMasker() *mask.Masker {
	if !v.on() {
		return nil
	}
	return v.m
}

// viewKey holds a *viewOnce in the request context: the view is
// computed once per request, on first use.
type viewKey struct{}

type viewOnce struct {
	once sync.Once
	v    view
	err  error
}

// view returns the request's masking decision. An error (the
// protections could not be read) must fail the request: the server
// never falls back to showing names.
func (s *Server) view(r *http.Request) (view, error) {
	vo, _ := r.Context().Value(viewKey{}).(*viewOnce)
	if vo == nil {
		vo = &viewOnce{}
	}
	vo.once.Do(func() {
		vo.v.m, vo.err = s.masker(r.Context())
		if vo.err == nil && vo.v.m.Active() {
			vo.v.unmasked = s.unmasked(r)
		}
	})
	return vo.v, vo.err
}

// maskFailure answers a request whose masking could not be decided.
func (s *Server) maskFailure(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Printf("casefile serve: %s %s: protected names: %v", r.Method, r.URL.Path, err)
	http.Error(w, "casefile: the case's protected names could not be read, so nothing is shown; reload to try again", http.StatusInternalServerError)
}

// maskCache holds the case's masker, keyed by its protect edits.
type maskCache struct {
	mu  sync.Mutex
	key string
	at  time.Time
	m   *mask.Masker
}

// masker returns the case's masker, reloaded whenever a name is
// protected or released (the protect edits are read on every request;
// the masker is rebuilt only when they change, or after maskTTL).
func (s *Server) masker(ctx context.Context) (*mask.Masker, error) {
	edits, err := s.st.Edits(ctx, store.EditFilter{KindPrefix: "protect."})
	if err != nil {
		return nil, fmt.Errorf("web: protected names: %w", err)
	}
	if len(edits) == 0 && !s.opts.MaskPII {
		return nil, nil
	}
	key := strconv.Itoa(len(edits))
	if len(edits) > 0 {
		key += ":" + strconv.FormatInt(edits[len(edits)-1].ID, 10)
	}
	c := &s.masks
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m != nil && c.key == key && time.Since(c.at) < maskTTL {
		return c.m, nil
	}
	m, err := mask.Load(ctx, s.st, mask.Options{PII: s.opts.MaskPII})
	if err != nil {
		return nil, fmt.Errorf("web: protected names: %w", err)
	}
	c.m, c.key, c.at = m, key, time.Now()
	return m, nil
}

// unmaskState remembers who chose to show protected names: the key ""
// is the local investigator; team viewers are keyed by session or token.
type unmaskState struct {
	mu sync.Mutex
	on map[string]time.Time
}

// maxUnmasked bounds the remembered choices (one per team session).
const maxUnmasked = 10000

// unmasked reports whether r's viewer chose to show protected names and
// still may (a team role can be lowered after the choice).
func (s *Server) unmasked(r *http.Request) bool {
	key := s.access.Viewer(r).Key
	s.unmask.mu.Lock()
	at, ok := s.unmask.on[key]
	s.unmask.mu.Unlock()
	if !ok || (key != "" && time.Since(at) > unmaskTTL) {
		return false
	}
	return s.access.CanUnmask(r) == nil
}

func (s *Server) setUnmasked(r *http.Request, on bool) {
	key := s.access.Viewer(r).Key
	u := &s.unmask
	u.mu.Lock()
	defer u.mu.Unlock()
	if !on {
		delete(u.on, key)
		return
	}
	if len(u.on) >= maxUnmasked {
		for k, at := range u.on {
			if time.Since(at) > unmaskTTL {
				delete(u.on, k)
			}
		}
		if len(u.on) >= maxUnmasked {
			clear(u.on) // everyone is masked again: the safe side
		}
	}
	u.on[key] = time.Now()
}

// maskBanner is the protected-names notice at the top of every page.
type maskBanner struct {
	Active    bool // the case masks something (else no banner)
	Protected int  // protected names in the case
	PII       bool // SSNs and phone numbers are masked too
	Unmasked  bool // the viewer sees the names
	CanUnmask bool // the viewer may choose to see them
	Back      string
}

func (s *Server) banner(r *http.Request, v view) maskBanner {
	if !v.m.Active() {
		return maskBanner{}
	}
	b := maskBanner{Active: true, Protected: len(v.m.Terms()), PII: s.opts.MaskPII, Unmasked: v.unmasked,
		Back: s.url(r.URL.Path)}
	if q := r.URL.Query(); len(q) > 0 {
		for _, vals := range q {
			for i := range vals {
				vals[i] = v.str(vals[i]) // the query may hold a name the viewer typed
			}
		}
		b.Back += "?" + q.Encode()
	}
	if !v.unmasked {
		b.CanUnmask = s.access.CanUnmask(r) == nil
	}
	return b
}

// handleUnmask (POST /unmask) shows protected names to this viewer from
// now on: locally until the server stops or /mask; on a team server for
// owners and editors, for their session, recorded in the audit log.
func (s *Server) handleUnmask(w http.ResponseWriter, r *http.Request) {
	if err := s.access.CanUnmask(r); err != nil {
		s.showError(w, r, http.StatusForbidden, "Only owners and editors of this case may show protected names.",
			"Ask an owner of the case if you need to see them.")
		return
	}
	if !s.record(w, r, "unmask", "", map[string]any{"protected_names_shown": true}) {
		return
	}
	s.setUnmasked(r, true)
	http.Redirect(w, r, s.back(r), http.StatusSeeOther)
}

// handleMask (POST /mask) masks protected names again.
func (s *Server) handleMask(w http.ResponseWriter, r *http.Request) {
	if !s.record(w, r, "mask", "", nil) {
		return
	}
	s.setUnmasked(r, false)
	http.Redirect(w, r, s.back(r), http.StatusSeeOther)
}

// back is the page a toggle returns to: the form's back field when it
// is a path of this server, else the search page.
func (s *Server) back(r *http.Request) string {
	b := r.PostFormValue("back")
	if strings.HasPrefix(b, s.prefix+"/") && !strings.HasPrefix(b, "//") && !strings.ContainsAny(b, "\\\r\n") {
		return b
	}
	return s.url("/")
}

// writeJSON writes v as JSON, masked for the viewer.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	vw, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	if vw.on() {
		v = maskDeep(vw.m, v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.fail(w, r, fmt.Errorf("web: JSON: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, vw.str(string(b))+"\n")
}

// textError answers with a plain-text error (for JSON endpoints), masked.
func (s *Server) textError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v, err := s.view(r)
	if err != nil {
		s.maskFailure(w, r, err)
		return
	}
	http.Error(w, v.str(msg), status)
}

// maskDeep returns a deep copy of v with every string masked: the
// exported fields of structs (unexported ones are copied as they are —
// templates and encoding/json cannot see them), pointers, slices,
// arrays, maps (keys and values) and interfaces. Named string types such
// as template.HTML keep their type.
func maskDeep(m *mask.Masker, v any) any {
	if v == nil || !m.Active() {
		return v
	}
	return maskValue(m, reflect.ValueOf(v), 0).Interface()
}

// maxMaskDepth guards against pathological nesting; the output pass
// still masks anything deeper.
const maxMaskDepth = 40

func maskValue(m *mask.Masker, v reflect.Value, depth int) reflect.Value {
	if depth > maxMaskDepth {
		return v
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		ms := m.String(s)
		if ms == s {
			return v
		}
		nv := reflect.New(v.Type()).Elem()
		nv.SetString(ms)
		return nv
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		e := maskValue(m, v.Elem(), depth+1)
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(e)
		return p
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		nv := reflect.New(v.Type()).Elem()
		nv.Set(maskValue(m, v.Elem(), depth+1))
		return nv
	case reflect.Struct:
		nv := reflect.New(v.Type()).Elem()
		nv.Set(v)
		for i := 0; i < nv.NumField(); i++ {
			if f := nv.Field(i); f.CanSet() {
				f.Set(maskValue(m, v.Field(i), depth+1))
			}
		}
		return nv
	case reflect.Slice:
		if v.IsNil() || !holdsText(v.Type().Elem()) {
			return v
		}
		nv := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			nv.Index(i).Set(maskValue(m, v.Index(i), depth+1))
		}
		return nv
	case reflect.Array:
		if !holdsText(v.Type().Elem()) {
			return v
		}
		nv := reflect.New(v.Type()).Elem()
		for i := 0; i < v.Len(); i++ {
			nv.Index(i).Set(maskValue(m, v.Index(i), depth+1))
		}
		return nv
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		nv := reflect.MakeMapWithSize(v.Type(), v.Len())
		it := v.MapRange()
		for it.Next() {
			nv.SetMapIndex(maskValue(m, it.Key(), depth+1), maskValue(m, it.Value(), depth+1))
		}
		return nv
	}
	return v
}

// holdsText reports whether values of type t can contain a string
// (numbers, booleans and slices of them are copied as they are).
func holdsText(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Slice, reflect.Array:
		return holdsText(t.Elem())
	}
	return true
}

// labelRe matches the labels a masker writes.
var labelRe = regexp.MustCompile(`\[protected(?: \d+)?\]|\[SSN\]|\[phone\]`)

// maskSnippet masks a search snippet that carries highlight markers. A
// name whose words are highlighted separately is still found (the
// markers are taken out first); the words that were highlighted are
// marked again outside the labels.
func maskSnippet(m *mask.Masker, snip string) string {
	if !m.Active() {
		return snip
	}
	plain := unmark.Replace(snip)
	masked := m.String(plain)
	if masked == plain {
		return snip
	}
	words := map[string]bool{}
	for rest := snip; ; {
		i := strings.Index(rest, markStart)
		if i < 0 {
			break
		}
		rest = rest[i+len(markStart):]
		j := strings.Index(rest, markEnd)
		if j < 0 {
			break
		}
		if w := strings.ToLower(strings.TrimSpace(rest[:j])); w != "" {
			words[w] = true
		}
		rest = rest[j+len(markEnd):]
	}
	var b strings.Builder
	last := 0
	for _, loc := range labelRe.FindAllStringIndex(masked, -1) {
		b.WriteString(markWords(masked[last:loc[0]], words))
		b.WriteString(masked[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(markWords(masked[last:], words))
	return b.String()
}

// wordRe splits text into words for markWords.
var wordRe = regexp.MustCompile(`[\p{L}\p{N}_]+`)

// markWords puts highlight markers around the words of s in words.
func markWords(s string, words map[string]bool) string {
	if len(words) == 0 {
		return s
	}
	return wordRe.ReplaceAllStringFunc(s, func(w string) string {
		if words[strings.ToLower(w)] {
			return markStart + w + markEnd
		}
		return w
	})
}

// expandLabels lets labels stand for the names they hide in a query: a
// label inside quotes becomes the name, elsewhere the quoted name
// (`from:[protected 1]` → `from:"Mara Lefkowitz"`). Anything else is
// left as typed.
func expandLabels(m *mask.Masker, q string) string {
	if m == nil || !strings.Contains(q, "[protected ") {
		return q
	}
	texts := labelTexts(m)
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(q); {
		c := q[i]
		if c == '"' {
			inQuote = !inQuote
		}
		if c == '[' {
			if loc := labelRe.FindStringIndex(q[i:]); loc != nil && loc[0] == 0 {
				if t, ok := texts[q[i:i+loc[1]]]; ok {
					if inQuote {
						b.WriteString(t)
					} else {
						b.WriteString(`"` + t + `"`)
					}
					i += loc[1]
					continue
				}
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// labelTexts maps each label to its protected text (texts with quotes
// cannot be written in a query and are left out).
func labelTexts(m *mask.Masker) map[string]string {
	out := map[string]string{}
	for _, t := range m.Terms() {
		if !strings.ContainsAny(t.Text, `"\`) {
			out[t.Label] = t.Text
		}
	}
	return out
}

// labelRef turns a person reference that contains a label (a link from a
// masked page: /person?ref=[protected 1] or [protected 1]@example.org)
// into the protected name it stands for.
func labelRef(m *mask.Masker, ref string) string {
	if m == nil || !strings.Contains(ref, "[protected ") {
		return ref
	}
	if loc := labelRe.FindStringIndex(ref); loc != nil {
		if t, ok := labelTexts(m)[ref[loc[0]:loc[1]]]; ok {
			return t
		}
	}
	return ref
}

// maskHTML masks a sanitised HTML body: each text node and attribute
// value (except data: URIs, which hold image bytes). A name split over
// elements (<b>Mara</b> Lefkowitz) cannot be masked in place; then ok is
// false and the caller shows the masked text body instead.
func maskHTML(m *mask.Masker, body string) (out string, ok bool) {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(body), ctx)
	if err != nil {
		return "", false
	}
	var texts []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			n.Data = m.String(n.Data)
			texts = append(texts, n.Data)
		case html.ElementNode:
			for i, a := range n.Attr {
				if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "data:") {
					n.Attr[i].Val = m.String(a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	for _, sep := range []string{"", " "} {
		if j := strings.Join(texts, sep); m.String(j) != j {
			return "", false
		}
	}
	var b strings.Builder
	for _, n := range nodes {
		if err := html.Render(&b, n); err != nil {
			return "", false
		}
	}
	return b.String(), true
}

// withheld says why an attachment may not be downloaded by a masked
// viewer ("" when it may): downloads are the original bytes, which
// masking cannot change, so an attachment whose name or extracted text
// mentions a protected name is withheld.
func withheld(v view, a model.Attachment) string {
	if !v.on() {
		return ""
	}
	switch {
	case v.m.String(a.Filename) != a.Filename:
		return "its name mentions a protected name"
	case v.m.String(a.Text) != a.Text:
		return "its text mentions a protected name"
	}
	return ""
}
