package schedule

import (
	"hash/fnv"
	"strconv"
	"time"
)

// Window is EventBridge Scheduler's FlexibleTimeWindow: with Mode FLEXIBLE
// an invocation may happen at any time from its due time until
// MaximumWindowInMinutes later, which spreads load.
type Window struct {
	Mode                   string // "OFF" or "FLEXIBLE"
	MaximumWindowInMinutes int    // 1-1440 with FLEXIBLE; unset with OFF
}

// Validate checks the window as CreateSchedule does.
func (w Window) Validate() error {
	switch w.Mode {
	case "OFF":
		if w.MaximumWindowInMinutes != 0 {
			return &Error{Field: "MaximumWindowInMinutes", Reason: "must not be set when Mode is OFF"}
		}
	case "FLEXIBLE":
		if w.MaximumWindowInMinutes < 1 || w.MaximumWindowInMinutes > 1440 {
			return &Error{Field: "MaximumWindowInMinutes", Reason: strconv.Itoa(w.MaximumWindowInMinutes) + " is not between 1 and 1440"}
		}
	default:
		return &Error{Field: "Mode", Reason: quote(w.Mode) + " is not OFF or FLEXIBLE"}
	}
	return nil
}

// Pick returns when to invoke a target due at the given time: the due time
// itself with Mode OFF, else a time in [due, due+window) on whole seconds
// (Scheduler's precision is a minute; a second spreads invocations
// better). The choice depends only on seed and due, so a durable schedule
// can compute it again, or store it, and get the same answer on any node.
func (w Window) Pick(due time.Time, seed uint64) time.Time {
	if w.Mode != "FLEXIBLE" || w.MaximumWindowInMinutes <= 0 {
		return due
	}
	span := uint64(w.MaximumWindowInMinutes) * 60
	return due.Add(time.Duration(mix(seed^uint64(due.UnixNano()))%span) * time.Second)
}

// Seed makes a seed from a name, e.g. a schedule's ARN.
func Seed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// mix is splitmix64's finaliser: every bit of x moves every bit of the
// result, so neighbouring due times land far apart in the window.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
