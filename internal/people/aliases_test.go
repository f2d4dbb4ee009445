package people

import (
	"strings"
	"testing"
)

// aliasCase is a small synthetic case with ground truth for aliases,
// nicknames, roles and mentions.
func aliasCase() *memStore {
	return newStore(
		// "Jo" greets Jonas Reyes alone: a nickname, resolved with evidence.
		tm{id: "a1", date: "2008-03-04 10:00", from: "Mara Lefkowitz <mara@lefko.example>", to: []string{"Jonas Reyes <jonas.reyes@harbor.example>"},
			body: "Jo,\n\nMr Big wants it signed before the audit.\n\nM\n"},
		tm{id: "a2", date: "2008-03-05 10:00", from: "Jonas Reyes <jonas.reyes@harbor.example>", to: []string{"Mara Lefkowitz <mara@lefko.example>"},
			body: "Mara,\n\nThursday works. Lefky says hello.\n\nBest regards,\nJonas Reyes\nDirector of Operations\nHarbor Authority\n"},
		// An alias explained in the text: a suggestion with its citation.
		tm{id: "a3", date: "2009-06-01 10:00", from: "Petra Quinn <petra.quinn@port.example>", to: []string{"Ines Alvarez <ines@ledger.example>"},
			body: "Ines, for the file: Mr Big is Victor Lang. Keep it quiet.\n\nPetra\n"},
		tm{id: "a4", date: "2010-01-01 10:00", from: "Victor Lang <victor@ports.example>", to: []string{"Petra Quinn <petra.quinn@port.example>"},
			body: "Petra,\n\nAgreed.\n\nVictor Lang\nMinister of State for Trade\nMinistry of Ports\n"},
		tm{id: "a5", date: "2011-05-01 10:00", from: "Victor Lang <victor@ports.example>", to: []string{"Petra Quinn <petra.quinn@port.example>"},
			body: "Petra,\n\nDone. Tell Jonas Reyes nothing about Tarragon.\n\nVictor Lang\nMinister of State for Trade\nMinistry of Ports\n"},
		tm{id: "a6", date: "2012-05-01 10:00", from: "Victor Lang <victor@ports.example>", to: []string{"Petra Quinn <petra.quinn@port.example>"},
			body: "Petra,\n\nLast one from me here.\n\nVictor Lang\nSenior Adviser\nLang Consulting Ltd\n"},
		// "Jo" also appears as a word in a sentence about Jonas.
		tm{id: "a7", date: "2012-06-01 10:00", from: "Petra Quinn <petra.quinn@port.example>", to: []string{"Ines Alvarez <ines@ledger.example>"},
			body: "Ines, ask Mr Reyes about the berth. Jo knows.\n\nPetra\n"},
	)
}

func TestAliasRegistry(t *testing.T) {
	d := build(t, aliasCase())
	jonas := personOf(t, d, "jonas.reyes@harbor.example")
	victor := personOf(t, d, "victor@ports.example")

	jo, ok := d.Alias("Jo")
	if !ok {
		t.Fatalf("no alias Jo; registry: %+v", d.Aliases())
	}
	if jo.Status != AliasResolved || jo.Person == nil || jo.Person.ID != jonas.ID || len(jo.Evidence) == 0 ||
		!strings.Contains(jo.Evidence[0].Detail, "open with \"Jo\"") || jo.Evidence[0].Messages[0] != "a1" {
		t.Errorf("Jo: %+v", jo)
	}
	if !contains(jonas.Aliases, "Jo") {
		t.Errorf("Jonas lacks the alias Jo: %v", jonas.Aliases)
	}

	big, ok := d.Alias("Mr Big")
	if !ok {
		t.Fatal("no alias Mr Big")
	}
	if big.Status != AliasSuggested || big.Person != nil || big.Uses != 2 {
		t.Errorf("Mr Big: status %s person %+v uses %d", big.Status, big.Person, big.Uses)
	}
	if len(big.Suggestions) != 1 {
		t.Fatalf("Mr Big suggestions: %+v", big.Suggestions)
	}
	s := big.Suggestions[0]
	if s.Name != "Victor Lang" || s.Person == nil || s.Person.ID != victor.ID || s.Message.ID != "a3" ||
		!strings.Contains(s.Sentence, "Mr Big is Victor Lang") || len(s.Message.Sources) == 0 || s.Message.Sources[0].Path == "" {
		t.Errorf("Mr Big suggestion lacks its citation: %+v", s)
	}

	lefky, ok := d.Alias("Lefky")
	if !ok || lefky.Status != AliasUnresolved || lefky.Person != nil || len(lefky.Suggestions) != 0 || lefky.Messages[0].ID != "a2" {
		t.Errorf("Lefky must stay unresolved with its use: %+v", lefky)
	}
	// Names of people are not aliases: "Mr Reyes", "Petra", "Jonas Reyes".
	for _, n := range []string{"Mr Reyes", "reyes", "Petra", "Jonas Reyes", "Thursday"} {
		if a, ok := d.Alias(n); ok {
			t.Errorf("%q listed as an alias: %+v", n, a)
		}
	}
}

