package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type pplResult struct {
	stdout, stderr string
	code           int
}

func runPpl(t *testing.T, args ...string) pplResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return pplResult{out.String(), errb.String(), code}
}

func pplJSON(t *testing.T, r pplResult, v any) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
	}
}

const pplHarbor = "../../examples/harbor"

func pplIngest(t *testing.T, paths ...string) string {
	t.Helper()
	cs := filepath.Join(t.TempDir(), "harbor.case")
	for i, p := range paths {
		args := []string{"ingest", "-q", "--case", cs, p}
		if i == 0 {
			args = append(args, "--init")
		}
		if r := runPpl(t, args...); r.code != 0 {
			t.Fatalf("ingest %s: exit %d %s", p, r.code, r.stderr)
		}
	}
	return cs
}

func pplByName(t *testing.T, ps []map[string]any, name string) map[string]any {
	t.Helper()
	for _, p := range ps {
		if p["name"] == name {
			return p
		}
	}
	t.Fatalf("no person named %q in %v", name, ps)
	return nil
}

// TestPeopleCLI runs the people commands with --json on the example case.
func TestPeopleCLI(t *testing.T) {
	cs := pplIngest(t, pplHarbor)

	var ps []map[string]any
	pplJSON(t, runPpl(t, "people", "--case", cs, "--json"), &ps)
	if len(ps) != 6 {
		t.Errorf("people: %d, want 6 (Jonas, Mara, Petra, Tomás, Ines, the board)", len(ps))
	}
	for _, p := range ps {
		for _, k := range []string{"id", "name", "addresses", "aliases", "roles", "sent", "received"} {
			if _, ok := p[k]; !ok {
				t.Errorf("person lacks %q: %v", k, p)
			}
		}
	}
	jonas := pplByName(t, ps, "Jonas Reyes")
	// The printed exhibit names Jonas without an address: he is still one
	// person with five sent and five received messages.
	if jonas["sent"] != 5.0 || jonas["received"] != 5.0 || len(jonas["addresses"].([]any)) != 1 {
		t.Errorf("Jonas: %v", jonas)
	}
	if pplByName(t, ps, "Tomás Vidal") == nil {
		t.Error("accented display name lost")
	}

	var pr map[string]any
	pplJSON(t, runPpl(t, "person", "--case", cs, "--json", "jonas.reyes@harbor.example"), &pr)
	top := pr["top_contacts"].([]any)
	if len(top) == 0 || top[0].(map[string]any)["name"] != "Mara Lefkowitz" || top[0].(map[string]any)["total"] != 6.0 {
		t.Errorf("top contacts: %v", top)
	}
	if act := pr["activity_by_month"].(map[string]any); act["2008-03"] != 4.0 || act["2012-02"] != 2.0 {
		t.Errorf("activity: %v", act)
	}
	if ev := pr["evidence"].([]any); len(ev) == 0 || ev[0].(map[string]any)["rule"] != "name-address" {
		t.Errorf("evidence: %v", ev)
	}

	var ct map[string]any
	pplJSON(t, runPpl(t, "contacts", "--case", cs, "--json", "Jonas Reyes", "mara@lefko.example"), &ct)
	if ct["total"] != 6.0 || ct["a_to_b"] != 3.0 || ct["b_to_a"] != 3.0 || ct["first"] != "2008-03-04T14:15:00Z" || ct["last"] != "2012-02-06T15:12:00" {
		t.Errorf("contacts: %v", ct)
	}
	if y := ct["by_year"].(map[string]any); y["2008"] != 3.0 || y["2011"] != 1.0 || y["2012"] != 2.0 {
		t.Errorf("by_year: %v", y)
	}
	if m := ct["by_month"].(map[string]any); m["2008-03"] != 3.0 {
		t.Errorf("by_month: %v", m)
	}
	msgs := ct["messages"].([]any)
	printed := 0
	for _, x := range msgs {
		m := x.(map[string]any)
		for _, k := range []string{"id", "date", "from", "to", "subject", "kind", "sources"} {
			if _, ok := m[k]; !ok {
				t.Errorf("contact message lacks %q", k)
			}
		}
		if m["kind"] == "printed" {
			printed++
			src := m["sources"].([]any)[0].(map[string]any)
			if src["bates"] != "HARBOR-COURT-000101" || src["page"] != 1.0 || m["date_flag"] != "local" || strings.HasSuffix(m["date"].(string), "Z") {
				t.Errorf("printed message: %v", m)
			}
		}
	}
	if len(msgs) != 6 || printed != 2 {
		t.Errorf("messages %d, printed %d", len(msgs), printed)
	}

	var al []map[string]any
	pplJSON(t, runPpl(t, "aliases", "--case", cs, "--json"), &al)
	got := map[string]map[string]any{}
	for _, a := range al {
		got[a["alias"].(string)] = a
	}
	if a := got["Mr Big"]; a == nil || a["status"] != "unresolved" || a["uses"] != 3.0 || len(a["forms"].([]any)) != 2 {
		t.Errorf("Mr Big: %v", a)
	}
	if a := got["Lefky"]; a == nil || a["status"] != "unresolved" || a["messages"].([]any)[0].(map[string]any)["id"] != "6df8dac75dc20a8e" {
		t.Errorf("Lefky: %v", a)
	}

	var tl []map[string]any
	pplJSON(t, runPpl(t, "timeline", "--case", cs, "--json", "Petra Quinn"), &tl)
	if len(tl) != 5 || tl[0]["kind"] != "mentioned" || tl[1]["kind"] != "sent" {
		t.Errorf("timeline: %v", tl)
	}
}

