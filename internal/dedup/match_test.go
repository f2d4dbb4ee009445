package dedup

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
)

// Fictional people and .example domains only.
var (
	jonas = model.Address{Name: "Jonas Reyes", Address: "jonas.reyes@harbor.example"}
	marta = model.Address{Name: "Marta Quill", Address: "marta.quill@harbor.example"}
	omar  = model.Address{Name: "Omar Haddad", Address: "omar.haddad@dune.example"}
)

const leaseBody = `Marta,

The landlord of the Lisbon warehouse sent the renewal terms this morning.
They want a five year lease at the old rent plus four percent a year, and
the deposit moves to the escrow account at Banco Atlantico. I think we can
live with that if they fix the loading dock before the summer. Can you ask
legal to read clause nine before Friday? Our answer is due on the tenth.

Thanks,
Jonas`

var sent = time.Date(2014, 3, 4, 16, 2, 37, 0, time.UTC) // 11:02:37 AM in New York (UTC-5)

func native() Candidate {
	return Candidate{ID: "n-lease", From: jonas, Date: sent, Subject: "Warehouse lease renewal", BodyText: leaseBody}
}

// ocrNoise applies the damage OCR does: look-alike characters, a broken
// word, re-wrapping at width columns with hyphenation.
func ocrNoise(s string, seed uint64, width int) string {
	r := rand.New(rand.NewPCG(seed, 7))
	subs := map[string]string{"l": "1", "o": "0", "m": "rn", "e": "c", "i": "|", "h": "b"}
	var b strings.Builder
	for _, w := range strings.Fields(s) {
		if len(w) > 3 && r.IntN(8) == 0 { // one word in eight damaged
			for k, v := range subs {
				if strings.Contains(w, k) {
					w = strings.Replace(w, k, v, 1)
					break
				}
			}
		}
		b.WriteString(w + " ")
	}
	// Re-wrap, hyphenating long words at the margin.
	var out strings.Builder
	col := 0
	for _, w := range strings.Fields(b.String()) {
		if col+len(w) > width && len(w) > 6 {
			out.WriteString(w[:3] + "-\n" + w[3:] + " ")
			col = len(w) - 3 + 1
			continue
		}
		if col+len(w) > width {
			out.WriteString("\n")
			col = 0
		}
		out.WriteString(w + " ")
		col += len(w) + 1
	}
	return out.String()
}

func local(t time.Time, offsetHours float64) time.Time {
	return t.Add(time.Duration(offsetHours * float64(time.Hour))).Truncate(time.Minute)
}

