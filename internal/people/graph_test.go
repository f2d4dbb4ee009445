package people

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strconv"
	"testing"
)

func TestGraph(t *testing.T) {
	d := build(t, contactCase())
	g := d.Graph(GraphFilter{})
	jonas, mara := personOf(t, d, "jonas.reyes@harbor.example"), personOf(t, d, "mara@lefko.example")
	var jm *GraphEdge
	for i, e := range g.Edges {
		if e.Source == jonas.ID && e.Target == mara.ID {
			jm = &g.Edges[i]
		}
	}
	if jm == nil || jm.Weight != 3 || jm.First.String() != "2008-03-04T14:15:00Z" || jm.Last.String() != "2012-02-05T20:01:00" {
		t.Fatalf("jonas→mara edge: %+v", jm)
	}
	// Jonas→Petra: c3 (Cc) and the undated c7.
	for _, e := range g.Edges {
		if e.Source == jonas.ID && e.Target == personOf(t, d, "petra.quinn@port.example").ID && (e.Weight != 2 || e.Undated != 1) {
			t.Errorf("jonas→petra: %+v", e)
		}
	}
	// Filters: min weight and dates.
	g2 := d.Graph(GraphFilter{MinWeight: 3})
	if len(g2.Edges) != 1 || len(g2.Nodes) != 2 {
		t.Errorf("min-weight 3: %+v", g2)
	}
	from, to, _ := ParsePeriod("2013")
	g3 := d.Graph(GraphFilter{Filter: Filter{From: from, To: to}})
	if len(g3.Edges) != 1 || g3.Edges[0].Weight != 1 || g3.Nodes[0].Sent+g3.Nodes[1].Sent != 1 {
		t.Errorf("2013 only: %+v", g3)
	}
}

