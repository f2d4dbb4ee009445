package thread

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2023, 3, 1, 9, 0, 0, 0, time.UTC)

func day(n float64) time.Time { return t0.Add(time.Duration(n * 24 * float64(time.Hour))) }

const (
	jonas = "jonas.reyes@harbor.example"
	mara  = "mara.lind@harbor.example"
	ode   = "ode.kowal@tidewater.example"
	pia   = "pia.santos@tidewater.example"
)

func ph(mid string) string { return PlaceholderID(mid) }

// checkInvariants verifies the structural promises of a Result.
func checkInvariants(t *testing.T, in []Node, res Result) {
	t.Helper()
	ids := map[string]bool{}
	for _, n := range in {
		ids[n.ID] = true
	}
	if len(res.ThreadID) != len(ids) || len(res.Parent) != len(ids) {
		t.Fatalf("maps have %d/%d entries, want %d", len(res.ThreadID), len(res.Parent), len(ids))
	}
	parent := map[string]string{}
	for id := range ids {
		p, ok := res.Parent[id]
		if !ok {
			t.Fatalf("message %s missing from Parent", id)
		}
		parent[id] = p
	}
	phs := map[string]Placeholder{}
	for _, p := range res.Placeholders {
		if ids[p.ID] || phs[p.ID].ID != "" {
			t.Fatalf("placeholder %s clashes", p.ID)
		}
		if p.ID != PlaceholderID(p.MessageID) {
			t.Fatalf("placeholder %s has wrong ID for %q", p.ID, p.MessageID)
		}
		phs[p.ID] = p
		parent[p.ID] = p.ParentID
	}
	rootOf := func(id string) string {
		for steps := 0; ; steps++ {
			if steps > len(parent) {
				t.Fatalf("parent chain from %s loops", id)
			}
			p, ok := parent[id]
			if !ok {
				t.Fatalf("parent chain reaches unknown id %s", id)
			}
			if p == "" {
				return id
			}
			id = p
		}
	}
	children := map[string]int{}
	for id, p := range parent {
		root := rootOf(id)
		tid := res.ThreadID[id]
		if pp, ok := phs[id]; ok {
			tid = pp.ThreadID
		}
		if tid != root {
			t.Fatalf("%s: ThreadID %s, but root is %s", id, tid, root)
		}
		if p != "" {
			children[p]++
		}
	}
	for id, p := range phs {
		if n := children[id]; n == 0 || (p.ParentID != "" && n < 2) {
			t.Fatalf("placeholder %s kept with %d children (parent %q)", id, n, p.ParentID)
		}
	}
	if len(res.Order) != len(parent) {
		t.Fatalf("Order has %d entries, want %d", len(res.Order), len(parent))
	}
	seen := map[string]bool{}
	for _, id := range res.Order {
		if seen[id] {
			t.Fatalf("Order repeats %s", id)
		}
		if p := parent[id]; p != "" && !seen[p] {
			t.Fatalf("Order lists %s before its parent %s", id, p)
		}
		seen[id] = true
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name         string
		opts         Options
		nodes        []Node
		parent       map[string]string // expected Parent (all messages)
		thread       map[string]string // expected ThreadID (all messages)
		placeholders []Placeholder
		joins        int
	}{
		{
			name: "simple reply chain",
			nodes: []Node{
				{ID: "a", MessageID: "a@harbor.example", Subject: "Lease", Date: day(0)},
				{ID: "b", MessageID: "b@harbor.example", References: []string{"a@harbor.example"}, Subject: "Re: Lease", Date: day(1)},
				{ID: "c", MessageID: "c@harbor.example", References: []string{"<a@harbor.example>", "<b@harbor.example>"}, Subject: "Re: Lease", Date: day(2)},
			},
			parent: map[string]string{"a": "", "b": "a", "c": "b"},
			thread: map[string]string{"a": "a", "b": "a", "c": "a"},
		},
		{
			name: "missing middle with one child is spliced",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Date: day(0)},
				{ID: "c", MessageID: "c@x", References: []string{"a@x", "b@x"}, Date: day(2)},
			},
			parent: map[string]string{"a": "", "c": "a"},
			thread: map[string]string{"a": "a", "c": "a"},
		},
		{
			name: "missing middle with two children becomes placeholder",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Date: day(0)},
				{ID: "c", MessageID: "c@x", References: []string{"a@x", "b@x"}, Date: day(2)},
				{ID: "d", MessageID: "d@x", References: []string{"a@x", "b@x"}, Date: day(3)},
			},
			parent:       map[string]string{"a": "", "c": ph("b@x"), "d": ph("b@x")},
			thread:       map[string]string{"a": "a", "c": "a", "d": "a"},
			placeholders: []Placeholder{{ID: ph("b@x"), MessageID: "b@x", ThreadID: "a", ParentID: "a"}},
		},
		{
			name: "missing root becomes placeholder root",
			nodes: []Node{
				{ID: "b", MessageID: "b@x", References: []string{"r@x"}, Date: day(1)},
				{ID: "c", MessageID: "c@x", References: []string{"r@x", "b@x"}, Date: day(2)},
			},
			parent:       map[string]string{"b": ph("r@x"), "c": "b"},
			thread:       map[string]string{"b": ph("r@x"), "c": ph("r@x")},
			placeholders: []Placeholder{{ID: ph("r@x"), MessageID: "r@x", ThreadID: ph("r@x")}},
		},
		{
			name: "missing root and single-child missing middle",
			nodes: []Node{
				{ID: "c", MessageID: "c@x", References: []string{"r@x", "m@x"}, Date: day(2)},
			},
			parent:       map[string]string{"c": ph("r@x")},
			thread:       map[string]string{"c": ph("r@x")},
			placeholders: []Placeholder{{ID: ph("r@x"), MessageID: "r@x", ThreadID: ph("r@x")}},
		},
		{
			name: "two-message reference loop: later claim wins",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", References: []string{"b@x"}, Date: day(0)},
				{ID: "b", MessageID: "b@x", References: []string{"a@x"}, Date: day(1)},
			},
			parent: map[string]string{"a": "", "b": "a"},
			thread: map[string]string{"a": "a", "b": "a"},
		},
		{
			name: "three-message loop and self references",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", References: []string{"c@x", "a@x"}, Date: day(0)},
				{ID: "b", MessageID: "b@x", References: []string{"a@x", "b@x", "a@x"}, Date: day(1)},
				{ID: "c", MessageID: "c@x", References: []string{"b@x", "c@x", "a@x", "b@x"}, Date: day(2)},
			},
			parent: map[string]string{"a": "", "b": "a", "c": "b"},
			thread: map[string]string{"a": "a", "b": "a", "c": "a"},
		},
		{
			name: "loop inside a References chain of placeholders",
			nodes: []Node{
				{ID: "m", MessageID: "m@x", References: []string{"p@x", "q@x", "p@x", "q@x"}, Date: day(0)},
			},
			parent:       map[string]string{"m": ph("p@x")}, // q has one child: spliced
			thread:       map[string]string{"m": ph("p@x")},
			placeholders: []Placeholder{{ID: ph("p@x"), MessageID: "p@x", ThreadID: ph("p@x")}},
		},
		{
			name: "duplicate Message-IDs keep both messages",
			nodes: []Node{
				{ID: "d2", MessageID: "x@x", Subject: "Lease v2", Date: day(5)},
				{ID: "d1", MessageID: "x@x", Subject: "Lease", Date: day(1)},
				{ID: "r", MessageID: "r@x", References: []string{"x@x"}, Date: day(6)},
				{ID: "d3", MessageID: "x@x", References: []string{"q@x"}, Date: day(7)},
				{ID: "q", MessageID: "q@x", Date: day(0)},
			},
			parent: map[string]string{"d1": "", "d2": "", "r": "d1", "d3": "q", "q": ""},
			thread: map[string]string{"d1": "d1", "d2": "d2", "r": "d1", "d3": "q", "q": "q"},
		},
		{
			name: "In-Reply-To used when References absent",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Date: day(0)},
				{ID: "b", MessageID: "b@x", InReplyTo: "<a@x> (Jonas Reyes's message of Tuesday)", Date: day(1)},
				{ID: "c", MessageID: "c@x", InReplyTo: "b@x", References: []string{"c@x"}, Date: day(2)},
			},
			parent: map[string]string{"a": "", "b": "a", "c": "b"},
			thread: map[string]string{"a": "a", "b": "a", "c": "a"},
		},
		{
			name: "References win over In-Reply-To",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Date: day(0)},
				{ID: "b", MessageID: "b@x", Date: day(1)},
				{ID: "c", MessageID: "c@x", InReplyTo: "a@x", References: []string{"b@x"}, Date: day(2)},
			},
			parent: map[string]string{"a": "", "b": "", "c": "b"},
			thread: map[string]string{"a": "a", "b": "b", "c": "b"},
		},
		{
			name: "messages without Message-ID thread by their references",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Date: day(0)},
				{ID: "n1", References: []string{"a@x"}, Date: day(1)},
				{ID: "n2", Date: day(2)},
			},
			parent: map[string]string{"a": "", "n1": "a", "n2": ""},
			thread: map[string]string{"a": "a", "n1": "a", "n2": "n2"},
		},
		{
			name: "presumed parent from another chain kept when own headers lost",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Date: day(0)},
				{ID: "b", MessageID: "b@x", Date: day(1)},
				{ID: "c", MessageID: "c@x", References: []string{"a@x", "b@x"}, Date: day(2)},
			},
			parent: map[string]string{"a": "", "b": "a", "c": "b"},
			thread: map[string]string{"a": "a", "b": "a", "c": "a"},
		},
		{
			name: "own last reference beats another message's chain",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Date: day(0)},
				{ID: "z", MessageID: "z@x", Date: day(0.5)},
				{ID: "b", MessageID: "b@x", References: []string{"a@x"}, Date: day(1)},
				{ID: "c", MessageID: "c@x", References: []string{"z@x", "b@x"}, Date: day(2)},
			},
			parent: map[string]string{"a": "", "z": "", "b": "a", "c": "b"},
			thread: map[string]string{"a": "a", "z": "z", "b": "a", "c": "a"},
		},
		{
			name: "repeated node ID keeps the first in sorted order",
			nodes: []Node{
				{ID: "a", MessageID: "a2@x", Date: day(3)},
				{ID: "a", MessageID: "a1@x", Date: day(1)},
				{ID: "b", MessageID: "b@x", References: []string{"a1@x"}, Date: day(4)},
			},
			parent: map[string]string{"a": "", "b": "a"},
			thread: map[string]string{"a": "a", "b": "a"},
		},
		// Subject join.
		{
			name: "subject join: lost headers, shared participant, within window",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Q3 budget for the pier", Date: day(0), Participants: []string{jonas, mara}},
				{ID: "b", MessageID: "b@x", Subject: "RE: Q3 budget  for the PIER", Date: day(2), Participants: []string{mara, jonas}},
				{ID: "c", MessageID: "c@x", Subject: "AW: Q3 budget for the pier", Date: day(3), Participants: []string{ode, jonas}},
			},
			parent: map[string]string{"a": "", "b": "a", "c": "b"},
			thread: map[string]string{"a": "a", "b": "a", "c": "a"},
			joins:  2,
		},
		{
			name: "subject join: joined reply brings its own replies along",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Date: day(0), Participants: []string{jonas, mara}},
				{ID: "b", MessageID: "b@x", Subject: "Re: Pier lease", Date: day(1), Participants: []string{mara}},
				{ID: "c", MessageID: "c@x", References: []string{"b@x"}, Subject: "Re: Pier lease", Date: day(2), Participants: []string{ode}},
			},
			parent: map[string]string{"a": "", "b": "a", "c": "b"},
			thread: map[string]string{"a": "a", "b": "a", "c": "a"},
			joins:  1,
		},
		{
			name: "subject join: picks the latest earlier message",
			nodes: []Node{
				{ID: "a1", MessageID: "a1@x", Subject: "Pier lease", Date: day(0), Participants: []string{jonas}},
				{ID: "a2", MessageID: "a2@x", Subject: "Pier lease", Date: day(5), Participants: []string{jonas}},
				{ID: "a3", MessageID: "a3@x", Subject: "Pier lease", Date: day(7), Participants: []string{ode}},
				{ID: "b", MessageID: "b@x", Subject: "Re: Pier lease", Date: day(8), Participants: []string{jonas}},
				{ID: "late", MessageID: "late@x", Subject: "Pier lease", Date: day(9), Participants: []string{jonas}},
			},
			parent: map[string]string{"a1": "", "a2": "", "a3": "", "b": "a2", "late": ""},
			thread: map[string]string{"a1": "a1", "a2": "a2", "a3": "a3", "b": "a2", "late": "late"},
			joins:  1,
		},
		{
			name: "subject join negative: no shared participant",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Date: day(0), Participants: []string{jonas, mara}},
				{ID: "b", MessageID: "b@x", Subject: "Re: Pier lease", Date: day(1), Participants: []string{ode, pia}},
			},
			parent: map[string]string{"a": "", "b": ""},
			thread: map[string]string{"a": "a", "b": "b"},
		},
		{
			name: "subject join negative: too far apart",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Date: day(0), Participants: []string{jonas}},
				{ID: "b", MessageID: "b@x", Subject: "Re: Pier lease", Date: day(30.5), Participants: []string{jonas}},
			},
			parent: map[string]string{"a": "", "b": ""},
			thread: map[string]string{"a": "a", "b": "b"},
		},
		{
			name: "subject join: custom window",
			opts: Options{SubjectJoinWindow: 40 * 24 * time.Hour},
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Date: day(0), Participants: []string{jonas}},
				{ID: "b", MessageID: "b@x", Subject: "Re: Pier lease", Date: day(30.5), Participants: []string{jonas}},
			},
			parent: map[string]string{"a": "", "b": "a"},
			thread: map[string]string{"a": "a", "b": "a"},
			joins:  1,
		},
		{
			name: "subject join negative: disabled",
			opts: Options{DisableSubjectJoin: true},
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Date: day(0), Participants: []string{jonas}},
				{ID: "b", MessageID: "b@x", Subject: "Re: Pier lease", Date: day(1), Participants: []string{jonas}},
			},
			parent: map[string]string{"a": "", "b": ""},
			thread: map[string]string{"a": "a", "b": "b"},
		},
		{
			name: "subject join negative: generic subject",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Hello", Date: day(0), Participants: []string{jonas}},
				{ID: "b", MessageID: "b@x", Subject: "Re: hello!", Date: day(1), Participants: []string{jonas}},
				{ID: "c", MessageID: "c@x", Subject: "(no subject)", Date: day(0), Participants: []string{jonas}},
				{ID: "d", MessageID: "d@x", Subject: "Re: (no subject)", Date: day(1), Participants: []string{jonas}},
				{ID: "e", MessageID: "e@x", Subject: "", Date: day(0), Participants: []string{jonas}},
				{ID: "f", MessageID: "f@x", Subject: "Re:", Date: day(1), Participants: []string{jonas}},
			},
			parent: map[string]string{"a": "", "b": "", "c": "", "d": "", "e": "", "f": ""},
			thread: map[string]string{"a": "a", "b": "b", "c": "c", "d": "d", "e": "e", "f": "f"},
		},
		{
			name: "subject join negative: no reply prefix",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Date: day(0), Participants: []string{jonas}},
				{ID: "b", MessageID: "b@x", Subject: "[harbor-l] Pier lease", Date: day(1), Participants: []string{jonas}},
			},
			parent: map[string]string{"a": "", "b": ""},
			thread: map[string]string{"a": "a", "b": "b"},
		},
		{
			name: "subject join negative: unknown dates",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Participants: []string{jonas}},
				{ID: "b", MessageID: "b@x", Subject: "Re: Pier lease", Date: day(1), Participants: []string{jonas}},
				{ID: "c", MessageID: "c@x", Subject: "Pier lease v2", Date: day(0), Participants: []string{jonas}},
				{ID: "d", MessageID: "d@x", Subject: "Re: Pier lease v2", Participants: []string{jonas}},
			},
			parent: map[string]string{"a": "", "b": "", "c": "", "d": ""},
			thread: map[string]string{"a": "a", "b": "b", "c": "c", "d": "d"},
		},
		{
			name: "subject join negative: only later or same-time messages",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Date: day(2), Participants: []string{jonas}},
				{ID: "b", MessageID: "b@x", Subject: "Re: Pier lease", Date: day(1), Participants: []string{jonas}},
				{ID: "c", MessageID: "c@x", Subject: "Pier lease", Date: day(1), Participants: []string{jonas}},
			},
			parent: map[string]string{"a": "", "b": "", "c": ""},
			thread: map[string]string{"a": "a", "b": "b", "c": "c"},
		},
		{
			name: "subject join negative: not a root, or only own thread matches",
			nodes: []Node{
				{ID: "a", MessageID: "a@x", Subject: "Pier lease", Date: day(0), Participants: []string{jonas}},
				{ID: "b", MessageID: "b@x", References: []string{"gone@x"}, Subject: "Re: Pier lease", Date: day(1), Participants: []string{jonas}},
				{ID: "c", MessageID: "c@x", Subject: "Re: Crane rental", Date: day(2), Participants: []string{ode}},
				{ID: "d", MessageID: "d@x", References: []string{"c@x"}, Subject: "Crane rental", Date: day(1), Participants: []string{ode}},
			},
			parent: map[string]string{"a": "", "b": ph("gone@x"), "c": "", "d": "c"},
			thread: map[string]string{"a": "a", "b": ph("gone@x"), "c": "c", "d": "c"},
			placeholders: []Placeholder{
				{ID: ph("gone@x"), MessageID: "gone@x", ThreadID: ph("gone@x")},
			},
		},
		{
			name: "subject join never creates a cycle between threads",
			nodes: []Node{
				// Thread X: root r1 (a reply whose headers were lost),
				// child x2 dated before r1 (clock skew).
				{ID: "r1", MessageID: "r1@x", Subject: "Re: Pier lease", Date: day(5), Participants: []string{jonas}},
				{ID: "x2", MessageID: "x2@x", References: []string{"r1@x"}, Subject: "Pier lease", Date: day(1), Participants: []string{jonas}},
				// Thread T: root r2, child t2 dated before r1.
				{ID: "r2", MessageID: "r2@x", Subject: "Re: Pier lease", Date: day(3), Participants: []string{jonas}},
				{ID: "t2", MessageID: "t2@x", References: []string{"r2@x"}, Subject: "Pier lease", Date: day(4), Participants: []string{jonas}},
			},
			// r2 (day 3) joins x2 (day 1, thread X); then r1 (day 5)
			// would pick t2 (day 4) but that is now in its own thread.
			parent: map[string]string{"r1": "", "x2": "r1", "r2": "x2", "t2": "r2"},
			thread: map[string]string{"r1": "r1", "x2": "r1", "r2": "r1", "t2": "r1"},
			joins:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Build(tt.nodes, tt.opts)
			checkInvariants(t, tt.nodes, res)
			if !reflect.DeepEqual(res.Parent, tt.parent) {
				t.Errorf("Parent = %v\nwant     %v", res.Parent, tt.parent)
			}
			if !reflect.DeepEqual(res.ThreadID, tt.thread) {
				t.Errorf("ThreadID = %v\nwant       %v", res.ThreadID, tt.thread)
			}
			if !reflect.DeepEqual(res.Placeholders, tt.placeholders) {
				t.Errorf("Placeholders = %+v\nwant           %+v", res.Placeholders, tt.placeholders)
			}
			if res.SubjectJoins != tt.joins {
				t.Errorf("SubjectJoins = %d, want %d", res.SubjectJoins, tt.joins)
			}
		})
	}
}