func TestMatchPrinted(t *testing.T) {
	n := native()
	quoted := leaseBody + "\n\n-----Original Message-----\nFrom: Marta Quill\nSent: Monday, March 3, 2014 5:10 PM\nTo: Jonas Reyes\nSubject: lease\n\nAny news from the landlord about the warehouse in Lisbon and the dock?"
	for _, tc := range []struct {
		name    string
		printed Candidate
		match   bool
	}{
		{"exact copy, zone printed", Candidate{From: jonas, Date: sent, Subject: n.Subject, BodyText: leaseBody}, true},
		{"local wall clock New York, seconds dropped", Candidate{From: jonas, Date: local(sent, -5), DateLocal: true, Subject: n.Subject, BodyText: leaseBody}, true},
		{"local wall clock India (+5:30)", Candidate{From: jonas, Date: local(sent, 5.5), DateLocal: true, Subject: n.Subject, BodyText: leaseBody}, true},
		{"OCR noise and re-wrapping", Candidate{From: model.Address{Name: "Jonas Reyes", Address: "jonas.reyes@harbor.exarnple"},
			Date: local(sent, -5), DateLocal: true, Subject: "Warehouse 1ease renewa1", BodyText: ocrNoise(leaseBody, 1, 60)}, true},
		{"heavier OCR noise, narrow column", Candidate{From: jonas, Date: local(sent, -5), DateLocal: true, Subject: "Warehouse lease rencwal",
			BodyText: ocrNoise(ocrNoise(leaseBody, 2, 40), 3, 40)}, true},
		{"name only, surname first", Candidate{From: model.Address{Name: "Reyes, Jonas"}, Date: local(sent, -5), DateLocal: true, Subject: "RE: Warehouse lease renewal", BodyText: leaseBody}, true},
		{"printed name against address", Candidate{From: model.Address{Name: "jreyes"}, Date: sent, Subject: n.Subject, BodyText: leaseBody}, true},
		{"printed chain after the body", Candidate{From: jonas, Date: local(sent, -5), DateLocal: true, Subject: n.Subject, BodyText: quoted}, true},
		{"Bates stamp and page number in the body", Candidate{From: jonas, Date: sent, Subject: n.Subject,
			BodyText: strings.Replace(leaseBody, "Can you ask", "HOUSE_OVERSIGHT_012345\nPage 2 of 3\nCan you ask", 1)}, true},

		// Near misses.
		{"same sender and subject, two days later, same text", Candidate{From: jonas, Date: sent.Add(48 * time.Hour), Subject: n.Subject, BodyText: leaseBody}, false},
		{"same sender and subject, next day, other body", Candidate{From: jonas, Date: local(sent.Add(26*time.Hour), -5), DateLocal: true, Subject: n.Subject,
			BodyText: "The dock was inspected today and the landlord agreed to repair the roof as well. Please send the signed copy to the notary in Porto."}, false},
		{"same sender and subject, 3 hours later, other body", Candidate{From: jonas, Date: local(sent.Add(3*time.Hour), -5), DateLocal: true, Subject: "Re: Warehouse lease renewal",
			BodyText: "One more thing: the keys for the loading dock are with the porter, and the alarm code changes on Monday morning next week."}, false},
		{"reply by the recipient quoting the original", Candidate{From: marta, Date: local(sent.Add(40*time.Minute), -5), DateLocal: true, Subject: "RE: Warehouse lease renewal",
			BodyText: "Legal will read clause nine tomorrow.\n\nOn Tue, Mar 4, 2014 at 11:02 AM, Jonas Reyes <jonas.reyes@harbor.example> wrote:\n> " + strings.ReplaceAll(leaseBody, "\n", "\n> ")}, false},
		{"reply by the recipient, quote kept without markers", Candidate{From: marta, Date: sent.Add(40 * time.Minute), Subject: "RE: Warehouse lease renewal",
			BodyText: "Legal will read clause nine tomorrow.\n\n" + leaseBody}, false},
		{"forward by the sender with the original below", Candidate{From: jonas, Date: local(sent.Add(20*time.Minute), -5), DateLocal: true, Subject: "Fwd: Warehouse lease renewal",
			BodyText: "See below, for the file.\n\n---------- Forwarded message ---------\nFrom: Jonas Reyes <jonas.reyes@harbor.example>\nDate: Tue, Mar 4, 2014 at 11:02 AM\nSubject: Warehouse lease renewal\n\n" + leaseBody}, false},
		{"same text from another person", Candidate{From: omar, Date: sent, Subject: n.Subject, BodyText: leaseBody}, false},
		{"sent again seven minutes later", Candidate{From: jonas, Date: sent.Add(7 * time.Minute), Subject: n.Subject, BodyText: leaseBody}, false},
		{"other subject", Candidate{From: jonas, Date: sent, Subject: "Dinner on Saturday", BodyText: leaseBody}, false},
		{"undated printout", Candidate{From: jonas, Subject: n.Subject, BodyText: leaseBody}, false},
		{"no sender", Candidate{Date: sent, Subject: n.Subject, BodyText: leaseBody}, false},
		{"zone unknown, more than 14 hours off", Candidate{From: jonas, Date: sent.Add(15 * time.Hour), DateLocal: true, Subject: n.Subject, BodyText: leaseBody}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.printed
			p.ID = "p1"
			got := MatchPrinted([]Candidate{n}, []Candidate{p}, Options{})
			if (len(got) == 1) != tc.match {
				t.Fatalf("matched = %v (%+v), want %v", len(got) == 1, got, tc.match)
			}
			if tc.match {
				m := got[0]
				if m.NativeID != "n-lease" || m.PrintedID != "p1" || m.Score < 0.8 || m.Score > 1 || len(m.Evidence) < 4 {
					t.Errorf("match %+v", m)
				}
			}
		})
	}
}

func TestMatchPrintedShortBodies(t *testing.T) {
	base := Candidate{ID: "n", From: jonas, Date: sent, Subject: "Dock", BodyText: "Yes, sign it."}
	for _, tc := range []struct {
		body  string
		match bool
	}{
		{"Yes, sign it.", true},
		{"Yes, s1gn it", true},
		{"No, wait.", false},
		{"Yes, sign it. And call the notary about the deposit before you leave for Porto.", false},
		{"", false},
	} {
		p := Candidate{ID: "p", From: jonas, Date: local(sent, -5), DateLocal: true, Subject: "Dock", BodyText: tc.body}
		if got := MatchPrinted([]Candidate{base}, []Candidate{p}, Options{}); (len(got) == 1) != tc.match {
			t.Errorf("body %q: matched %v, want %v (%+v)", tc.body, len(got) == 1, tc.match, got)
		}
	}
}

