package suggest

import "testing"

func TestClosest(t *testing.T) {
	states := []string{"Check", "Charge", "Ship", "A", "B"}
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"Chek", states, "Check"},    // a letter left out
		{"Shipp", states, "Ship"},    // one too many
		{"Chrage", states, "Charge"}, // neighbours swapped
		{"check", states, "Check"},   // case only
		{"Check", states, ""},        // right already
		{"C", states, ""},            // too short to guess at
		{"a", states, "A"},           // but case still counts
		{"Refund", states, ""},       // nothing close
		{"Resouce", []string{"Next", "End", "Resource", "ResultPath"}, "Resource"},
		{"TimeoutSecond", []string{"TimeoutSeconds", "TimeoutSecondsPath"}, "TimeoutSeconds"},
		{"States.StringToJsn", []string{"States.StringToJson", "States.JsonToString"}, "States.StringToJson"},
		{"Tsak", []string{"Pass", "Task", "Choice"}, "Task"},
		{"Rsrc", []string{"Resource"}, ""}, // four edits: too far for a short word
		{"", states, ""},
		{"Chéck", []string{"Check"}, "Check"}, // characters, not bytes
	}
	for _, tt := range tests {
		if got := Closest(tt.word, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	if got := DidYouMean("Nxt", []string{"Next", "End"}); got != "did you mean 'Next'?" {
		t.Errorf("got %q", got)
	}
	if got := DidYouMean("Zzz", []string{"Next", "End"}); got != "" {
		t.Errorf("got %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"ab", "ba", 1}, {"abcd", "acbd", 1}, {"ca", "abc", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