func TestPlaceholderID(t *testing.T) {
	// echo -n gone@harbor.example | sha256sum: 661626dd253c7773...
	if got, want := PlaceholderID("gone@harbor.example"), "p661626dd253c777"; got != want {
		t.Fatalf("PlaceholderID = %q, want %q", got, want)
	}
}

func TestOrder(t *testing.T) {
	nodes := []Node{
		{ID: "r", MessageID: "r@x", Date: day(0)},
		{ID: "c3", MessageID: "c3@x", References: []string{"r@x"}, Date: day(3)},
		{ID: "c1b", MessageID: "c1b@x", References: []string{"r@x"}, Date: day(1)},
		{ID: "c1a", MessageID: "c1a@x", References: []string{"r@x"}, Date: day(1)},
		{ID: "cu", MessageID: "cu@x", References: []string{"r@x"}},
		{ID: "g", MessageID: "g@x", References: []string{"r@x", "c3@x"}, Date: day(4)},
		// A placeholder (two children) sorts by its earliest child (day 2).
		{ID: "m1", MessageID: "m1@x", References: []string{"r@x", "gone@x"}, Date: day(2.5)},
		{ID: "m2", MessageID: "m2@x", References: []string{"r@x", "gone@x"}, Date: day(2)},
		// Threads: s (day -1) before r (day 0); undated thread last.
		{ID: "s", MessageID: "s@x", Date: day(-1)},
		{ID: "u", MessageID: "u@x"},
	}
	res := Build(nodes, Options{})
	checkInvariants(t, nodes, res)
	want := []string{"s", "r", "c1a", "c1b", ph("gone@x"), "m2", "m1", "c3", "g", "cu", "u"}
	if !slices.Equal(res.Order, want) {
		t.Errorf("Order = %v\nwant    %v", res.Order, want)
	}
}