func TestClaimCLI(t *testing.T) {
	cs := pplIngest(t, pplHarbor)
	var v map[string]any
	pplJSON(t, runPpl(t, "claim", "--case", cs, "--between", "Mara Lefkowitz", "--and", "jonas.reyes@harbor.example",
		"--no-contact-after", "2009", "--format", "json"), &v)
	if v["verdict"] != "contradicted" {
		t.Fatalf("verdict: %v", v)
	}
	ev := v["evidence"].([]any)
	first := ev[0].(map[string]any)
	if len(ev) != 3 || first["id"] != "6df8dac75dc20a8e" || first["certain"] != true {
		t.Errorf("evidence: %v", ev)
	}
	for _, k := range []string{"id", "date", "from", "to", "subject", "kind", "sources"} {
		if _, ok := first[k]; !ok {
			t.Errorf("evidence lacks %q", k)
		}
	}
	src := first["sources"].([]any)[0].(map[string]any)
	for _, k := range []string{"path", "offset", "sha256"} {
		if _, ok := src[k]; !ok {
			t.Errorf("evidence source lacks %q", k)
		}
	}

	r := runPpl(t, "claim", "--case", cs, "--between", "Mara Lefkowitz", "--and", "Jonas Reyes", "--no-contact-after", "2009", "--format", "md")
	if r.code != 0 || !strings.Contains(r.stdout, "**Verdict: contradicted.**") || !strings.Contains(r.stdout, "Bates HARBOR-COURT-000101") {
		t.Errorf("memo: %d %s", r.code, r.stdout)
	}
	pplJSON(t, runPpl(t, "claim", "--case", cs, "--between", "Petra Quinn", "--and", "Jonas Reyes", "--no-contact-after", "2008-06", "--json"), &v)
	if v["verdict"] != "consistent" || v["nearest"].(map[string]any)["id"] != "b8e1c0b04dfe0a17" {
		t.Errorf("petra/jonas: %v", v)
	}
	pplJSON(t, runPpl(t, "claim", "--case", cs, "--between", "Ines Alvarez", "--and", "Petra Quinn", "--never-wrote", "--json"), &v)
	if v["verdict"] != "insufficient" {
		t.Errorf("ines never wrote: %v", v)
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--between", "Mara", "--and", "Jonas", "--no-contact-after", "2009-13"}, ExitUsage, "cannot read the date"},
		{[]string{"--between", "Mara", "--and", "Jonas"}, ExitUsage, "exactly one claim"},
		{[]string{"--between", "Mara", "--and", "Jonas", "--never-wrote", "--no-contact-after", "2009"}, ExitUsage, "exactly one claim"},
		{[]string{"--between", "Mara Lefkowicz", "--and", "Jonas", "--never-wrote"}, ExitNotFound, "close matches"},
		{[]string{"--between", "Jonas", "--and", "jonas.reyes@harbor.example", "--never-wrote"}, ExitUsage, "same person"},
	} {
		r := runPpl(t, append([]string{"claim", "--case", cs}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("claim %v: exit %d %q; want %d with %q", c.args, r.code, r.stderr, c.code, c.msg)
		}
	}
	if r := runPpl(t, "contacts", "--case", cs, "Nobody Atall", "Jonas Reyes"); r.code != ExitNotFound {
		t.Errorf("unknown person: exit %d %s", r.code, r.stderr)
	}
}

func TestGraphCLI(t *testing.T) {
	cs := pplIngest(t, pplHarbor)
	for _, f := range []string{"gexf", "graphml"} {
		r := runPpl(t, "graph", "--case", cs, "--format", f)
		if r.code != 0 {
			t.Fatalf("graph %s: %s", f, r.stderr)
		}
		var doc struct {
			XMLName xml.Name
		}
		if err := xml.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.XMLName.Local != map[string]string{"gexf": "gexf", "graphml": "graphml"}[f] {
			t.Errorf("%s does not parse: %v %v", f, err, doc.XMLName)
		}
	}
	var g struct {
		Nodes []map[string]any `json:"nodes"`
		Edges []map[string]any `json:"edges"`
	}
	pplJSON(t, runPpl(t, "graph", "--case", cs, "--json", "--min-weight", "3"), &g)
	if len(g.Edges) != 2 || len(g.Nodes) != 2 || g.Edges[0]["weight"] != 3.0 {
		t.Errorf("min-weight 3: %+v", g)
	}
	pplJSON(t, runPpl(t, "graph", "--case", cs, "--format", "json", "--from", "2011", "--to", "2011"), &g)
	if len(g.Edges) != 1 || g.Edges[0]["first"] != "2011-01-14T22:10:00Z" {
		t.Errorf("2011 only: %+v", g)
	}
	out := filepath.Join(t.TempDir(), "g.gexf")
	if r := runPpl(t, "graph", "--case", cs, "-o", out); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.Contains(b, []byte(`xmlns="http://gexf.net/1.3"`)) {
		t.Errorf("graph file: %v", err)
	}
	if r := runPpl(t, "graph", "--case", cs, "--format", "dot"); r.code != ExitUsage {
		t.Errorf("unknown format: exit %d", r.code)
	}
}

// TestEditsSurviveReingest: ingest part of the case, merge two people,
// ingest the rest (and the first part again): still merged, the edit
// listed with its actor and reason.
func TestEditsSurviveReingest(t *testing.T) {
	cs := pplIngest(t, filepath.Join(pplHarbor, "custodians"))
	if r := runPpl(t, "people", "merge", "--case", cs, "Tomás Vidal", "Petra Quinn"); r.code != ExitUsage || !strings.Contains(r.stderr, "--reason") {
		t.Errorf("merge without reason: %d %s", r.code, r.stderr)
	}
	var res struct {
		Edit   map[string]any   `json:"edit"`
		People []map[string]any `json:"people"`
	}
	pplJSON(t, runPpl(t, "people", "merge", "--case", cs, "--json", "--actor", "alice", "--reason", "same desk phone",
		"tvidal@harbor.example", "Petra Quinn"), &res)
	if res.Edit["kind"] != "person.merge" || res.Edit["actor"] != "alice" || len(res.People) != 1 || len(res.People[0]["addresses"].([]any)) != 2 {
		t.Fatalf("merge: %+v", res)
	}
	pplJSON(t, runPpl(t, "people", "alias", "add", "--case", cs, "--json", "--actor", "alice", "Jonas Reyes", "Mr Big"), &res)

	for _, p := range []string{filepath.Join(pplHarbor, "loose"), filepath.Join(pplHarbor, "exhibits"), filepath.Join(pplHarbor, "custodians")} {
		if r := runPpl(t, "ingest", "-q", "--case", cs, p); r.code != 0 {
			t.Fatalf("re-ingest %s: %s", p, r.stderr)
		}
	}
	var ps []map[string]any
	pplJSON(t, runPpl(t, "people", "--case", cs, "--json"), &ps)
	merged := 0
	for _, p := range ps {
		as := p["addresses"].([]any)
		if len(as) == 2 {
			merged++
			if !(as[0] == "tvidal@harbor.example" || as[1] == "tvidal@harbor.example") {
				t.Errorf("wrong merge: %v", p)
			}
		}
	}
	if merged != 1 || len(ps) != 5 {
		t.Errorf("after re-ingest: %d merged, %d people: %v", merged, len(ps), ps)
	}
	if j := pplByName(t, ps, "Jonas Reyes"); len(j["aliases"].([]any)) != 1 {
		t.Errorf("alias lost: %v", j)
	}
	var eds []map[string]any
	pplJSON(t, runPpl(t, "people", "edits", "--case", cs, "--json"), &eds)
	if len(eds) != 2 || eds[0]["status"] != "applied" || eds[0]["reason"] != "same desk phone" || eds[0]["actor"] != "alice" {
		t.Errorf("edits: %v", eds)
	}
	// Split it again.
	var sp struct {
		People []map[string]any `json:"people"`
	}
	var tv map[string]any
	for _, p := range ps {
		if len(p["addresses"].([]any)) == 2 {
			tv = p
		}
	}
	pplJSON(t, runPpl(t, "people", "split", "--case", cs, "--json", "--reason", "two desks after all", tv["id"].(string), "petra.quinn@portauthority.example"), &sp)
	if len(sp.People) != 2 {
		t.Errorf("split result: %+v", sp)
	}
	if r := runPpl(t, "people", "split", "--case", cs, "--reason", "x", "Jonas Reyes", "mara@lefko.example"); r.code != ExitUsage || !strings.Contains(r.stderr, "is not an address or name of") {
		t.Errorf("bad split: %d %s", r.code, r.stderr)
	}
}

func TestAmbiguousNameCLI(t *testing.T) {
	cs := pplIngest(t, pplHarbor)
	extra := filepath.Join(t.TempDir(), "extra.mbox")
	mbox := "From quinn Tue Mar  4 09:15:00 2008\nFrom: Mara Quinn <mquinn@port.example>\nTo: Jonas Reyes <jonas.reyes@harbor.example>\n" +
		"Subject: berth\nDate: Tue, 4 Mar 2008 09:15:00 -0500\nMessage-ID: <q1@port.example>\n\nJonas, a second Mara.\n"
	if err := os.WriteFile(extra, []byte(mbox), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runPpl(t, "ingest", "-q", "--case", cs, extra); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := runPpl(t, "contacts", "--case", cs, "Mara", "Jonas Reyes")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "Mara Quinn") || !strings.Contains(r.stderr, "Mara Lefkowitz") {
		t.Errorf("ambiguous: %d %s", r.code, r.stderr)
	}
	var ps []map[string]any
	pplJSON(t, runPpl(t, "people", "--case", cs, "--json"), &ps)
	if pplByName(t, ps, "Mara Quinn")["id"] == pplByName(t, ps, "Mara Lefkowitz")["id"] {
		t.Error("two Maras merged")
	}
}

// TestContactsIndex: contacts answers the same from a freshly built
// directory (no index yet) and from the saved people index, and an edit
// made since is reflected (the stale index is not used).
func TestContactsIndex(t *testing.T) {
	cs := pplIngest(t, pplHarbor)
	args := []string{"contacts", "--case", cs, "--json", "Jonas Reyes", "mara@lefko.example"}
	built := runPpl(t, args...) // builds the directory, saves the index
	indexed := runPpl(t, args...)
	if built.code != 0 || indexed.code != 0 || built.stdout != indexed.stdout {
		t.Fatalf("contacts without and with the index differ:\n%s\n%s\n%s", built.stdout, indexed.stdout, indexed.stderr)
	}
	var ct map[string]any
	pplJSON(t, indexed, &ct)
	if ct["total"] != 6.0 {
		t.Errorf("contacts from the index: %v", ct)
	}
	if r := runPpl(t, "people", "rename", "--case", cs, "--reason", "test", "mara@lefko.example", "Mara L. Lefkowitz"); r.code != 0 {
		t.Fatalf("rename: %d %s", r.code, r.stderr)
	}
	pplJSON(t, runPpl(t, args...), &ct)
	if b := ct["b"].(map[string]any); b["name"] != "Mara L. Lefkowitz" || ct["total"] != 6.0 {
		t.Errorf("contacts after a rename: %v", ct)
	}
	pplJSON(t, runPpl(t, args...), &ct)
	if b := ct["b"].(map[string]any); b["name"] != "Mara L. Lefkowitz" {
		t.Errorf("contacts from the index saved after the rename: %v", ct)
	}
}
