package printed

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
)

// want describes the expected fields of one recovered message. Empty
// fields are not checked unless listed in the check flags.
type want struct {
	from       model.Address
	sender     model.Address
	to, cc     []model.Address
	bcc        []model.Address
	checkCc    bool
	subject    string
	date       string // "2006-01-02 15:04:05" in DateUTC, "" = no date
	flag       string
	offset     int
	body       string // exact body
	page       int
	pageEnd    int
	lineFrom   int
	lineTo     int
	bates      string
	parent     int // index of the quoted message, -1 none
	attach     []string
	minConf    float64
	maxConf    float64
	warningHas string
}

func addr(name, a string) model.Address { return model.Address{Name: name, Address: a} }

func loadFixture(t *testing.T, name string) Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Document{Path: "prod/" + name, FileSHA256: "f00d", Pages: SplitPages(string(b))}
}

func TestRecoverFixtures(t *testing.T) {
	tests := []struct {
		file  string
		msgs  []want
		bates []string
	}{
		{
			file:  "outlook_basic.txt",
			bates: []string{"HARBOR_000123"},
			msgs: []want{{
				from: addr("Jonas Reyes", "jonas.reyes@harbor.example"),
				// "Lind, Mara" stays one person: Outlook separates with ";".
				to:      []model.Address{addr("Lind, Mara", ""), addr("Omar Haddad", "omar.haddad@dune.example")},
				cc:      []model.Address{addr("Pia Sorensen", "")},
				checkCc: true,
				subject: "RE: Quarterly numbers",
				date:    "2014-03-04 11:02:00", flag: model.DateLocal,
				body: "Mara, Omar -- the numbers are attached.\nJonas",
				page: 1, pageEnd: 1, lineFrom: 1, lineTo: 10,
				bates:   "HARBOR_000123",
				parent:  1,
				attach:  []string{"q1-summary.xlsx", "notes.pdf"},
				minConf: 0.95,
			}, {
				from:    addr("Lind, Mara", "mara.lind@fjord.example"),
				to:      []model.Address{addr("Jonas Reyes", "")},
				subject: "Quarterly numbers",
				date:    "2014-03-03 16:15:00", flag: model.DateLocal,
				body: "Can you send the Q1 figures?",
				page: 1, pageEnd: 1, lineFrom: 13, lineTo: 18,
				bates:  "HARBOR_000123",
				parent: -1,
			}},
		},
		{
			file: "gmail_chain.txt",
			msgs: []want{{
				from:    addr("Ana Perez", "ana.perez@orchard.example"),
				to:      []model.Address{addr("Tomas Berg", "tomas.berg@berg.example")},
				cc:      []model.Address{addr("Lena Park", "lena.park@fjord.example"), addr("Omar Haddad", "omar.haddad@dune.example")},
				checkCc: true,
				subject: "Re: Site visit",
				date:    "2016-06-30 14:45:00", flag: model.DateLocal,
				body:     "Thursday works for me.",
				lineFrom: 1, lineTo: 7, page: 1, pageEnd: 1,
				parent: 1,
			}, {
				// On <date>, <name> <addr> wrote: with > quoting.
				from: addr("Tomas Berg", "tomas.berg@berg.example"),
				date: "2016-06-30 13:10:00", flag: model.DateLocal,
				body:     "Can we move the visit to Thursday?",
				lineFrom: 9, lineTo: 10, page: 1, pageEnd: 1,
				parent:  2,
				maxConf: 0.9,
			}, {
				// Apple form (", at") at the second quote level.
				from: addr("Ana Perez", "ana.perez@orchard.example"),
				date: "2016-06-29 09:00:00", flag: model.DateLocal,
				body:     "The site visit is on Wednesday at 10.\nAna",
				lineFrom: 12, lineTo: 14,
				parent: -1,
			}},
		},
		{
			file: "apple_forward.txt",
			msgs: []want{{
				from:    addr("Lena Park", "lena.park@fjord.example"),
				to:      []model.Address{addr("Omar Haddad", "omar.haddad@dune.example")},
				subject: "Fwd: Lease renewal",
				date:    "2016-10-01 20:40:32", flag: model.DateLocal,
				body:   "FYI below.",
				parent: 1,
			}, {
				// Begin forwarded message: Apple order, zone printed.
				from:    addr("Ruth Okafor", "ruth.okafor@landlord.example"),
				to:      []model.Address{addr("Lena Park", "lena.park@fjord.example")},
				subject: "Lease renewal",
				date:    "2016-10-01 20:40:32", flag: model.DateOK, offset: -4 * 3600,
				body:     "The lease renewal is ready for signature.",
				lineFrom: 10, lineTo: 15,
				parent: 2,
			}, {
				// ---------- Forwarded message --------- (Gmail).
				from:    addr("Leasing Desk", "desk@landlord.example"),
				to:      []model.Address{addr("Ruth Okafor", "ruth.okafor@landlord.example")},
				subject: "Lease 4B",
				date:    "2016-09-30 09:15:00", flag: model.DateLocal,
				body:   "Draft attached.",
				parent: -1,
			}},
		},
		{
			file:  "ocr_mangled.txt",
			bates: []string{"DOJ-OGR-00012345"},
			msgs: []want{{
				// Frorn:, Sent :, T o:, Sul:4ect:, © for @, "dune. example",
				// <mailto:>, a Bates stamp inside the To: value, and a year
				// glued to the hour.
				from: addr("Lena Park", "lena.park@fjord.example"),
				to: []model.Address{
					addr("Omar Haddad", "omar.haddad@dune.example"),
					addr("Pia Sorensen", "pia.sorensen@dune.example"),
				},
				cc:      []model.Address{addr("Tomas Berg", "tomas.berg@berg.example")},
				checkCc: true,
				subject: "Budget draft",
				date:    "2011-04-02 19:09:39", flag: model.DateLocal,
				body:       "Please review the budget draft before Friday.",
				bates:      "DOJ-OGR-00012345",
				parent:     -1,
				warningHas: "Bates stamp interrupted",
				maxConf:    0.9,
			}},
		},
		{
			file: "columns.txt",
			msgs: []want{{
				// Labels in one run, values in the next.
				from:    addr("Ruth Okafor", ""),
				to:      []model.Address{addr("Omar Haddad", ""), addr("Lena Park", "")},
				subject: "Lease 4B",
				date:    "2016-06-30 14:45:27", flag: model.DateLocal,
				attach:   []string{"lease-4b.pdf"},
				body:     "The signed lease is attached.",
				lineFrom: 1, lineTo: 11,
				parent:     -1,
				warningHas: "apart from their labels",
			}, {
				// Each label alone on its line with the value below.
				from:    addr("Mara Lind", ""),
				to:      []model.Address{addr("Jonas Reyes", "")},
				subject: "Boat schedule",
				date:    "2010-11-05 17:12:00", flag: model.DateLocal,
				body:     "The boat leaves at nine.",
				lineFrom: 13, lineTo: 21,
				parent: -1,
			}},
		},
		{
			file: "redactions.txt",
			msgs: []want{{
				from: addr("Omar Haddad", "omar.haddad@dune.example"),
				// Wholly redacted values: one placeholder, never a person.
				to:      []model.Address{addr(RedactedName, "")},
				cc:      []model.Address{addr(RedactedName, "")},
				bcc:     []model.Address{addr(RedactedName, "")},
				checkCc: true,
				subject: "Witness list",
				date:    "2010-11-05 17:12:00", flag: model.DateLocal,
				body:   "The witness is (b)(7)(C) and lives at XXXXX Street.\nCall ■■■■■ before noon. REDACTED",
				parent: -1,
			}},
		},
		{
			file:  "multipage.txt",
			bates: []string{"HARBOR 000200", "HARBOR 000201", "HARBOR 000202"},
			msgs: []want{{
				from: addr("Jonas Reyes", "jonas.reyes@harbor.example"),
				// wrapped recipient list
				to: []model.Address{
					addr("Mara Lind", "mara.lind@fjord.example"),
					addr("Omar Haddad", "omar.haddad@dune.example"),
					addr("Tomas Berg", "tomas.berg@berg.example"),
				},
				subject: "Re: Dock permits",
				date:    "2017-07-04 17:57:07", flag: model.DateLocal,
				body: "Permits are filed.",
				page: 1, pageEnd: 1, lineFrom: 1, lineTo: 7,
				bates:  "HARBOR 000200",
				parent: 1,
			}, {
				// The To: value continues on the next page after the
				// footer stamp.
				from:    addr("Mara Lind", "mara.lind@fjord.example"),
				to:      []model.Address{addr("Jonas Reyes", "jonas.reyes@harbor.example"), addr("Omar Haddad", "omar.haddad@dune.example")},
				subject: "Dock permits",
				date:    "2017-07-04 09:12:00", flag: model.DateLocal,
				body: "Were the permits filed?",
				page: 1, pageEnd: 2, lineFrom: 9, lineTo: 4,
				bates:  "HARBOR 000200",
				parent: -1, // the next message starts a new printout
			}, {
				from:    addr("Pia Sorensen", "pia.sorensen@dune.example"),
				to:      []model.Address{addr("Jonas Reyes", "jonas.reyes@harbor.example")},
				subject: "Lunch",
				date:    "2017-08-01 10:00:00", flag: model.DateLocal,
				body: "Lunch on Friday?",
				page: 3, pageEnd: 3, lineFrom: 1, lineTo: 6,
				bates:  "HARBOR 000202",
				parent: -1,
			}},
		},
		{
			file:  "blackberry.txt",
			bates: []string{"EFTA00012345"},
			msgs: []want{{
				from:    addr("Tomas Berg", "tomas.berg@berg.example"),
				to:      []model.Address{addr("", "mara.lind@fjord.example")},
				subject: "Re: Ferry",
				date:    "2010-11-05 17:12:44", flag: model.DateOK,
				body:     "Ferry at 6.",
				lineFrom: 4, lineTo: 10,
				bates:  "EFTA00012345",
				parent: -1,
			}},
		},
		{
			file: "wrapped_ocr.txt",
			msgs: []want{{
				// A recipient list wrapped over several lines, with
				// redaction boxes that swallowed brackets and separators,
				// a stray "1", a bullet, a lower-case name and the last
				// recipient printed after the subject.
				from: addr("Ana Perez", "ana.perez@orchard.example"),
				to: []model.Address{
					addr("Omar Haddad", ""), addr("Lena", ""), addr("Tomas Berg", ""),
					addr("Ruth Okafor", ""), addr("Pia Sorensen", ""), addr("mara lind", ""),
					addr("Jonas Reyes", ""), addr("Leo Brandt", ""), addr("Nia Cole", ""),
				},
				subject: "Fwd: Harbor plans",
				date:    "2019-01-16 19:50:41", flag: model.DateLocal,
				body:     "Forwarding the plans.",
				lineFrom: 1, lineTo: 13,
				parent: -1,
			}},
		},
		{
			file: "behalf.txt",
			msgs: []want{{
				from:    addr("Ruth Okafor", ""),
				sender:  addr("Leasing Desk", ""),
				to:      []model.Address{addr("Omar Haddad", "")},
				subject: "Keys",
				date:    "2019-01-15 16:44:33", flag: model.DateLocal,
				body:   "Keys are at the front desk.",
				parent: -1,
			}},
		},
		{
			file: "names_only.txt",
			msgs: []want{{
				from: addr("Haddad, Omar", ""),
				to: []model.Address{
					addr("Okafor, Ruth (Legal)", ""),
					addr("Berg, Tomas", "tomas.berg@berg.example"),
				},
				cc:      []model.Address{addr("Ana", ""), addr("Lena", ""), addr("Pia", "")},
				checkCc: true,
				subject: "Names",
				date:    "2018-03-12 01:04:06", flag: model.DateLocal,
				body:   "Short note.",
				parent: -1,
			}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			doc := loadFixture(t, tc.file)
			res := Recover(doc, Options{})
			if len(res.Messages) != len(tc.msgs) {
				for i, m := range res.Messages {
					t.Logf("got[%d] from=%v subject=%q lines %d-%d", i, m.From, m.Subject, m.Sources[0].LineFrom, m.Sources[0].LineTo)
				}
				t.Fatalf("got %d messages, want %d", len(res.Messages), len(tc.msgs))
			}
			var stamps []string
			for _, b := range res.Bates {
				stamps = append(stamps, b.Text)
			}
			if !reflect.DeepEqual(stamps, tc.bates) {
				t.Errorf("bates = %q, want %q", stamps, tc.bates)
			}
			for i, w := range tc.msgs {
				checkMessage(t, i, res.Messages, w, doc)
			}
		})
	}
}

