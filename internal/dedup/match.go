package dedup

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/internal/model"
)

// Candidate is one message to compare.
type Candidate struct {
	ID   string
	From model.Address
	// Date is the instant sent, or for DateLocal the printed wall clock
	// stored as if it were UTC (model.DateLocal). Zero: unknown.
	Date      time.Time
	DateLocal bool
	Subject   string
	BodyText  string
	// To holds the To and Cc recipients (optional). When both sides
	// list recipients, at least one must be the same person.
	To []model.Address
}

// FromMessage makes a Candidate of a stored or freshly parsed message.
func FromMessage(m *model.Message) Candidate {
	c := Candidate{ID: m.ID, From: m.From, Subject: m.Subject, BodyText: m.BodyText,
		To: append(append([]model.Address(nil), m.To...), m.Cc...)}
	if m.DateUTC != nil && (m.DateFlag == model.DateOK || m.DateFlag == model.DateLocal) {
		c.Date = *m.DateUTC
		c.DateLocal = m.DateFlag == model.DateLocal
	}
	return c
}

// Match pairs a printed candidate with the native one it copies.
type Match struct {
	NativeID  string
	PrintedID string
	Score     float64 // 0..1, at least Options.MinScore
	// Evidence says, one signal per entry, why the two are one message.
	Evidence []string
}

// Options tune matching. The zero value gives the documented defaults,
// which are conservative: a missed match leaves two copies; a false one
// would merge two messages.
type Options struct {
	// MinScore is the weighted score a pair must reach (default 0.8).
	MinScore float64
	// MaxWords is how many words of each body are compared (default 300).
	MaxWords int
	// Workers compare in parallel (default runtime.NumCPU()).
	Workers int
}

func (o Options) withDefaults() Options {
	if o.MinScore <= 0 {
		o.MinScore = 0.8
	}
	if o.MaxWords <= 0 {
		o.MaxWords = 300
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	return o
}

// Signal weights and floors.
const (
	wSender, wDate, wSubject, wBody = 0.25, 0.25, 0.15, 0.35

	minSender     = 0.6
	minSubject    = 0.6
	minBody       = 0.6
	minShortBody  = 0.85 // bodies too short to shingle must be nearly equal
	recipientSame = 0.7  // sender score at which two recipients are one person

	shingleK   = 3
	shortWords = 8 // fewer words than this: compare characters, not shingles
	headWords  = 8 // a message's own words come first, signatures last
	minHead    = 0.6

	knownSpan  = 24 * time.Hour   // both zones known: at most a day apart
	localSpan  = 14 * time.Hour   // a wall clock without zone: UTC-12..UTC+14
	halfHour   = 30 * time.Minute // nearly every zone offset is a multiple
	truncTol   = time.Minute      // one side printed without seconds
	secondsTol = 2 * time.Second  // both sides show seconds
)

// features is a Candidate prepared for comparison.
type features struct {
	c       *Candidate
	sender  sender
	to      []sender
	keys    []string
	subject string
	// subjectKind is "re" or "fwd" after the subject's first prefix, or "".
	subjectKind string
	shingles    []uint64
	short       string // skeleton body when it has fewer than shortWords words
	head        string // the first headWords skeleton words
	nwords      int
}

func prepare(c *Candidate, o Options) features {
	f := features{c: c, sender: newSender(c.From), subject: normSubject(c.Subject), subjectKind: subjectKind(c.Subject)}
	f.keys = f.sender.keys()
	for _, a := range c.To {
		if r := newSender(a); !r.empty() {
			f.to = append(f.to, r)
		}
	}
	w := words(topText(c.BodyText))
	if len(w) > o.MaxWords {
		w = w[:o.MaxWords]
	}
	f.nwords = len(w)
	f.head = strings.Join(w[:min(len(w), headWords)], " ")
	if len(w) < shortWords {
		f.short = strings.Join(w, " ")
	} else {
		f.shingles = shingles(w, shingleK)
	}
	return f
}

func prepareAll(cs []Candidate, o Options) []features {
	out := make([]features, len(cs))
	parallel(len(cs), o.Workers, func(i int) { out[i] = prepare(&cs[i], o) })
	return out
}

// parallel runs fn(0..n-1) on up to workers goroutines.
func parallel(n, workers int, fn func(i int)) {
	if workers <= 1 || n < 64 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// index finds candidates by blocking key and date.
type index struct {
	byKey map[string][]entry // sorted by unix time
}

type entry struct {
	t   int64
	idx int
}

func newIndex(fs []features) *index {
	ix := &index{byKey: map[string][]entry{}}
	for i := range fs {
		f := &fs[i]
		if f.c.Date.IsZero() || f.sender.empty() {
			continue
		}
		for _, k := range f.keys {
			ix.byKey[k] = append(ix.byKey[k], entry{f.c.Date.Unix(), i})
		}
	}
	for _, l := range ix.byKey {
		slices.SortFunc(l, func(a, b entry) int { return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.idx, b.idx)) })
	}
	return ix
}

