// Package corpus generates deterministic synthetic email corpora for
// casefile's benchmarks. It owns the fictional people, the vocabulary, the
// thread plan and the rendering of each message as RFC 5322 text, and can
// write the whole corpus as a Maildir.
//
// Everything is a pure function of Options: the same options always give
// byte-identical messages, whatever the number of workers.
package corpus

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Version changes whenever the generator's output changes, so that a
// saved corpus can be recognised as stale.
const Version = 1

// Defaults used when the corresponding Options field is zero.
const (
	DefaultN          = 100000
	DefaultPeople     = 2000
	DefaultDomains    = 60
	DefaultVocabulary = 50000
)

// Options configures a corpus. The zero value means: DefaultN messages,
// seed 0, DefaultPeople people across DefaultDomains domains, a
// DefaultVocabulary-word vocabulary and runtime.GOMAXPROCS(0) workers.
type Options struct {
	N          int   // number of messages
	Seed       int64 // any value, 0 included, is a valid seed
	People     int   // number of distinct people
	Domains    int   // number of .example domains
	Vocabulary int   // number of generated word types (besides the ~300 common words)
	Workers    int   // parallel writers for WriteMaildir
}

func (o Options) withDefaults() Options {
	if o.N <= 0 {
		o.N = DefaultN
	}
	if o.People <= 0 {
		o.People = DefaultPeople
	}
	if o.Domains <= 0 {
		o.Domains = DefaultDomains
	}
	if o.Vocabulary <= 0 {
		o.Vocabulary = DefaultVocabulary
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// Person is one fictional correspondent. Rank 0 is the most active sender.
type Person struct {
	Rank    int
	Name    string // display name, may contain non-ASCII letters
	Address string // ASCII address at a .example domain
	Title   string
	zone    int // index into zones
}

// Body encodings and charsets chosen per message.
const (
	encPlain  = iota // UTF-8, 8bit (7bit when ASCII)
	encQP            // UTF-8, quoted-printable with accented words
	encHTML          // HTML only
	encLatin1        // ISO-8859-1, quoted-printable or 8bit
	encCP1252        // windows-1252
	encKOI8R         // KOI8-R with Cyrillic text
)

type plan struct {
	parent int32 // -1 for a thread root
	root   int32
	depth  uint16
	enc    uint8
	attach uint8 // number of attachments (0-2)
	from   int32
	to     [3]int32
	nTo    uint8
	cc     [2]int32
	nCc    uint8
	date   int64 // Unix seconds
}

// Corpus is a planned corpus. It is safe for concurrent use once built.
type Corpus struct {
	opts    Options
	people  []Person
	domains []string
	words   []string // generated vocabulary by frequency rank
	common  []string
	plans   []plan
	span    [2]int64
}

var zones = []struct {
	name string
	off  int // seconds east of UTC
}{
	{"PST", -8 * 3600}, {"MST", -7 * 3600}, {"CST", -6 * 3600}, {"EST", -5 * 3600},
	{"BRT", -3 * 3600}, {"GMT", 0}, {"CET", 3600}, {"EET", 2 * 3600},
	{"MSK", 3 * 3600}, {"GST", 4 * 3600}, {"IST", 5*3600 + 1800}, {"SGT", 8 * 3600},
	{"JST", 9 * 3600}, {"AEST", 10 * 3600},
}

// Random streams; each message draws from independent generators so that
// messages can be rendered in any order.
const (
	streamPlan = iota + 1
	streamPeople
	streamVocab
	streamBody
	streamSubject
	streamAttach
	streamMisc
)

func rng(seed int64, stream, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed)^0x9e3779b97f4a7c15*stream, mix(i*0x100+stream)))
}

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// New plans a corpus: people, domains, vocabulary, threads, senders,
// recipients, dates and per-message features. Rendering happens later,
// per message, in Message.
func New(opts Options) *Corpus {
	o := opts.withDefaults()
	c := &Corpus{opts: o}
	c.common = dedupe(commonWords)
	c.buildDomains()
	c.buildPeople()
	c.buildVocabulary()
	c.buildPlan()
	return c
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, w := range in {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func (c *Corpus) buildDomains() {
	r := rng(c.opts.Seed, streamPeople, 1)
	seen := map[string]bool{}
	for len(c.domains) < c.opts.Domains {
		d := domainHeads[r.IntN(len(domainHeads))] + domainTails[r.IntN(len(domainTails))]
		if len(seen) >= len(domainHeads)*len(domainTails) {
			d = fmt.Sprintf("%s%d", d, len(c.domains))
		}
		if seen[d] {
			continue
		}
		seen[d] = true
		c.domains = append(c.domains, d+".example")
	}
}

func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			switch r {
			case 'ä', 'á', 'à', 'â', 'å':
				b.WriteByte('a')
			case 'ö', 'ó', 'ò', 'ô', 'ø':
				b.WriteByte('o')
			case 'ü', 'ú', 'ù', 'û':
				b.WriteByte('u')
			case 'é', 'è', 'ê', 'ë':
				b.WriteByte('e')
			case 'í', 'ì', 'î', 'ï':
				b.WriteByte('i')
			case 'ñ':
				b.WriteByte('n')
			case 'ç', 'ć':
				b.WriteByte('c')
			case 'æ':
				b.WriteString("ae")
			}
		}
	}
	return b.String()
}

