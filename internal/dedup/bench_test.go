package dedup

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
)

var (
	syll  = []string{"ka", "lo", "mi", "ren", "sa", "to", "vel", "dor", "an", "is", "bru", "ne", "pha", "qui", "ost", "ur"}
	vocab = strings.Fields(`the a of to and in for on with at by from about lease warehouse invoice transfer account
	meeting board contract draft notary deposit shipment harbour office figures quarter report budget audit client
	visit call schedule friday monday tomorrow morning evening please confirm attached below agreed revised terms
	price offer signed copy legal review clause payment bank wire approval delay storage truck container customs`)
)

func fakeName(r *rand.Rand) string {
	w := func() string {
		s := syll[r.IntN(len(syll))] + syll[r.IntN(len(syll))]
		if r.IntN(2) == 0 {
			s += syll[r.IntN(len(syll))]
		}
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return w() + " " + w()
}

func fakeText(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			if r.IntN(12) == 0 {
				b.WriteString(".\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(vocab[r.IntN(len(vocab))])
	}
	return b.String()
}

// synthCorpus returns n native messages from 2,000 fictional senders over
// two years (each sender signs with a fixed signature), and n printed
// ones: the first half OCR-damaged copies of natives (zone dropped,
// wall clock shifted by the sender's zone, sometimes name only), the
// rest new messages by the same senders.
func synthCorpus(n int) (native, printed []Candidate, truth map[string]string) {
	r := rand.New(rand.NewPCG(42, 42))
	type person struct {
		a    model.Address
		sig  string
		zone int
	}
	people := make([]person, 2000)
	for i := range people {
		name := fakeName(r)
		addr := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@firm" + fmt.Sprint(i%37) + ".example"
		people[i] = person{model.Address{Name: name, Address: addr}, "\n--\n" + name + "\nSenior partner, " + fakeText(r, 6), -8 + r.IntN(12)}
	}
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	msg := func(id string) (Candidate, person) {
		p := people[r.IntN(len(people))]
		return Candidate{ID: id, From: p.a, Date: start.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour)))).Truncate(time.Second),
			Subject: fakeText(r, 2+r.IntN(5)), BodyText: fakeText(r, 20+r.IntN(150)) + p.sig}, p
	}
	truth = map[string]string{}
	senders := make([]person, n)
	for i := range n {
		native = append(native, Candidate{})
		native[i], senders[i] = msg(fmt.Sprintf("n%05d", i))
	}
	for i := range n {
		id := fmt.Sprintf("p%05d", i)
		if i < n/2 {
			src, p := native[i*2%n], senders[i*2%n]
			c := Candidate{ID: id, From: src.From, Date: src.Date.Add(time.Duration(p.zone) * time.Hour).Truncate(time.Minute), DateLocal: true,
				Subject: src.Subject, BodyText: ocrNoise(src.BodyText, uint64(i), 50+i%40)}
			if i%3 == 0 {
				c.From = model.Address{Name: src.From.Name}
			}
			printed = append(printed, c)
			truth[id] = src.ID
			continue
		}
		c, _ := msg(id)
		c.DateLocal = true
		printed = append(printed, c)
	}
	return native, printed, truth
}

// BenchmarkMatchPrinted matches 10,000 printed against 10,000 native
// candidates and reports recall and false matches on the synthetic truth.
func BenchmarkMatchPrinted(b *testing.B) {
	native, printed, truth := synthCorpus(10000)
	var got []Match
	for b.Loop() {
		got = MatchPrinted(native, printed, Options{})
	}
	right, wrong := 0, 0
	for _, m := range got {
		if truth[m.PrintedID] == m.NativeID {
			right++
		} else {
			wrong++
		}
	}
	b.ReportMetric(float64(right)/float64(len(truth)), "recall")
	b.ReportMetric(float64(wrong), "false-matches")
}

func BenchmarkClusterPrinted(b *testing.B) {
	_, printed, _ := synthCorpus(10000)
	for b.Loop() {
		ClusterPrinted(printed, Options{})
	}
}

func TestSynthCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("synthetic 2,000 × 2,000 run skipped in -short mode")
	}
	native, printed, truth := synthCorpus(2000)
	got := MatchPrinted(native, printed, Options{})
	right, wrong := 0, 0
	for _, m := range got {
		if truth[m.PrintedID] == m.NativeID {
			right++
		} else {
			wrong++
			t.Errorf("false match %s -> %s: %v", m.PrintedID, m.NativeID, m.Evidence)
		}
	}
	if recall := float64(right) / float64(len(truth)); recall < 0.95 {
		t.Errorf("recall %.3f on OCR-damaged copies, want >= 0.95", recall)
	}
}