// near calls fn once for every indexed candidate sharing a key with f
// and dated within a day of it. seen is scratch space (len = indexed
// set), stamp a value unique to this call.
func (ix *index) near(f *features, seen []int32, stamp int32, fn func(idx int)) {
	if f.c.Date.IsZero() || f.sender.empty() {
		return
	}
	t := f.c.Date.Unix()
	lo, hi := t-int64(knownSpan/time.Second), t+int64(knownSpan/time.Second)
	for _, k := range f.keys {
		l := ix.byKey[k]
		i := sort.Search(len(l), func(i int) bool { return l[i].t >= lo })
		for ; i < len(l) && l[i].t <= hi; i++ {
			if seen[l[i].idx] == stamp {
				continue
			}
			seen[l[i].idx] = stamp
			fn(l[i].idx)
		}
	}
}

// score compares two prepared candidates. ok is false when a signal is
// below its floor or the total below minScore.
func score(a, b *features, minScore float64) (float64, []string, bool) {
	s, swhy := senderScore(a.sender, b.sender)
	if s < minSender {
		return 0, nil, false
	}
	d, dwhy := dateScore(a.c, b.c)
	if d == 0 {
		return 0, nil, false
	}
	if a.subjectKind != b.subjectKind && a.subjectKind != "" && b.subjectKind != "" {
		return 0, nil, false // a reply and a forward are two messages
	}
	var sub float64
	switch {
	case a.subject == "" || b.subject == "":
		// Quoted messages ("On … wrote:") print no subject: no evidence
		// either way, the body and date must carry the match.
		sub = minSubject
	default:
		sub = bigramDice(a.subject, b.subject)
	}
	if sub < minSubject {
		return 0, nil, false
	}
	rwhy := "not compared (one side lists none)"
	if len(a.to) > 0 && len(b.to) > 0 {
		shared := 0
		for _, x := range a.to {
			for _, y := range b.to {
				if s, _ := senderScore(x, y); s >= recipientSame {
					shared++
					break
				}
			}
		}
		if shared == 0 {
			return 0, nil, false
		}
		rwhy = fmt.Sprintf("%d of %d shared", shared, len(a.to))
	}
	body, bwhy := bodyScore(a, b)
	if body < minBody || (a.shingles == nil || b.shingles == nil) && body < minShortBody {
		return 0, nil, false
	}
	total := wSender*s + wDate*d + wSubject*sub + wBody*body
	if total < minScore {
		return 0, nil, false
	}
	ev := []string{
		fmt.Sprintf("sender %.2f: %s", s, swhy),
		fmt.Sprintf("date %.2f: %s", d, dwhy),
		fmt.Sprintf("subject %.2f", sub),
		fmt.Sprintf("body %.2f: %s", body, bwhy),
		"recipients: " + rwhy,
	}
	return round3(total), ev, true
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// dateScore: 1 for the same instant (or, with a zone unknown, a
// difference of whole quarter hours), less for a plausible zone mix-up,
// 0 when the dates cannot belong to one message.
func dateScore(a, b *Candidate) (float64, string) {
	if a.Date.IsZero() || b.Date.IsZero() {
		return 0, ""
	}
	diff := a.Date.Sub(b.Date)
	if diff < 0 {
		diff = -diff
	}
	// A zoneless printed date at exactly midnight is almost always a
	// date printed without a time: too vague to identify a message.
	if a.DateLocal && isMidnight(a.Date) || b.DateLocal && isMidnight(b.Date) {
		return 0, ""
	}
	// Printed times often drop the seconds (then :00). Two truncated
	// copies of one instant differ by exactly the zone shift; a truncated
	// and a full one by less than a minute more; two full ones agree to
	// the second.
	var tol, skew time.Duration
	switch az, bz := a.Date.Second() == 0, b.Date.Second() == 0; {
	case az && bz:
		tol, skew = time.Second, time.Second
	case az || bz:
		tol, skew = truncTol, truncTol
	default:
		tol, skew = secondsTol, secondsTol
	}
	near := func(unit time.Duration) bool {
		r := diff % unit
		return r <= tol || unit-r <= tol
	}
	if !a.DateLocal && !b.DateLocal {
		switch {
		case diff <= skew:
			return 1, fmt.Sprintf("same instant (%s apart)", diff)
		case diff <= knownSpan && near(halfHour):
			return 0.6, fmt.Sprintf("%s apart, whole half hours (zone printed wrongly?)", diff.Round(time.Minute))
		}
		return 0, ""
	}
	switch {
	case diff > localSpan+tol:
		return 0, ""
	case near(time.Hour):
		return 1, fmt.Sprintf("%s apart, whole hours (zone not printed)", diff.Round(time.Minute))
	case near(halfHour):
		return 0.6, fmt.Sprintf("%s apart, whole half hours (zone not printed)", diff.Round(time.Minute))
	}
	// Minutes that disagree mean another message (or an OCR slip in the
	// time, which we accept to miss). So do 15- and 45-minute shifts:
	// only Nepal, Chatham and Eucla have such offsets, and two sends a
	// quarter hour apart are far more common.
	return 0, ""
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0
}

// bodyScore compares the bodies' own text.
func bodyScore(a, b *features) (float64, string) {
	if a.shingles == nil || b.shingles == nil {
		if a.nwords == 0 && b.nwords == 0 {
			// No text to compare (a forward without comment): the other
			// signals must carry the match.
			return minBody, "both empty"
		}
		x, y := a.short, b.short
		if x == "" {
			x = a.head
		}
		if y == "" {
			y = b.head
		}
		r := editRatio(x, y)
		return r, fmt.Sprintf("short bodies, %.0f%% alike", 100*r)
	}
	// Two replies from one sender share a long signature; their first
	// words tell them apart.
	if h := editRatio(a.head, b.head); h < minHead {
		return 0, fmt.Sprintf("bodies start differently (%.0f%% alike)", 100*h)
	}
	common := intersect(a.shingles, b.shingles)
	small, large := len(a.shingles), len(b.shingles)
	if small > large {
		small, large = large, small
	}
	c := float64(common) / float64(small)
	why := fmt.Sprintf("%d of %d shingles shared", common, small)
	if ratio := float64(small) / float64(large); ratio < 0.5 {
		c *= ratio / 0.5
		why += fmt.Sprintf(", lengths differ %d:%d", small, large)
	}
	return c, why
}

// MatchPrinted returns, for each printed candidate that is a copy of a
// native one, the best-scoring native candidate, sorted by PrintedID.
// Several printed copies may match one native message.
func MatchPrinted(native, printed []Candidate, opts Options) []Match {
	o := opts.withDefaults()
	nf := prepareAll(native, o)
	pf := prepareAll(printed, o)
	ix := newIndex(nf)
	results := make([]*Match, len(pf))
	chunks := max(1, o.Workers)
	parallel(chunks, chunks, func(w int) {
		seen := make([]int32, len(nf))
		var stamp int32
		for i := w; i < len(pf); i += chunks {
			stamp++
			p := &pf[i]
			var best, second *Match
			ix.near(p, seen, stamp, func(j int) {
				sc, ev, ok := score(&nf[j], p, o.MinScore)
				if !ok {
					return
				}
				m := &Match{NativeID: nf[j].c.ID, PrintedID: p.c.ID, Score: sc, Evidence: ev}
				if best == nil || sc > best.Score || sc == best.Score && m.NativeID < best.NativeID {
					best, second = m, best
				} else if second == nil || sc > second.Score {
					second = m
				}
			})
			if best != nil && second != nil && best.Score-second.Score < 0.02 {
				best.Evidence = append(best.Evidence, fmt.Sprintf("runner-up %s scored %.3f", second.NativeID, second.Score))
			}
			results[i] = best
		}
	})
	var out []Match
	for _, m := range results {
		if m != nil {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.PrintedID, b.PrintedID), cmp.Compare(a.NativeID, b.NativeID))
	})
	return out
}

