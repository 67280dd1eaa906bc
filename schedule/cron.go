package schedule

import (
	"strconv"
	"strings"
)

// The years a cron expression may name (EventBridge: 1970-2199).
const (
	minYear = 1970
	maxYear = 2199
)

// cronExpr is a parsed cron(...) body: a bit set per field, with the rules
// of day-of-month and day-of-week (L, W, #) kept as rules, because their
// days differ from month to month.
type cronExpr struct {
	minutes uint64    // bit m, 0-59
	hours   uint64    // bit h, 0-23
	months  uint64    // bit m, 1-12
	years   [4]uint64 // bit y-minYear
	dom     domRule
	dow     dowRule
}

// domRule is the day-of-month field.
type domRule struct {
	any         bool   // ?
	days        uint64 // bit d, 1-31
	last        bool   // L
	lastWeekday bool   // LW
	nearest     int    // nW: the weekday nearest day n; 0 if not used
}

// dowRule is the day-of-week field; days are 1 (SUN) to 7 (SAT).
type dowRule struct {
	any        bool   // ?
	days       uint64 // bit d, 1-7
	last       int    // nL: the last day n of the month; 0 if not used
	nth, nthOf int    // n#k: the k-th (nth) day n (nthOf) of the month; 0 if not used
}

// spec describes a field: its name as AWS's table gives it, its values,
// whether ranges may wrap around (FRI-MON), and its names.
type spec struct {
	name     string
	min, max int
	cyclic   bool
	names    []string // names[i] stands for min+i
}

