package people

import (
	"strings"
	"testing"
)

// TestResolution drives every merge rule and every non-merge rule with
// synthetic messages: members listed in together end up in one person
// (with the rule recorded as evidence), members in apart stay in
// different persons.
func TestResolution(t *testing.T) {
	type pair [2]string
	for _, c := range []struct {
		name     string
		msgs     []tm
		together []pair
		rule     string // evidence rule expected on the person of together[0]
		apart    []pair
		maybe    pair // expected possible match (not merged)
	}{
		{
			name: "plus-tag and case are one mailbox",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Mara Lefkowitz <Mara+deals@Lefko.example>", to: []string{"jonas.reyes@harbor.example"}},
				{id: "2", date: "2008-01-02 10:00", from: "Mara Lefkowitz <mara@lefko.example>", to: []string{"jonas.reyes@harbor.example"}},
			},
			together: []pair{{"mara+deals@lefko.example", "mara@lefko.example"}},
			rule:     RulePlusTag,
		},
		{
			name: "googlemail is gmail",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Otto Krall <otto.krall@googlemail.com>", to: []string{"ida@brandt.example"}},
				{id: "2", date: "2008-01-02 10:00", from: "Otto Krall <ottokrall@gmail.com>", to: []string{"ida@brandt.example"}},
			},
			together: []pair{{"otto.krall@googlemail.com", "ottokrall@gmail.com"}},
			rule:     RuleGmailDots + "+" + RuleGooglemail,
		},
		{
			name: "OCR-mangled printed address joins its person",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Mara Lefkowitz <mara.lefkowitz@lefko.example>", to: []string{"Jonas Reyes <jonas.reyes@harbor.example>"}},
				{id: "2", date: "2008-01-02 10:00", from: "Jonas Reyes <jonas.reyes@harbor.example>", to: []string{"Mara Lefkowitz <mara.lefkowitz@lefko.example>"}},
				{id: "3", date: "local:2012-02-05 20:01", from: "Mara Lefkowitz <mara.lefkowltz@lefko.example>", to: []string{"Jonas Reyes"}, printed: true},
			},
			together: []pair{{"mara.lefkowltz@lefko.example", "mara.lefkowitz@lefko.example"}, {"name:Jonas Reyes", "jonas.reyes@harbor.example"}},
			rule:     RuleOCRVariant,
		},
		{
			name: "one-letter difference with different names stays apart",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "John Smith <jsmith@corp.example>", to: []string{"x@corp.example"}},
				{id: "2", date: "2008-01-01 11:00", from: "Jane Smyth <jsmyth@corp.example>", to: []string{"x@corp.example"}, printed: true},
			},
			apart: []pair{{"jsmith@corp.example", "jsmyth@corp.example"}},
		},
		{
			name: "one-letter difference between native addresses is not OCR",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "John Smith <jsmith@corp.example>", to: []string{"Ann Roe <ann@roe.example>"}},
				{id: "2", date: "2008-01-01 11:00", from: "John Smith <jsmyth@corp.example>", to: []string{"Bob Poe <bob@poe.example>"}},
			},
			apart: []pair{{"jsmith@corp.example", "jsmyth@corp.example"}},
			maybe: pair{"jsmith@corp.example", "jsmyth@corp.example"},
		},
		{
			name: "numbered mailboxes are two people even in print",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "John Smith <jsmith1@corp.example>", to: []string{"Ann Roe <ann@roe.example>"}},
				{id: "2", date: "2008-01-01 11:00", from: "John Smith <jsmith2@corp.example>", to: []string{"Bob Poe <bob@poe.example>"}, printed: true},
			},
			apart: []pair{{"jsmith1@corp.example", "jsmith2@corp.example"}},
		},
		{
			name: "printed name without address joins the address that uses it",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Reyes, Jonas <jonas.reyes@harbor.example>", to: []string{"mara@lefko.example"}},
				{id: "2", date: "2008-01-02 10:00", from: "Jonas Reyes <jonas.reyes@harbor.example>", to: []string{"mara@lefko.example"}},
				{id: "3", date: "local:2012-01-01 10:00", from: "mara@lefko.example", to: []string{"Jonas Reyes"}, printed: true},
			},
			together: []pair{{"name:Jonas Reyes", "jonas.reyes@harbor.example"}},
			rule:     RuleNameAddress,
		},
		{
			name: "titles and Last, First on the printed side",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Jane Doe <jane@doe.example>", to: []string{"x@y.example"}},
				{id: "2", date: "local:2012-01-01 10:00", from: "The Rt. Hon. Jane Doe MP", to: []string{"x@y.example"}, printed: true},
				{id: "3", date: "local:2012-01-02 10:00", from: "Doe, Dr Jane", to: []string{"x@y.example"}, printed: true},
			},
			together: []pair{{"name:Jane Doe", "jane@doe.example"}, {"name:Doe, Dr Jane", "jane@doe.example"}},
			rule:     RuleNameAddress,
		},
		{
			name: "a printed name used by two addresses stays unresolved",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "John Smith <john@a.example>", to: []string{"Ann Roe <ann@roe.example>"}},
				{id: "2", date: "2008-01-01 11:00", from: "John Smith <smith@b.example>", to: []string{"Bob Poe <bob@poe.example>"}},
				{id: "3", date: "local:2012-01-01 10:00", from: "John Smith", to: []string{"Ann Roe"}, printed: true},
			},
			apart: []pair{{"name:John Smith", "john@a.example"}, {"name:John Smith", "smith@b.example"}, {"john@a.example", "smith@b.example"}},
			maybe: pair{"name:John Smith", "john@a.example"},
		},
		{
			name: "same display name, shared correspondent: one person",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Jonas Reyes <jonas.reyes@harbor.example>", to: []string{"Mara Lefkowitz <mara@lefko.example>"}},
				{id: "2", date: "2009-01-01 10:00", from: "Jonas Reyes <jrholiday@mail.example>", to: []string{"Mara Lefkowitz <mara@lefko.example>"}},
			},
			together: []pair{{"jonas.reyes@harbor.example", "jrholiday@mail.example"}},
			rule:     RuleSameName,
		},
		{
			name: "same display name, nothing in common: kept apart",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "John Smith <john.smith@a.example>", to: []string{"Ann Roe <ann@roe.example>"}},
				{id: "2", date: "2009-01-01 10:00", from: "John Smith <john.smith@b.example>", to: []string{"Bob Poe <bob@poe.example>"}},
			},
			apart: []pair{{"john.smith@a.example", "john.smith@b.example"}},
			maybe: pair{"john.smith@a.example", "john.smith@b.example"},
		},
		{
			name: "conflicting middle initials stay apart",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "John A. Smith <ja@a.example>", to: []string{"Ann Roe <ann@roe.example>"}},
				{id: "2", date: "2009-01-01 10:00", from: "John B. Smith <jb@b.example>", to: []string{"Ann Roe <ann@roe.example>"}},
			},
			apart: []pair{{"ja@a.example", "jb@b.example"}},
		},
		{
			name: "father and son stay apart",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Ann Lee Jr <lee1@a.example>", to: []string{"Ann Roe <ann@roe.example>"}},
				{id: "2", date: "2009-01-01 10:00", from: "Ann Lee Sr <lee2@b.example>", to: []string{"Ann Roe <ann@roe.example>"}},
			},
			apart: []pair{{"lee1@a.example", "lee2@b.example"}},
		},
		{
			name: "two people sharing a first name stay apart",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Mara Lefkowitz <mara@lefko.example>", to: []string{"Jonas Reyes <jonas.reyes@harbor.example>"}},
				{id: "2", date: "2008-01-02 10:00", from: "Mara Quinn <mquinn@port.example>", to: []string{"Jonas Reyes <jonas.reyes@harbor.example>"}},
				{id: "3", date: "local:2012-01-01 10:00", from: "Mara", to: []string{"Jonas Reyes"}, printed: true},
				{id: "4", date: "2008-01-03 10:00", from: "Jonas Reyes <jonas.reyes@harbor.example>", to: []string{"Mara <mara@lefko.example>"}},
			},
			together: []pair{{"name:Jonas Reyes", "jonas.reyes@harbor.example"}},
			rule:     RuleNameAddress,
			apart:    []pair{{"mara@lefko.example", "mquinn@port.example"}, {"name:Mara", "mara@lefko.example"}, {"name:Mara", "mquinn@port.example"}},
		},
		{
			name: "G. Maxwell is not maxwell, and two Maxwells stay apart",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Ghislaine Maxwell <gm@social.example>", to: []string{"maxwell@press.example"}},
				{id: "2", date: "2008-01-02 10:00", from: "Ian Maxwell <ian@press.example>", to: []string{"maxwell@press.example"}},
				{id: "3", date: "2008-01-03 10:00", from: "maxwell@press.example", to: []string{"Ian Maxwell <ian@press.example>"}},
				{id: "4", date: "local:2012-01-01 10:00", from: "G. Maxwell", to: []string{"Maxwell"}, printed: true},
			},
			together: []pair{{"name:G. Maxwell", "gm@social.example"}},
			rule:     RuleInitialName,
			apart: []pair{{"name:G. Maxwell", "maxwell@press.example"}, {"gm@social.example", "ian@press.example"},
				{"maxwell@press.example", "ian@press.example"}, {"name:Maxwell", "gm@social.example"}, {"name:Maxwell", "maxwell@press.example"}},
		},
		{
			name: "initials fitting two people stay unresolved",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Ghislaine Maxwell <gm@social.example>", to: []string{"Ann Roe <ann@roe.example>"}},
				{id: "2", date: "2008-01-02 10:00", from: "Gerald Maxwell <gerald@press.example>", to: []string{"Bob Poe <bob@poe.example>"}},
				{id: "3", date: "local:2012-01-01 10:00", from: "G. Maxwell", to: []string{"Ann Roe"}, printed: true},
			},
			apart: []pair{{"name:G. Maxwell", "gm@social.example"}, {"name:G. Maxwell", "gerald@press.example"}},
			maybe: pair{"name:G. Maxwell", "gerald@press.example"},
		},
		{
			name: "a surname alone never merges",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Victor Lang <victor@ports.example>", to: []string{"Ann Roe <ann@roe.example>"}},
				{id: "2", date: "local:2012-01-01 10:00", from: "Lord Lang", to: []string{"Ann Roe"}, printed: true},
			},
			apart: []pair{{"name:Lord Lang", "victor@ports.example"}},
		},
		{
			name: "names on a role mailbox link nobody",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "Ann Roe <info@roe.example>", to: []string{"Bob Poe <bob@poe.example>"}},
				{id: "2", date: "2008-01-02 10:00", from: "Ann Roe <ann@roe-home.example>", to: []string{"Bob Poe <bob@poe.example>"}},
				{id: "3", date: "local:2012-01-01 10:00", from: "Ann Roe", to: []string{"Bob Poe"}, printed: true},
			},
			together: []pair{{"name:Ann Roe", "ann@roe-home.example"}},
			apart:    []pair{{"info@roe.example", "ann@roe-home.example"}},
		},
		{
			name: "a signature names an address without display name",
			msgs: []tm{
				{id: "1", date: "2008-01-01 10:00", from: "vl@ports.example", to: []string{"Ann Roe <ann@roe.example>"}, body: "Agreed.\n\nVictor Lang\n"},
				{id: "2", date: "2008-01-02 10:00", from: "vl@ports.example", to: []string{"Ann Roe <ann@roe.example>"}, body: "Fine.\n\nBest,\nVictor Lang\n"},
				{id: "3", date: "local:2012-01-01 10:00", from: "Victor Lang", to: []string{"Ann Roe"}, printed: true},
			},
			together: []pair{{"name:Victor Lang", "vl@ports.example"}},
			rule:     RuleSignature,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := build(t, newStore(c.msgs...))
			for _, p := range c.together {
				a, b := personOf(t, d, p[0]), personOf(t, d, p[1])
				if a != b {
					t.Errorf("%s and %s are different people (%s, %s); want one", p[0], p[1], a.ID, b.ID)
				}
			}
			if c.rule != "" {
				p := personOf(t, d, c.together[0][0])
				if !strings.Contains(strings.Join(evidenceRules(p), " "), c.rule) {
					t.Errorf("evidence of %s = %v, want rule %s", p.Name, evidenceRules(p), c.rule)
				}
				for _, e := range p.Evidence {
					if e.Detail == "" || len(e.Keys) == 0 {
						t.Errorf("evidence without detail or keys: %+v", e)
					}
				}
			}
			for _, p := range c.apart {
				if a, b := personOf(t, d, p[0]), personOf(t, d, p[1]); a == b {
					t.Errorf("%s and %s were merged into %s (%s); evidence %+v", p[0], p[1], a.ID, a.Name, a.Evidence)
				}
			}
			if c.maybe[0] != "" {
				a, b := personOf(t, d, c.maybe[0]), personOf(t, d, c.maybe[1])
				found := false
				for _, m := range a.PossibleMatches {
					if m.ID == b.ID && m.Reason != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("%s lacks a possible match with %s: %+v", c.maybe[0], c.maybe[1], a.PossibleMatches)
				}
			}
		})
	}
}

