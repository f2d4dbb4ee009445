package postgres

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The full-text index is built in Go, not by PostgreSQL's text search
// parser, so that a case answers exactly as it does in the SQLite backend
// (FTS5, tokenizer "unicode61 remove_diacritics 2"): a word is a run of
// letters, digits, private-use characters and combining marks; everything
// else separates words, so "jonas.reyes@harbor.example" is the four words
// jonas reyes harbor example; words are case-folded and lose their
// diacritics (Müller → muller); there is no stemming and there are no stop
// words. PostgreSQL's own parser would keep e-mail addresses and host
// names as single tokens and the 'english' configuration would stem
// "budgeted" to "budget", both of which change which messages match.

// token is one word of a text: its folded form and its byte span.
type token struct {
	word       string
	start, end int
}

// isWordRune reports whether r belongs to a word: unicode61's default
// token characters (L*, N*, Co) and the combining marks that Latin
// letters decompose into, which folding then drops.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) || latinMarks[r]
}

// latinMarks are the combining marks found in the canonical
// decompositions of Latin letters (acute, diaeresis, cedilla...): the
// diacritics unicode61 removes. Other marks separate words, as in FTS5.
var latinMarks = func() map[rune]bool {
	marks := map[rune]bool{}
	for _, rt := range unicode.Latin.R16 {
		for r := rune(rt.Lo); r <= rune(rt.Hi); r += rune(rt.Stride) {
			for _, c := range norm.NFD.String(string(r)) {
				if unicode.Is(unicode.Mn, c) {
					marks[c] = true
				}
			}
		}
	}
	return marks
}()

// keepMarks are Latin letters whose decomposition stacks a mark on a
// letter that is itself accented or not ASCII (ǡ, ǣ, ǯ, ǽ, ǿ): FTS5's
// diacritic table keeps them whole.
var keepMarks = map[rune]bool{'ǡ': true, 'ǣ': true, 'ǯ': true, 'ǽ': true, 'ǿ': true}

// foldRune appends the case-folded form of r to b, without diacritics
// when r is a Latin letter (Müller → muller; Greek and Cyrillic letters
// keep theirs, as in FTS5).
func foldRune(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	}
	if latinMarks[r] {
		return b
	}
	// Upper then lower case is simple case folding for what matters here
	// (final sigma → σ, µ → μ, ſ → s, Kelvin sign → k); FTS5 leaves the
	// dotless ı alone.
	if r != 'ı' {
		r = unicode.ToLower(unicode.ToUpper(r))
	}
	if !unicode.Is(unicode.Latin, r) || keepMarks[r] {
		return utf8.AppendRune(b, r)
	}
	for _, c := range norm.NFD.String(string(r)) {
		if !unicode.Is(unicode.Mn, c) {
			b = utf8.AppendRune(b, c)
		}
	}
	return b
}

// maxLexeme is PostgreSQL's limit on the bytes of one lexeme; longer
// words are cut at a rune boundary (the same way in text and queries).
const maxLexeme = 2047

// tokenize splits s into folded words with their byte spans. The words
// share one string.
func tokenize(s string) []token {
	type span struct{ start, end, fstart, fend int }
	var spans []span
	buf := make([]byte, 0, len(s))
	start, fstart := -1, 0
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start, fstart = i, len(buf)
			}
			buf = foldRune(buf, r)
			continue
		}
		if start >= 0 {
			spans = append(spans, span{start, i, fstart, len(buf)})
			start = -1
		}
	}
	if start >= 0 {
		spans = append(spans, span{start, len(s), fstart, len(buf)})
	}
	folded := string(buf)
	out := make([]token, 0, len(spans))
	for _, sp := range spans {
		w := folded[sp.fstart:sp.fend]
		for len(w) > maxLexeme {
			_, size := utf8.DecodeLastRuneInString(w)
			w = w[:len(w)-size]
		}
		if w != "" { // a run of marks alone folds to nothing
			out = append(out, token{word: w, start: sp.start, end: sp.end})
		}
	}
	return out
}

// words returns the folded words of s.
func words(s string) []string {
	toks := tokenize(s)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.word
	}
	return out
}

