package people

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/casefile/casefile/bench/corpus"
	"github.com/casefile/casefile/internal/message"
	"github.com/casefile/casefile/internal/model"
)

// corpusStore parses n messages of the benchmark corpus (fictional
// people at .example domains) into a memStore.
func corpusStore(tb testing.TB, n int) *memStore {
	tb.Helper()
	c := corpus.New(corpus.Options{N: n, Seed: 1})
	st := &memStore{}
	for i := 0; i < n; i++ {
		m, err := message.Parse(context.Background(), c.Message(i), message.Options{})
		if err != nil {
			tb.Fatalf("message %d: %v", i, err)
		}
		m.Sources = []model.Source{{Path: c.FileName(i), Length: m.Size, SHA256: m.RawSHA256}}
		st.msgs = append(st.msgs, m)
	}
	return st
}

// BenchmarkBuild measures Build on the benchmark corpus (reads from
// memory, so the store's own speed is left out). PEOPLE_BENCH_N sets the
// size (default 20000); the reference run is 100000.
func BenchmarkBuild(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("PEOPLE_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	st := corpusStore(b, n)
	runtime.GC()
	b.ResetTimer()
	var d *Directory
	for b.Loop() {
		var err error
		if d, err = Build(context.Background(), st, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	b.ReportMetric(float64(len(d.People())), "people")
}

// BenchmarkContacts measures one contacts query between the two most
// active people.
func BenchmarkContacts(b *testing.B) {
	st := corpusStore(b, 20000)
	d, err := Build(context.Background(), st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	a, c := d.People()[0].ID, d.People()[1].ID
	for b.Loop() {
		if _, err := d.Contacts(a, c, Filter{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBuildCorpusSanity: on the benchmark corpus, every sender resolves
// to a person and no two generated people share a person.
func TestBuildCorpusSanity(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 3000 messages")
	}
	st := corpusStore(t, 3000)
	start := time.Now()
	d, err := Build(t.Context(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %d people from %d messages in %v", len(d.People()), d.Messages(), time.Since(start))
	for _, p := range d.People() {
		if len(p.Addresses) > 1 {
			t.Errorf("generated people have one address each; %s has %v (evidence %+v)", p.Name, p.Addresses, p.Evidence)
		}
	}
	senders := map[string]bool{}
	for _, m := range st.msgs {
		senders[m.From.Address] = true
	}
	for a := range senders {
		if _, err := d.Resolve(a); err != nil {
			t.Errorf("sender %s: %v", a, err)
		}
	}
}