func checkMessage(t *testing.T, i int, msgs []*model.Message, w want, doc Document) {
	t.Helper()
	m := msgs[i]
	if m.Kind != model.KindPrinted {
		t.Errorf("[%d] kind %q", i, m.Kind)
	}
	if m.From != w.from {
		t.Errorf("[%d] from = %#v, want %#v", i, m.From, w.from)
	}
	if m.Sender != w.sender {
		t.Errorf("[%d] sender = %#v, want %#v", i, m.Sender, w.sender)
	}
	if w.to != nil && !reflect.DeepEqual(m.To, w.to) {
		t.Errorf("[%d] to = %#v, want %#v", i, m.To, w.to)
	}
	if w.checkCc && !reflect.DeepEqual(m.Cc, w.cc) {
		t.Errorf("[%d] cc = %#v, want %#v", i, m.Cc, w.cc)
	}
	if w.bcc != nil && !reflect.DeepEqual(m.Bcc, w.bcc) {
		t.Errorf("[%d] bcc = %#v, want %#v", i, m.Bcc, w.bcc)
	}
	if m.Subject != w.subject {
		t.Errorf("[%d] subject = %q, want %q", i, m.Subject, w.subject)
	}
	got := ""
	if m.DateUTC != nil {
		got = m.DateUTC.Format("2006-01-02 15:04:05")
	}
	if got != w.date || m.DateFlag != w.flag || m.DateOffset != w.offset {
		t.Errorf("[%d] date = %q flag %q offset %d, want %q flag %q offset %d (raw %q)", i, got, m.DateFlag, m.DateOffset, w.date, w.flag, w.offset, m.DateRaw)
	}
	if m.BodyText != w.body {
		t.Errorf("[%d] body = %q, want %q", i, m.BodyText, w.body)
	}
	if len(m.Sources) != 1 {
		t.Fatalf("[%d] %d sources", i, len(m.Sources))
	}
	s := m.Sources[0]
	if s.Path != doc.Path || s.FileSHA256 != doc.FileSHA256 {
		t.Errorf("[%d] source path/sha = %q/%q", i, s.Path, s.FileSHA256)
	}
	if w.page != 0 && (s.Page != w.page || s.PageEnd != w.pageEnd) {
		t.Errorf("[%d] pages %d-%d, want %d-%d", i, s.Page, s.PageEnd, w.page, w.pageEnd)
	}
	if w.lineFrom != 0 && (s.LineFrom != w.lineFrom || s.LineTo != w.lineTo) {
		t.Errorf("[%d] lines %d-%d, want %d-%d", i, s.LineFrom, s.LineTo, w.lineFrom, w.lineTo)
	}
	if s.Bates != w.bates {
		t.Errorf("[%d] bates = %q, want %q", i, s.Bates, w.bates)
	}
	if len(s.SHA256) != 64 || m.RawSHA256 != s.SHA256 || m.Size != s.Length || s.Length == 0 {
		t.Errorf("[%d] span hash/size not set: %q %d", i, s.SHA256, s.Length)
	}
	wantID := syntheticID(doc.Path, s.Page, s.LineFrom)
	if m.MessageID != wantID {
		t.Errorf("[%d] message id = %q, want %q", i, m.MessageID, wantID)
	}
	if w.parent >= 0 {
		pid := msgs[w.parent].MessageID
		if m.InReplyTo != pid || !reflect.DeepEqual(m.References, []string{pid}) {
			t.Errorf("[%d] links = %q %q, want parent %d (%q)", i, m.InReplyTo, m.References, w.parent, pid)
		}
	} else if m.InReplyTo != "" || len(m.References) != 0 {
		t.Errorf("[%d] unexpected parent link %q %q", i, m.InReplyTo, m.References)
	}
	var att []string
	for _, a := range m.Attachments {
		att = append(att, a.Filename)
	}
	if !reflect.DeepEqual(att, w.attach) {
		t.Errorf("[%d] attachments = %q, want %q", i, att, w.attach)
	}
	if m.Confidence <= 0 || m.Confidence > 1 || m.Confidence < w.minConf || w.maxConf > 0 && m.Confidence > w.maxConf {
		t.Errorf("[%d] confidence %.2f outside [%.2f, %.2f]", i, m.Confidence, w.minConf, w.maxConf)
	}
	if w.warningHas != "" && !strings.Contains(strings.Join(m.Warnings, "|"), w.warningHas) {
		t.Errorf("[%d] warnings %q lack %q", i, m.Warnings, w.warningHas)
	}
	for _, a := range append(append(append([]model.Address{m.From}, m.To...), m.Cc...), m.Bcc...) {
		if a == addr(RedactedName, "") {
			continue
		}
		if isRedactedValue(a.Name) || strings.Contains(a.Name, "REDACTED") || strings.Contains(a.Address, "redacted") {
			t.Errorf("[%d] redaction marker became a person: %#v", i, a)
		}
	}
}