// ClusterPrinted groups printed candidates that are copies of one email
// (the same printout in several files of a release). It returns every
// group of two or more IDs, each sorted, groups ordered by their first
// ID. Grouping is transitive: A~B and B~C put A, B and C together.
func ClusterPrinted(printed []Candidate, opts Options) [][]string {
	o := opts.withDefaults()
	pf := prepareAll(printed, o)
	ix := newIndex(pf)
	type pair struct {
		a, b  int
		score float64
	}
	chunks := max(1, o.Workers)
	found := make([][]pair, chunks)
	parallel(chunks, chunks, func(w int) {
		seen := make([]int32, len(pf))
		var stamp int32
		for i := w; i < len(pf); i += chunks {
			stamp++
			ix.near(&pf[i], seen, stamp, func(j int) {
				if j <= i {
					return
				}
				if sc, _, ok := score(&pf[i], &pf[j], o.MinScore); ok {
					found[w] = append(found[w], pair{i, j, sc})
				}
			})
		}
	})
	var pairs []pair
	for _, ps := range found {
		pairs = append(pairs, ps...)
	}
	// Strongest links first; two groups merge only when no member of one
	// contradicts a member of the other (dates that cannot be one
	// instant, a reply against a forward), so a vague copy (a quoted
	// message printed without seconds or zone) cannot chain two
	// different messages together.
	slices.SortFunc(pairs, func(x, y pair) int {
		return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
	})
	parent := make([]int, len(pf))
	members := make([][]int, len(pf))
	for i := range parent {
		parent[i] = i
		members[i] = []int{i}
	}
	root := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	compatible := func(x, y *features) bool {
		if d, _ := dateScore(x.c, y.c); d == 0 {
			return false
		}
		return x.subjectKind == y.subjectKind || x.subjectKind == "" || y.subjectKind == ""
	}
	for _, p := range pairs {
		ra, rb := root(p.a), root(p.b)
		if ra == rb {
			continue
		}
		ok := true
		for _, x := range members[ra] {
			for _, y := range members[rb] {
				if !compatible(&pf[x], &pf[y]) {
					ok = false
					break
				}
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		lo, hi := min(ra, rb), max(ra, rb)
		parent[hi] = lo
		members[lo] = append(members[lo], members[hi]...)
		members[hi] = nil
	}
	groups := map[int][]string{}
	for i := range pf {
		r := root(i)
		groups[r] = append(groups[r], pf[i].c.ID)
	}
	var out [][]string
	for _, g := range groups {
		if len(g) > 1 {
			slices.Sort(g)
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return cmp.Compare(a[0], b[0]) })
	return out
}