var (
	minutesSpec = spec{name: "minutes", min: 0, max: 59, cyclic: true}
	hoursSpec   = spec{name: "hours", min: 0, max: 23, cyclic: true}
	domSpec     = spec{name: "day-of-month", min: 1, max: 31, cyclic: true}
	monthSpec   = spec{name: "month", min: 1, max: 12, cyclic: true,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	dowSpec = spec{name: "day-of-week", min: 1, max: 7, cyclic: true,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	yearSpec = spec{name: "year", min: minYear, max: maxYear}
)

// parseCron reads the six fields of a cron expression.
func parseCron(body string) (*cronExpr, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, &Error{Reason: "a cron expression has six fields (minutes hours day-of-month month day-of-week year), not " + strconv.Itoa(len(f))}
	}
	// AWS: "If you specify a value or a * in one of the fields, you must
	// use a ? in the other."
	if (f[2] == "?") == (f[4] == "?") {
		return nil, &Error{Field: "day-of-month", Reason: "exactly one of day-of-month and day-of-week must be ?"}
	}
	c := &cronExpr{}
	var err error
	if c.minutes, err = parseList(f[0], minutesSpec); err != nil {
		return nil, err
	}
	if c.hours, err = parseList(f[1], hoursSpec); err != nil {
		return nil, err
	}
	if c.dom, err = parseDOM(f[2]); err != nil {
		return nil, err
	}
	if c.months, err = parseList(f[3], monthSpec); err != nil {
		return nil, err
	}
	if c.dow, err = parseDOW(f[4]); err != nil {
		return nil, err
	}
	if err = parseYears(f[5], &c.years); err != nil {
		return nil, err
	}
	return c, nil
}

// parseDOM reads day-of-month: ?, L, LW, nW, or a list.
func parseDOM(s string) (domRule, error) {
	u := strings.ToUpper(s)
	switch {
	case u == "?":
		return domRule{any: true}, nil
	case u == "L":
		return domRule{last: true}, nil
	case u == "LW":
		return domRule{lastWeekday: true}, nil
	case strings.HasSuffix(u, "W"):
		n, err := value(u[:len(u)-1], domSpec)
		if err != nil {
			return domRule{}, &Error{Field: domSpec.name, Reason: "W follows a single day (15W, the weekday nearest the 15th): " + err.(*Error).Reason}
		}
		return domRule{nearest: n}, nil
	case strings.ContainsAny(u, "LW"):
		return domRule{}, &Error{Field: domSpec.name, Reason: quote(s) + ": L and W stand alone (L, LW, 15W), not in lists or ranges"}
	}
	days, err := parseList(s, domSpec)
	return domRule{days: days}, err
}

// parseDOW reads day-of-week: ?, L, nL, n#k, or a list.
func parseDOW(s string) (dowRule, error) {
	u := strings.ToUpper(s)
	switch {
	case u == "?":
		return dowRule{any: true}, nil
	case u == "L":
		// Alone, L is the last day of the week: Saturday.
		return dowRule{days: 1 << 7}, nil
	case strings.Contains(u, "#"):
		if strings.Contains(u, ",") {
			return dowRule{}, &Error{Field: dowSpec.name, Reason: quote(s) + ": with #, day-of-week holds one expression only (3#2, not 3#1,6#3)"}
		}
		day, k, _ := strings.Cut(u, "#")
		d, err := value(day, dowSpec)
		if err != nil {
			return dowRule{}, err
		}
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 || n > 5 || k[0] == '+' {
			return dowRule{}, &Error{Field: dowSpec.name, Reason: quote(s) + ": after # comes which one in the month, 1 to 5"}
		}
		return dowRule{nth: n, nthOf: d}, nil
	case strings.HasSuffix(u, "L"):
		d, err := value(u[:len(u)-1], dowSpec)
		if err != nil {
			return dowRule{}, &Error{Field: dowSpec.name, Reason: "L follows a single day (5L, the last Thursday): " + err.(*Error).Reason}
		}
		return dowRule{last: d}, nil
	case strings.Contains(u, "L"):
		return dowRule{}, &Error{Field: dowSpec.name, Reason: quote(s) + ": L stands alone or after one day (5L), not in lists or ranges"}
	}
	days, err := parseList(s, dowSpec)
	return dowRule{days: days}, err
}

// parseYears reads the year field into a bit set of 230 years.
func parseYears(s string, set *[4]uint64) error {
	return eachValue(s, yearSpec, func(y int) {
		i := y - minYear
		set[i/64] |= 1 << (i % 64)
	})
}

// parseList reads a field of ranges, lists, increments and * into a bit set.
func parseList(s string, sp spec) (uint64, error) {
	var set uint64
	err := eachValue(s, sp, func(v int) { set |= 1 << v })
	return set, err
}

// eachValue calls add for each value the field names.
func eachValue(s string, sp spec, add func(int)) error {
	if s == "?" {
		return &Error{Field: sp.name, Reason: "? is allowed only in day-of-month and day-of-week"}
	}
	for _, item := range strings.Split(s, ",") {
		if err := eachInItem(item, sp, add); err != nil {
			return err
		}
	}
	return nil
}

// eachInItem handles one element of a list: *, a, a-b, with an optional /n.
func eachInItem(item string, sp spec, add func(int)) error {
	rng, step, hasStep := strings.Cut(item, "/")
	inc := 1
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 || n > sp.max-sp.min+1 || step[0] == '+' {
			return &Error{Field: sp.name, Reason: quote(item) + ": the increment after / must be a whole number from 1 to " + strconv.Itoa(sp.max-sp.min+1)}
		}
		inc = n
	}
	lo, hi := sp.min, sp.max
	switch a, b, isRange := strings.Cut(rng, "-"); {
	case rng == "*":
	case isRange:
		var err error
		if lo, err = value(a, sp); err != nil {
			return err
		}
		if hi, err = value(b, sp); err != nil {
			return err
		}
		if hi < lo && !sp.cyclic {
			return &Error{Field: sp.name, Reason: quote(item) + ": the range ends before it starts"}
		}
	default:
		v, err := value(rng, sp)
		if err != nil {
			return err
		}
		lo = v
		if !hasStep {
			hi = v // a single value; a/n runs from a to the end
		}
	}
	// A range that wraps (FRI-MON, 22-2) runs to the end and on from the start.
	span := hi - lo
	if span < 0 {
		span += sp.max - sp.min + 1
	}
	for i := 0; i <= span; i += inc {
		v := lo + i
		if v > sp.max {
			v -= sp.max - sp.min + 1
		}
		add(v)
	}
	return nil
}

// value reads one number or name of a field.
func value(s string, sp spec) (int, error) {
	u := strings.ToUpper(s)
	for i, n := range sp.names {
		if u == n {
			return sp.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || s == "" || s[0] == '+' || s[0] == '-' {
		what := "a number"
		if sp.names != nil {
			what += " or a name (" + sp.names[0] + "-" + sp.names[len(sp.names)-1] + ")"
		}
		return 0, &Error{Field: sp.name, Reason: quote(s) + " is not " + what}
	}
	if v < sp.min || v > sp.max {
		return 0, &Error{Field: sp.name, Reason: strconv.Itoa(v) + " is out of range " + strconv.Itoa(sp.min) + "-" + strconv.Itoa(sp.max)}
	}
	return v, nil
}