// TestGEXF parses the GEXF output back and checks it against the GEXF
// 1.3 structure: namespace and version, declared attributes, every edge
// between declared nodes, numeric weights.
func TestGEXF(t *testing.T) {
	d := build(t, contactCase())
	g := d.Graph(GraphFilter{})
	var buf bytes.Buffer
	if err := g.WriteGEXF(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name
		Version string `xml:"version,attr"`
		Meta    struct {
			Date    string `xml:"lastmodifieddate,attr"`
			Creator string `xml:"creator"`
		} `xml:"meta"`
		Graph struct {
			EdgeType   string `xml:"defaultedgetype,attr"`
			Attributes []struct {
				Class string `xml:"class,attr"`
				Attr  []struct {
					ID   string `xml:"id,attr"`
					Type string `xml:"type,attr"`
				} `xml:"attribute"`
			} `xml:"attributes"`
			Nodes struct {
				Count int `xml:"count,attr"`
				Node  []struct {
					ID    string `xml:"id,attr"`
					Label string `xml:"label,attr"`
					Vals  []struct {
						For   string `xml:"for,attr"`
						Value string `xml:"value,attr"`
					} `xml:"attvalues>attvalue"`
				} `xml:"node"`
			} `xml:"nodes"`
			Edges struct {
				Count int `xml:"count,attr"`
				Edge  []struct {
					ID     string `xml:"id,attr"`
					Source string `xml:"source,attr"`
					Target string `xml:"target,attr"`
					Weight string `xml:"weight,attr"`
					Vals   []struct {
						For   string `xml:"for,attr"`
						Value string `xml:"value,attr"`
					} `xml:"attvalues>attvalue"`
				} `xml:"edge"`
			} `xml:"edges"`
		} `xml:"graph"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("GEXF does not parse: %v\n%s", err, buf.String())
	}
	if doc.XMLName.Space != "http://gexf.net/1.3" || doc.XMLName.Local != "gexf" || doc.Version != "1.3" || doc.Meta.Creator != "casefile" ||
		doc.Graph.EdgeType != "directed" || len(doc.Meta.Date) != 10 {
		t.Errorf("GEXF header: %+v", doc)
	}
	declared := map[string]map[string]bool{}
	for _, a := range doc.Graph.Attributes {
		declared[a.Class] = map[string]bool{}
		for _, x := range a.Attr {
			switch x.Type {
			case "string", "integer", "double":
			default:
				t.Errorf("attribute type %q is not a GEXF 1.3 type", x.Type)
			}
			declared[a.Class][x.ID] = true
		}
	}
	nodes := map[string]bool{}
	for _, n := range doc.Graph.Nodes.Node {
		if nodes[n.ID] || n.Label == "" {
			t.Errorf("node %q duplicated or without label", n.ID)
		}
		nodes[n.ID] = true
		for _, v := range n.Vals {
			if !declared["node"][v.For] {
				t.Errorf("node attvalue for undeclared %q", v.For)
			}
		}
	}
	if doc.Graph.Nodes.Count != len(nodes) || doc.Graph.Edges.Count != len(doc.Graph.Edges.Edge) || len(nodes) != len(g.Nodes) {
		t.Errorf("counts: nodes %d/%d edges %d/%d", doc.Graph.Nodes.Count, len(nodes), doc.Graph.Edges.Count, len(doc.Graph.Edges.Edge))
	}
	ids := map[string]bool{}
	total := 0.0
	for _, e := range doc.Graph.Edges.Edge {
		if !nodes[e.Source] || !nodes[e.Target] || ids[e.ID] {
			t.Errorf("edge %+v refers to an undeclared node or repeats an id", e)
		}
		ids[e.ID] = true
		w, err := strconv.ParseFloat(e.Weight, 64)
		if err != nil || w < 1 {
			t.Errorf("edge weight %q", e.Weight)
		}
		total += w
		for _, v := range e.Vals {
			if !declared["edge"][v.For] {
				t.Errorf("edge attvalue for undeclared %q", v.For)
			}
		}
	}
	want := 0
	for _, e := range g.Edges {
		want += e.Weight
	}
	if int(total) != want {
		t.Errorf("weights sum to %v, want %d", total, want)
	}
}

func TestGraphML(t *testing.T) {
	d := build(t, contactCase())
	g := d.Graph(GraphFilter{})
	var buf bytes.Buffer
	if err := g.WriteGraphML(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name
		Keys    []struct {
			ID   string `xml:"id,attr"`
			For  string `xml:"for,attr"`
			Type string `xml:"attr.type,attr"`
		} `xml:"key"`
		Graph struct {
			EdgeDefault string `xml:"edgedefault,attr"`
			Nodes       []struct {
				ID   string `xml:"id,attr"`
				Data []struct {
					Key   string `xml:"key,attr"`
					Value string `xml:",chardata"`
				} `xml:"data"`
			} `xml:"node"`
			Edges []struct {
				Source string `xml:"source,attr"`
				Target string `xml:"target,attr"`
				Data   []struct {
					Key   string `xml:"key,attr"`
					Value string `xml:",chardata"`
				} `xml:"data"`
			} `xml:"edge"`
		} `xml:"graph"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("GraphML does not parse: %v", err)
	}
	if doc.XMLName.Space != "http://graphml.graphdrawing.org/xmlns" || doc.Graph.EdgeDefault != "directed" {
		t.Errorf("GraphML header: %+v", doc.XMLName)
	}
	keys := map[string]string{}
	for _, k := range doc.Keys {
		keys[k.ID] = k.For
	}
	nodes := map[string]bool{}
	for _, n := range doc.Graph.Nodes {
		nodes[n.ID] = true
		for _, dt := range n.Data {
			if keys[dt.Key] != "node" {
				t.Errorf("node data with key %q not declared for nodes", dt.Key)
			}
		}
	}
	if len(doc.Graph.Edges) != len(g.Edges) {
		t.Errorf("edges: %d, want %d", len(doc.Graph.Edges), len(g.Edges))
	}
	for _, e := range doc.Graph.Edges {
		if !nodes[e.Source] || !nodes[e.Target] {
			t.Errorf("edge between undeclared nodes: %+v", e)
		}
		hasWeight := false
		for _, dt := range e.Data {
			if keys[dt.Key] != "edge" {
				t.Errorf("edge data with key %q not declared for edges", dt.Key)
			}
			if dt.Key == "weight" {
				if _, err := strconv.ParseFloat(dt.Value, 64); err != nil {
					t.Errorf("weight %q", dt.Value)
				}
				hasWeight = true
			}
		}
		if !hasWeight {
			t.Errorf("edge without weight: %+v", e)
		}
	}
	var js bytes.Buffer
	if err := g.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Graph
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Edges) != len(g.Edges) || back.Edges[0].First == nil {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
}