// scenario builds a messy synthetic cache: threads with missing
// messages, lost headers, loops, duplicate Message-IDs, undated mail.
func scenario(rng *rand.Rand, threads int) []Node {
	people := []string{jonas, mara, ode, pia, "lee.tran@harbor.example", "ana.moss@tidewater.example"}
	var out []Node
	n := 0
	for th := 0; th < threads; th++ {
		size := 1 + rng.IntN(12)
		subject := fmt.Sprintf("Berth %d allocation", th%(threads/2+1))
		start := day(float64(rng.IntN(400)))
		var mids []string
		var chains [][]string
		for i := 0; i < size; i++ {
			n++
			mid := fmt.Sprintf("m%d@harbor.example", n)
			nd := Node{
				ID:           fmt.Sprintf("%016x", n),
				MessageID:    mid,
				Subject:      subject,
				Date:         start.Add(time.Duration(i*7+rng.IntN(5))*time.Hour + time.Duration(rng.IntN(3600))*time.Second),
				Participants: []string{people[rng.IntN(len(people))], people[rng.IntN(len(people))]},
			}
			var chain []string
			if i > 0 {
				p := rng.IntN(i)
				chain = append(slices.Clone(chains[p]), mids[p])
				nd.Subject = "Re: " + subject
				switch rng.IntN(10) {
				case 0:
					// headers lost
				case 1:
					nd.InReplyTo = "<" + mids[p] + ">"
				case 2:
					nd.References = append(chain, mid) // self reference
				default:
					nd.References = chain
				}
			}
			switch rng.IntN(25) {
			case 0:
				nd.Date = time.Time{}
			case 1:
				nd.MessageID = ""
			case 2:
				if len(mids) > 0 {
					nd.MessageID = mids[0] // duplicate
				}
			case 3:
				nd.References = append(nd.References, fmt.Sprintf("loop%d@x", n), mid, fmt.Sprintf("loop%d@x", n))
			}
			mids = append(mids, mid)
			chains = append(chains, chain)
			if rng.IntN(8) == 0 {
				n++ // this message is missing from the cache
				continue
			}
			out = append(out, nd)
		}
	}
	return out
}