// TestIDsStable: person IDs depend only on the data, not on message
// order or worker count.
func TestIDsStable(t *testing.T) {
	msgs := []tm{
		{id: "1", date: "2008-01-01 10:00", from: "Jonas Reyes <jonas.reyes@harbor.example>", to: []string{"Mara Lefkowitz <mara@lefko.example>"}},
		{id: "2", date: "2009-01-01 10:00", from: "Jonas Reyes <jrholiday@mail.example>", to: []string{"Mara Lefkowitz <mara@lefko.example>"}},
		{id: "3", date: "local:2012-01-01 10:00", from: "Mara Lefkowitz", to: []string{"J. Reyes"}, printed: true},
	}
	ids := func(ms []tm, workers int) map[string]string {
		st := newStore(ms...)
		d, err := Build(t.Context(), st, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, p := range d.People() {
			for _, a := range p.Addresses {
				out[a] = p.ID
			}
		}
		return out
	}
	a := ids(msgs, 1)
	b := ids([]tm{msgs[2], msgs[1], msgs[0]}, 4)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("ids: %v vs %v", a, b)
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: id %s vs %s", k, v, b[k])
		}
	}
	if a["jonas.reyes@harbor.example"] != NodeID("a:jonas.reyes@harbor.example") {
		t.Errorf("the ID is not derived from the anchor address: %v", a)
	}
}
