package people

import (
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/store"
)

const (
	jonasA = "Jonas Reyes <jonas.reyes@harbor.example>"
	maraA  = "Mara Lefkowitz <mara@lefko.example>"
	petraA = "Petra Quinn <petra.quinn@port.example>"
	inesA  = "Ines Alvarez <ines@ledger.example>"
)

// contactCase: Jonas and Mara write in 2008, then nothing until one late
// printed message in 2012; Petra writes to Jonas in 2008 and 2013; Ines
// only receives. One undated message from Jonas to Petra.
func contactCase() *memStore {
	return newStore(
		tm{id: "c1", date: "2008-03-04 14:15", from: jonasA, to: []string{maraA}},
		tm{id: "c2", date: "2008-03-04 16:02", from: maraA, to: []string{jonasA}},
		tm{id: "c3", date: "2008-11-30 09:00", from: jonasA, to: []string{maraA}, cc: []string{petraA}},
		tm{id: "c4", date: "local:2012-02-05 20:01", from: "Jonas Reyes", to: []string{"Mara Lefkowitz"}, printed: true},
		tm{id: "c5", date: "2008-05-12 15:40", from: petraA, to: []string{jonasA}},
		tm{id: "c6", date: "2013-01-01 12:00", from: petraA, to: []string{jonasA}},
		tm{id: "c7", date: "bad:not a real date", from: jonasA, to: []string{petraA}},
		tm{id: "c8", date: "2009-01-01 00:00", from: petraA, to: []string{inesA}},
		tm{id: "c9", date: "local:2010-01-01 05:00", from: "Ines Alvarez <ines@ledger.example>", to: []string{"Otto Krall <otto@krall.example>"}, printed: true},
	)
}

func TestContacts(t *testing.T) {
	d := build(t, contactCase())
	c, err := d.Contacts("jonas.reyes@harbor.example", "Mara Lefkowitz", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 4 || c.AToB != 3 || c.BToA != 1 || c.Printed != 1 || c.Native != 3 || c.Undated != 0 {
		t.Errorf("counts: %+v", c)
	}
	if c.First.String() != "2008-03-04T14:15:00Z" || c.Last.String() != "2012-02-05T20:01:00" || !c.Last.Local {
		t.Errorf("first/last: %v %v", c.First, c.Last)
	}
	if c.ByYear["2008"] != 3 || c.ByYear["2012"] != 1 || c.ByMonth["2008-03"] != 2 || c.ByMonth["2008-11"] != 1 || len(c.ByMonth) != 3 {
		t.Errorf("by year %v by month %v", c.ByYear, c.ByMonth)
	}
	ids := []string{}
	for _, m := range c.Messages {
		ids = append(ids, m.ID+":"+m.Direction)
		if len(m.Sources) == 0 {
			t.Errorf("message %s without sources", m.ID)
		}
	}
	if strings.Join(ids, " ") != "c1:a_to_b c2:b_to_a c3:a_to_b c4:a_to_b" {
		t.Errorf("messages: %v", ids)
	}
	// Filtered to 2008: the printed 2012 message goes.
	from, _, _ := ParsePeriod("2008")
	_, to, _ := ParsePeriod("2008")
	c, _ = d.Contacts("Jonas Reyes", "mara@lefko.example", Filter{From: from, To: to})
	if c.Total != 3 || c.ByYear["2012"] != 0 {
		t.Errorf("filtered: %+v", c)
	}
	// Undated messages count but have no month.
	c, _ = d.Contacts("Petra Quinn", "Jonas Reyes", Filter{})
	if c.Total != 4 || c.Undated != 1 || c.AToB != 2 || c.BToA != 2 {
		t.Errorf("petra/jonas: %+v", c)
	}
	if _, err := d.Contacts("Jonas Reyes", "jonas.reyes@harbor.example", Filter{}); !errors.Is(err, ErrSamePerson) {
		t.Errorf("same person: %v", err)
	}
}

func TestResolveErrors(t *testing.T) {
	d := build(t, newStore(
		tm{id: "1", date: "2008-01-01 10:00", from: maraA, to: []string{"Mara Quinn <mquinn@port.example>"}},
		tm{id: "2", date: "2008-01-02 10:00", from: jonasA, to: []string{maraA}},
	))
	for _, c := range []struct {
		ref, want string
	}{
		{"Mara Lefkowitz", "mara@lefko.example"},
		{"lefkowitz", "mara@lefko.example"},
		{"MARA@LEFKO.EXAMPLE", "mara@lefko.example"},
		{NodeID("a:mara@lefko.example"), "mara@lefko.example"},
		{NodeID("a:mara@lefko.example")[:6], "mara@lefko.example"},
		{"Reyes, Jonas", "jonas.reyes@harbor.example"},
	} {
		p, err := d.Resolve(c.ref)
		if err != nil || p.Addresses[0] != c.want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", c.ref, p, err, c.want)
		}
	}
	_, err := d.Resolve("Mara")
	var ae *AmbiguousError
	if !errors.As(err, &ae) || len(ae.Candidates) != 2 || !errors.Is(err, store.ErrAmbiguous) || !strings.Contains(err.Error(), "Mara Quinn") {
		t.Errorf("ambiguous Mara: %v", err)
	}
	_, err = d.Resolve("Mara Lefkowicz")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, store.ErrNotFound) || len(nf.Suggestions) == 0 || nf.Suggestions[0].Name != "Mara Lefkowitz" {
		t.Errorf("unknown name: %v", err)
	}
	_, err = d.Resolve("mara@lefko.exampel")
	if !errors.As(err, &nf) || len(nf.Suggestions) == 0 {
		t.Errorf("unknown address: %v", err)
	}
}

