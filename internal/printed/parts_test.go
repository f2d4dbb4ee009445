package printed

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/casefile/casefile/internal/model"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in     string
		want   string // UTC (or wall clock for local), "" = not a date
		offset int
		flag   string
	}{
		{"6/30/2016 2:45:27 PM", "2016-06-30 14:45:27", 0, model.DateLocal},
		{"Tuesday, March 4, 2014 11:02 AM", "2014-03-04 11:02:00", 0, model.DateLocal},
		{"Mon, Jun 30, 2016 at 2:45 PM", "2016-06-30 14:45:00", 0, model.DateLocal},
		{"30 June 2016 14:45", "2016-06-30 14:45:00", 0, model.DateLocal},
		{"Sun, 11 Mar 2018 21:03:53 +0100", "2018-03-11 20:03:53", 3600, model.DateOK},
		{"Sun, 10 Jul 2016 21:06:27 -0400 (EDT)", "2016-07-11 01:06:27", -4 * 3600, model.DateOK},
		{"6/30/16 2:45 PM", "2016-06-30 14:45:00", 0, model.DateLocal},
		{"4/2/20117:09:39 PM", "2011-04-02 19:09:39", 0, model.DateLocal},
		{"Sent: Friday, November 5, 2010 5:12 PM", "2010-11-05 17:12:00", 0, model.DateLocal},
		{"October 1, 2016 at 4:40:32 PM EDT", "2016-10-01 20:40:32", -4 * 3600, model.DateOK},
		{"March 11, 2018 at 5:13:03 PM GMT+1", "2018-03-11 16:13:03", 3600, model.DateOK},
		{"Jan 5, 2015 9:00 AM PST", "2015-01-05 17:00:00", -8 * 3600, model.DateOK},
		{"2016-06-30T14:45:00Z", "2016-06-30 14:45:00", 0, model.DateOK},
		{"Friday, March 4 2011 07:03 PM", "2011-03-04 19:03:00", 0, model.DateLocal},
		{"Oct 12, 2009 17:44:42", "2009-10-12 17:44:42", 0, model.DateLocal},
		{"Wednesday, July 10 2019 08.07 AM", "2019-07-10 08:07:00", 0, model.DateLocal},
		{"12/03/2018", "2018-12-03 00:00:00", 0, model.DateLocal},
		{"30/04/2016 09:00", "2016-04-30 09:00:00", 0, model.DateLocal},
		{"5-Nov-10 5:12 pm", "2010-11-05 17:12:00", 0, model.DateLocal},
		{"Thursday, April 28, 2016 12:14 PM", "2016-04-28 12:14:00", 0, model.DateLocal},
		{"Tue, Mar 1, 2011 6:34 pm", "2011-03-01 18:34:00", 0, model.DateLocal},
		// not dates
		{"", "", 0, ""},
		{"Monday", "", 0, ""},
		{"March 4", "", 0, ""},
		{"Budget draft 2016", "", 0, ""},
		{"2/30/2016 10:00 AM", "", 0, ""},
		{"13/13/2016", "", 0, ""},
		{"25:00 March 4, 2014", "", 0, ""},
	}
	for _, tc := range tests {
		got, off, flag, ok := ParseDate(tc.in)
		if tc.want == "" {
			if ok {
				t.Errorf("ParseDate(%q) = %v, want failure", tc.in, got)
			}
			continue
		}
		if !ok {
			t.Errorf("ParseDate(%q) failed", tc.in)
			continue
		}
		if s := got.Format("2006-01-02 15:04:05"); s != tc.want || off != tc.offset || flag != tc.flag || got.Location().String() != "UTC" {
			t.Errorf("ParseDate(%q) = %s %d %q, want %s %d %q", tc.in, s, off, flag, tc.want, tc.offset, tc.flag)
		}
	}
}

