package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/casefile/casefile/internal/people"
)

// These tests drive a real headless Chromium (Debian package chromium)
// through the web workspace. They skip when it is not installed.

// chromiumPath returns the browser to use, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CASEFILE_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("browser test skipped: %s not found (install the Debian package chromium, or set CASEFILE_CHROMIUM)", p)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	return p
}

// artifacts returns the folder for screenshots: $CASEFILE_ARTIFACTS/web
// when set, else a temporary folder.
func artifacts(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("CASEFILE_ARTIFACTS"); d != "" {
		d = filepath.Join(d, "web")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// browser starts a fresh Chromium with its own profile and collects what
// the pages write to the console.
type browser struct {
	ctx  context.Context
	dir  string
	mu   sync.Mutex
	msgs []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-pings", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx, dir: artifacts(t)}
	// Start the browser (without a timeout: it would end the browser).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", chromiumPath(t), err)
	}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.msgs = append(b.msgs, fmt.Sprintf("%s [%s] %s (%s)", m.Type, m.Source, m.Text, m.URL))
			b.mu.Unlock()
		}
	}()
	return b
}

// do runs steps with a time limit.
func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v\nconsole:\n%s", what, err, strings.Join(b.console(), "\n"))
	}
}

// click clicks the element css selects, in the page, once it exists: a
// chromedp click finds the node first and fails if the page replaced it
// meanwhile ("Could not find node with given id"), as htmx and late
// navigations do.
func (b *browser) click(t *testing.T, what, css string) {
	t.Helper()
	sel := "document.querySelector(" + jsString(css) + ")"
	b.waitJS(t, what, "!!"+sel)
	// After the evaluation returns, so a navigation it starts cannot
	// cut the evaluation short.
	eval[any](t, b, "(el => setTimeout(() => el.click(), 0))("+sel+")")
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS waits until a JavaScript predicate is true, across page loads
// (a poll does not survive a navigation, so it is restarted).
func (b *browser) waitJS(t *testing.T, what, pred string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 25*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](pred, chromedp.WithPollingTimeout(time.Until(deadline))))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || !(strings.Contains(err.Error(), "navigated") || strings.Contains(err.Error(), "context")) {
			t.Fatalf("%s: waiting for %s: %v\nconsole:\n%s", what, pred, err, strings.Join(b.console(), "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot saves a full-page screenshot. Just after a navigation the new
// page may not be laid out yet, and Chromium refuses ("Cannot take
// screenshot with 0 width", seen with the machine's cores busy): the
// shot waits for the page, and retries that refusal for a while.
func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	b.waitJS(t, "layout before "+name, `document.readyState === "complete" && document.documentElement.scrollWidth > 0`)
	deadline := time.Now().Add(10 * time.Second)
	var buf []byte
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		var err error
		buf, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "0 width") || time.Now().After(deadline) {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p := filepath.Join(b.dir, name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

func (b *browser) console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.msgs...)
}

// cspViolations returns console messages about Content-Security-Policy
// violations (something on a page tried to do what the CSP forbids).
func (b *browser) cspViolations() []string {
	var out []string
	for _, m := range b.console() {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Refused to") {
			out = append(out, m)
		}
	}
	return out
}

// tracker is a local listener that records every request it receives.
type tracker struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newTracker(t *testing.T) *tracker {
	tr := &tracker{}
	tr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		tr.hits = append(tr.hits, r.Method+" "+r.URL.Path)
		tr.mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte{})
	}))
	t.Cleanup(tr.Close)
	return tr
}

func (tr *tracker) requests() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.hits...)
}

// startServer serves the fixture on a real loopback port.
func startServer(t *testing.T, base string) (*fixture, string) {
	t.Helper()
	var h http.Handler
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	f := newFixture(t, base, ts.Listener.Addr().String())
	h = f.srv
	ts.Start()
	t.Cleanup(ts.Close)
	return f, ts.URL
}

