package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserTeam logs in to a team server in Chromium over plain HTTP on
// loopback (browsers accept the Secure session cookie from a loopback
// address), opens a case whose protected name stays masked for a
// reader, follows the graph to a person page under the case's prefix,
// and logs out.
func TestBrowserTeam(t *testing.T) {
	b := newBrowser(t)
	f := newTeamFixture(t)
	ts := httptest.NewServer(f.hub)
	t.Cleanup(ts.Close)
	site := ts.URL
	a := "/c/" + f.a

	b.do(t, "case without login", chromedp.Navigate(site+a+"/?q=lease"))
	b.waitJS(t, "login page", `location.pathname === "/login" && !!document.querySelector("form.login")`)
	b.do(t, "log in", chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), teamPassword+kb.Enter))
	b.waitJS(t, "back at the search", `location.pathname === `+jsString(a+"/")+` && document.querySelectorAll(".hit").length === 5`)
	b.waitJS(t, "facets", `document.querySelectorAll("#facets .facet").length >= 3`)
	if banner := eval[string](t, b, `document.querySelector(".maskbanner").textContent`); !strings.Contains(banner, "Only owners and editors") {
		t.Errorf("banner %q", banner)
	}
	b.shot(t, "team-1-search.png")
	b.click(t, "open", ".hit a.subj")
	b.waitJS(t, "reader", `!!document.querySelector(".reader")`)
	if txt := eval[string](t, b, `document.body.innerText`); len(leaks(txt)) > 0 || !strings.Contains(txt, "[protected 1]") {
		t.Errorf("reader text leaks %v", leaks(txt))
	}
	// The graph's click-through stays inside the case.
	b.do(t, "graph", chromedp.Navigate(site+a+"/graph"))
	b.waitJS(t, "graph", `!!document.getElementById("graph") && document.getElementById("graph").hasAttribute("data-nodes")`)
	b.shot(t, "team-2-graph.png")
	b.do(t, "node click", chromedp.Evaluate[chromedp.Void](`(() => { const cy = document.getElementById("graph")._cyreg.cy; cy.nodes()[0].emit("tap"); })()`))
	b.waitJS(t, "person", `location.pathname.startsWith(`+jsString(a+"/p/")+`) && !!document.querySelector(".personpage")`)
	b.click(t, "log out", ".account button")
	b.waitJS(t, "logged out", `location.pathname === "/login"`)
	b.do(t, "case after logout", chromedp.Navigate(site+a+"/"))
	b.waitJS(t, "login again", `location.pathname === "/login"`)
	if v := b.cspViolations(); len(v) != 0 {
		t.Errorf("CSP violations:\n%s", strings.Join(v, "\n"))
	}
}
