package people

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
)

// GraphFilter selects the messages and edges of a graph.
type GraphFilter struct {
	Filter
	// MinWeight drops edges with fewer messages (default 1).
	MinWeight int
}

// Graph is the directed who-wrote-to-whom network: an edge from A to B
// counts the messages A sent with B among the recipients.
type Graph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
}

// GraphNode is one person in a graph; Sent and Received count the
// messages within the filter.
type GraphNode struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Address  string `json:"address"`
	Sent     int    `json:"sent"`
	Received int    `json:"received"`
}

// GraphEdge is a directed edge with its message count and first and last
// dates (nil when all its messages are undated).
type GraphEdge struct {
	Source  string `json:"source"`
	Target  string `json:"target"`
	Weight  int    `json:"weight"`
	First   *Stamp `json:"first"`
	Last    *Stamp `json:"last"`
	Undated int    `json:"undated"`
}

// Graph builds the network of messages passing the filter.
func (d *Directory) Graph(f GraphFilter) *Graph {
	type key struct{ a, b int32 }
	edges := map[key]*GraphEdge{}
	sent := map[int32]int{}
	recv := map[int32]int{}
	for _, m := range d.msgs {
		if m.fromP < 0 || len(m.rcptP) == 0 || !f.keep(m) {
			continue
		}
		for _, r := range m.rcptP {
			k := key{m.fromP, r}
			e := edges[k]
			if e == nil {
				e = &GraphEdge{Source: d.people[m.fromP].ID, Target: d.people[r].ID}
				edges[k] = e
			}
			e.Weight++
			if m.date == nil {
				e.Undated++
				continue
			}
			if e.First == nil || m.date.Before(e.First.Time) {
				e.First = m.date
			}
			if e.Last == nil || m.date.After(e.Last.Time) {
				e.Last = m.date
			}
		}
	}
	minW := max(f.MinWeight, 1)
	g := &Graph{Nodes: []GraphNode{}, Edges: []GraphEdge{}}
	used := map[int32]bool{}
	for k, e := range edges {
		if e.Weight < minW {
			continue
		}
		g.Edges = append(g.Edges, *e)
		used[k.a], used[k.b] = true, true
		sent[k.a] += e.Weight
		recv[k.b] += e.Weight
	}
	sort.Slice(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.Weight != b.Weight {
			return a.Weight > b.Weight
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Target < b.Target
	})
	for _, p := range d.people {
		if !used[p.idx] {
			continue
		}
		n := GraphNode{ID: p.ID, Label: p.Name, Sent: sent[p.idx], Received: recv[p.idx]}
		if len(p.Addresses) > 0 {
			n.Address = p.Addresses[0]
		}
		g.Nodes = append(g.Nodes, n)
	}
	return g
}

// Sent and Received of graph nodes count message-recipient pairs inside
// the graph (a message to three people adds three), like edge weights.

// WriteJSON writes the graph as JSON {nodes, edges}.
func (g *Graph) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(g)
}

func dateAttr(t *Stamp) string {
	if t == nil {
		return ""
	}
	return t.String()
}

// GEXF 1.3 (http://gexf.net/1.3) document.
type gexfDoc struct {
	XMLName xml.Name  `xml:"gexf"`
	XMLNS   string    `xml:"xmlns,attr"`
	Version string    `xml:"version,attr"`
	Meta    gexfMeta  `xml:"meta"`
	Graph   gexfGraph `xml:"graph"`
}

type gexfMeta struct {
	LastModified string `xml:"lastmodifieddate,attr"`
	Creator      string `xml:"creator"`
	Description  string `xml:"description"`
}

type gexfGraph struct {
	DefaultEdgeType string      `xml:"defaultedgetype,attr"`
	Mode            string      `xml:"mode,attr"`
	Attributes      []gexfAttrs `xml:"attributes"`
	Nodes           gexfNodes   `xml:"nodes"`
	Edges           gexfEdges   `xml:"edges"`
}

type gexfAttrs struct {
	Class string     `xml:"class,attr"`
	Attr  []gexfAttr `xml:"attribute"`
}

type gexfAttr struct {
	ID    string `xml:"id,attr"`
	Title string `xml:"title,attr"`
	Type  string `xml:"type,attr"`
}

type gexfNodes struct {
	Count int        `xml:"count,attr"`
	Node  []gexfNode `xml:"node"`
}

type gexfNode struct {
	ID        string      `xml:"id,attr"`
	Label     string      `xml:"label,attr"`
	AttValues gexfAttVals `xml:"attvalues"`
}

type gexfEdges struct {
	Count int        `xml:"count,attr"`
	Edge  []gexfEdge `xml:"edge"`
}

type gexfEdge struct {
	ID        string      `xml:"id,attr"`
	Source    string      `xml:"source,attr"`
	Target    string      `xml:"target,attr"`
	Weight    float64     `xml:"weight,attr"`
	AttValues gexfAttVals `xml:"attvalues"`
}

type gexfAttVals struct {
	V []gexfAttVal `xml:"attvalue"`
}