func TestDeterministicUnderShuffle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	nodes := scenario(rng, 300)
	want := Build(slices.Clone(nodes), Options{})
	checkInvariants(t, nodes, want)
	if len(want.Placeholders) == 0 || want.SubjectJoins == 0 {
		t.Fatalf("scenario too tame: %d placeholders, %d joins", len(want.Placeholders), want.SubjectJoins)
	}
	for i := 0; i < 20; i++ {
		sh := slices.Clone(nodes)
		rng.Shuffle(len(sh), func(a, b int) { sh[a], sh[b] = sh[b], sh[a] })
		got := Build(sh, Options{})
		if !reflect.DeepEqual(got, want) {
			for id, p := range want.Parent {
				if got.Parent[id] != p {
					t.Errorf("shuffle %d: Parent[%s] = %q, want %q", i, id, got.Parent[id], p)
				}
			}
			t.Fatalf("shuffle %d: result differs", i)
		}
	}
}

// fixture is testdata/harbor.json: a small hand-written case.
type fixture struct {
	Nodes []struct {
		ID, MessageID, InReplyTo, Subject, Date string
		References, Participants                []string
	}
	Parent       map[string]string
	Thread       map[string]string
	Placeholders []string // message ids
	SubjectJoins int
}

func TestFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "harbor.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	var nodes []Node
	for _, n := range fx.Nodes {
		nd := Node{ID: n.ID, MessageID: n.MessageID, InReplyTo: n.InReplyTo, Subject: n.Subject,
			References: n.References, Participants: n.Participants}
		if n.Date != "" {
			if nd.Date, err = time.Parse(time.RFC3339, n.Date); err != nil {
				t.Fatal(err)
			}
		}
		nodes = append(nodes, nd)
	}
	res := Build(nodes, Options{})
	checkInvariants(t, nodes, res)
	resolve := func(s string) string {
		if mid, ok := strings.CutPrefix(s, "placeholder:"); ok {
			return PlaceholderID(mid)
		}
		return s
	}
	for id, p := range fx.Parent {
		if got := res.Parent[id]; got != resolve(p) {
			t.Errorf("Parent[%s] = %q, want %q (%s)", id, got, resolve(p), p)
		}
	}
	for id, th := range fx.Thread {
		if got := res.ThreadID[id]; got != resolve(th) {
			t.Errorf("ThreadID[%s] = %q, want %q (%s)", id, got, resolve(th), th)
		}
	}
	var gotPH []string
	for _, p := range res.Placeholders {
		gotPH = append(gotPH, p.MessageID)
	}
	slices.Sort(gotPH)
	slices.Sort(fx.Placeholders)
	if !slices.Equal(gotPH, fx.Placeholders) {
		t.Errorf("placeholders = %v, want %v", gotPH, fx.Placeholders)
	}
	if res.SubjectJoins != fx.SubjectJoins {
		t.Errorf("SubjectJoins = %d, want %d", res.SubjectJoins, fx.SubjectJoins)
	}
}

