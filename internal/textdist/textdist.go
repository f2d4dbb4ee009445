// Package textdist owns the string distances casefile's matchers share
// (printed-header labels, identity resolution, printed↔native matching).
package textdist

// Levenshtein is the edit distance between a and b in runes: the number
// of single-rune insertions, deletions and substitutions that turn one
// into the other.
func Levenshtein(a, b string) int { return Runes([]rune(a), []rune(b)) }

// Runes is Levenshtein on rune slices.
func Runes(a, b []rune) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