func TestClaims(t *testing.T) {
	d := build(t, contactCase())
	for _, c := range []struct {
		name     string
		claim    Claim
		verdict  string
		evidence []string // IDs, in order
		certain  []bool
		reason   string
	}{
		// The ground truth: contradicted only by a late message.
		{"late printed message contradicts", Claim{NoContactAfter, "Mara Lefkowitz", "Jonas Reyes", "2009"},
			VerdictContradicted, []string{"c4"}, []bool{true}, "1 message(s)"},
		{"nothing after 2012-06", Claim{NoContactAfter, "Mara Lefkowitz", "Jonas Reyes", "2012-06"},
			VerdictConsistent, nil, nil, "nearest contact"},
		{"no coverage after 2014", Claim{NoContactAfter, "Mara Lefkowitz", "Jonas Reyes", "2014"},
			VerdictInsufficient, nil, nil, "proves nothing"},
		{"boundary inside the unknown zone", Claim{NoContactAfter, "Mara Lefkowitz", "Jonas Reyes", "2012-02-05"},
			VerdictInsufficient, []string{"c4"}, []bool{false}, "cannot be placed"},
		{"printed date far from boundary counts", Claim{NoContactAfter, "Mara Lefkowitz", "Jonas Reyes", "2012-02-04"},
			VerdictContradicted, []string{"c4"}, []bool{true}, "1 message(s)"},
		{"undated contact makes it insufficient", Claim{NoContactAfter, "Petra Quinn", "Jonas Reyes", "2013-06"},
			VerdictInsufficient, []string{"c7"}, []bool{false}, "cannot be placed"},
		{"dated contact wins over undated", Claim{NoContactAfter, "Petra Quinn", "Jonas Reyes", "2010"},
			VerdictContradicted, []string{"c6", "c7"}, []bool{true, false}, "1 message(s)"},
		{"no contact before", Claim{NoContactBefore, "Petra Quinn", "Ines Alvarez", "2008-12"},
			VerdictConsistent, nil, nil, "nearest contact is on 2009-01-01"},
		{"nothing at all before", Claim{NoContactBefore, "Jonas Reyes", "Mara Lefkowitz", "2008-03-04T14:00:00Z"},
			VerdictInsufficient, nil, nil, "proves nothing"},
		{"contact before", Claim{NoContactBefore, "Jonas Reyes", "Mara Lefkowitz", "2008-04"},
			VerdictContradicted, []string{"c1", "c2"}, []bool{true, true}, "2 message(s)"},
		{"never wrote, but did (Cc)", Claim{NeverWrote, "Jonas Reyes", "Petra Quinn", ""},
			VerdictContradicted, []string{"c3", "c7"}, []bool{true, true}, "addressed to"},
		{"never wrote, and did not", Claim{NeverWrote, "Mara Lefkowitz", "Petra Quinn", ""},
			VerdictConsistent, nil, nil, "none of the 1 message"},
		{"never wrote, but sent nothing at all", Claim{NeverWrote, "Otto Krall", "Ines Alvarez", ""},
			VerdictInsufficient, nil, nil, "no message sent by"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := d.Claim(c.claim)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			var cert []bool
			for _, e := range v.Evidence {
				ids = append(ids, e.ID)
				cert = append(cert, e.Certain)
				if len(e.Sources) == 0 || e.Sources[0].SHA256 == "" {
					t.Errorf("evidence %s without a cited source", e.ID)
				}
				if !e.Certain && e.Note == "" {
					t.Errorf("uncertain evidence %s without a note", e.ID)
				}
			}
			if v.Verdict != c.verdict || strings.Join(ids, ",") != strings.Join(c.evidence, ",") || len(cert) != len(c.certain) {
				t.Fatalf("verdict %s evidence %v (%v); want %s %v\nreason: %s", v.Verdict, ids, cert, c.verdict, c.evidence, v.Reason)
			}
			for i := range cert {
				if cert[i] != c.certain[i] {
					t.Errorf("evidence %s certain=%v, want %v", ids[i], cert[i], c.certain[i])
				}
			}
			if !strings.Contains(v.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", v.Reason, c.reason)
			}
			md := v.Markdown()
			if !strings.Contains(md, "**Verdict: "+c.verdict+".**") || !strings.Contains(md, "## Method") {
				t.Errorf("memo:\n%s", md)
			}
			for _, id := range c.evidence {
				if !strings.Contains(md, "`"+id+"`") {
					t.Errorf("memo does not cite %s", id)
				}
			}
		})
	}
	if _, err := d.Claim(Claim{NoContactAfter, "Mara Lefkowitz", "Jonas Reyes", "2009-13"}); !errors.As(err, new(*DateError)) {
		t.Errorf("malformed date: %v", err)
	}
	if _, err := d.Claim(Claim{NoContactAfter, "Mara Lefkowitz", "Nobody Atall", "2009"}); !errors.As(err, new(*NotFoundError)) {
		t.Errorf("unknown person: %v", err)
	}
}