// PostgreSQL tsvector limits: positions are 1..16383 (larger ones are
// clamped), a lexeme keeps at most 256 positions, and a whole vector
// takes at most 1 MiB. vectorBudget stays below that for all the text
// columns of one message together, since their concatenation is indexed.
const (
	maxPos       = 16383
	maxPositions = 256
	vectorBudget = 1_000_000
)

// budget is what is left of vectorBudget for a message's vectors.
type budget struct{ left int }

// vector renders the words of s as a tsvector literal, one position per
// word (1-based), spending from b. When the budget runs out the rest of
// the text is not indexed (only texts of hundreds of thousands of
// distinct words get there).
func vector(s string, b *budget) string {
	v, _, _ := vectorPos(s, b)
	return v
}

// vectorPos is vector, also returning each lexeme's positions and the
// largest position.
func vectorPos(s string, b *budget) (string, map[string][]int, int) {
	toks := tokenize(s)
	if len(toks) == 0 {
		return "", nil, 0
	}
	pos := map[string][]int{}
	var order []string
	for i, t := range toks {
		p := min(i+1, maxPos)
		ps, seen := pos[t.word]
		if !seen {
			// A lexeme costs its bytes, its entry and its first position.
			cost := len(t.word) + 10
			if b.left < cost {
				break
			}
			b.left -= cost
			order = append(order, t.word)
			pos[t.word] = []int{p}
			continue
		}
		if len(ps) >= maxPositions || (len(ps) > 0 && ps[len(ps)-1] == p) {
			continue
		}
		if b.left < 2 {
			break
		}
		b.left -= 2
		pos[t.word] = append(ps, p)
	}
	sort.Strings(order)
	last := 0
	var sb strings.Builder
	for i, w := range order {
		if i > 0 {
			sb.WriteByte(' ')
		}
		writeLexeme(&sb, w)
		sb.WriteByte(':')
		for j, p := range pos[w] {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.Itoa(p))
			last = max(last, p)
		}
	}
	return sb.String(), pos, last
}

// allOrder is the order of the fields in msgtext.v_all (schema), which
// PostgreSQL concatenates with ||: each vector's positions are shifted
// by the largest position of those before it.
var allOrder = [numFields]int{fSubject, fSender, fFilename, fTo, fCc, fBcc, fBody, fAtttext}

// concatClamped reports whether v_all, concatenated from vectors with
// these positions, loses the adjacency of some words a field's own
// vector has: a shifted position reaches maxPos (PostgreSQL clamps it
// there), or a lexeme has maxPositions positions in all (the rest are
// dropped). Only for other messages does a phrase in a field imply the
// phrase in v_all (msgrank.clamped; migration 7 flags the same rows from
// the stored vectors).
func concatClamped(pos *[numFields]map[string][]int, last *[numFields]int) bool {
	off := 0
	var total map[string]int
	for _, i := range allOrder {
		if last[i] == 0 {
			continue
		}
		if off+last[i] >= maxPos {
			return true
		}
		off += last[i]
		for w, ps := range pos[i] {
			if len(ps) >= maxPositions {
				return true
			}
			if total == nil {
				total = map[string]int{}
			}
			if total[w] += len(ps); total[w] >= maxPositions {
				return true
			}
		}
	}
	return false
}

// quoteLexeme quotes a word for a tsvector or tsquery literal.
func quoteLexeme(w string) string {
	var sb strings.Builder
	writeLexeme(&sb, w)
	return sb.String()
}

// writeLexeme writes w quoted for a tsvector or tsquery literal: in
// quotes, with quotes doubled and backslashes escaped. (A strings.Replacer
// built per word was 60% of a PostgreSQL ingest's writer time.)
func writeLexeme(sb *strings.Builder, w string) {
	sb.Grow(len(w) + 2)
	sb.WriteByte('\'')
	for {
		i := strings.IndexAny(w, `'\`)
		if i < 0 {
			break
		}
		sb.WriteString(w[:i])
		sb.WriteByte(w[i])
		sb.WriteByte(w[i])
		w = w[i+1:]
	}
	sb.WriteString(w)
	sb.WriteByte('\'')
}
