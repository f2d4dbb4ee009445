package people

import (
	"reflect"
	"strings"
	"testing"
)

func TestNormalizeAddress(t *testing.T) {
	for _, c := range []struct {
		in, want string
		rules    []string
	}{
		{"jonas.reyes@harbor.example", "jonas.reyes@harbor.example", nil},
		{"Jonas.Reyes@Harbor.Example", "jonas.reyes@harbor.example", []string{RuleCase}},
		{"<mara@lefko.example>", "mara@lefko.example", nil},
		{"mailto:mara@lefko.example", "mara@lefko.example", nil},
		{"mara+deals@lefko.example", "mara@lefko.example", []string{RulePlusTag}},
		{"+notatag@lefko.example", "+notatag@lefko.example", nil},
		{"j.reyes@googlemail.com", "jreyes@gmail.com", []string{RuleGooglemail, RuleGmailDots}},
		{"j.reyes+x@gmail.com", "jreyes@gmail.com", []string{RulePlusTag, RuleGmailDots}},
		// Dots matter everywhere else.
		{"j.reyes@harbor.example", "j.reyes@harbor.example", nil},
		{"no-at-sign", "no-at-sign", nil},
	} {
		got, rules := NormalizeAddress(c.in)
		if got != c.want || !reflect.DeepEqual(rules, c.rules) {
			t.Errorf("NormalizeAddress(%q) = %q %v, want %q %v", c.in, got, rules, c.want, c.rules)
		}
	}
}

func TestParseName(t *testing.T) {
	for _, c := range []struct {
		in        string
		key       string
		form      int
		first     string
		last, gen string
	}{
		{"Jonas Reyes", "jonas reyes", formFull, "jonas", "reyes", ""},
		{"Reyes, Jonas", "jonas reyes", formFull, "jonas", "reyes", ""},
		{`"Reyes, Jonas"`, "jonas reyes", formFull, "jonas", "reyes", ""},
		{"REYES, JONAS A.", "jonas a reyes", formFull, "jonas", "reyes", ""},
		{"J. Reyes", "j reyes", formInitial, "j", "reyes", ""},
		{"Reyes, J.", "j reyes", formInitial, "j", "reyes", ""},
		{"Dr Jane Doe", "jane doe", formFull, "jane", "doe", ""},
		{"The Rt. Hon. Jane Doe MP", "jane doe", formFull, "jane", "doe", ""},
		{"Lord Victor Lang of Harbor", "victor lang of harbor", formFull, "victor", "harbor", ""},
		{"Lord Lang", "lang", formSingle, "lang", "", ""},
		{"Tomás Vidal", "tomas vidal", formFull, "tomas", "vidal", ""},
		{"Tomas Vidal (Harbor)", "tomas vidal", formFull, "tomas", "vidal", ""},
		{"Ann Lee Jr.", "ann lee jr", formFull, "ann", "lee", "jr"},
		{"Lee, Ann, Jr.", "ann lee jr", formFull, "ann", "lee", "jr"},
		{"Reyes, Jonas, Director", "jonas reyes", formFull, "jonas", "reyes", ""},
		{"Mara", "mara", formSingle, "mara", "", ""},
		{"maxwell", "maxwell", formSingle, "maxwell", "", ""},
		{"J R", "j r", formInitials, "j", "r", ""},
		{"[redacted]", "", formNone, "", "", ""},
		{"mara@lefko.example", "", formNone, "", "", ""},
		{"Mara Lefkowitz mara@lefko.example", "mara lefkowitz", formFull, "mara", "lefkowitz", ""},
	} {
		n := parseName(c.in)
		if n.key != c.key || n.form != c.form || n.first != c.first || n.last != c.last || n.gen != c.gen {
			t.Errorf("parseName(%q) = key %q form %d first %q last %q gen %q; want %q %d %q %q %q",
				c.in, n.key, n.form, n.first, n.last, n.gen, c.key, c.form, c.first, c.last, c.gen)
		}
	}
}

func TestNameCompatibility(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"Jonas Reyes", "Reyes, Jonas", true},
		{"Jonas Reyes", "Dr. Jonas Reyes", true},
		{"Jonas A. Reyes", "Jonas Reyes", true},
		{"Jonas A. Reyes", "Jonas Alberto Reyes", true},
		{"Jonas A. Reyes", "Jonas B. Reyes", false},
		{"Ann Lee Jr", "Ann Lee Sr", false},
		{"Ann Lee Jr", "Ann Lee", false},
		{"Mara Lefkowitz", "Mara Quinn", false},
		{"Mara Lefkowitz", "Mira Lefkowitz", false},
		{"Ghislaine Maxwell", "Ian Maxwell", false},
		{"G. Maxwell", "Ghislaine Maxwell", false}, // initials are not full names; see initialMatches
	} {
		if got := sameFullName(parseName(c.a), parseName(c.b)); got != c.same {
			t.Errorf("sameFullName(%q, %q) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
	for _, c := range []struct {
		init, full string
		ok         bool
	}{
		{"G. Maxwell", "Ghislaine Maxwell", true},
		{"Maxwell, G.", "Ghislaine Maxwell", true},
		{"G. Maxwell", "Ian Maxwell", false},
		{"Maxwell", "Ghislaine Maxwell", false},
		{"G. Maxwell", "Ghislaine Maxwell Jr", false},
	} {
		if got := initialMatches(parseName(c.init), parseName(c.full)); got != c.ok {
			t.Errorf("initialMatches(%q, %q) = %v, want %v", c.init, c.full, got, c.ok)
		}
	}
}

func TestOCRVariant(t *testing.T) {
	for _, c := range []struct {
		a, b string
		ok   bool
	}{
		{"mara.lefkowitz", "mara.lefkowltz", true}, // i/l
		{"mara.lefkowitz", "mara.lefkowit", true},  // dropped letter
		{"jmorton", "jrnorton", true},              // m/rn
		{"dclark", "dciark", true},
		{"jsmith1", "jsmith2", false}, // two mailboxes, not a misread
		{"jsmith", "jsmyth", true},
		{"jsmith", "jsmythe", false},
		{"ab", "ac", false}, // too short to judge
		{"same", "same", false},
	} {
		if got := ocrVariant(c.a, c.b); got != c.ok {
			t.Errorf("ocrVariant(%q, %q) = %v, want %v", c.a, c.b, got, c.ok)
		}
	}
}

func TestNicknameOf(t *testing.T) {
	for _, c := range []struct {
		word, given string
		ok          bool
	}{
		{"jo", "jonas", true},
		{"jonny", "jonas", true},
		{"petie", "peter", true},
		{"bob", "robert", true},
		{"kate", "katherine", true},
		{"j", "jonas", false},
		{"lefky", "mara", false},
		{"big", "jonas", false},
		{"jonas", "jonas", false},
	} {
		if got := nicknameOf(c.word, c.given); got != c.ok {
			t.Errorf("nicknameOf(%q, %q) = %v, want %v", c.word, c.given, got, c.ok)
		}
	}
}

func TestHandleMentions(t *testing.T) {
	n := parseName("Jonas Reyes")
	for local, want := range map[string]bool{"jonas.reyes": true, "jreyes": true, "reyesj": true, "jrholiday": false, "jr": false} {
		if got := handleMentions(local, n); got != want {
			t.Errorf("handleMentions(%q) = %v, want %v", local, got, want)
		}
	}
	if !strings.Contains(fold("Tomás"), "tomas") {
		t.Errorf("fold(Tomás) = %q", fold("Tomás"))
	}
}