type gexfAttVal struct {
	For   string `xml:"for,attr"`
	Value string `xml:"value,attr"`
}

// WriteGEXF writes the graph as GEXF 1.3 (opens in Gephi): nodes carry
// address, sent and received; edges their weight (messages), first and
// last dates and the number of undated messages.
func (g *Graph) WriteGEXF(w io.Writer) error {
	doc := gexfDoc{XMLNS: "http://gexf.net/1.3", Version: "1.3",
		Meta: gexfMeta{LastModified: time.Now().UTC().Format("2006-01-02"), Creator: "casefile",
			Description: "who wrote to whom: an edge from A to B counts the messages A sent with B among the recipients"},
		Graph: gexfGraph{DefaultEdgeType: "directed", Mode: "static",
			Attributes: []gexfAttrs{
				{Class: "node", Attr: []gexfAttr{{"address", "address", "string"}, {"sent", "sent", "integer"}, {"received", "received", "integer"}}},
				{Class: "edge", Attr: []gexfAttr{{"first", "first", "string"}, {"last", "last", "string"}, {"undated", "undated", "integer"}}},
			}}}
	for _, n := range g.Nodes {
		doc.Graph.Nodes.Node = append(doc.Graph.Nodes.Node, gexfNode{ID: n.ID, Label: n.Label, AttValues: gexfAttVals{[]gexfAttVal{
			{"address", n.Address}, {"sent", strconv.Itoa(n.Sent)}, {"received", strconv.Itoa(n.Received)}}}})
	}
	for i, e := range g.Edges {
		var vals []gexfAttVal
		if e.First != nil {
			vals = append(vals, gexfAttVal{"first", dateAttr(e.First)}, gexfAttVal{"last", dateAttr(e.Last)})
		}
		vals = append(vals, gexfAttVal{"undated", strconv.Itoa(e.Undated)})
		doc.Graph.Edges.Edge = append(doc.Graph.Edges.Edge, gexfEdge{ID: strconv.Itoa(i), Source: e.Source, Target: e.Target,
			Weight: float64(e.Weight), AttValues: gexfAttVals{vals}})
	}
	doc.Graph.Nodes.Count, doc.Graph.Edges.Count = len(g.Nodes), len(g.Edges)
	return writeXML(w, doc)
}

// GraphML document (http://graphml.graphdrawing.org/xmlns).
type graphmlDoc struct {
	XMLName xml.Name     `xml:"graphml"`
	XMLNS   string       `xml:"xmlns,attr"`
	Keys    []graphmlKey `xml:"key"`
	Graph   graphmlGraph `xml:"graph"`
}

type graphmlKey struct {
	ID   string `xml:"id,attr"`
	For  string `xml:"for,attr"`
	Name string `xml:"attr.name,attr"`
	Type string `xml:"attr.type,attr"`
}

type graphmlGraph struct {
	ID          string        `xml:"id,attr"`
	EdgeDefault string        `xml:"edgedefault,attr"`
	Nodes       []graphmlNode `xml:"node"`
	Edges       []graphmlEdge `xml:"edge"`
}

type graphmlNode struct {
	ID   string        `xml:"id,attr"`
	Data []graphmlData `xml:"data"`
}

type graphmlEdge struct {
	ID     string        `xml:"id,attr"`
	Source string        `xml:"source,attr"`
	Target string        `xml:"target,attr"`
	Data   []graphmlData `xml:"data"`
}

type graphmlData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

// WriteGraphML writes the graph as GraphML with typed data keys (label,
// address, sent, received; weight, first, last, undated).
func (g *Graph) WriteGraphML(w io.Writer) error {
	doc := graphmlDoc{XMLNS: "http://graphml.graphdrawing.org/xmlns",
		Keys: []graphmlKey{
			{"label", "node", "label", "string"}, {"address", "node", "address", "string"},
			{"sent", "node", "sent", "int"}, {"received", "node", "received", "int"},
			{"weight", "edge", "weight", "double"}, {"first", "edge", "first", "string"},
			{"last", "edge", "last", "string"}, {"undated", "edge", "undated", "int"},
		},
		Graph: graphmlGraph{ID: "casefile", EdgeDefault: "directed"}}
	for _, n := range g.Nodes {
		doc.Graph.Nodes = append(doc.Graph.Nodes, graphmlNode{ID: n.ID, Data: []graphmlData{
			{"label", n.Label}, {"address", n.Address}, {"sent", strconv.Itoa(n.Sent)}, {"received", strconv.Itoa(n.Received)}}})
	}
	for i, e := range g.Edges {
		data := []graphmlData{{"weight", strconv.Itoa(e.Weight)}}
		if e.First != nil {
			data = append(data, graphmlData{"first", dateAttr(e.First)}, graphmlData{"last", dateAttr(e.Last)})
		}
		data = append(data, graphmlData{"undated", strconv.Itoa(e.Undated)})
		doc.Graph.Edges = append(doc.Graph.Edges, graphmlEdge{ID: "e" + strconv.Itoa(i), Source: e.Source, Target: e.Target, Data: data})
	}
	return writeXML(w, doc)
}

func writeXML(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("people: write graph: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