// TestMatchPrintedPicksRightNative: among several messages from the same
// sender with the same subject on the same day, each printed copy goes
// to its own original.
func TestMatchPrintedPicksRightNative(t *testing.T) {
	a := native()
	b := Candidate{ID: "n-follow", From: jonas, Date: sent.Add(3*time.Hour + 28*time.Minute), Subject: "Re: Warehouse lease renewal",
		BodyText: "One more thing: the keys for the loading dock are with the porter, and the alarm code changes on Monday morning next week. Ask Ana for the new code."}
	c := Candidate{ID: "n-other", From: marta, Date: sent.Add(time.Hour), Subject: "Re: Warehouse lease renewal", BodyText: "Legal will read clause nine tomorrow and call you."}
	printed := []Candidate{
		{ID: "p-a", From: jonas, Date: local(a.Date, -5), DateLocal: true, Subject: a.Subject, BodyText: ocrNoise(a.BodyText, 9, 70)},
		{ID: "p-b", From: model.Address{Name: "Jonas Reyes"}, Date: local(b.Date, -5), DateLocal: true, Subject: "RE: Warehouse lease renewal", BodyText: ocrNoise(b.BodyText, 10, 50)},
		{ID: "p-b2", From: jonas, Date: b.Date, Subject: b.Subject, BodyText: b.BodyText},
		{ID: "p-none", From: jonas, Date: sent.Add(5 * time.Hour), Subject: "Re: Warehouse lease renewal", BodyText: "Never mind the code, the porter changed it already and told everybody on the floor."},
	}
	got := MatchPrinted([]Candidate{c, b, a}, printed, Options{})
	var pairs []string
	for _, m := range got {
		pairs = append(pairs, m.PrintedID+"="+m.NativeID)
	}
	want := []string{"p-a=n-lease", "p-b=n-follow", "p-b2=n-follow"}
	if !reflect.DeepEqual(pairs, want) {
		t.Errorf("got %v, want %v", pairs, want)
	}
}

