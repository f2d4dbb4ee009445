package people

import (
	"errors"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/store"
)

func TestEditsPersistAndReapply(t *testing.T) {
	ctx := t.Context()
	st := newStore(
		tm{id: "1", date: "2008-01-01 10:00", from: jonasA, to: []string{maraA}},
		tm{id: "2", date: "2009-01-01 10:00", from: "J R <jr.holiday@mail.example>", to: []string{"Otto Krall <otto@krall.example>"}},
		tm{id: "3", date: "2010-01-01 10:00", from: "Tomas Vidal <tvidal@harbor.example>", to: []string{jonasA}},
	)
	d := build(t, st)
	au := Audit{Actor: "alice", Reason: "same phone number in EXHIBIT 9"}
	if _, err := d.Merge(ctx, st, "Jonas Reyes", "jr.holiday@mail.example", au); err != nil {
		t.Fatal(err)
	}
	d = build(t, st)
	jonas := personOf(t, d, "jonas.reyes@harbor.example")
	if personOf(t, d, "jr.holiday@mail.example") != jonas {
		t.Fatal("merge not applied")
	}
	ev := jonas.Evidence[len(jonas.Evidence)-1]
	if ev.Rule != RuleInvestigator || ev.Actor != "alice" || ev.Reason != au.Reason || ev.EditID != 1 || ev.At == nil {
		t.Errorf("merge evidence: %+v", ev)
	}

	// Re-ingest with more data: a new address joins Jonas automatically
	// and sorts before his anchor, so his ID changes; the merge (and the
	// old ID) still apply.
	oldID := jonas.ID
	st.msgs = append(st.msgs,
		tm{id: "4", date: "2011-01-01 10:00", from: "Jonas Reyes <a.jonas@other.example>", to: []string{maraA}}.message(),
		tm{id: "5", date: "2011-02-01 10:00", from: "Mara Lefkowitz <mara@lefko.example>", to: []string{"a.jonas@other.example"}}.message())
	if _, err := d.Rename(ctx, st, oldID, "Jonas A. Reyes", Audit{Actor: "bob"}); err != nil {
		t.Fatal(err)
	}
	d = build(t, st)
	j := personOf(t, d, "a.jonas@other.example")
	if j.ID == oldID || j.ID != NodeID("a:a.jonas@other.example") {
		t.Fatalf("expected a new anchor ID, got %s (old %s)", j.ID, oldID)
	}
	if personOf(t, d, "jr.holiday@mail.example") != j || personOf(t, d, "jonas.reyes@harbor.example") != j {
		t.Error("merge lost after new data")
	}
	if j.Name != "Jonas A. Reyes" {
		t.Errorf("rename lost: %q", j.Name)
	}
	if p, err := d.Person(oldID); err != nil || p != j {
		t.Errorf("old ID no longer resolves: %v", err)
	}

	// Split one address off again; the split person gets its own ID.
	if _, err := d.Split(ctx, st, j.ID, []string{"JR.Holiday@mail.example"}, Audit{Actor: "alice", Reason: "different handwriting"}); err != nil {
		t.Fatal(err)
	}
	d = build(t, st)
	h := personOf(t, d, "jr.holiday@mail.example")
	if h == personOf(t, d, "jonas.reyes@harbor.example") || h.ID != NodeID("a:jr.holiday@mail.example") {
		t.Errorf("split not applied: %+v", h)
	}
	if !strings.Contains(strings.Join(evidenceRules(h), " "), RuleInvestigator) {
		t.Errorf("split person lacks the edit as evidence: %+v", h.Evidence)
	}

	// Aliases.
	if _, err := d.AddAlias(ctx, st, "Tomas Vidal", "Mr Big", Audit{Actor: "alice", Reason: "EXHIBIT 14"}); err != nil {
		t.Fatal(err)
	}
	d = build(t, st)
	a, ok := d.Alias("Señor Big")
	tomas := personOf(t, d, "tvidal@harbor.example")
	if !ok || a.Status != AliasResolved || a.Person.ID != tomas.ID || !contains(tomas.Aliases, "Mr Big") || len(a.Evidence) != 1 {
		t.Errorf("alias: %+v", a)
	}
	if p, err := d.Resolve("Mr Big"); err != nil || p != tomas {
		t.Errorf("Resolve(Mr Big) = %v %v", p, err)
	}
	if _, err := d.AddAlias(ctx, st, "Jonas Reyes", "Mr Big", Audit{}); !errors.As(err, new(*InputError)) {
		t.Errorf("second attribution of an investigator alias: %v", err)
	}
	if _, err := d.RemoveAlias(ctx, st, tomas.ID, "mr big", Audit{Actor: "alice"}); err != nil {
		t.Fatal(err)
	}
	d = build(t, st)
	if a, ok := d.Alias("Mr Big"); ok && a.Status == AliasResolved {
		t.Errorf("alias not removed: %+v", a)
	}

	// Every edit is listed with its status.
	var kinds []string
	for _, e := range d.Edits() {
		kinds = append(kinds, e.Kind+":"+e.Status)
	}
	want := "person.merge:applied person.rename:applied person.split:applied person.alias:applied person.alias:applied"
	if strings.Join(kinds, " ") != want {
		t.Errorf("edits: %v", kinds)
	}
}