func TestMatchLabel(t *testing.T) {
	tests := []struct {
		in, key, value string
		fuzzy          bool
	}{
		{"From: Ana Perez", keyFrom, "Ana Perez", false},
		{"Frorn: Ana Perez", keyFrom, "Ana Perez", true},
		{"Sent : 6/30/2016", keyDate, "6/30/2016", false},
		{"T o: Omar", keyTo, "Omar", true},
		{"Subj ect: Plans", keySubject, "Plans", true},
		{"Sul:4ect: Plans", keySubject, "Plans", true},
		{"Subject; Plans", keySubject, "Plans", false},
		{"CC: Ana", keyCc, "Ana", false},
		{"cc: Ana", keyCc, "Ana", false},
		{"Bee: Ana", keyBcc, "Ana", true},
		{"*From:* Ana Perez", keyFrom, "Ana Perez", false},
		{"To", keyTo, "", false},
		{"Attachments: a.pdf", keyAttachments, "a.pdf", false},
		{"Importance: High", keyOther, "High", false},
		{"Sent 9/28/2012 2:41:02 PM", keyDate, "9/28/2012 2:41:02 PM", true},
		{"Subject:", keySubject, "", false},
	}
	for _, tc := range tests {
		lm, ok := matchLabel(tc.in)
		if !ok || lm.key != tc.key || lm.value != tc.value || lm.fuzzy != tc.fuzzy {
			t.Errorf("matchLabel(%q) = %+v %v, want key %q value %q fuzzy %v", tc.in, lm, ok, tc.key, tc.value, tc.fuzzy)
		}
	}
	for _, in := range []string{"Note: call me", "To do: buy milk", "Sen. Lee said", "Dear Ana:", "Tomorrow: rain", "http://x.example", "Time: 10:00"} {
		if lm, ok := matchLabel(in); ok && lm.key != keyOther {
			t.Errorf("matchLabel(%q) = %+v, want no core label", in, lm)
		}
	}
}

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		in   string
		want []model.Address
	}{
		{"Ana Perez <ana.perez@orchard.example>", []model.Address{addr("Ana Perez", "ana.perez@orchard.example")}},
		{"Ana Perez [mailto:Ana.Perez@Orchard.example]", []model.Address{addr("Ana Perez", "ana.perez@orchard.example")}},
		{`"Perez, Ana" <mailto:ana.perez@orchard.example>`, []model.Address{addr("Perez, Ana", "ana.perez@orchard.example")}},
		{"ana.perez@orchard.example", []model.Address{addr("", "ana.perez@orchard.example")}},
		{"ana.perez©orchard.example", []model.Address{addr("", "ana.perez@orchard.example")}},
		{"Ana <ana.perez@orchard. example>", []model.Address{addr("Ana", "ana.perez@orchard.example")}},
		{"Ana <ana.perez@grnail.corn>", []model.Address{addr("Ana", "ana.perez@gmail.com")}},
		{"Ana Perez", []model.Address{addr("Ana Perez", "")}},
		{"Perez, Ana", []model.Address{addr("Perez, Ana", "")}},
		{"Perez, Ana; Haddad, Omar", []model.Address{addr("Perez, Ana", ""), addr("Haddad, Omar", "")}},
		{"Ana, Omar, Lena", []model.Address{addr("Ana", ""), addr("Omar", ""), addr("Lena", "")}},
		{"Perez, Ana (NY) <ana@x.example>, Haddad, Omar (DC) <omar@x.example>", []model.Address{addr("Perez, Ana (NY)", "ana@x.example"), addr("Haddad, Omar (DC)", "omar@x.example")}},
		{"Ana Perez <____________>", []model.Address{addr("Ana Perez", "")}},
		{"Ana Perez <_________ Omar Haddad", []model.Address{addr("Ana Perez", ""), addr("Omar Haddad", "")}},
		{"Ana Perez [ \t; Omar Haddad [omar@x.example]", []model.Address{addr("Ana Perez", ""), addr("Omar Haddad", "omar@x.example")}},
		{"[REDACTED]", []model.Address{addr(RedactedName, "")}},
		{"(b)(6), (b)(7)(C)", []model.Address{addr(RedactedName, "")}},
		{"Ana Perez; (b)(6)", []model.Address{addr("Ana Perez", ""), addr(RedactedName, "")}},
		{"Undisclosed recipients:;", nil},
		{"'ana@x.example' <ana@x.example>", []model.Address{addr("", "ana@x.example")}},
		{"Ana Perez (ana@x.example) <ana@x.example>", []model.Address{addr("Ana Perez", "ana@x.example")}},
		{"CN=Ana Perez/O=Orchard@Orchard", []model.Address{addr("Ana Perez", "")}},
		{"Ana Perez I", []model.Address{addr("Ana Perez", "")}},
		{"J [jdoe@x.example]", []model.Address{addr("J", "jdoe@x.example")}},
		{"jdoe(&,x.example", []model.Address{addr("", "jdoe@x.example")}},
	}
	for _, tc := range tests {
		if got := parseAddressList(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseAddressList(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestParseSender(t *testing.T) {
	from, sender, ok := parseSender("Desk, Front on behalf of Ruth Okafor <ruth@x.example>")
	if !ok || from != addr("Ruth Okafor", "ruth@x.example") || sender != addr("Desk, Front", "") {
		t.Errorf("got %#v %#v %v", from, sender, ok)
	}
	from, _, _ = parseSender("Perez, Ana")
	if from != addr("Perez, Ana", "") {
		t.Errorf("Last, First sender split: %#v", from)
	}
}

func TestBates(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"HOUSE_OVERSIGHT_012345", []string{"HOUSE_OVERSIGHT_012345"}},
		{"   HOUSE OVERSIGHT 012345  ", []string{"HOUSE OVERSIGHT 012345"}},
		{"EFTA00012345", []string{"EFTA00012345"}},
		{"DOJ-OGR-00012345", []string{"DOJ-OGR-00012345"}},
		{"ABC-000123", []string{"ABC-000123"}},
		{"XYZ000123", []string{"XYZ000123"}},
		{"see HARBOR_000123 and HARBOR_000124 here", []string{"HARBOR_000123", "HARBOR_000124"}},
		{"text DOJ-OGR-00012345 text", []string{"DOJ-OGR-00012345"}},
		// not stamps
		{"Los Angeles, CA 90017", nil},
		{"FL 33301", nil},
		{"call 555 12345 now", nil},
		{"ABC 12345 is a ticket number in prose", nil},
		{"Invoice 2016", nil},
	}
	for _, tc := range tests {
		if got := DetectBates(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DetectBates(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	pages := []string{
		"From: a\nHARBOR 000100\n", "text\nHARBOR_000101\n", "more\nHARBOR 000102\nCA 90017\n",
		"x\nHARBOR 000103\n",
	}
	if got := LearnBatesPrefixes(pages); !reflect.DeepEqual(got, []string{"HARBOR"}) {
		t.Errorf("LearnBatesPrefixes = %q", got)
	}
	// A stamp seen on only one of many pages is not a prefix.
	if got := LearnBatesPrefixes([]string{"ONE 123456\n", "two\n", "three\n"}); len(got) != 0 {
		t.Errorf("LearnBatesPrefixes learned %q from one page", got)
	}
}

func TestNormalizeAndSamePerson(t *testing.T) {
	for in, want := range map[string]string{
		"Perez, Ana":          "ana perez",
		"Dr. Ana Perez, PhD":  "ana perez",
		"Thomas Jr., Landon":  "landon thomas",
		"'Ana Perez'":         "ana perez",
		"Perez, Ana (NY)":     "ana perez",
		"ANA PEREZ":           "ana perez",
		"ana.perez@x.example": "ana.perez@x.example",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
	msgs := []*model.Message{
		{From: addr("Ana Perez", "ana.perez@orchard.example")},
		{From: addr("Ana P.", "ana.perez@orchard.example")},
		{From: addr("Ana Perez", "ana.perez@orchard.example")},
		{From: addr("Ana P.", "ana.pcrez@orchard.example")}, // OCR variant
		{From: addr("Omar Haddad", "omar@dune.example")},
		{To: []model.Address{addr("Omar Haddad", "ana.perez@orchard.example")}}, // stray pairing
	}
	tab := LearnAliases(msgs)
	yes := []struct {
		got  model.Address
		want string
	}{
		{addr("", "ana.pcrez@orchard.example"), "Ana Perez"},
		{addr("A", "ana.perez@orchard.example"), "Ana Perez"},
		{addr("Perez, Ana", ""), "Ana Perez"},
		{addr("Kathy Perez", ""), "Kathryn Perez"},
		{addr("Bill Okafor", ""), "William Okafor"},
		{addr("OKAFOR Ruth", ""), "Ruth Okafor"},
		{addr("", "rokafor@landlord.example"), "Ruth Okafor"},
		{addr("", "info@harbornews.example"), "Harbor News"},
		{addr("R Okafor", ""), "Ruth Okafor"},
	}
	for _, c := range yes {
		if !tab.SamePerson(c.got, c.want) {
			t.Errorf("SamePerson(%v, %q) = false", c.got, c.want)
		}
	}
	no := []struct {
		got  model.Address
		want string
	}{
		{addr("Omar Haddad", ""), "Ana Perez"},
		{addr("", "omar@dune.example"), "Ana Perez"},
		{addr("Sean Okafor", ""), "Ruth Okafor"},
		{addr("Ruth Okafor", ""), "Ruth Olsen"},
		{addr("", "ana.perez@orchard.example"), "Omar Haddad"},
	}
	for _, c := range no {
		if tab.SamePerson(c.got, c.want) {
			t.Errorf("SamePerson(%v, %q) = true", c.got, c.want)
		}
	}
}

func FuzzRecover(f *testing.F) {
	for _, s := range []string{
		"From: Ana <a@x.example>\nSent: 6/30/2016 2:45 PM\nTo: B\nSubject: s\n\nbody\n",
		"From:\nSent:\nTo:\nSubject:\nAna\n6/30/2016 2:45 PM\nOmar\nHi\n",
		"On Mon, Jun 30, 2016 at 1:10 PM, Tomas <t@x.example> wrote:\n> hi\n>> On Jun 29, 2016, at 9:00 AM, Ana wrote:\n",
		"-----Original Message-----\nFrom: x\nDate: y\n\fHOUSE_OVERSIGHT_000001\n",
		"To: [REDACTED]; (b)(6) ████ \xff\xfe\nFrom: Ana\nSent: 4/2/20117:09:39 PM\n",
		"Begin forwarded message:\n\nFrom: <\nDate: October 1, 2016 at 4:40:32 PM EDT\nTo: <\nSubject: x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		res := Recover(Document{Path: "f.txt", Pages: SplitPages(s)}, Options{})
		for _, m := range res.Messages {
			for _, v := range []string{m.From.Name, m.From.Address, m.Subject, m.BodyText, m.DateRaw, m.MessageID} {
				if !utf8.ValidString(v) {
					t.Fatalf("invalid UTF-8 in %q", v)
				}
			}
			for _, a := range append(append([]model.Address{}, m.To...), m.Cc...) {
				if !utf8.ValidString(a.Name) || !utf8.ValidString(a.Address) {
					t.Fatalf("invalid UTF-8 address %q", a)
				}
			}
			s := m.Sources[0]
			if s.Page < 1 || s.LineFrom < 1 || s.PageEnd < s.Page || s.PageEnd == s.Page && s.LineTo < s.LineFrom {
				t.Fatalf("bad span %+v", s)
			}
			if m.Confidence <= 0 || m.Confidence > 1 {
				t.Fatalf("confidence %v", m.Confidence)
			}
		}
		_, _, _, _ = ParseDate(s)
		_ = DetectBates(s)
	})
}