func TestClusterPrinted(t *testing.T) {
	n := native()
	printed := []Candidate{
		{ID: "f1", From: jonas, Date: local(sent, -5), DateLocal: true, Subject: n.Subject, BodyText: leaseBody},
		{ID: "f2", From: model.Address{Name: "Jonas Reyes"}, Date: local(sent, -5), DateLocal: true, Subject: "Warehouse 1ease renewal", BodyText: ocrNoise(leaseBody, 4, 55)},
		{ID: "f3", From: jonas, Date: local(sent, 0), DateLocal: true, Subject: n.Subject, BodyText: ocrNoise(leaseBody, 5, 80)}, // printed by a UTC mailbox
		{ID: "g1", From: marta, Date: local(sent.Add(time.Hour), -5), DateLocal: true, Subject: "Re: Warehouse lease renewal", BodyText: "Legal will read clause nine tomorrow and call you back."},
		{ID: "g2", From: marta, Date: local(sent.Add(time.Hour), -5), DateLocal: true, Subject: "RE: Warehouse lease renewal", BodyText: "Legal wi11 read c1ause nine tomorrow and ca11 you back."},
		{ID: "h1", From: jonas, Date: local(sent.Add(48*time.Hour), -5), DateLocal: true, Subject: n.Subject, BodyText: "The signed lease is in the safe; the notary has the copy."},
		{ID: "undated", From: jonas, Subject: n.Subject, BodyText: leaseBody},
	}
	got := ClusterPrinted(printed, Options{})
	want := [][]string{{"f1", "f2", "f3"}, {"g1", "g2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("clusters %v, want %v", got, want)
	}
}

func TestTopText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Fine.\n\nOn Mon, Jun 30, 2016 at 1:10 PM, Tomas Berg <tomas.berg@berg.example> wrote:\n> Can we move it?", "Fine."},
		{"Fine.\nSent from my iPhone\n\nPrivileged - Redacted\n(b)(6) (b)(7)(C)\n*****\nAna", "Fine.\nAna"},
		{"Fine.\nOn Mon, Jun 30, 2016 at 1:10 PM, Tomas Berg <\ntomas.berg@berg.example> wrote:\n> Can we move it?", "Fine."},
		{"Fine.\n-----Original Message-----\nFrom: x", "Fine."},
		{"Fine.\n________________________________\nFrom: Tomas\nSent: Monday", "Fine."},
		{"Fine.\nFrom: Tomas Berg\nSent: Monday, June 30, 2016\nTo: Ana", "Fine."},
		{"Fine.\nBegin forwarded message:\n\nFrom: x", "Fine."},
		{"Top\n> quoted\nmore top", "Top\nmore top"},
		{"From: the desk of the mayor, nothing else", "From: the desk of the mayor, nothing else"},
	} {
		if got := topText(tc.in); got != tc.want {
			t.Errorf("topText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalisation(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"RE: Fwd: Warehouse lease", "warehouse lease"},
		{"Re[2]: AW: SV: Lease", "lease"},
		{"FW; Lease", "lease"},
		{"(no subject)", ""},
		{"Warehouse 1ease", "warehouse lease"},
		{"Governrnent", "government"},
	} {
		if x, y := normSubject(tc.a), normSubject(tc.b); x != y {
			t.Errorf("normSubject(%q) = %q, normSubject(%q) = %q; want equal", tc.a, x, tc.b, y)
		}
	}
	if got := words("ware-\nhouse  Lisbon,dock"); !reflect.DeepEqual(got, []string{"warehouse", "llsbon", "dock"}) {
		t.Errorf("words = %q", got)
	}
}

func TestSenderScore(t *testing.T) {
	for _, tc := range []struct {
		a, b model.Address
		min  float64 // 0: must be below the floor
	}{
		{jonas, jonas, 1},
		{jonas, model.Address{Address: "JONAS.REYES@HARBOR.EXAMPLE"}, 1},
		{jonas, model.Address{Address: "jonas.reyes@harbor.exarnple"}, 1},
		{jonas, model.Address{Address: "jonas.reyez@harbor.example"}, 0.85},
		{jonas, model.Address{Name: "Reyes, Jonas"}, 0.95},
		{jonas, model.Address{Name: "Jonas Reyes (Harbor)"}, 0.8},
		{model.Address{Name: "Jonas Reyes"}, model.Address{Address: "jreyes@harbor.example"}, 0.85},
		{model.Address{Name: "Jonas Reyes"}, model.Address{Address: "reyesj@other.example"}, 0.85},
		{jonas, marta, 0},
		{jonas, model.Address{Name: "Jonas"}, 0.7},
		{jonas, model.Address{Name: "Ana Reyes"}, 0},
		{jonas, model.Address{Name: "Jo"}, 0},
		{model.Address{}, jonas, 0},
	} {
		s, why := senderScore(newSender(tc.a), newSender(tc.b))
		if tc.min == 0 && s >= minSender || tc.min > 0 && s < tc.min {
			t.Errorf("senderScore(%v, %v) = %.2f (%s), want %s %.2f", tc.a, tc.b, s, why, map[bool]string{true: "<", false: ">="}[tc.min == 0], max(tc.min, minSender))
		}
	}
}

func TestDateScore(t *testing.T) {
	whole := sent.Truncate(time.Minute) // printed without seconds
	for _, tc := range []struct {
		a      time.Time
		d      time.Duration
		local  bool
		wantGt float64 // score > wantGt; -1: must be 0
	}{
		{sent, 0, false, 0.99},
		{whole, 50 * time.Second, false, 0.99}, // one side printed without seconds
		{whole, 90 * time.Second, false, -1},
		{whole, 31 * time.Minute, true, -1}, // both truncated: the shift must be exact
		{whole, 30 * time.Minute, true, 0.5},
		{time.Date(2014, 3, 4, 5, 0, 0, 0, time.UTC), -5 * time.Hour, true, -1}, // local midnight: a date without time
		{sent, 90 * time.Second, false, -1},                                     // both show seconds: must agree to the second
		{sent, time.Second, false, 0.99},
		{whole, 7 * time.Minute, false, -1},
		{sent, 5 * time.Hour, false, 0.5},
		{sent, 25 * time.Hour, false, -1},
		{sent, -5*time.Hour - 37*time.Second, true, 0.99},
		{sent, 5*time.Hour + 30*time.Minute, true, 0.5},
		{sent, 5*time.Hour + 54*time.Second, true, -1}, // seconds on both sides disagree
		{whole, 5*time.Hour + 54*time.Second, true, 0.99},
		{sent, 14 * time.Hour, true, 0.99},
		{whole, 5*time.Hour + 45*time.Minute, true, -1}, // Nepal: refused, two sends are likelier
		{whole, 14*time.Minute + 2*time.Second, true, -1},
		{whole, 15 * time.Minute, false, -1},
		{sent, -12 * time.Hour, true, 0.99},
		{sent, 5*time.Hour + 7*time.Minute, true, -1},
		{sent, 15 * time.Hour, true, -1},
	} {
		a := &Candidate{Date: tc.a.Add(tc.d), DateLocal: tc.local}
		b := &Candidate{Date: tc.a}
		s, _ := dateScore(a, b)
		if tc.wantGt < 0 && s != 0 || tc.wantGt >= 0 && s <= tc.wantGt {
			t.Errorf("dateScore(%s, +%v, local %v) = %.2f", tc.a.Format("15:04:05"), tc.d, tc.local, s)
		}
	}
}
