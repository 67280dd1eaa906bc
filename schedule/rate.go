package schedule

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// maxUnix is the largest Unix second a time.Time holds (its seconds count
// from year 1).
const maxUnix = math.MaxInt64 - 62135596800

var unitSeconds = map[string]int64{
	"minute": 60, "minutes": 60,
	"hour": 3600, "hours": 3600,
	"day": 86400, "days": 86400,
}

// parseRate reads "value unit" and returns the period in seconds.
// AWS requires the singular unit for 1 and the plural for more.
func parseRate(body string) (int64, error) {
	f := strings.Fields(body)
	if len(f) != 2 {
		return 0, &Error{Reason: "a rate is rate(value unit), e.g. rate(5 minutes)"}
	}
	v, err := strconv.ParseInt(f[0], 10, 32)
	if err != nil || v <= 0 || f[0][0] == '+' {
		return 0, &Error{Field: "value", Reason: quote(f[0]) + " is not a positive whole number"}
	}
	unit := f[1]
	secs, ok := unitSeconds[unit]
	if !ok {
		return 0, &Error{Field: "unit", Reason: quote(unit) + " is not one of minute, minutes, hour, hours, day, days"}
	}
	plural := strings.HasSuffix(unit, "s")
	if v == 1 && plural {
		return 0, &Error{Field: "unit", Reason: "the value is 1, so the unit must be singular (" + strings.TrimSuffix(unit, "s") + ")"}
	}
	if v > 1 && !plural {
		return 0, &Error{Field: "unit", Reason: "the value is greater than 1, so the unit must be plural (" + unit + "s)"}
	}
	return v * secs, nil
}

// nextRate returns start + k·period for the least k that is after the
// given instant. A day is 24 hours whatever the clocks do (Scheduler:
// "days represents a 24-hour duration").
func (s *Schedule) nextRate(after time.Time) (time.Time, bool) {
	start := s.start
	if start.IsZero() {
		start = time.Unix(0, 0)
	}
	if after.Before(start) {
		return start, true
	}
	// In seconds and nanoseconds, not time.Duration, which ends at 292 years.
	secs := after.Unix() - start.Unix()
	nanos := after.Nanosecond() - start.Nanosecond()
	if after.Unix() > maxUnix-2*s.period {
		return time.Time{}, false // beyond what time.Time holds
	}
	k := secs/s.period + 1
	if secs%s.period == 0 && nanos < 0 {
		k-- // start + (k-1)·period is still ahead of after, by less than a second
	}
	return time.Unix(start.Unix()+k*s.period, int64(start.Nanosecond())), true
}
