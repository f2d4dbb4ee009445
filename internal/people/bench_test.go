package people

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/casefile/casefile/bench/corpus"
	"github.com/casefile/casefile/internal/message"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/sqlite"
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

// BenchmarkContactsIndex measures what `casefile contacts` does on a case
// with a saved people index: open the index and answer for the two most
// active people (reading their message lists and the messages between
// them from SQLite). PEOPLE_BENCH_CASE names an existing case folder
// (the reference run is the 1,000,000-message casebench case, whose
// index `casefile people` saves); otherwise a case of 20,000 corpus
// messages is built in a temporary folder.
func BenchmarkContactsIndex(b *testing.B) {
	ctx := context.Background()
	var st store.Store
	if dir := os.Getenv("PEOPLE_BENCH_CASE"); dir != "" {
		s, err := sqlite.Open(ctx, filepath.Join(dir, "casefile.db"))
		if err != nil {
			b.Fatal(err)
		}
		st = s
	} else {
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "casefile.db"))
		if err != nil {
			b.Fatal(err)
		}
		run, err := s.BeginRun(ctx, "corpus")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Write(ctx, run, store.Batch{Messages: corpusStore(b, 20000).msgs}); err != nil {
			b.Fatal(err)
		}
		st = s
	}
	defer st.Close()
	x, err := OpenIndex(ctx, st)
	if errors.Is(err, ErrNoIndex) {
		gen, err := st.Generation(ctx)
		if err != nil {
			b.Fatal(err)
		}
		d, err := Build(ctx, st, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := SaveIndex(ctx, st, d, gen); err != nil {
			b.Fatal(err)
		}
		if x, err = OpenIndex(ctx, st); err != nil {
			b.Fatal(err)
		}
	} else if err != nil {
		b.Fatal(err)
	}
	ps, err := x.People(ctx)
	if err != nil {
		b.Fatal(err)
	}
	a, c := ps[0].Addresses[0], ps[1].Addresses[0]
	var total int
	for b.Loop() {
		x, err := OpenIndex(ctx, st)
		if err != nil {
			b.Fatal(err)
		}
		ct, err := x.Contacts(ctx, a, c, Filter{})
		if err != nil {
			b.Fatal(err)
		}
		total = ct.Total
	}
	b.ReportMetric(float64(total), "messages")
}