func (c *Corpus) buildPeople() {
	r := rng(c.opts.Seed, streamPeople, 2)
	domZipf := rand.NewZipf(r, 1.3, 2, uint64(len(c.domains)-1))
	seenName := map[string]bool{}
	seenAddr := map[string]bool{}
	for len(c.people) < c.opts.People {
		first := firstNames[r.IntN(len(firstNames))]
		last := lastNames[r.IntN(len(lastNames))]
		name := first + " " + last
		if seenName[name] {
			if len(seenName) < len(firstNames)*len(lastNames)/2 {
				continue
			}
			name = fmt.Sprintf("%s %c. %s", first, 'A'+rune(r.IntN(26)), last)
		}
		dom := c.domains[domZipf.Uint64()]
		f, l := asciiFold(first), asciiFold(last)
		var local string
		switch r.IntN(4) {
		case 0, 1:
			local = f + "." + l
		case 2:
			local = f[:1] + l
		default:
			local = f + "_" + l
		}
		addr := local + "@" + dom
		for n := 2; seenAddr[addr]; n++ {
			addr = fmt.Sprintf("%s%d@%s", local, n, dom)
		}
		seenName[name] = true
		seenAddr[addr] = true
		c.people = append(c.people, Person{
			Rank:    len(c.people),
			Name:    name,
			Address: addr,
			Title:   titles[r.IntN(len(titles))],
			zone:    r.IntN(len(zones)),
		})
	}
}

func (c *Corpus) buildVocabulary() {
	r := rng(c.opts.Seed, streamVocab, 0)
	seen := make(map[string]bool, c.opts.Vocabulary+len(c.common))
	for _, w := range c.common {
		seen[w] = true
	}
	for _, w := range stockPhrases {
		for _, x := range strings.Fields(w) {
			seen[x] = true
		}
	}
	c.words = make([]string, 0, c.opts.Vocabulary)
	var b strings.Builder
	type cand struct {
		w   string
		key float64
	}
	cands := make([]cand, 0, c.opts.Vocabulary)
	for len(cands) < c.opts.Vocabulary {
		b.Reset()
		n := 1 + r.IntN(3)
		if r.IntN(5) == 0 {
			n++
		}
		for s := 0; s < n; s++ {
			b.WriteString(syllableOnsets[r.IntN(len(syllableOnsets))])
			b.WriteString(syllableNuclei[r.IntN(len(syllableNuclei))])
			if s == n-1 || r.IntN(4) == 0 {
				b.WriteString(syllableCodas[r.IntN(len(syllableCodas))])
			}
		}
		w := b.String()
		// Keep words the tools all tokenise and stem alike: no plural or
		// verb-looking endings, at least five letters.
		if len(w) < 5 || seen[w] || strings.HasSuffix(w, "s") || strings.HasSuffix(w, "ed") ||
			strings.HasSuffix(w, "ing") || strings.HasSuffix(w, "ly") || strings.HasSuffix(w, "y") ||
			strings.HasSuffix(w, "e") {
			continue
		}
		seen[w] = true
		// Frequent words tend to be short: order by length plus noise.
		cands = append(cands, cand{w, float64(len(w)) + 4*r.Float64()})
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(a.key, b.key) })
	c.words = make([]string, len(cands))
	for k, x := range cands {
		c.words[k] = x.w
	}
}

// Dates run from 2005-01-01 to 2015-12-31 UTC, in message order, so a reply
// is always later than its parent.
var (
	spanStart = time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	spanEnd   = time.Date(2015, 12, 31, 23, 0, 0, 0, time.UTC).Unix()
)

