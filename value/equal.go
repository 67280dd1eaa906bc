package value

import "strings"

// Equal reports whether a and b are the same JSON value. Numbers compare by
// value (1 equals 1.0); object member order does not matter.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case Number:
		y, ok := b.(Number)
		return ok && NumberEqual(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Object:
		y, ok := b.(*Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		if x == y {
			return true
		}
		for _, m := range x.members {
			v, ok := y.Get(m.Key)
			if !ok || !Equal(m.Value, v) {
				return false
			}
		}
		return true
	}
	return false
}

// NumberEqual compares two numbers by value.
func NumberEqual(a, b Number) bool {
	if a == b {
		return true
	}
	if !strings.ContainsAny(string(a), ".eE") && !strings.ContainsAny(string(b), ".eE") {
		// Two integer literals: compare digits, so that integers beyond
		// float64's precision stay distinct.
		return integerLiteralsEqual(string(a), string(b))
	}
	if ai, ok := a.Int64(); ok {
		if bi, ok := b.Int64(); ok {
			return ai == bi
		}
	}
	return a.Float64() == b.Float64()
}

// Hash returns a hash of v consistent with Equal, for de-duplication.
func Hash(v any) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	mix := func(x uint64) { h = (h ^ x) * prime }
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case nil:
			mix(1)
		case bool:
			if t {
				mix(2)
			} else {
				mix(3)
			}
		case string:
			mix(4)
			for i := 0; i < len(t); i++ {
				mix(uint64(t[i]))
			}
		case Number:
			mix(5)
			f := t.Float64()
			mix(uint64(int64(f * 1024)))
		case []any:
			mix(6)
			for _, x := range t {
				walk(x)
			}
		case *Object:
			// Order-independent: sum the members' hashes.
			var sum uint64
			for _, m := range t.members {
				sum += Hash(m.Key) ^ Hash(m.Value)*31
			}
			mix(7)
			mix(sum)
		}
	}
	walk(v)
	return h
}

func integerLiteralsEqual(a, b string) bool {
	na, nb := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	a, b = strings.TrimPrefix(a, "-"), strings.TrimPrefix(b, "-")
	if a == "0" && b == "0" {
		return true
	}
	return na == nb && a == b
}