func TestRoles(t *testing.T) {
	d := build(t, aliasCase())
	victor := personOf(t, d, "victor@ports.example")
	if len(victor.Roles) != 2 {
		t.Fatalf("roles: %+v", victor.Roles)
	}
	r := victor.Roles[0]
	if r.Title != "Minister of State for Trade" || r.Organisation != "Ministry of Ports" || r.Messages != 2 ||
		r.First.Format("2006") != "2010" || r.Last.Format("2006") != "2011" || r.FirstMessage != "a4" || r.LastMessage != "a5" {
		t.Errorf("minister role: %+v", r)
	}
	if r := victor.Roles[1]; r.Title != "Senior Adviser" || r.Organisation != "Lang Consulting Ltd" {
		t.Errorf("adviser role: %+v", r)
	}
	jonas := personOf(t, d, "jonas.reyes@harbor.example")
	if len(jonas.Roles) != 1 || jonas.Roles[0].Title != "Director of Operations" || jonas.Roles[0].Organisation != "Harbor Authority" {
		t.Errorf("jonas roles: %+v", jonas.Roles)
	}
	// A signature that is not the sender's name gives no role.
	st := newStore(tm{id: "x", date: "2008-01-01 10:00", from: "Ann Roe <ann@roe.example>", to: []string{"b@c.example"},
		body: "FYI, forwarding.\n\nVictor Lang\nMinister of State for Trade\n"})
	if p := personOf(t, build(t, st), "ann@roe.example"); len(p.Roles) != 0 {
		t.Errorf("someone else's signature became a role: %+v", p.Roles)
	}
}

func TestMentions(t *testing.T) {
	d := build(t, aliasCase())
	jonas := personOf(t, d, "jonas.reyes@harbor.example")
	ms, err := d.Mentions(jonas.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range ms {
		got[m.ID] = m.Match
	}
	// a5 names him in full, a7 as "Mr Reyes" and by his nickname "Jo";
	// a1 and a2 involve him, so they are not mentions.
	if got["a5"] != "name" || got["a7"] == "" || len(got) != 2 {
		t.Errorf("mentions of Jonas: %+v", ms)
	}
	ines := personOf(t, d, "ines@ledger.example")
	if ms, _ := d.Mentions(ines.ID); len(ms) != 0 {
		t.Errorf("Ines is greeted on her own messages, never mentioned: %+v", ms)
	}
}

func TestNicknameNotResolvedWhenShared(t *testing.T) {
	// "Boss" greets two different people: listed, never attributed.
	st := newStore(
		tm{id: "1", date: "2008-01-01 10:00", from: "Ann Roe <ann@roe.example>", to: []string{"Bob Poe <bob@poe.example>"}, body: "Boss,\n\nDone.\n"},
		tm{id: "2", date: "2008-01-02 10:00", from: "Ann Roe <ann@roe.example>", to: []string{"Cy Dunn <cy@dunn.example>"}, body: "Boss,\n\nDone too.\n"},
	)
	d := build(t, st)
	a, ok := d.Alias("Boss")
	if !ok {
		t.Fatalf("Boss not listed: %+v", d.Aliases())
	}
	if a.Status == AliasResolved || a.Person != nil || len(a.Suggestions) != 2 {
		t.Errorf("Boss: %+v", a)
	}
	for _, p := range d.People() {
		if contains(p.Aliases, "Boss") {
			t.Errorf("Boss attributed to %s", p.Name)
		}
	}
}