func TestMemoCitesPrintedSources(t *testing.T) {
	d := build(t, contactCase())
	v, err := d.Claim(Claim{NoContactAfter, "Mara Lefkowitz", "Jonas Reyes", "2009"})
	if err != nil {
		t.Fatal(err)
	}
	md := v.Markdown()
	for _, want := range []string{"exhibits/EX-c4.pdf, page 3, lines 1–9, Bates EX-000c4, SHA-256 " + strings.Repeat("cd", 32),
		"(printed, time zone unknown)", "Mara Lefkowitz and Jonas Reyes had no contact after 2009"} {
		if !strings.Contains(md, want) {
			t.Errorf("memo lacks %q:\n%s", want, md)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct{ in, start, end string }{
		{"2009", "2009-01-01T00:00:00Z", "2010-01-01T00:00:00Z"},
		{"2009-02", "2009-02-01T00:00:00Z", "2009-03-01T00:00:00Z"},
		{"2009-02-28", "2009-02-28T00:00:00Z", "2009-03-01T00:00:00Z"},
		{"2009-02-28T10:00:00+02:00", "2009-02-28T08:00:00Z", "2009-02-28T08:00:00Z"},
	} {
		s, e, err := ParsePeriod(c.in)
		if err != nil || s.Format("2006-01-02T15:04:05Z07:00") != c.start || e.Format("2006-01-02T15:04:05Z07:00") != c.end {
			t.Errorf("ParsePeriod(%q) = %v %v %v", c.in, s, e, err)
		}
	}
	for _, bad := range []string{"", "09", "2009-13", "2009-02-30", "last year", "2009/02/01"} {
		if _, _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
}
