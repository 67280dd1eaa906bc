// Package suggest finds the word a misspelt name most likely meant, for
// the "did you mean" of error messages: a state name, a field, a function.
package suggest

import "strings"

// Closest returns the candidate that word most likely misspells, or ""
// when none is close enough to be worth saying "did you mean" about. Case
// is ignored ("startAt" suggests "StartAt"); a transposition of two
// neighbouring characters counts as one edit ("Tsak" suggests "Task").
// The closeness allowed grows with the word: one edit for short words, at
// most three for long ones; words of one or two characters only match by
// case. Among equally close candidates the first one wins.
func Closest(word string, candidates []string) string {
	allowed := min(len([]rune(word))/3, 3)
	best, bestDist := "", allowed+1
	lw := strings.ToLower(word)
	for _, c := range candidates {
		if c == word {
			return "" // it is right: nothing to suggest
		}
		if d := editDistance(lw, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of neighbours,
// each one edit, counted in characters.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows of the table suffice: the current one, the one above,
	// and the one above that (for transpositions).
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// DidYouMean is the hint for a misspelt word: "did you mean 'X'?", or ""
// when no candidate is close.
func DidYouMean(word string, candidates []string) string {
	if s := Closest(word, candidates); s != "" {
		return "did you mean '" + s + "'?"
	}
	return ""
}
