package diag

import "strings"

// Suggest returns the candidate closest to name by edit distance, or "" when
// none is close enough to be a plausible typo.
func Suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	limit := max(2, len(name)/3)
	lname := strings.ToLower(name)
	for _, c := range candidates {
		d := Distance(lname, strings.ToLower(c))
		if d <= limit && (bestDist < 0 || d < bestDist || d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean formats the hint for a suggestion, or returns "" when there is none.
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return "did you mean " + quote(s) + "?"
	}
	return ""
}

func quote(s string) string { return "\"" + s + "\"" }

// Distance is the Levenshtein edit distance between a and b, counted in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
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
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