func (c *Corpus) buildPlan() {
	n := c.opts.N
	r := rng(c.opts.Seed, streamPlan, 0)
	senders := rand.NewZipf(r, 1.15, 8, uint64(len(c.people)-1))
	contactRank := rand.NewZipf(r, 1.4, 1, 63)
	c.plans = make([]plan, n)
	step := float64(spanEnd-spanStart) / float64(n)
	for i := 0; i < n; i++ {
		p := &c.plans[i]
		p.parent, p.root = -1, int32(i)
		p.date = spanStart + int64((float64(i)+r.Float64())*step)
		if i > 0 && r.Float64() < 0.4 {
			win := min(i, 3000)
			j := i - 1 - int(float64(win)*math.Pow(r.Float64(), 3))
			if j >= 0 && c.plans[j].depth < 40 {
				p.parent = int32(j)
			}
		}
		if p.parent >= 0 {
			par := &c.plans[p.parent]
			p.root, p.depth = par.root, par.depth+1
			// Usually the first recipient answers; sometimes a Cc.
			p.from = par.to[0]
			if par.nCc > 0 && r.IntN(4) == 0 {
				p.from = par.cc[r.IntN(int(par.nCc))]
			}
			p.to[0], p.nTo = par.from, 1
			for k := 1; k < int(par.nTo) && p.nTo < 3; k++ {
				if par.to[k] != p.from && r.IntN(2) == 0 {
					p.to[p.nTo] = par.to[k]
					p.nTo++
				}
			}
			for k := 0; k < int(par.nCc); k++ {
				if par.cc[k] != p.from {
					p.cc[p.nCc] = par.cc[k]
					p.nCc++
				}
			}
		} else {
			p.from = int32(senders.Uint64())
			want := 1
			if r.IntN(3) == 0 {
				want = 2 + r.IntN(2)
			}
			used := []int32{p.from}
			pick := func() int32 {
				for try := 0; ; try++ {
					x := c.contact(p.from, int(contactRank.Uint64())+try)
					if try > 64 {
						x = int32((int(p.from) + try) % len(c.people))
					}
					if !slices.Contains(used, x) {
						used = append(used, x)
						return x
					}
				}
			}
			for k := 0; k < want; k++ {
				p.to[k] = pick()
			}
			p.nTo = uint8(want)
			if r.IntN(4) == 0 {
				p.nCc = uint8(1 + r.IntN(2))
				for k := 0; k < int(p.nCc); k++ {
					p.cc[k] = pick()
				}
			}
		}
		switch x := r.IntN(1000); {
		case x < 50:
			p.enc = encHTML
		case x < 150:
			p.enc = encQP
		case x < 158:
			p.enc = encLatin1
		case x < 165:
			p.enc = encCP1252
		case x < 170:
			p.enc = encKOI8R
		default:
			p.enc = encPlain
		}
		if r.IntN(10) == 0 {
			p.attach = 1
			if r.IntN(4) == 0 {
				p.attach = 2
			}
		}
	}
}

// contact returns the k-th most frequent correspondent of person p.
func (c *Corpus) contact(p int32, k int) int32 {
	n := uint64(len(c.people))
	x := int32(mix(uint64(c.opts.Seed)^uint64(p)<<20^uint64(k)) % n)
	if x == p {
		x = int32((uint64(x) + 1) % n)
	}
	return x
}

// N is the number of messages.
func (c *Corpus) N() int { return c.opts.N }

// Options returns the options with defaults filled in.
func (c *Corpus) Options() Options { return c.opts }

// Person returns the person of the given activity rank (0 = most active).
func (c *Corpus) Person(rank int) Person { return c.people[rank] }

// People is the number of people.
func (c *Corpus) People() int { return len(c.people) }

// Word returns the generated word of the given frequency rank (0 = most
// frequent). Generated words are lower-case ASCII, at least five letters.
func (c *Corpus) Word(rank int) string { return c.words[rank] }

// Words is the size of the generated vocabulary.
func (c *Corpus) Words() int { return len(c.words) }

// CommonWords returns the common English words mixed into all text.
func (c *Corpus) CommonWords() []string { return append([]string(nil), c.common...) }

// StockPhrases returns the multi-word phrases that recur verbatim.
func (c *Corpus) StockPhrases() []string { return append([]string(nil), stockPhrases...) }

// Parent returns the index of the message i replies to, or -1.
func (c *Corpus) Parent(i int) int { return int(c.plans[i].parent) }

// Date returns the date of message i.
func (c *Corpus) Date(i int) time.Time {
	p := &c.plans[i]
	z := zones[c.people[p.from].zone]
	return time.Unix(p.date, 0).In(time.FixedZone(z.name, z.off))
}

// MessageID returns the Message-ID of message i, without angle brackets.
func (c *Corpus) MessageID(i int) string {
	p := &c.plans[i]
	addr := c.people[p.from].Address
	dom := addr[strings.IndexByte(addr, '@')+1:]
	return fmt.Sprintf("%d.%x.%d@%s", p.date, mix(uint64(c.opts.Seed)^uint64(i))&0xffffffffff, i, dom)
}

// FileName returns the Maildir file name of message i (unique per corpus).
func (c *Corpus) FileName(i int) string {
	return fmt.Sprintf("%d.M%06dP%d.casebench:2,S", c.plans[i].date, i, uint64(c.opts.Seed)%100000)
}

// Stats counts the features of a corpus.
type Stats struct {
	Messages        int
	Threads         int // messages that start a thread
	Replies         int
	WithAttachments int
	Attachments     int
	HTMLOnly        int
	QuotedPrintable int // UTF-8 quoted-printable bodies
	NonUTF8         int // ISO-8859-1, windows-1252 or KOI8-R bodies
	Bytes           int64
	Duration        time.Duration
}

// Plan returns the feature counts known before writing (Bytes and
// Duration are filled by WriteMaildir).
func (c *Corpus) Plan() Stats {
	s := Stats{Messages: len(c.plans)}
	for i := range c.plans {
		p := &c.plans[i]
		if p.parent < 0 {
			s.Threads++
		} else {
			s.Replies++
		}
		if p.attach > 0 {
			s.WithAttachments++
			s.Attachments += int(p.attach)
		}
		switch p.enc {
		case encHTML:
			s.HTMLOnly++
		case encQP:
			s.QuotedPrintable++
		case encLatin1, encCP1252, encKOI8R:
			s.NonUTF8++
		}
	}
	return s
}
