package machine

import "testing"

func TestStringMatches(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"*", "anything", true},
		{"a*", "a", true},
		{"a*", "ba", false},
		{"*.log", "x.log", true},
		{"*.log", "x.log.gz", false},
		{"log-*-end", "log-1-2-end", true},
		{"log-*-end", "log-end", false},
		{"*ab*ab", "ab", false},
		{"*ab*ab", "abab", true},
		{"a**b", "ab", true},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{`a\\*`, `a\xyz`, true},
		{`\*`, "*", true},
		{"é*ü", "éaü", true},
	}
	for _, tt := range tests {
		if got := matchPattern(compilePattern(tt.pattern), tt.s); got != tt.want {
			t.Errorf("StringMatches(%q, %q) = %v", tt.s, tt.pattern, got)
		}
	}
}