// TestBrowserHostileMessage opens a message whose HTML body carries
// scripts, event handlers and remote images, style sheets, frames and
// objects pointing at a local listener, and checks that no script runs
// and the listener receives nothing.
func TestBrowserHostileMessage(t *testing.T) {
	b := newBrowser(t)
	tr := newTracker(t)
	f, site := startServer(t, tr.URL)

	// Control: the same HTML served raw does reach a listener and run its
	// script, so the checks below can see a failure. (It gets a listener
	// of its own: its late requests, such as the favicon, must not be
	// mistaken for the workspace's.)
	ctl := newTracker(t)
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(hostileHTML(ctl.URL)))
	}))
	defer raw.Close()
	b.do(t, "control page", chromedp.Navigate(raw.URL))
	seen := func(path string) bool {
		for _, r := range ctl.requests() {
			if strings.HasSuffix(r, " "+path) {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(10 * time.Second)
	for !(seen("/fetch") && seen("/track.png")) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !seen("/fetch") || !seen("/track.png") {
		t.Fatalf("control: the unsanitised page's script and image did not reach the listener (%v); the test could not detect a leak", ctl.requests())
	}
	t.Logf("control: unsanitised HTML made %d requests to the listener: %v", len(ctl.requests()), ctl.requests())
	// The control page may still be navigating (its meta refresh);
	// settle on a blank page before the real test.
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		err := chromedp.Do(ctx, chromedp.Navigate("about:blank"))
		cancel()
		if err == nil {
			break
		}
		if i == 5 {
			t.Fatalf("blank page: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	b.mu.Lock()
	b.msgs = nil
	b.mu.Unlock()

	// The reader page with the sandboxed iframe.
	b.do(t, "reader", chromedp.Navigate(site+"/m/"+f.hostileID), chromedp.WaitVisible(chromedp.CSS("iframe.bodyframe")))
	// The frame's document loads (its own request to our server).
	b.waitJS(t, "reader", `(() => { const e = performance.getEntriesByType("resource").find(r => r.name.endsWith("/body.html")); return e && e.responseEnd > 0; })()`)
	time.Sleep(1500 * time.Millisecond) // give any stray load time to happen
	b.shot(t, "hostile-1-reader.png")
	if title := eval[string](t, b, "document.title"); !strings.Contains(title, "Quarterly figures") || strings.Contains(title, "PWNED") {
		t.Errorf("reader title %q", title)
	}
	if sb := eval[string](t, b, `document.querySelector("iframe.bodyframe").getAttribute("sandbox")`); sb != "" {
		t.Errorf("iframe sandbox = %q, want empty (no permissions)", sb)
	}
	// The sandboxed frame has an opaque origin: the page cannot reach
	// into it, and it cannot reach the page.
	if open := eval[bool](t, b, `(() => { try { return !!document.querySelector("iframe.bodyframe").contentDocument; } catch (e) { return false; } })()`); open {
		t.Error("the body frame's document is reachable from the page (sandbox without opaque origin?)")
	}

	// The body document on its own, top level: still no script.
	b.do(t, "body", chromedp.Navigate(site+"/m/"+f.hostileID+"/body.html"), chromedp.WaitVisible(chromedp.CSS("body")))
	time.Sleep(1000 * time.Millisecond)
	b.shot(t, "hostile-2-body.png")
	if title := eval[string](t, b, "document.title"); title != "message body" {
		t.Errorf("body document title %q: a script ran", title)
	}
	if n := eval[int](t, b, `document.scripts.length + document.querySelectorAll("[onload],[onerror],iframe,object,embed,link,base,form").length`); n != 0 {
		t.Errorf("%d scripts or active elements in the sanitised body", n)
	}
	if txt := eval[string](t, b, "document.body.innerText"); !strings.Contains(txt, "Quarterly hostile report") || !strings.Contains(txt, "[image not loaded: tracker]") {
		t.Errorf("body text %q", txt)
	}
	if w := eval[int](t, b, `(() => { const i = [...document.images].find(i => i.alt === "inline pixel"); return i ? i.naturalWidth : -1; })()`); w != 1 {
		t.Errorf("inline data: image width %d, want 1 (data: images are allowed)", w)
	}

	// Search results listing the hostile subject and sender.
	b.do(t, "search", chromedp.Navigate(site+"/?q="+strings.ReplaceAll(hostileQuery, ":", "%3A")), chromedp.WaitVisible(chromedp.CSS(".hit")))
	if title := eval[string](t, b, "document.title"); title != "Search · casefile" {
		t.Errorf("search title %q", title)
	}
	time.Sleep(500 * time.Millisecond)

	if got := tr.requests(); len(got) != 0 {
		t.Errorf("the listener received %d request(s): %v", len(got), got)
	}
	if v := b.cspViolations(); len(v) != 0 {
		t.Errorf("CSP violations (something got past the sanitiser):\n%s", strings.Join(v, "\n"))
	}
}

// TestBrowserFlow walks the workspace like an investigator: search with
// the keyboard, open a result, tag it, open its thread, see the timeline.
func TestBrowserFlow(t *testing.T) {
	b := newBrowser(t)
	tr := newTracker(t)
	f, site := startServer(t, tr.URL)

	b.do(t, "home", chromedp.Navigate(site+"/"), chromedp.WaitVisible(chromedp.ID("q")))
	b.do(t, "slash", chromedp.KeyEvent("/"))
	if id := eval[string](t, b, "document.activeElement && document.activeElement.id"); id != "q" {
		t.Fatalf("'/' focused %q, want the search box", id)
	}
	// (The test's key event also types the "/" that a real keyboard's
	// cancelled keydown would not; clear it.)
	eval[any](t, b, `document.getElementById("q").value = ""`)
	b.do(t, "search", chromedp.SendKeys(chromedp.ID("q"), "lease"+kb.Enter))
	b.waitJS(t, "search", `document.querySelectorAll(".hit").length === 5`)
	// Facets arrive through htmx (so htmx runs under the CSP).
	b.waitJS(t, "facets", `document.querySelectorAll("#facets .facet").length >= 3`)
	b.shot(t, "flow-1-search.png")

	// j, j, k selects the first hit; Enter opens it.
	b.do(t, "keys", chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"))
	sel := eval[int](t, b, `[...document.querySelectorAll(".hit")].findIndex(h => h.classList.contains("selected"))`)
	if sel != 0 {
		t.Fatalf("after j j k the selected hit is %d, want 0", sel)
	}
	want := eval[string](t, b, `document.querySelector(".hit.selected a.subj").getAttribute("href")`)
	b.do(t, "open", chromedp.KeyEvent(kb.Enter))
	b.waitJS(t, "reader", `location.pathname === `+jsString(want)+` && !!document.querySelector(".reader")`)
	id := strings.TrimPrefix(want, "/m/")
	b.shot(t, "flow-2-reader.png")
	sender := eval[string](t, b, `document.querySelector("dl.headers a.person").getAttribute("href")`)

	// Tag it through the htmx form (CSRF header and field).
	b.do(t, "tag", chromedp.SendKeys(chromedp.CSS(`.addtag input[name="tag"]`), "flow-test"), chromedp.Click(chromedp.CSS(".addtag button")))
	b.waitJS(t, "tag", `[...document.querySelectorAll("li.tag a")].some(a => a.textContent === "flow-test")`)
	if tags, err := f.c.Store.Tags(t.Context(), id); err != nil || len(tags) != 1 || tags[0] != "flow-test" {
		t.Errorf("tags in the case: %v %v", tags, err)
	}
	b.do(t, "note", chromedp.SendKeys(chromedp.CSS(`.addnote textarea`), "seen in the browser test"), chromedp.Click(chromedp.CSS(".addnote button")))
	b.waitJS(t, "note", `[...document.querySelectorAll("article.note p")].some(p => p.textContent === "seen in the browser test")`)

	// The thread.
	m, err := f.c.Store.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := f.c.Store.Thread(t.Context(), m.ThreadID)
	if err != nil {
		t.Fatal(err)
	}
	b.do(t, "thread", chromedp.Click(chromedp.ID("thread-link")))
	b.waitJS(t, "thread", `!!document.querySelector("ul.tree")`)
	if n := eval[int](t, b, `document.querySelectorAll("li.tnode").length`); n != len(entries) {
		t.Errorf("thread shows %d nodes, want %d", n, len(entries))
	}
	if cur := eval[string](t, b, `document.querySelector("li.tnode.current > a").getAttribute("href")`); cur != want {
		t.Errorf("current thread node %q, want %q", cur, want)
	}
	b.shot(t, "flow-3-thread.png")

	// The sender's person page (the people index is built on first
	// use; the waiting page reloads itself), with its activity chart.
	b.do(t, "person", chromedp.Navigate(site+sender))
	b.waitJS(t, "person", `!!document.querySelector(".personpage") && document.getElementById("chart").hasAttribute("data-bars")`)
	if bars := eval[string](t, b, `document.getElementById("chart").getAttribute("data-bars")`); bars == "0" {
		t.Error("activity chart has no bars")
	}
	b.shot(t, "flow-4-person.png")
	d, _ := f.srv.directory()
	if d == nil {
		t.Fatal("people directory not built")
	}
	// The contact timeline with the top contact.
	b.do(t, "pair", chromedp.Click(chromedp.CSS("a.pair")))
	b.waitJS(t, "pair", `!!document.getElementById("pair-total") && document.getElementById("chart").hasAttribute("data-bars")`)
	b.shot(t, "flow-5-pair.png")
	// The graph draws every person who wrote or received a message.
	wantNodes := len(d.Graph(people.GraphFilter{}).Nodes)
	b.do(t, "graph", chromedp.Navigate(site+"/graph"))
	b.waitJS(t, "graph", `document.getElementById("graph").hasAttribute("data-nodes")`)
	if n := eval[string](t, b, `document.getElementById("graph").getAttribute("data-nodes")`); n != strconv.Itoa(wantNodes) {
		t.Errorf("graph renders %s nodes, want %d", n, wantNodes)
	}
	if n := eval[int](t, b, `document.querySelectorAll("#graph canvas").length`); n == 0 {
		t.Error("graph has no canvas")
	}
	b.shot(t, "flow-6-graph.png")

	// The tag is searchable.
	b.do(t, "tag search", chromedp.Navigate(site+"/?q=tag%3Aflow-test"))
	b.waitJS(t, "tag search", `document.querySelectorAll(".hit").length === 1`)

	// The timeline of the query draws its five messages (vis-timeline
	// under the CSP).
	b.do(t, "timeline", chromedp.Navigate(site+"/timeline?q=lease"))
	b.waitJS(t, "timeline", `document.querySelectorAll("#timeline .vis-item.vis-box").length === 5`)
	if st := eval[string](t, b, `document.getElementById("timeline-status").textContent`); st != "5 entries on the timeline." {
		t.Errorf("timeline status %q", st)
	}
	b.shot(t, "flow-7-timeline.png")
	// Clicking an item opens the message.
	b.do(t, "timeline click", chromedp.Click(chromedp.CSS("#timeline .vis-item.vis-box")))
	b.waitJS(t, "timeline click", `location.pathname.startsWith("/m/") && !!document.querySelector(".reader")`)

	if v := b.cspViolations(); len(v) != 0 {
		t.Errorf("CSP violations on the workspace's own pages:\n%s", strings.Join(v, "\n"))
	}
	if got := tr.requests(); len(got) != 0 {
		t.Errorf("the listener received %v", got)
	}
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }
