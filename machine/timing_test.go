package machine

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sh/baton/value"
)

// TestObserveJSONata: observers are told the time of a sample of the
// evaluations (one in JSONataSample), until they stop; reading a name
// path is not timed.
func TestObserveJSONata(t *testing.T) {
	// Not parallel: the observers are the process's.
	sum, err := CompileExpr("{% $sum([1, 2, 3]) %}", "Output")
	if err != nil {
		t.Fatal(err)
	}
	path, err := CompileExpr("{% $states.input.a %}", "Output")
	if err != nil {
		t.Fatal(err)
	}
	env := &JEnv{Input: value.MustParse(`{"a":1}`)}
	var n atomic.Int64
	stop := ObserveJSONata(func(took time.Duration) {
		if took < 0 {
			t.Errorf("took %v", took)
		}
		n.Add(1)
	})
	const evaluations = 64 * 100
	for range evaluations {
		if _, fl := sum.Eval(env); fl != nil {
			t.Fatal(fl)
		}
	}
	// About 100 were timed; fewer than 40 or more than 200 would be a
	// one-in-a-billion draw.
	if got := n.Load(); got < 40 || got > 200 {
		t.Errorf("%d of %d evaluations timed", got, evaluations)
	}
	before := n.Load()
	for range evaluations {
		if _, fl := path.Eval(env); fl != nil {
			t.Fatal(fl)
		}
	}
	if n.Load() != before {
		t.Errorf("name path reads timed: %d", n.Load()-before)
	}
	stop()
	for range evaluations {
		if _, fl := sum.Eval(env); fl != nil {
			t.Fatal(fl)
		}
	}
	if n.Load() != before {
		t.Errorf("told after stop: %d", n.Load()-before)
	}
}
