// Command querymix writes a stream of searches for a load test of the team
// server (scripts/loadtest.sh): queries over a synthetic corpus's
// vocabulary and people (bench/corpus, the same -n and -seed as the
// corpus searched), drawn from a pool of distinct queries with Zipf
// popularity, as a team's searches repeat. The reference set of casebench
// (queries.txt: 31 queries, weighted to the expensive cases) measures
// single queries; this measures a mix in which many searches are new.
//
//	go run ./bench/cmd/querymix -n 100000 -distinct 4000 -count 20000 > mix.txt
//
// Words are drawn log-uniformly over the vocabulary's frequency ranks
// (as many among the 10 commonest as between ranks 10,000 and 50,000), so
// a fifth of the single words are among the most frequent. Standard error
// gets the share of searches that are the first of their query.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"

	"github.com/casefile/casefile/bench/corpus"
)

func main() {
	n := flag.Int("n", corpus.DefaultN, "messages in the corpus searched")
	seed := flag.Int64("seed", 1, "the corpus's seed")
	distinct := flag.Int("distinct", 4000, "distinct queries in the pool")
	count := flag.Int("count", 20000, "searches to write")
	skew := flag.Float64("zipf", 1.1, "Zipf exponent of the queries' popularity (> 1)")
	flat := flag.Float64("zipf-v", 1, "Zipf offset v (probability of the k-th query ∝ (v+k)^-zipf): larger flattens the head")
	mixSeed := flag.Int64("mix-seed", 7, "seed of the draw")
	flag.Parse()
	if *distinct < 1 || *count < 1 || *skew <= 1 || *flat < 1 {
		fmt.Fprintln(os.Stderr, "querymix: -distinct and -count must be positive, -zipf above 1, -zipf-v at least 1")
		os.Exit(2)
	}
	c := corpus.New(corpus.Options{N: *n, Seed: *seed})
	r := rand.New(rand.NewSource(*mixSeed))
	pool := pool(c, r, *distinct)
	z := rand.NewZipf(r, *skew, *flat, uint64(len(pool)-1))
	w := bufio.NewWriter(os.Stdout)
	seen := map[int]bool{}
	for range *count {
		i := int(z.Uint64())
		seen[i] = true
		fmt.Fprintln(w, pool[i])
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "querymix:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "querymix: %d searches, %d distinct queries used (%.0f%% of searches are the first of their query)\n",
		*count, len(seen), 100*float64(len(seen))/float64(*count))
}

// logRank draws a rank in [0, n) with equal weight per factor of ten.
func logRank(r *rand.Rand, n int) int {
	return min(n-1, int(math.Exp(r.Float64()*math.Log(float64(n+1))))-1)
}

// pool returns distinct queries in random order: single words (45%), two
// words (15%), phrases (10%), a person's address as sender, recipient or
// either (20%), a word in one year (10%).
func pool(c *corpus.Corpus, r *rand.Rand, n int) []string {
	word := func() string { return c.Word(logRank(r, c.Words())) }
	person := func() string { return c.Person(logRank(r, c.People())).Address }
	phrases := c.StockPhrases()
	common := c.CommonWords()
	seen := map[string]bool{}
	var out []string
	for tries := 0; len(out) < n && tries < 100*n; tries++ {
		var q string
		switch k := r.Intn(100); {
		case k < 45:
			q = word()
		case k < 60:
			q = word() + " " + word()
		case k < 70:
			if r.Intn(2) == 0 {
				q = `"` + phrases[r.Intn(len(phrases))] + `"`
			} else {
				q = `"` + common[r.Intn(len(common))] + " " + common[r.Intn(len(common))] + `"`
			}
		case k < 90:
			q = []string{"from:", "to:", "with:"}[r.Intn(3)] + person()
		default:
			q = fmt.Sprintf("%s date:%d", word(), 2005+r.Intn(11))
		}
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	return out
}