func FuzzBuild(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("abababab\x00\x01\x02loops"))
	f.Add([]byte{7, 7, 7, 7, 1, 2, 1, 2, 250, 3, 9, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		// Each 4-byte group is one node: own mid, two refs, flags.
		var nodes []Node
		mid := func(b byte) string { return fmt.Sprintf("m%d@x", b%9) }
		for i := 0; i+4 <= len(data) && len(nodes) < 64; i += 4 {
			g := data[i : i+4]
			nd := Node{ID: fmt.Sprintf("%02d", i/4%40), MessageID: mid(g[0]), Participants: []string{mid(g[3] >> 4)}}
			if g[3]&1 != 0 {
				nd.References = append(nd.References, mid(g[1]))
			}
			if g[3]&2 != 0 {
				nd.References = append(nd.References, mid(g[2]))
			}
			if g[3]&4 != 0 {
				nd.InReplyTo = mid(g[2])
			}
			if g[3]&8 == 0 {
				nd.Date = day(float64(g[1] % 40))
			}
			if g[0] >= 200 {
				nd.MessageID = ""
			}
			nd.Subject = [...]string{"Pier lease", "Re: Pier lease", "Re: hi", ""}[g[2]%4]
			nodes = append(nodes, nd)
		}
		res := Build(nodes, Options{})
		checkInvariants(t, nodes, res)
		rev := slices.Clone(nodes)
		slices.Reverse(rev)
		if !reflect.DeepEqual(Build(rev, Options{}), res) {
			t.Fatal("result depends on input order")
		}
	})
}

func benchNodes(n int) []Node {
	rng := rand.New(rand.NewPCG(7, 7))
	nodes := scenario(rng, n/6)
	return nodes
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		if n > 100_000 && testing.Short() {
			continue
		}
		nodes := benchNodes(n)
		b.Run(fmt.Sprintf("nodes=%d", len(nodes)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Build(nodes, Options{})
			}
		})
	}
}
