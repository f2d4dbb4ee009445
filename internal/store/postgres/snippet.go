package postgres

import (
	"slices"
	"strings"
)

// hlTerm is a text search to highlight: a word or phrase (the last word
// a prefix when prefix is set) in some fields.
type hlTerm struct {
	cols   []int
	words  []string
	prefix bool
}

// snippetWords is the length of a snippet in words, as in the SQLite
// backend's snippet(..., 24).
const snippetWords = 24

// match is one occurrence of a term: words [start, start+n) of a text.
type match struct{ start, n, term int }

// snippet picks the passage of snippetWords words, in any of the
// message's fields, holding the most different terms (then the most
// occurrences), and marks each occurrence with hs and he, the way FTS5's
// snippet() does. "…" shows where the text was cut. Without any
// occurrence it shows the start of the first non-empty field.
func snippet(f fields, terms []hlTerm, hs, he string) string {
	bestCol, bestStart, bestScore := -1, 0, -1
	var bestToks []token
	var bestMatches []match
	for col := range numFields {
		var wanted []int
		for i, t := range terms {
			if slices.Contains(t.cols, col) {
				wanted = append(wanted, i)
			}
		}
		if len(wanted) == 0 || f[col] == "" {
			continue
		}
		toks := tokenize(f[col])
		ms := findMatches(toks, terms, wanted)
		for _, anchor := range ms {
			start, score := window(toks, ms, anchor.start)
			if score > bestScore {
				bestCol, bestStart, bestScore, bestToks, bestMatches = col, start, score, toks, ms
			}
		}
	}
	if bestCol < 0 {
		for col := range numFields {
			if toks := tokenize(f[col]); len(toks) > 0 {
				return render(f[col], toks, 0, nil, hs, he)
			}
		}
		return ""
	}
	return render(f[bestCol], bestToks, bestStart, bestMatches, hs, he)
}

// findMatches lists the occurrences of the wanted terms in toks.
func findMatches(toks []token, terms []hlTerm, wanted []int) []match {
	var out []match
	for i := range toks {
		for _, ti := range wanted {
			t := terms[ti]
			if i+len(t.words) > len(toks) {
				continue
			}
			ok := true
			for j, w := range t.words {
				got := toks[i+j].word
				if t.prefix && j == len(t.words)-1 {
					ok = strings.HasPrefix(got, w)
				} else {
					ok = got == w
				}
				if !ok {
					break
				}
			}
			if ok {
				out = append(out, match{start: i, n: len(t.words), term: ti})
			}
		}
	}
	return out
}

// window places a snippet around the occurrences near anchor, centred
// as FTS5 does, and scores it: 1000 for each different term, 1 for each
// further occurrence.
func window(toks []token, ms []match, anchor int) (start, score int) {
	end := anchor + snippetWords
	first, last := -1, -1
	seen := map[int]bool{}
	for _, m := range ms {
		if m.start < anchor || m.start+m.n > end {
			continue
		}
		if seen[m.term] {
			score++
		} else {
			seen[m.term] = true
			score += 1000
		}
		if first < 0 {
			first = m.start
		}
		last = max(last, m.start+m.n-1)
	}
	start = first - (snippetWords-(last-first+1))/2
	if start+snippetWords > len(toks) {
		start = len(toks) - snippetWords
	}
	return max(start, 0), score
}

// render writes words [start, start+snippetWords) of text with the
// occurrences inside marked.
func render(text string, toks []token, start int, ms []match, hs, he string) string {
	end := min(start+snippetWords, len(toks))
	// Marked spans in words, overlapping occurrences merged.
	var spans [][2]int
	for _, m := range ms {
		a, b := max(m.start, start), min(m.start+m.n, end)-1
		if a > b {
			continue
		}
		spans = append(spans, [2]int{a, b})
	}
	slices.SortFunc(spans, func(x, y [2]int) int { return x[0] - y[0] })
	var merged [][2]int
	for _, s := range spans {
		if n := len(merged); n > 0 && s[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], s[1])
			continue
		}
		merged = append(merged, s)
	}
	var b strings.Builder
	pos := toks[start].start
	if start > 0 {
		b.WriteString("…")
	} else {
		pos = 0
	}
	for _, s := range merged {
		b.WriteString(text[pos:toks[s[0]].start])
		b.WriteString(hs)
		b.WriteString(text[toks[s[0]].start:toks[s[1]].end])
		b.WriteString(he)
		pos = toks[s[1]].end
	}
	if end == len(toks) {
		b.WriteString(text[pos:])
	} else {
		b.WriteString(text[pos:toks[end-1].end])
		b.WriteString("…")
	}
	return b.String()
}
