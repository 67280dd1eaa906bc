package machine

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// JSONataSample is how often an evaluation is timed for the observers of
// ObserveJSONata: one in JSONataSample, chosen at random. Timing reads the
// wall clock twice (about 100 ns here); timing one in 64 keeps that below
// 2 ns an evaluation. What is measured never reaches an execution.
const JSONataSample = 64

var (
	timersMu sync.Mutex
	timers   atomic.Pointer[[]*func(time.Duration)]
)

// ObserveJSONata has f told how long evaluations of JSONata expressions
// took (a sample of them: one in JSONataSample; reading a name path, such
// as $states.input.id, is not an evaluation), process-wide, until stop is
// called. f runs on the evaluating goroutine and must return at once.
func ObserveJSONata(f func(took time.Duration)) (stop func()) {
	p := &f
	timersMu.Lock()
	defer timersMu.Unlock()
	var list []*func(time.Duration)
	if old := timers.Load(); old != nil {
		list = slices.Clone(*old)
	}
	list = append(list, p)
	timers.Store(&list)
	return func() {
		timersMu.Lock()
		defer timersMu.Unlock()
		old := timers.Load()
		if old == nil {
			return
		}
		list := slices.DeleteFunc(slices.Clone(*old), func(q *func(time.Duration)) bool { return q == p })
		if len(list) == 0 {
			timers.Store(nil)
			return
		}
		timers.Store(&list)
	}
}

// sampled says whether to time this evaluation: observers want it, and
// it is one of the sample.
func sampled() *[]*func(time.Duration) {
	list := timers.Load()
	if list == nil || rand.Uint32()%JSONataSample != 0 {
		return nil
	}
	return list
}

// timed tells observers how long an evaluation that began at start took.
func timed(list *[]*func(time.Duration), start time.Time) {
	took := time.Since(start)
	for _, f := range *list {
		(*f)(took)
	}
}
