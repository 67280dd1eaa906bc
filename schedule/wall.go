package schedule

import "time"

// wall is a reading of a clock on the wall, without a zone: what a cron or
// at expression names. Its arithmetic is done as if it were UTC, where every
// minute exists exactly once.
type wall struct {
	year                   int
	month                  time.Month
	day, hour, minute, sec int
}

func wallOf(t time.Time) wall {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return wall{y, mo, d, h, mi, s}
}

func (w wall) utc() time.Time {
	return time.Date(w.year, w.month, w.day, w.hour, w.minute, w.sec, 0, time.UTC)
}

// instant returns the first instant at which the clocks of loc show w, and
// false if they never do (w falls in a gap when the clocks go forward).
//
// EventBridge Scheduler: "When the time shifts forward in Spring, your
// schedule invocation gets skipped if the cron expression falls on a
// non-existent date and time. When the time shifts back in the Fall, your
// schedule runs only once and doesn't repeat its invocation." Taking the
// first of two instants, and nothing for none, is that rule.
func (w wall) instant(loc *time.Location) (time.Time, bool) {
	u := w.utc()
	if loc == time.UTC {
		return u, true
	}
	t := time.Date(w.year, w.month, w.day, w.hour, w.minute, w.sec, 0, loc)
	if wallOf(t) != w {
		return time.Time{}, false
	}
	// time.Date picks either instant of an ambiguous reading; the other
	// one, if any, has the offset in force a day before or after (zones
	// do not change offset twice within a day).
	first := t
	for _, probe := range [2]time.Time{t.Add(-24 * time.Hour), t.Add(24 * time.Hour)} {
		_, off := probe.Zone()
		c := u.Add(-time.Duration(off) * time.Second)
		if c.Before(first) && wallOf(c.In(loc)) == w {
			first = c
		}
	}
	return first, true
}
