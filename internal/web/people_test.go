package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/people"
)

// peopleFixture returns a fixture with the people directory built.
func peopleFixture(t *testing.T) (*fixture, *people.Directory) {
	t.Helper()
	f := newFixture(t, trackerBase, "")
	// The first request starts the build and shows the waiting page.
	w := f.get(t, "/people")
	mustContain(t, "waiting page", w.Body.String(), `<meta http-equiv="refresh" content="2">`, "Reading the case")
	if err := f.srv.buildPeople(t.Context()); err != nil {
		t.Fatal(err)
	}
	d, _ := f.srv.directory()
	if d == nil {
		t.Fatal("no directory after build")
	}
	// The build saved the people index for `casefile contacts`.
	if _, err := people.OpenIndex(t.Context(), f.srv.st); err != nil {
		t.Errorf("people index after the web's build: %v", err)
	}
	return f, d
}

func resolve(t *testing.T, d *people.Directory, ref string) *people.Person {
	t.Helper()
	p, err := d.Resolve(ref)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPeoplePages(t *testing.T) {
	f, d := peopleFixture(t)
	jonas := resolve(t, d, "jonas.reyes@harbor.example")
	mara := resolve(t, d, "mara@lefko.example")

	body := f.get(t, "/people").Body.String()
	if n := strings.Count(body, `<a class="person" href="/p/`); n != len(d.People()) || n < 5 {
		t.Errorf("people page lists %d, directory has %d", n, len(d.People()))
	}
	mustContain(t, "people", body, `href="/p/`+jonas.ID+`">Jonas Reyes</a>`, "jonas.reyes@harbor.example")
	body = f.get(t, "/people?f=LEFKO").Body.String()
	if n := strings.Count(body, `<a class="person" href="/p/`); n != 1 || !strings.Contains(body, mara.ID) {
		t.Errorf("filtered people: %d rows", n)
	}

	w := f.get(t, "/person?ref="+url.QueryEscape("Jonas.Reyes@harbor.example"))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/p/"+jonas.ID {
		t.Errorf("person ref: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := f.get(t, "/person?ref=nobody@nowhere.example"); w.Code != http.StatusNotFound {
		t.Errorf("unknown person: %d", w.Code)
	}

	w = f.get(t, "/p/"+jonas.ID)
	if w.Code != 200 || w.Header().Get("Content-Security-Policy") != ChartCSP {
		t.Fatalf("person page: %d %q", w.Code, w.Header().Get("Content-Security-Policy"))
	}
	body = w.Body.String()
	pr, _ := d.Profile(jonas.ID, 25)
	mustContain(t, "person", body, "<code>jonas.reyes@harbor.example</code>",
		`href="/pair?a=`+jonas.ID+`&amp;b=`+mara.ID+`"`, `<script type="application/json" id="chart-data">`,
		`"2008-03":`, `href="/p/`+jonas.ID+`/timeline"`, `href="/?q=with%3A%22jonas.reyes%40harbor.example%22"`)
	if n := strings.Count(body, `<a class="pair"`); n != len(pr.TopContacts) {
		t.Errorf("%d contacts listed, profile has %d", n, len(pr.TopContacts))
	}
	var chart chartData
	js := body[strings.Index(body, `id="chart-data">`)+len(`id="chart-data">`):]
	if err := json.Unmarshal([]byte(js[:strings.Index(js, "</script>")]), &chart); err != nil {
		t.Fatalf("chart JSON: %v", err)
	}
	sum := 0
	for _, n := range chart.Series[0].Points {
		sum += n
	}
	if sum != jonas.Sent+jonas.Received-pr.Undated {
		t.Errorf("chart counts %d messages, person has %d dated", sum, jonas.Sent+jonas.Received-pr.Undated)
	}
	if w := f.get(t, "/p/pffffffffffff"); w.Code != http.StatusNotFound {
		t.Errorf("unknown person page: %d", w.Code)
	}
	// The hostile sender's page escapes everything.
	mal := resolve(t, d, "mallory@evil.example")
	mustNotContain(t, "hostile person", f.get(t, "/p/"+mal.ID).Body.String(), "<img src=x", "<script>alert")

	// Timeline data.
	var tl timelineJSON
	if err := json.Unmarshal(f.get(t, "/p/"+jonas.ID+"/timeline.json").Body.Bytes(), &tl); err != nil {
		t.Fatal(err)
	}
	evs, _ := d.Timeline(jonas.ID, people.Filter{})
	if tl.Total != len(evs) || tl.Shown+tl.Undated != tl.Total || tl.Shown == 0 || tl.Items[0].Message == "" {
		t.Errorf("person timeline %+v for %d events", tl, len(evs))
	}
	mustContain(t, "person timeline page", f.get(t, "/p/"+jonas.ID+"/timeline").Body.String(), `data-src="/p/`+jonas.ID+`/timeline.json"`)
}

// TestPeopleHeaders checks status, CSP and escaping of every people page.
func TestPeopleHeaders(t *testing.T) {
	f, d := peopleFixture(t)
	jonas := resolve(t, d, "jonas.reyes@harbor.example")
	mara := resolve(t, d, "mara@lefko.example")
	for p, csp := range map[string]string{
		"/people":                               PageCSP,
		"/p/" + jonas.ID:                        ChartCSP,
		"/p/" + jonas.ID + "/timeline":          ChartCSP,
		"/pair?a=" + jonas.ID + "&b=" + mara.ID: ChartCSP,
		"/graph":                                ChartCSP,
	} {
		w := f.get(t, p)
		if w.Code != 200 || w.Header().Get("Content-Security-Policy") != csp || w.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: %d %v", p, w.Code, w.Header())
		}
		body := w.Body.String()
		mustNotContain(t, p, body, "http://", "https://", `style="`)
		if m := regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`).FindString(body); m != "" {
			t.Errorf("%s: inline event handler %q", p, m)
		}
		if n := strings.Count(body, "<script"); n > 5 {
			t.Errorf("%s: %d script elements", p, n)
		}
	}
}

func TestPairPage(t *testing.T) {
	f, d := peopleFixture(t)
	jonas := resolve(t, d, "jonas.reyes@harbor.example")
	mara := resolve(t, d, "mara@lefko.example")
	c, err := d.Contacts(jonas.ID, mara.ID, people.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	body := f.get(t, "/pair?a="+jonas.ID+"&b="+mara.ID).Body.String()
	mustContain(t, "pair", body, `<strong id="pair-total">`+itoa(c.Total)+`</strong>`, "First contact", stamp(c.First), stamp(c.Last))
	if n := strings.Count(body, `<td><a href="/m/`); n != c.Total {
		t.Errorf("%d messages listed, want %d", n, c.Total)
	}
	// Names and addresses work as references too; a date filter narrows.
	f2, _, _ := people.ParsePeriod("2008-03")
	cm, _ := d.Contacts(jonas.ID, mara.ID, people.Filter{From: f2, To: f2.AddDate(0, 1, 0)})
	body = f.get(t, "/pair?a=jonas.reyes%40harbor.example&b="+url.QueryEscape("Mara Lefkowitz")+"&from=2008-03&to=2008-03").Body.String()
	mustContain(t, "pair filtered", body, `<strong id="pair-total">`+itoa(cm.Total)+`</strong>`, `value="2008-03"`)
	for _, tc := range []struct {
		q    string
		code int
	}{
		{"a=" + jonas.ID + "&b=" + jonas.ID, http.StatusBadRequest},
		{"a=" + jonas.ID + "&b=nobody@nowhere.example", http.StatusNotFound},
		{"a=" + jonas.ID + "&b=" + mara.ID + "&from=March", http.StatusBadRequest},
	} {
		if w := f.get(t, "/pair?"+tc.q); w.Code != tc.code {
			t.Errorf("pair %s: %d, want %d", tc.q, w.Code, tc.code)
		}
	}
}