func TestEditRefsAndStaleEdits(t *testing.T) {
	st := newStore(
		tm{id: "1", date: "2008-01-01 10:00", from: jonasA, to: []string{maraA}},
		tm{id: "2", date: "2008-01-02 10:00", from: petraA, to: []string{maraA}},
	)
	// An edit whose IDs are gone but whose member keys still exist
	// applies through the keys; one with nothing left is stale.
	st.edits = []store.Edit{
		{ID: 1, Kind: EditMerge, Target: "p000000000000", Data: map[string]string{"keys": "a:gone@x.example\na:jonas.reyes@harbor.example",
			"with": "p111111111111", "with_keys": "a:petra.quinn@port.example"}, Actor: "alice"},
		{ID: 2, Kind: EditRename, Target: "p222222222222", Value: "Nobody", Data: map[string]string{"keys": "a:gone@x.example"}},
		{ID: 3, Kind: "person.teleport", Target: NodeID("a:mara@lefko.example")},
	}
	d := build(t, st)
	if personOf(t, d, "jonas.reyes@harbor.example") != personOf(t, d, "petra.quinn@port.example") {
		t.Error("merge by keys not applied")
	}
	got := []string{}
	for _, e := range d.Edits() {
		got = append(got, e.Status)
		if e.Status != "applied" && e.Note == "" {
			t.Errorf("edit %d %s without a note", e.ID, e.Status)
		}
	}
	if strings.Join(got, ",") != "applied,stale,stale" {
		t.Errorf("statuses: %v", got)
	}
}

func TestEditValidation(t *testing.T) {
	ctx := t.Context()
	st := newStore(tm{id: "1", date: "2008-01-01 10:00", from: jonasA, to: []string{maraA}})
	d := build(t, st)
	for name, err := range map[string]error{
		"merge with self": func() error {
			_, err := d.Merge(ctx, st, "Jonas Reyes", "jonas.reyes@harbor.example", Audit{})
			return err
		}(),
		"split foreign": func() error {
			_, err := d.Split(ctx, st, "Jonas Reyes", []string{"mara@lefko.example"}, Audit{})
			return err
		}(),
		"split all": func() error {
			_, err := d.Split(ctx, st, "Jonas Reyes", []string{"jonas.reyes@harbor.example"}, Audit{})
			return err
		}(),
		"empty rename": func() error { _, err := d.Rename(ctx, st, "Jonas Reyes", " ", Audit{}); return err }(),
		"empty alias":  func() error { _, err := d.AddAlias(ctx, st, "Jonas Reyes", "!!", Audit{}); return err }(),
	} {
		if !errors.As(err, new(*InputError)) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := d.Merge(ctx, st, "Nobody Atall", "Jonas Reyes", Audit{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown person: %v", err)
	}
	if len(st.edits) != 0 {
		t.Errorf("invalid edits were recorded: %+v", st.edits)
	}
}

func TestTimeline(t *testing.T) {
	d := build(t, aliasCase())
	evs, err := d.Timeline("Victor Lang", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Kind+":"+e.Message.ID)
	}
	want := "mentioned:a3 sent:a4 role-first-seen:a4 sent:a5 role-last-seen:a5 sent:a6 role-first-seen:a6"
	if strings.Join(got, " ") != want {
		t.Errorf("timeline:\n got %v\nwant %s", got, want)
	}
}

func TestInvestigatorOverrulesNickname(t *testing.T) {
	st := aliasCase()
	d := build(t, st)
	if _, err := d.AddAlias(t.Context(), st, "Petra Quinn", "Jo", Audit{Actor: "alice", Reason: "Jo is Petra in EXHIBIT 3"}); err != nil {
		t.Fatal(err)
	}
	d = build(t, st)
	jo, _ := d.Alias("Jo")
	petra, jonas := personOf(t, d, "petra.quinn@port.example"), personOf(t, d, "jonas.reyes@harbor.example")
	if jo.Person.ID != petra.ID || !contains(petra.Aliases, "Jo") || contains(jonas.Aliases, "Jo") {
		t.Errorf("alias Jo: %+v; petra %v jonas %v", jo.Person, petra.Aliases, jonas.Aliases)
	}
}
