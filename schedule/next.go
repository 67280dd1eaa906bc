package schedule

import (
	"math/bits"
	"time"
)

// next returns the first instant after the given one whose wall-clock
// reading in loc the expression names, taking the first instant of a
// reading shown twice and skipping readings never shown.
func (c *cronExpr) next(after time.Time, loc *time.Location) (time.Time, bool) {
	// Cron times fall on whole minutes: start at the minute after.
	// (On the wall: zones of old had offsets in seconds.)
	now := wallOf(after.In(loc))
	now.sec = 0
	from := wallOf(now.utc().Add(time.Minute))
	for {
		w, ok := c.nextWall(from)
		if !ok {
			return time.Time{}, false
		}
		if t, ok := w.instant(loc); ok && t.After(after) {
			return t, true
		}
		// A gap in spring, or the second pass of an hour in autumn whose
		// readings were all due the first time: go on from the next minute.
		from = wallOf(w.utc().Add(time.Minute))
	}
}

// nextWall returns the first reading at or after from that the expression
// names, skipping whole years, months, days and hours that do not match.
func (c *cronExpr) nextWall(from wall) (wall, bool) {
	if from.year < minYear {
		from = wall{year: minYear, month: time.January, day: 1}
	}
	for y := from.year; y <= maxYear; y++ {
		if !c.hasYear(y) {
			continue
		}
		firstYear := y == from.year
		for m := time.January; m <= time.December; m++ {
			if firstYear && m < from.month || c.months&(1<<m) == 0 {
				continue
			}
			firstMonth := firstYear && m == from.month
			dim := daysIn(y, m)
			d := 1
			if firstMonth {
				d = from.day
			}
			for ; d <= dim; d++ {
				if !c.dayMatches(y, m, d, dim) {
					continue
				}
				firstDay := firstMonth && d == from.day
				h, mi := 0, 0
				if firstDay {
					h, mi = from.hour, from.minute
				}
				for h = nextBit(c.hours, h); h >= 0; h = nextBit(c.hours, h+1) {
					if firstDay && h > from.hour {
						mi = 0
					}
					if mi = nextBit(c.minutes, mi); mi >= 0 {
						return wall{y, m, d, h, mi, 0}, true
					}
					mi = 0
				}
			}
		}
	}
	return wall{}, false
}

// nextBit returns the lowest set bit of set at or above i, or -1.
func nextBit(set uint64, i int) int {
	if i >= 64 {
		return -1
	}
	rest := set >> i << i
	if rest == 0 {
		return -1
	}
	return bits.TrailingZeros64(rest)
}

func (c *cronExpr) hasYear(y int) bool {
	i := y - minYear
	return i >= 0 && y <= maxYear && c.years[i/64]&(1<<(i%64)) != 0
}

// dayMatches applies day-of-month or day-of-week (one of them is ?) to day
// d of a month of dim days.
func (c *cronExpr) dayMatches(y int, m time.Month, d, dim int) bool {
	if !c.dom.any {
		r := c.dom
		switch {
		case r.last:
			return d == dim
		case r.lastWeekday:
			return d == nearestWeekday(y, m, dim, dim)
		case r.nearest > 0:
			return r.nearest <= dim && d == nearestWeekday(y, m, r.nearest, dim)
		}
		return r.days&(1<<d) != 0
	}
	r := c.dow
	wd := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1 // 1 = SUN
	switch {
	case r.last > 0:
		return wd == r.last && d+7 > dim
	case r.nth > 0:
		return wd == r.nthOf && (d-1)/7+1 == r.nth
	}
	return r.days&(1<<wd) != 0
}

// nearestWeekday is the weekday (Monday to Friday) nearest day n, within
// its month: a Saturday the 1st moves to Monday the 3rd, a Sunday that
// ends the month to Friday, as Quartz (whose syntax AWS's is) does.
func nearestWeekday(y int, m time.Month, n, dim int) int {
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == dim {
			return n - 2
		}
		return n + 1
	}
	return n
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
