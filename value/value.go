// Package value is Baton's model of a JSON document.
//
// A value is a plain Go `any` holding one of:
//
//	nil        JSON null
//	bool       true / false
//	string     a JSON string
//	Number     a JSON number, kept as its literal text so that large
//	           integers and decimal spellings survive a round trip exactly
//	[]any      a JSON array
//	*Object    a JSON object whose members keep their order
//
// Values are immutable once built. State input and output flow through an
// execution by reference: a ResultPath that extends a 100 KB document copies
// the spine from the root to the changed member, never the document. That is
// what lets many executions share one parsed input, and lets the payload
// limit be checked without serialising the document at every step (objects
// remember their serialised size).
//
// Object key order follows AWS, whose engine keeps members in insertion order.
package value

import (
	"math"
	"strconv"
	"strings"
)

// Number is a JSON number in its literal form, for example "12", "-0.5" or
// "1e300". It is always valid JSON number syntax.
type Number string

// Int returns a Number for an integer.
func Int(i int64) Number {
	if i >= 0 && i < int64(len(smallInts)) {
		return smallInts[i]
	}
	return Number(strconv.FormatInt(i, 10))
}

var smallInts = func() (s [1024]Number) {
	for i := range s {
		s[i] = Number(strconv.Itoa(i))
	}
	return
}()

// Float returns a Number for a float64. Integral values print without a
// fraction; NaN and infinities, which JSON cannot hold, become 0.
func Float(f float64) Number {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return Int(int64(f))
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		return Number(strconv.FormatFloat(f, 'e', -1, 64))
	}
	return Number(strconv.FormatFloat(f, 'f', -1, 64))
}

// Float64 returns the number as a float64.
func (n Number) Float64() float64 {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		// Out of range literals parse to ±Inf with an error; keep the Inf.
		return f
	}
	return f
}

// Int64 returns the number as an int64 when it is integral and fits.
func (n Number) Int64() (int64, bool) {
	s := string(n)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	if !strings.ContainsAny(s, ".eE") {
		return 0, false // an integer literal beyond int64
	}
	f := n.Float64()
	if f != math.Trunc(f) || f < -9.223372036854775e18 || f > 9.223372036854775e18 {
		return 0, false
	}
	return int64(f), true
}

// IsInteger reports whether the number has no fractional part.
func (n Number) IsInteger() bool {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return true
	}
	f := n.Float64()
	return !math.IsInf(f, 0) && f == math.Trunc(f)
}

// TypeName names the JSON type of v as AWS's messages do: "null", "boolean",
// "number", "string", "array" or "object".
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case *Object:
		return "object"
	}
	return "unknown"
}

// Of converts a Go value made of the usual encoding/json shapes (maps,
// slices, float64, int, json-like scalars) into the value model. Map keys are
// sorted so that the result is deterministic. Values already in the model
// pass through unchanged.
func Of(v any) any {
	switch t := v.(type) {
	case nil, bool, string, Number, *Object:
		return t
	case int:
		return Int(int64(t))
	case int64:
		return Int(t)
	case int32:
		return Int(int64(t))
	case uint:
		return Number(strconv.FormatUint(uint64(t), 10))
	case uint64:
		return Number(strconv.FormatUint(t, 10))
	case float64:
		return Float(t)
	case float32:
		return Float(float64(t))
	case interface{ String() string }:
		// json.Number and friends
		if s := t.String(); validNumber(s) {
			return Number(s)
		}
		return t.String()
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = Of(x)
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sortStrings(keys)
		ms := make([]Member, len(keys))
		for i, k := range keys {
			ms[i] = Member{Key: k, Value: Of(t[k])}
		}
		return NewObject(ms)
	}
	return nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// validNumber reports whether s is JSON number syntax.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	if s[i] == '0' {
		i++
	} else if s[i] >= '1' && s[i] <= '9' {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// ValidNumber reports whether s is a JSON number literal.
func ValidNumber(s string) bool { return validNumber(s) }