func TestGraphPage(t *testing.T) {
	f, d := peopleFixture(t)
	full := d.Graph(people.GraphFilter{})
	mustContain(t, "graph page", f.get(t, "/graph?min=1").Body.String(), `data-src="/graph/data.json?min=1&amp;top=150"`, "cytoscape.min.js", "/static/graph.js")
	cases := []struct {
		q            string
		nodes, edges int
		omitted      int
	}{
		{"", len(full.Nodes), len(full.Edges), 0},
		{"top=3", 3, -1, len(full.Nodes) - 3},
		{"min=2", len(d.Graph(people.GraphFilter{MinWeight: 2}).Nodes), len(d.Graph(people.GraphFilter{MinWeight: 2}).Edges), 0},
		{"from=2012&to=2012", -1, -1, 0},
	}
	for _, tc := range cases {
		var g graphJSON
		w := f.get(t, "/graph/data.json?"+tc.q)
		if err := json.Unmarshal(w.Body.Bytes(), &g); err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if (tc.nodes >= 0 && len(g.Nodes) != tc.nodes) || (tc.edges >= 0 && len(g.Edges) != tc.edges) || g.Omitted != tc.omitted {
			t.Errorf("%q: %d nodes %d edges %d omitted, want %d %d %d", tc.q, len(g.Nodes), len(g.Edges), g.Omitted, tc.nodes, tc.edges, tc.omitted)
		}
		keep := map[string]bool{}
		for _, n := range g.Nodes {
			keep[n.ID] = true
		}
		for _, e := range g.Edges {
			if !keep[e.Source] || !keep[e.Target] || !strings.HasPrefix(e.Pair, "/pair?a="+e.Source+"&b="+e.Target) {
				t.Errorf("%q: bad edge %+v", tc.q, e)
			}
		}
	}
	var g graphJSON
	_ = json.Unmarshal(f.get(t, "/graph/data.json?from=2012&to=2012").Body.Bytes(), &g)
	if len(g.Nodes) >= len(full.Nodes) || len(g.Edges) == 0 || !strings.HasSuffix(g.Edges[0].Pair, "&from=2012&to=2012") {
		t.Errorf("2012 graph: %+v", g)
	}
	if w := f.get(t, "/graph/data.json?from=soon"); w.Code != http.StatusBadRequest {
		t.Errorf("bad date: %d", w.Code)
	}
}

func TestPeopleRebuild(t *testing.T) {
	f, _ := peopleFixture(t)
	tok := f.srv.csrf
	if w := f.post(t, "/people/rebuild", url.Values{}, "", "", nil); w.Code != http.StatusForbidden {
		t.Errorf("rebuild without token: %d", w.Code)
	}
	w := f.post(t, "/people/rebuild", url.Values{}, tok, tok, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("rebuild: %d", w.Code)
	}
	if err := f.srv.buildPeople(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.get(t, "/people").Body.String(), "Jonas Reyes") {
		t.Error("people page after rebuild")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
