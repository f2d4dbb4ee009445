package people

import (
	"reflect"
	"strings"
	"testing"
)

func TestGreetingName(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"Mara,", "Mara"},
		{"Hi Jo,", "Jo"},
		{"Hi Jo - quick one", "Jo"},
		{"Dear Mr Reyes,", "Mr Reyes"},
		{"Jonas, the schedule is attached.", "Jonas"},
		{"Petie!", "Petie"},
		{"Thursday works.", ""},
		{"Thursday, then.", ""},
		{"Dear all,", ""},
		{"Thanks,", ""},
		{"Did the transfer clear?", ""},
		{"Lefky says hello.", ""},
		{"Hello,", ""},
	} {
		if got := greetingName(c.line); got != c.want {
			t.Errorf("greetingName(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestSignature(t *testing.T) {
	for _, c := range []struct {
		name, body       string
		sign, title, org string
	}{
		{"bare initial", "Mara,\n\nThe lease is ready.\n\nJ\n", "J", "", ""},
		{"initial with dot", "Jonas, the transfer cleared.\n\nM.\n", "M.", "", ""},
		{"name after text", "Jonas, the auditors arrive on 2 June.\nPetra\n", "Petra", "", ""},
		{"closing and block", "Numbers below.\n\nBest regards,\nVictor Lang\nMinister of State for Trade\nMinistry of Ports\nTel +00 555 0100 200\n",
			"Victor Lang", "Minister of State for Trade", "Ministry of Ports"},
		{"block after blank", "See attached.\n\nVictor Lang\nDirector of Operations, Harbor Authority\n", "Victor Lang", "Director of Operations", "Harbor Authority"},
		{"inline pipes", "Agreed.\n\nCheers,\nIda Brandt | Chief Counsel | Brandt Partners\n", "Ida Brandt", "Chief Counsel", "Brandt Partners"},
		{"sig delimiter", "Fine.\n-- \nOtto Krall\nSenior Auditor\nKrall & Co Ltd\n", "Otto Krall", "Senior Auditor", "Krall & Co Ltd"},
		{"inline closing", "Fine by me.\n\nBest, Jonas\n", "Jonas", "", ""},
		{"quoted tail ignored", "OK.\n\nJ\n\nOn Tue, 4 Mar 2008, Mara wrote:\n> Thanks\n> Mara Lefkowitz\n> Director\n", "J", "", ""},
		{"prose only", "Numbers attached next week.\nThe board meets Friday.", "", "", ""},
		{"closing only", "Numbers attached.\n\nThanks!\n", "", "", ""},
		{"one line", "Did the transfer clear?", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := analyzeBody(c.body)
			if f.signoff != c.sign || f.sigTitle != c.title || f.sigOrg != c.org {
				t.Errorf("signature = %q / %q / %q, want %q / %q / %q", f.signoff, f.sigTitle, f.sigOrg, c.sign, c.title, c.org)
			}
		})
	}
}

func TestAliasHits(t *testing.T) {
	type hit struct{ text, kind, def string }
	for _, c := range []struct {
		sentence string
		want     []hit
	}{
		{"Mr Big wants it signed before the audit.", []hit{{"Mr Big", AliasHonorific, ""}}},
		{"Señor Big approved it.", []hit{{"Señor Big", AliasHonorific, ""}}},
		{"Mr Big is pleased.", []hit{{"Mr Big", AliasHonorific, ""}}},
		{"Mr Big is Victor Lang, as you know.", []hit{{"Mr Big", AliasHonorific, "Victor Lang"}}},
		{"Victor Lang (Mr Big) called twice.", []hit{{"Mr Big", AliasHonorific, "Victor Lang"}}},
		{"Ask \"Petie\" before Friday.", []hit{{"Petie", AliasQuoted, ""}}},
		{"Peter Quinn, known as \"Petie\", owns the boat.", []hit{{"Petie", AliasQuoted, "Peter Quinn"}}},
		{"Lefky says hello.", []hit{{"Lefky", AliasNickname, ""}}},
		{"Tell Lefky nothing.", []hit{{"Lefky", AliasNickname, ""}}},
		{"Ines Alvarez aka The Accountant signed.", []hit{{"The Accountant", AliasStated, "Ines Alvarez"}}},
		{"We call Otto Krall \"Uncle\" here.", []hit{{"Uncle", AliasStated, "Otto Krall"}}},
		{"The codename Tarragon is in use.", []hit{{"Tarragon", AliasStated, ""}}},
		// Not aliases.
		{"Mr Jonas Reyes will attend.", nil},
		{"Thursday works.", nil},
		{"We sail from Italy tomorrow.", nil},
		{"Sorry says nothing.", nil},
		{"The lease for berth 7 is ready.", nil},
	} {
		var got []hit
		for _, h := range aliasHits(c.sentence) {
			got = append(got, hit{h.text, h.kind, h.defName})
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("aliasHits(%q) = %v, want %v", c.sentence, got, c.want)
		}
	}
}

func TestSentencesAndPhrases(t *testing.T) {
	got := sentences(strings.Split("Mara,\n\nMr. Big met J. Reyes. Did it clear?\nYes.", "\n"))
	want := []string{"Mara,", "Mr. Big met J. Reyes.", "Did it clear?", "Yes."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sentences = %q, want %q", got, want)
	}
	ph := appendPhrases(nil, "Keep Petra Quinn out, and tell Mr Reyes.")
	for _, w := range []string{"petra quinn", "mr reyes", "petra", "quinn", "keep petra quinn"} {
		if !contains(ph, w) {
			t.Errorf("phrases %q lack %q", ph, w)
		}
	}
	if contains(ph, "quinn out") || contains(ph, "quinn mr") {
		t.Errorf("phrases cross a lower-case word or a comma: %q", ph)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestNewTextCutsQuotes(t *testing.T) {
	body := "Fine.\n\n-----Original Message-----\nFrom: Mr Big\nMr Big is Victor Lang.\n"
	f := analyzeBody(body)
	if len(f.aliases) != 0 {
		t.Errorf("aliases found in quoted text: %+v", f.aliases)
	}
	body = "Fine.\n\nFrom: Mara Lefkowitz\nSent: Tuesday\nTo: Jonas\n\nMr Big is Victor Lang.\n"
	if f := analyzeBody(body); len(f.aliases) != 0 {
		t.Errorf("aliases found under an Outlook header block: %+v", f.aliases)
	}
}
