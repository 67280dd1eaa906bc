package scheduler

import (
	"time"

	"github.com/baton-sh/baton/schedule"
)

// latest returns the last due time of s that is not after limit, given
// from, a due time not after limit. It gallops back from limit (a minute,
// two, four...) to find a due time close to it, then walks forward: a
// schedule down for a year does not cost a year of Next calls.
func latest(s *schedule.Schedule, from, limit time.Time) time.Time {
	cur := from
	for step := time.Minute; ; step *= 2 {
		probe := limit.Add(-step)
		if !probe.After(cur) {
			break
		}
		if n, ok := s.Next(probe); ok && !n.After(limit) {
			cur = n
			break
		}
	}
	for {
		n, ok := s.Next(cur)
		if !ok || n.After(limit) {
			return cur
		}
		cur = n
	}
}
