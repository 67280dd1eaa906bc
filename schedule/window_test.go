package schedule

import (
	"testing"
	"time"
)

func TestWindowValidate(t *testing.T) {
	tests := []struct {
		w    Window
		want string
	}{
		{Window{Mode: "OFF"}, ""},
		{Window{Mode: "FLEXIBLE", MaximumWindowInMinutes: 1}, ""},
		{Window{Mode: "FLEXIBLE", MaximumWindowInMinutes: 1440}, ""},
		{Window{Mode: "FLEXIBLE"}, "Invalid FlexibleTimeWindow: MaximumWindowInMinutes: 0 is not between 1 and 1440"},
		{Window{Mode: "FLEXIBLE", MaximumWindowInMinutes: 1441}, "Invalid FlexibleTimeWindow: MaximumWindowInMinutes: 1441 is not between 1 and 1440"},
		{Window{Mode: "OFF", MaximumWindowInMinutes: 5}, "Invalid FlexibleTimeWindow: MaximumWindowInMinutes: must not be set when Mode is OFF"},
		{Window{Mode: "flexible", MaximumWindowInMinutes: 5}, `Invalid FlexibleTimeWindow: Mode: "flexible" is not OFF or FLEXIBLE`},
		{Window{}, `Invalid FlexibleTimeWindow: Mode: "" is not OFF or FLEXIBLE`},
	}
	for _, tt := range tests {
		err := tt.w.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.w, got, tt.want)
		}
	}
}

func TestWindowPick(t *testing.T) {
	due := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if got := (Window{Mode: "OFF"}).Pick(due, 1); !got.Equal(due) {
		t.Fatalf("OFF: %s, want the due time", got)
	}
	w := Window{Mode: "FLEXIBLE", MaximumWindowInMinutes: 15}
	seed := Seed("arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly")
	offsets := map[time.Duration]bool{}
	for i := range 200 {
		d := due.Add(time.Duration(i) * time.Hour)
		got := w.Pick(d, seed)
		if again := w.Pick(d, seed); !again.Equal(got) {
			t.Fatalf("Pick is not deterministic: %s then %s", got, again)
		}
		off := got.Sub(d)
		if off < 0 || off >= 15*time.Minute || off%time.Second != 0 {
			t.Fatalf("offset %s outside [0, 15m) or not whole seconds", off)
		}
		offsets[off] = true
	}
	// Spread, not one fixed delay: 200 picks from 900 seconds land on many.
	if len(offsets) < 100 {
		t.Errorf("only %d distinct offsets in 200 picks", len(offsets))
	}
	if w.Pick(due, Seed("a")).Equal(w.Pick(due, Seed("b"))) && w.Pick(due, Seed("c")).Equal(w.Pick(due, Seed("d"))) {
		t.Error("different seeds pick the same times")
	}
}