func TestRedactionMarkers(t *testing.T) {
	res := Recover(loadFixture(t, "redactions.txt"), Options{})
	type rk struct {
		line int
		kind string
	}
	var got []rk
	for _, r := range res.Redactions {
		if r.Page != 1 {
			t.Errorf("redaction on page %d", r.Page)
		}
		got = append(got, rk{r.Line, r.Kind})
	}
	want := []rk{{3, "label"}, {4, "exemption"}, {5, "bar"}, {8, "exemption"}, {8, "xxx"}, {9, "label"}, {9, "bar"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("redactions = %v, want %v", got, want)
	}
}

func TestSpanHash(t *testing.T) {
	doc := loadFixture(t, "outlook_basic.txt")
	res := Recover(doc, Options{})
	lines := strings.Split(doc.Pages[0].Text, "\n")
	m := res.Messages[1]
	s := m.Sources[0]
	span := strings.Join(lines[s.LineFrom-1:s.LineTo], "\n")
	if sha256Hex(span) != s.SHA256 {
		t.Errorf("span hash does not cover lines %d-%d", s.LineFrom, s.LineTo)
	}
}

func TestLearnedPrefixesCatchInterruptions(t *testing.T) {
	// Without the learned prefix, "CASE 004512" inside a value is prose;
	// with it, the stamp is cut out of the To: value.
	doc := Document{Path: "x.txt", Pages: []Page{{Number: 1, Text: "From: Ana Perez <ana.perez@orchard.example>\nSent: 6/30/2016 2:45 PM\nTo: Omar Haddad CASE 004512 <omar.haddad@dune.example>\nSubject: Hello\n\nHi.\n"}}}
	res := Recover(doc, Options{BatesPrefixes: []string{"CASE"}})
	if len(res.Messages) != 1 {
		t.Fatalf("%d messages", len(res.Messages))
	}
	if got := res.Messages[0].To; !reflect.DeepEqual(got, []model.Address{addr("Omar Haddad", "omar.haddad@dune.example")}) {
		t.Errorf("to = %#v", got)
	}
	if res.Messages[0].Sources[0].Bates != "CASE 004512" {
		t.Errorf("bates = %q", res.Messages[0].Sources[0].Bates)
	}
}

func TestDayFirstDocument(t *testing.T) {
	text := "From: Ana Perez <ana.perez@orchard.example>\nSent: 04/05/2016 10:00\nTo: Omar Haddad\nSubject: A\n\nx\n\n" +
		"From: Omar Haddad\nSent: 30/04/2016 09:00\nTo: Ana Perez\nSubject: B\n\ny\n"
	res := Recover(Document{Path: "d.txt", Pages: SplitPages(text)}, Options{})
	if len(res.Messages) != 2 {
		t.Fatalf("%d messages", len(res.Messages))
	}
	if got := res.Messages[0].DateUTC.Format("2006-01-02"); got != "2016-05-04" {
		t.Errorf("day-first document read 04/05/2016 as %s", got)
	}
	res = Recover(Document{Path: "d.txt", Pages: SplitPages(text)}, Options{DateOrder: DateOrderMDY})
	if got := res.Messages[0].DateUTC.Format("2006-01-02"); got != "2016-04-05" {
		t.Errorf("forced MDY read 04/05/2016 as %s", got)
	}
}

func TestNotAnEmail(t *testing.T) {
	for _, text := range []string{
		"Dear Judge Lee:\nOn March 4, 2014, the court ruled in our favour.\nSincerely,\nAna Perez\n",
		"Sender: +1 555 0100\nTime: 2019-01-01 10:00\nMessage: hello\n",
		"Date: 6/1/99 PALM BEACH COUNTY\nCase: 1234\nTo be continued.\n",
		"To do: buy milk\nFrom the desk of Ana\n",
		"MEMORANDUM\nTo: Harbor Office\nFrom: Ana Perez\nSquad 4\nContact: desk\n",
	} {
		if res := Recover(Document{Path: "n.txt", Pages: SplitPages(text)}, Options{}); len(res.Messages) != 0 {
			t.Errorf("recovered %d messages from %q", len(res.Messages), text)
		}
	}
}

func TestSyntheticID(t *testing.T) {
	a := syntheticID("prod/a.pdf", 3, 17)
	if a != syntheticID("prod/a.pdf", 3, 17) || a == syntheticID("prod/a.pdf", 3, 18) {
		t.Error("synthetic ids not deterministic/distinct")
	}
	if !strings.HasPrefix(a, "printed.") || !strings.HasSuffix(a, "@casefile.invalid") || len(a) != len("printed.")+16+len("@casefile.invalid") {
		t.Errorf("bad synthetic id %q", a)
	}
}

func TestPrintedMessageID(t *testing.T) {
	text := "From: Ana Perez <ana.perez@orchard.example>\nOrganization: Orchard Ltd\nDate: Mon, 30 Jun 2016 14:45:00 +0200\nTo: Omar Haddad <omar.haddad@dune.example>\nSubject: Re: Plans\nMessage-ID: <abc.123@orchard.example>\nIn-Reply-To: <xyz.9@dune.example>\n\nSee you.\n"
	res := Recover(Document{Path: "m.txt", Pages: SplitPages(text)}, Options{})
	if len(res.Messages) != 1 {
		t.Fatalf("%d messages", len(res.Messages))
	}
	m := res.Messages[0]
	if m.From != addr("Ana Perez", "ana.perez@orchard.example") || m.Subject != "Re: Plans" || m.BodyText != "See you." {
		t.Errorf("from %#v subject %q body %q", m.From, m.Subject, m.BodyText)
	}
	if len(m.Headers) != 7 || m.Headers[1] != [2]string{"Organization", "Orchard Ltd"} {
		t.Errorf("headers = %q", m.Headers)
	}
	if m.MessageID != "abc.123@orchard.example" || m.InReplyTo != "xyz.9@dune.example" || !reflect.DeepEqual(m.References, []string{"xyz.9@dune.example"}) {
		t.Errorf("ids = %q %q %q", m.MessageID, m.InReplyTo, m.References)
	}
	if m.DateUTC.Format(time.RFC3339) != "2016-06-30T12:45:00Z" || m.DateOffset != 7200 {
		t.Errorf("date %v offset %d", m.DateUTC, m.DateOffset)
	}
}
