package jsonata

import (
	"encoding/base64"
	"math"
	"strings"
	"unicode/utf8"
)

// builtin is a native function. params are jsonata-js's parameter names:
// their number is the function's arity, which decides how many arguments a
// higher-order function passes it.
type builtin struct {
	name   string
	sig    *signature
	params []string
	fn     func(c *call, args []any) any
}

// call is what a native function sees of its caller.
type call struct {
	ev    *evaluator
	input any
	env   *frame
	name  string
	pos   int
}

func (c *call) apply(fn any, args ...any) any {
	return c.ev.apply(fn, args, nil, c.env, "", 0)
}

func arity(fn any) int {
	switch f := fn.(type) {
	case *Lambda:
		return len(f.params)
	case *builtin:
		return len(f.params)
	case *regexFunc:
		return 2
	}
	return 0
}

// hofArgs are the arguments a higher-order function passes: the value, and
// the position and the whole structure if the function takes them.
func hofArgs(fn any, value, pos, whole any) []any {
	args := []any{value}
	n := arity(fn)
	if n >= 2 {
		args = append(args, pos)
	}
	if n >= 3 {
		args = append(args, whole)
	}
	return args
}

var builtins = map[string]any{}

func def(name, sig string, params string, fn func(c *call, args []any) any) {
	s, err := parseSignature(sig)
	if err != nil {
		panic(err)
	}
	var ps []string
	if params != "" {
		ps = strings.Split(params, ",")
	}
	builtins[name] = &builtin{name: name, sig: s, params: ps, fn: fn}
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func items(v any) []any {
	if a, ok := v.(*array); ok {
		return a.items
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func numArg(v any) float64 {
	f, _ := num(v)
	return f
}

func init() {
	// aggregation
	def("sum", "<a<n>:n>", "args", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		xs := items(a[0])
		c.ev.chargeItems(len(xs))
		total := 0.0
		for _, x := range xs {
			total += numArg(x)
		}
		return total
	})
	def("count", "<a:n>", "args", func(c *call, a []any) any {
		return float64(len(items(a[0])))
	})
	def("max", "<a<n>:n>", "args", func(c *call, a []any) any {
		xs := items(a[0])
		if len(xs) == 0 {
			return nil
		}
		c.ev.chargeItems(len(xs))
		m := math.Inf(-1)
		for _, x := range xs {
			f := numArg(x)
			if math.IsNaN(f) || f > m {
				m = f
			}
		}
		return m
	})
	def("min", "<a<n>:n>", "args", func(c *call, a []any) any {
		xs := items(a[0])
		if len(xs) == 0 {
			return nil
		}
		c.ev.chargeItems(len(xs))
		m := math.Inf(1)
		for _, x := range xs {
			f := numArg(x)
			if math.IsNaN(f) || f < m {
				m = f
			}
		}
		return m
	})
	def("average", "<a<n>:n>", "args", func(c *call, a []any) any {
		xs := items(a[0])
		if len(xs) == 0 {
			return nil
		}
		c.ev.chargeItems(len(xs))
		total := 0.0
		for _, x := range xs {
			total += numArg(x)
		}
		return total / float64(len(xs))
	})

	// strings
	def("string", "<x-b?:s>", "arg", func(c *call, a []any) any {
		pretty, _ := arg(a, 1).(bool)
		return c.ev.toString(a[0], pretty)
	})
	def("substring", "<s-nn?:s>", "str,start,length", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		return substring(a[0].(string), numArg(a[1]), a[2])
	})
	def("substringBefore", "<s-s:s>", "str,chars", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		s := a[0].(string)
		chars, _ := a[1].(string)
		c.ev.chargeText(len(s))
		if i := strings.Index(s, chars); i >= 0 {
			return s[:i]
		}
		return s
	})
	def("substringAfter", "<s-s:s>", "str,chars", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		s := a[0].(string)
		chars, _ := a[1].(string)
		c.ev.chargeText(len(s))
		if i := strings.Index(s, chars); i >= 0 {
			return s[i+len(chars):]
		}
		return s
	})
	def("lowercase", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		r := jsLower(a[0].(string))
		c.ev.allocString(len(r))
		return r
	})
	def("uppercase", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		r := jsUpper(a[0].(string))
		c.ev.allocString(len(r))
		return r
	})
	def("length", "<s-:n>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		s := a[0].(string)
		c.ev.chargeText(len(s))
		return float64(countPoints(s))
	})
	def("trim", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		c.ev.allocString(len(a[0].(string)))
		return trim(a[0].(string))
	})
	def("pad", "<s-ns?:s>", "str,width,char", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		ch, _ := arg(a, 2).(string)
		return pad(c.ev, a[0].(string), numArg(a[1]), ch)
	})
	def("match", "<s-f<s:o>n?:a<o>>", "str,regex,limit", matchFn)
	def("contains", "<s-(sf):b>", "str,token", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		s := a[0].(string)
		if tok, ok := a[1].(string); ok {
			c.ev.chargeText(len(s))
			return strings.Contains(s, tok)
		}
		if rf, ok := a[1].(*regexFunc); ok {
			return rf.re.prog.test(newText(c.ev, s).units, 0, &c.ev.left)
		}
		return c.firstMatch(a[1], s) != nil
	})
	def("replace", "<s-(sf)(sf)n?:s>", "str,pattern,replacement,limit", replaceFn)
	def("split", "<s-(sf)n?:a<s>>", "str,separator,limit", splitFn)
	def("join", "<a<s>s?:s>", "strs,separator", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		sep, _ := arg(a, 1).(string)
		xs := items(a[0])
		c.ev.chargeItems(len(xs))
		parts := make([]string, len(xs))
		n := len(sep) * len(xs)
		for i, x := range xs {
			parts[i], _ = x.(string)
			n += len(parts[i])
		}
		c.ev.chargeBytes(n)
		c.ev.allocString(n)
		return strings.Join(parts, sep)
	})
	def("formatNumber", "<n-so?:s>", "value,picture,options", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		var opts Object
		if o, ok := asObject(arg(a, 2)); ok {
			opts = o
		}
		pic, _ := a[1].(string)
		c.ev.chargeBytes(len(pic))
		return c.ev.counted(formatNumber(c.ev, numArg(a[0]), pic, opts))
	})
	def("formatBase", "<n-n?:s>", "value,radix", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		return c.ev.counted(formatBase(numArg(a[0]), arg(a, 1)))
	})
	def("formatInteger", "<n-s:s>", "value,picture", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		pic, _ := a[1].(string)
		c.ev.chargeBytes(len(pic))
		return c.ev.counted(formatInteger(c.ev, numArg(a[0]), pic))
	})
	def("parseInteger", "<s-s:n>", "value,picture", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		pic, _ := a[1].(string)
		c.ev.chargeText(len(pic) + len(a[0].(string)))
		return parseInteger(a[0].(string), pic)
	})
	def("base64encode", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		// Node's Buffer(str, 'binary'): each UTF-16 unit's low byte
		c.ev.chargeText(len(a[0].(string)))
		units := utf16Units(a[0].(string))
		c.ev.allocString((len(units) + 2) / 3 * 4)
		b := make([]byte, len(units))
		for i, u := range units {
			b[i] = byte(u)
		}
		return base64.StdEncoding.EncodeToString(b)
	})
	def("base64decode", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		c.ev.allocString(len(a[0].(string)))
		b := decodeBase64Lenient(a[0].(string))
		// Node's toString('binary'): each byte is one character
		var sb strings.Builder
		for _, x := range b {
			sb.WriteRune(rune(x))
		}
		return sb.String()
	})
	def("encodeUrlComponent", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		return c.ev.counted(encodeURI(c, a[0].(string), uriComponentSafe, "encodeUrlComponent"))
	})
	def("encodeUrl", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		return c.ev.counted(encodeURI(c, a[0].(string), uriSafe, "encodeUrl"))
	})
	def("decodeUrlComponent", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		return c.ev.counted(decodeURI(a[0].(string), "", "decodeUrlComponent"))
	})
	def("decodeUrl", "<s-:s>", "str", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		return c.ev.counted(decodeURI(a[0].(string), ";/?:@&=+$,#", "decodeUrl"))
	})

	// numbers
	def("number", "<(nsb)-:n>", "arg", func(c *call, a []any) any {
		if s, ok := a[0].(string); ok {
			c.ev.chargeText(len(s))
		}
		return toNumber(a[0])
	})
	def("floor", "<n-:n>", "arg", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		return math.Floor(numArg(a[0]))
	})
	def("ceil", "<n-:n>", "arg", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		return math.Ceil(numArg(a[0]))
	})
	def("round", "<n-n?:n>", "arg,precision", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		p := 0.0
		if f, ok := num(arg(a, 1)); ok {
			p = f
		}
		return roundHalfEven(numArg(a[0]), p)
	})
	def("abs", "<n-:n>", "arg", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		return math.Abs(numArg(a[0]))
	})
	def("sqrt", "<n-:n>", "arg", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		f := numArg(a[0])
		if f < 0 {
			panic(newError("D3060", a[0]).withIndex(1))
		}
		return math.Sqrt(f)
	})
	def("power", "<n-n:n>", "arg,exp", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		r := jsPow(numArg(a[0]), numArg(a[1]))
		if math.IsInf(r, 0) || math.IsNaN(r) {
			e := newError("D3061", a[0]).withIndex(1)
			e.exp = out(a[1])
			panic(e)
		}
		return r
	})
	def("random", "<:n>", "", func(c *call, a []any) any { return c.ev.rand() })

	// booleans
	def("boolean", "<x-:b>", "arg", func(c *call, a []any) any { return c.ev.toBoolean(a[0]) })
	def("not", "<x-:b>", "arg", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		return !c.ev.truthy(a[0])
	})
	def("exists", "<x:b>", "arg", func(c *call, a []any) any { return arg(a, 0) != nil })

	// arrays and objects
	def("map", "<af>", "arr,func", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		result := &array{seq: true}
		xs := items(a[0])
		c.ev.chargeItems(len(xs))
		for i, x := range xs {
			res := c.apply(a[1], hofArgs(a[1], x, float64(i), a[0])...)
			if res != nil {
				result.items = append(result.items, res)
			}
		}
		c.ev.allocArray(len(result.items))
		return result
	})
	def("filter", "<af>", "arr,func", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		result := &array{seq: true}
		xs := items(a[0])
		c.ev.chargeItems(len(xs))
		for i, x := range xs {
			if c.ev.truthy(c.apply(a[1], hofArgs(a[1], x, float64(i), a[0])...)) {
				result.items = append(result.items, x)
			}
		}
		c.ev.allocArray(len(result.items))
		return result
	})
	def("single", "<af?>", "arr,func", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		found := false
		var result any
		xs := items(a[0])
		c.ev.chargeItems(len(xs))
		for i, x := range xs {
			ok := true
			if f := arg(a, 1); f != nil {
				ok = c.ev.truthy(c.apply(f, hofArgs(f, x, float64(i), a[0])...))
			}
			if ok {
				if found {
					panic(newError("D3138"))
				}
				result, found = x, true
			}
		}
		if !found {
			panic(newError("D3139"))
		}
		return result
	})
	def("reduce", "<afj?:j>", "sequence,func,init", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		fn := a[1]
		n := arity(fn)
		if n < 2 {
			panic(newError("D3050").withIndex(1))
		}
		xs := items(a[0])
		c.ev.chargeItems(len(xs))
		var result any
		i := 0
		if init := arg(a, 2); init == nil && len(xs) > 0 {
			result = xs[0]
			i = 1
		} else {
			result = init
		}
		for ; i < len(xs); i++ {
			args := []any{result, xs[i]}
			if n >= 3 {
				args = append(args, float64(i))
			}
			if n >= 4 {
				args = append(args, a[0])
			}
			result = c.apply(fn, args...)
		}
		return result
	})
	def("zip", "<a+>", "", func(c *call, a []any) any {
		length := math.MaxInt
		for _, x := range a {
			n := 0
			if arr, ok := x.(*array); ok {
				n = len(arr.items)
			}
			length = min(length, n)
		}
		if len(a) == 0 {
			length = 0
		}
		if length > 0 {
			c.ev.chargeItems(length * (len(a) + 1))
			c.ev.alloc(memArray + length*(memItem+memArray+len(a)*memItem))
		}
		result := &array{}
		for i := 0; i < length; i++ {
			t := &array{}
			for _, x := range a {
				t.items = append(t.items, x.(*array).items[i])
			}
			result.items = append(result.items, t)
		}
		return result
	})
	def("sift", "<o-f?:o>", "arg,func", func(c *call, a []any) any {
		o, ok := asObject(a[0])
		if !ok {
			return nil
		}
		fn := arg(a, 1)
		c.ev.alloc(memObject)
		result := newObject(0)
		c.ev.chargeItems(o.Len())
		c.ev.each(o, func(k string, v any) bool {
			if c.ev.truthy(c.apply(fn, hofArgs(fn, v, k, a[0])...)) {
				c.ev.set(&result.ordered, k, v)
			}
			return true
		})
		if result.Len() == 0 {
			return nil
		}
		return result
	})
	def("keys", "<x-:a<s>>", "arg", func(c *call, a []any) any { return c.ev.keysOf(a[0]) })
	def("lookup", "<x-s:x>", "input,key", func(c *call, a []any) any {
		k, _ := a[1].(string)
		return c.ev.lookupField(a[0], k)
	})
	def("append", "<xx:a>", "arg1,arg2", func(c *call, a []any) any { return c.ev.appendJS(a[0], a[1]) })
	def("spread", "<x-:a<o>>", "arg", func(c *call, a []any) any { return c.ev.spread(a[0]) })
	def("merge", "<a<o>:o>", "arg", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		objs := items(a[0])
		n := 0
		for _, x := range objs {
			if o, ok := asObject(x); ok {
				n += o.Len()
			}
		}
		c.ev.chargeItems(len(objs) + n)
		c.ev.alloc(memObject)
		result := newObject(n)
		for _, x := range objs {
			o, ok := asObject(x)
			if !ok {
				continue
			}
			// The first object's keys are unique: no need to look for them.
			first := result.Len() == 0
			put := func(k string, v any) {
				if first {
					c.ev.alloc(memMember)
					c.ev.chargeItems(result.appendUnique(k, v))
				} else {
					c.ev.set(&result.ordered, k, v)
				}
			}
			switch t := o.(type) {
			case *object:
				for i, k := range t.keys {
					put(k, t.vals[i])
				}
			case Indexed:
				for i := range t.Len() {
					k, v := t.At(i)
					put(k, in(v))
				}
			default:
				for k, v := range t.All() {
					put(k, in(v))
				}
			}
		}
		return result
	})
	def("reverse", "<a:a>", "arr", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		arr := a[0].(*array)
		if len(arr.items) <= 1 {
			return arr
		}
		n := len(arr.items)
		c.ev.chargeItems(n)
		c.ev.allocArray(n)
		r := &array{items: make([]any, n)}
		for i, x := range arr.items {
			r.items[n-1-i] = x
		}
		return r
	})
	def("each", "<o-f:a>", "obj,func", func(c *call, a []any) any {
		result := &array{seq: true}
		o, ok := asObject(a[0])
		if !ok {
			return result
		}
		c.ev.chargeItems(o.Len())
		c.ev.each(o, func(k string, v any) bool {
			if res := c.apply(a[1], hofArgs(a[1], v, k, a[0])...); res != nil {
				result.items = append(result.items, res)
			}
			return true
		})
		c.ev.allocArray(len(result.items))
		return result
	})
	def("error", "<s?:x>", "message", func(c *call, a []any) any {
		e := newError("D3137")
		if m, ok := arg(a, 0).(string); ok && m != "" {
			e.Message = m
		} else {
			e.Message = "$error() function evaluated"
		}
		panic(e)
	})
	def("assert", "<bs?:x>", "condition,message", func(c *call, a []any) any {
		if b, _ := a[0].(bool); !b {
			e := newError("D3141")
			if m, ok := arg(a, 1).(string); ok && m != "" {
				e.Message = m
			} else {
				e.Message = "$assert() statement failed"
			}
			panic(e)
		}
		return nil
	})
	def("type", "<x:s>", "value", func(c *call, a []any) any {
		v := arg(a, 0)
		switch v.(type) {
		case nil:
			return nil
		case nullType:
			return "null"
		case *array:
			return "array"
		}
		t := typeOf(v)
		if t == "object" {
			return "object"
		}
		return t
	})
	def("sort", "<af?:a>", "arr,comparator", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		arr := a[0].(*array)
		if len(arr.items) <= 1 {
			return arr
		}
		var swap func(x, y any) bool
		if f := arg(a, 1); f != nil {
			swap = func(x, y any) bool { return c.ev.truthy(c.apply(f, x, y)) }
		} else {
			if !c.ev.arrayOfNumbers(arr) && !isArrayOfStrings(arr) {
				panic(newError("D3070").withIndex(1))
			}
			swap = func(x, y any) bool {
				if s, ok := x.(string); ok {
					return c.ev.compareStrings(s, y.(string)) > 0
				}
				return numArg(x) > numArg(y)
			}
		}
		return c.ev.mergeSort(arr, swap)
	})
	def("shuffle", "<a:a>", "arr", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		arr := a[0].(*array)
		if len(arr.items) <= 1 {
			return arr
		}
		c.ev.chargeItems(len(arr.items))
		c.ev.allocArray(len(arr.items))
		result := make([]any, len(arr.items))
		for i, x := range arr.items {
			j := int(math.Floor(c.ev.rand() * float64(i+1)))
			if i != j {
				result[i] = result[j]
			}
			result[j] = x
		}
		return &array{items: result}
	})
	def("distinct", "<x:x>", "arr", func(c *call, a []any) any {
		v := arg(a, 0)
		arr, ok := v.(*array)
		if !ok || len(arr.items) <= 1 {
			return v
		}
		result := &array{seq: arr.seq}
		for _, x := range arr.items {
			dup := false
			for _, y := range result.items {
				if c.ev.deepEqual(x, y) {
					dup = true
					break
				}
			}
			if !dup {
				result.items = append(result.items, x)
			}
		}
		c.ev.allocArray(len(result.items))
		return result
	})

	// date and time
	def("now", "<s?s?:s>", "picture,timezone", func(c *call, a []any) any {
		pic, hasPic := arg(a, 0).(string)
		c.ev.chargeBytes(len(pic))
		tz, hasTZ := arg(a, 1).(string)
		return c.ev.counted(formatDateTime(c.ev, float64(c.ev.now.UnixMilli()), pic, hasPic, tz, hasTZ))
	})
	def("millis", "<:n>", "", func(c *call, a []any) any { return float64(c.ev.now.UnixMilli()) })
	def("fromMillis", "<n-s?s?:s>", "millis,picture,timezone", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		pic, hasPic := arg(a, 1).(string)
		tz, hasTZ := arg(a, 2).(string)
		c.ev.chargeBytes(len(pic))
		return c.ev.counted(formatDateTime(c.ev, numArg(a[0]), pic, hasPic, tz, hasTZ))
	})
	def("toMillis", "<s-s?:n>", "timestamp,picture", func(c *call, a []any) any {
		if a[0] == nil {
			return nil
		}
		c.ev.chargeText(len(a[0].(string)))
		if pic, ok := arg(a, 1).(string); ok {
			c.ev.chargeBytes(len(pic))
			return parseDateTime(c.ev.now, a[0].(string), pic)
		}
		return isoToMillis(a[0].(string))
	})

	// evaluation
	def("eval", "<sx?:x>", "expr,focus", evalFn)
	def("clone", "<(oa)-:o>", "arg", func(c *call, a []any) any { return c.ev.clone(a[0]) })
}

// toString is $string: strings as they are, functions as "", anything else
// as JSON with numbers rounded to 15 significant digits.
func (ev *evaluator) toString(v any, pretty bool) any {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		return t
	case *Lambda, *builtin, *regexFunc:
		return ""
	}
	if f, ok := num(v); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
		panic(newError("D3001", v))
	}
	if a, ok := v.(*array); ok && a.outerWrapper && len(a.items) > 0 {
		v = a.items[0]
	}
	indent := ""
	if pretty {
		indent = "  "
	}
	b := writeJSON(ev, nil, v, indent, "", true)
	ev.allocString(len(b))
	return string(b)
}

func substring(s string, start float64, length any) string {
	n := float64(countPoints(s))
	if n+start < 0 {
		start = 0
	}
	jsSlice := func(from, to float64) string {
		// Array.prototype.slice with relative indices
		if from < 0 {
			from = math.Max(n+from, 0)
		} else {
			from = math.Min(from, n)
		}
		if to < 0 {
			to = math.Max(n+to, 0)
		} else {
			to = math.Min(to, n)
		}
		if math.IsNaN(from) {
			from = 0
		}
		from, to = math.Trunc(from), math.Trunc(to)
		if to <= from {
			return ""
		}
		return s[pointOffset(s, int(from)):pointOffset(s, int(to))]
	}
	if length != nil {
		l := numArg(length)
		if l <= 0 {
			return ""
		}
		var end float64
		if start >= 0 {
			end = start + l
		} else {
			end = n + start + l
		}
		return jsSlice(start, end)
	}
	return jsSlice(start, n)
}

func trim(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
	}
	if space {
		b.WriteByte(' ')
	}
	r := b.String()
	r = strings.TrimPrefix(r, " ")
	return strings.TrimSuffix(r, " ")
}

// maxPad bounds the padding $pad may add, so that an expression cannot
// allocate without limit.
const maxPad = 1 << 24

func pad(ev *evaluator, s string, width float64, ch string) string {
	if ch == "" {
		ch = " "
	}
	ev.chargeText(len(s))
	padLength := int(math.Min(math.Abs(width), maxPad)) - countPoints(s)
	if padLength <= 0 {
		return s
	}
	ev.allocString(padLength*len(ch) + len(s))
	ev.chargeBytes(padLength * len(ch))
	padding := strings.Repeat(ch, padLength)
	if countPoints(ch) > 1 {
		padding = substring(padding, 0, float64(padLength))
	}
	if width > 0 {
		return s + padding
	}
	return padding + s
}

func matchFn(c *call, a []any) any {
	if a[0] == nil {
		return nil
	}
	s := a[0].(string)
	limit, hasLimit := num(arg(a, 2))
	if hasLimit && limit < 0 {
		panic(newError("D3040", limit).withIndex(3))
	}
	result := &array{seq: true}
	if !hasLimit || limit > 0 {
		count := 0.0
		c.ev.alloc(memArray)
		m := c.firstMatch(a[1], s)
		for m != nil && (!hasLimit || count < limit) {
			c.ev.charge(costObject)
			c.ev.alloc(memItem + memObject + 3*memMember + memArray)
			o := newObject(3)
			o.Set("match", m.match)
			o.Set("index", float64(m.start))
			o.Set("groups", &array{items: m.groups})
			result.items = append(result.items, o)
			m = m.next(c.ev)
			count++
		}
	}
	return result
}

func replaceFn(c *call, a []any) any {
	if a[0] == nil {
		return nil
	}
	s := a[0].(string)
	if p, ok := a[1].(string); ok && p == "" {
		panic(newError("D3010", p).withIndex(2))
	}
	limit, hasLimit := num(arg(a, 3))
	if hasLimit && limit < 0 {
		panic(newError("D3011", limit).withIndex(4))
	}
	replacement := a[2]
	var replacer func(m *match) string
	if r, ok := replacement.(string); ok {
		replacer = func(m *match) string { return substitute(c.ev, r, m) }
	} else {
		replacer = func(m *match) string {
			res := c.apply(replacement, m.obj(c.ev))
			if rs, ok := res.(string); ok {
				c.ev.chargeBytes(len(rs))
				c.ev.alloc(len(rs))
				return rs
			}
			panic(newError("D3012", res))
		}
	}
	if hasLimit && limit == 0 {
		return s
	}
	count := 0.0
	if pattern, ok := a[1].(string); ok {
		var b strings.Builder
		pos := 0
		rs, _ := replacement.(string)
		c.ev.chargeText(len(s))
		c.ev.allocString(len(s))
		b.Grow(len(s))
		for {
			i := strings.Index(s[pos:], pattern)
			if i < 0 || (hasLimit && count >= limit) {
				break
			}
			c.ev.chargeBytes(len(rs))
			c.ev.alloc(len(rs))
			b.WriteString(s[pos : pos+i])
			b.WriteString(rs)
			pos += i + len(pattern)
			count++
		}
		b.WriteString(s[pos:])
		return b.String()
	}
	m := c.firstMatch(a[1], s)
	if m == nil {
		return s
	}
	units := utf16Units(s)
	c.ev.allocString(len(s))
	var b strings.Builder
	pos := 0
	for m != nil && (!hasLimit || count < limit) {
		b.WriteString(unitsToString(units[clampInt(pos, 0, len(units)):clampInt(m.start, pos, len(units))]))
		b.WriteString(replacer(m))
		pos = m.start + len(utf16Units(m.match))
		count++
		m = m.next(c.ev)
	}
	b.WriteString(unitsToString(units[clampInt(pos, 0, len(units)):]))
	return b.String()
}

// substitute expands $n (group n), $0 (the match) and $$ in a replacement
// string, as jsonata-js does, charging ev for what it writes.
func substitute(ev *evaluator, r string, m *match) string {
	ev.chargeBytes(len(r))
	ev.alloc(len(r))
	var b strings.Builder
	pos := 0
	idx := strings.IndexByte(r, '$')
	for idx != -1 && pos < len(r) {
		b.WriteString(r[pos:idx])
		pos = idx + 1
		if pos >= len(r) {
			b.WriteString("$")
			break
		}
		d := r[pos]
		switch {
		case d == '$':
			b.WriteByte('$')
			pos++
		case d == '0':
			ev.chargeBytes(len(m.match))
			ev.alloc(len(m.match))
			b.WriteString(m.match)
			pos++
		default:
			maxDigits := 1
			if len(m.groups) > 0 {
				maxDigits = int(math.Floor(math.Log10(float64(len(m.groups))))) + 1
			}
			n, w := leadingInt(r[pos:], maxDigits)
			if maxDigits > 1 && w > 0 && n > len(m.groups) {
				n, w = leadingInt(r[pos:], maxDigits-1)
			}
			if w > 0 {
				if len(m.groups) > 0 && n >= 1 && n <= len(m.groups) {
					if g, ok := m.groups[n-1].(string); ok {
						ev.chargeBytes(len(g))
						ev.alloc(len(g))
						b.WriteString(g)
					}
				}
				pos += len(itoa(n))
			} else {
				b.WriteByte('$')
			}
		}
		next := strings.IndexByte(r[pos:], '$')
		if next < 0 {
			idx = -1
		} else {
			idx = pos + next
		}
	}
	if pos < len(r) {
		b.WriteString(r[pos:])
	}
	return b.String()
}

// leadingInt is parseInt of at most max leading digits: the value and how
// many characters it read (0 if none).
func leadingInt(s string, max int) (int, int) {
	n, w := 0, 0
	for w < len(s) && w < max && s[w] >= '0' && s[w] <= '9' {
		n = n*10 + int(s[w]-'0')
		w++
	}
	return n, w
}

func splitFn(c *call, a []any) any {
	if a[0] == nil {
		return nil
	}
	s := a[0].(string)
	limit, hasLimit := num(arg(a, 2))
	if hasLimit && limit < 0 {
		panic(newError("D3020", limit).withIndex(3))
	}
	result := &array{}
	if hasLimit && limit == 0 {
		return result
	}
	if sep, ok := a[1].(string); ok {
		c.ev.chargeText(len(s))
		var parts []string
		if sep == "" {
			c.ev.chargeItems(len(s))
			c.ev.alloc(memArray + len(s)*(memItem+memString) + 4*len(s)) // at most a piece a byte, 3 bytes a unit
			units := utf16Units(s)
			for _, u := range units {
				parts = append(parts, unitsToString([]uint16{u}))
			}
		} else {
			n := strings.Count(s, sep) + 1
			c.ev.alloc(memArray + n*(memItem+memString))
			parts = strings.Split(s, sep)
		}
		// String.prototype.split takes the limit as an unsigned integer
		c.ev.charge(len(parts) * (costCopy + costText))
		result.items = make([]any, 0, len(parts))
		for i, p := range parts {
			if hasLimit && i >= int(uint32(int64(limit))) {
				break
			}
			result.items = append(result.items, p)
		}
		return result
	}
	m := c.firstMatch(a[1], s)
	c.ev.allocArray(1)
	if m == nil {
		result.items = append(result.items, s)
		return result
	}
	units := utf16Units(s)
	c.ev.alloc(len(s))
	start := 0
	count := 0.0
	for m != nil && (!hasLimit || count < limit) {
		c.ev.alloc(memItem + memString)
		result.items = append(result.items, unitsToString(units[clampInt(start, 0, len(units)):clampInt(m.start, start, len(units))]))
		start = m.end
		m = m.next(c.ev)
		count++
	}
	if !hasLimit || count < limit {
		result.items = append(result.items, unitsToString(units[clampInt(start, 0, len(units)):]))
	}
	return result
}

// toNumber is $number.
func toNumber(v any) any {
	switch t := v.(type) {
	case nil:
		return nil
	case bool:
		if t {
			return 1.0
		}
		return 0.0
	case string:
		if f, ok := parseJSNumber(t); ok {
			return f
		}
		panic(newError("D3030", v).withIndex(1))
	}
	if f, ok := num(v); ok {
		return f
	}
	panic(newError("D3030", v).withIndex(1))
}

// parseJSNumber accepts a decimal number (leading zeros allowed), or a
// hexadecimal, octal or binary integer literal (0x1F, 0o17, 0b101).
func parseJSNumber(s string) (float64, bool) {
	if validLeadingZeros(s) {
		f, err := parseFloat(s)
		if err != nil || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			f := 0.0
			for _, ch := range s[2:] {
				d := digitValue(ch)
				if d < 0 || d >= base {
					return 0, false
				}
				f = f*float64(base) + float64(d)
			}
			return f, true
		}
	}
	return 0, false
}

// validLeadingZeros matches -?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?
func validLeadingZeros(s string) bool {
	t := strings.TrimPrefix(s, "-")
	i := 0
	for i < len(t) && t[i] == '0' {
		i++
	}
	if i == 0 {
		return validDecimal(s)
	}
	rest := t[i:]
	if rest == "" || rest[0] == '.' || rest[0] == 'e' || rest[0] == 'E' {
		return validDecimal("0" + rest)
	}
	return validDecimal(rest)
}

func digitValue(ch rune) int {
	switch {
	case ch >= '0' && ch <= '9':
		return int(ch - '0')
	case ch >= 'a' && ch <= 'z':
		return int(ch-'a') + 10
	case ch >= 'A' && ch <= 'Z':
		return int(ch-'A') + 10
	}
	return -1
}

// validDecimal matches -?(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?
func validDecimal(s string) bool {
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
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}

// jsRound is JavaScript's Math.round: halves go up.
func jsRound(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	r := math.Floor(x)
	if x-r >= 0.5 {
		r++
	}
	return r
}

// roundHalfEven is $round: to precision decimal places, halves to even,
// shifting the decimal point in the number's text so that the shift adds
// no binary error.
func roundHalfEven(x, precision float64) float64 {
	shift := func(v float64, by float64) float64 {
		s := FormatNumber(v)
		mant, exp, hasExp := strings.Cut(s, "e")
		e := 0.0
		if hasExp {
			e, _ = parseFloat(exp)
		}
		f, _ := parseFloat(mant + "e" + FormatNumber(e+by))
		return f
	}
	if precision != 0 {
		x = shift(x, precision)
	}
	result := jsRound(x)
	if diff := result - x; math.Abs(diff) == 0.5 && math.Abs(math.Mod(result, 2)) == 1 {
		result--
	}
	if precision != 0 {
		result = shift(result, -precision)
	}
	if result == 0 {
		result = 0 // no -0 in JSON
	}
	return result
}

// jsPow is Math.pow, which differs from math.Pow for a base of ±1 with an
// infinite exponent and for NaN exponents.
func jsPow(x, y float64) float64 {
	if math.IsNaN(y) {
		return math.NaN()
	}
	if (x == 1 || x == -1) && math.IsInf(y, 0) {
		return math.NaN()
	}
	return math.Pow(x, y)
}

func (ev *evaluator) keysOf(v any) any {
	result := &array{seq: true}
	if a, ok := v.(*array); ok {
		ev.alloc(memObject)
		merged := newObject(0)
		for _, item := range a.items {
			ev.chargeItems(1)
			for _, k := range items(ev.keysOf(item)) {
				ev.set(&merged.ordered, k.(string), true)
			}
		}
		ev.allocArray(len(merged.keys))
		for _, k := range merged.keys {
			result.items = append(result.items, k)
		}
		return result
	}
	if o, ok := asObject(v); ok {
		ev.chargeItems(o.Len())
		ev.allocArray(o.Len())
		for _, k := range objectKeys(o) {
			result.items = append(result.items, k)
		}
	}
	return result
}

func (ev *evaluator) spread(v any) any {
	if a, ok := v.(*array); ok {
		ev.alloc(memArray)
		result := &array{seq: true} // grows in place: only this call holds it
		for _, item := range a.items {
			result = ev.appendOwned(result, ev.spread(item))
		}
		return result
	}
	if o, ok := asObject(v); ok {
		result := &array{seq: true}
		ev.charge(o.Len() * costObject)
		ev.alloc(memArray + o.Len()*(memItem+memObject+memMember))
		ev.each(o, func(k string, val any) bool {
			one := newObject(1)
			one.Set(k, val)
			result.items = append(result.items, one)
			return true
		})
		return result
	}
	return v
}

// clone is $clone: a deep copy through JSON, so functions and undefined
// members disappear.
func (ev *evaluator) clone(v any) any { return ev.cloneDepth(v, 0) }

func (ev *evaluator) cloneDepth(v any, d int) any {
	checkDepth(d)
	ev.chargeItems(1)
	switch t := v.(type) {
	case nil:
		return nil
	case *array:
		ev.allocArray(len(t.items))
		r := &array{items: make([]any, 0, len(t.items))}
		for _, x := range t.items {
			c := ev.cloneDepth(x, d+1)
			if c == nil {
				c = null
			}
			r.items = append(r.items, c)
		}
		return r
	case *Lambda, *builtin, *regexFunc:
		return nil
	}
	if o, ok := asObject(v); ok {
		ev.charge(costObject)
		ev.alloc(memObject)
		r := newObject(o.Len())
		ev.each(o, func(k string, x any) bool {
			if c := ev.cloneDepth(x, d+1); c != nil {
				ev.set(&r.ordered, k, c)
			}
			return true
		})
		return r
	}
	if f, ok := num(v); ok {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return null
		}
		return f
	}
	return v
}

func evalFn(c *call, a []any) any {
	src, ok := arg(a, 0).(string)
	if !ok {
		return nil
	}
	input := c.input
	if focus := arg(a, 1); focus != nil {
		input = focus
		if arr, ok := input.(*array); ok && !arr.seq {
			input = &array{items: []any{arr}, seq: true, outerWrapper: true}
		}
	}
	c.ev.charge(costObject + len(src)*costParse)
	c.ev.alloc(len(src) * memItem) // the expression parsed
	ast, err := parse(src)
	if err != nil {
		e := newError("D3120", err.(*Error).Text())
		panic(e)
	}
	var result any
	depth, evalDepth := len(c.ev.calls), c.ev.depth
	func() {
		defer func() {
			if r := recover(); r != nil {
				if e, ok := r.(*Error); ok && e.Code != "U1001" {
					c.ev.attribute(e, depth)
					c.ev.depth = evalDepth
					e.finish(c.ev)
					panic(newError("D3121", e.Text()))
				}
				panic(r)
			}
		}()
		result = c.ev.eval(ast, input, c.env)
	}()
	return result
}

// jsUpper and jsLower change case with JavaScript's full mappings, which
// may change the length (ß becomes SS).
func jsUpper(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r == 'ß' {
			b.WriteString("SS")
			continue
		}
		if up, ok := specialUpper[r]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return b.String()
}

var specialUpper = map[rune]string{
	'ŉ': "ʼN", 'ǰ': "J̌", 'ΐ': "Ϊ́", 'ΰ': "Ϋ́", 'և': "ԵՒ", 'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
}

func jsLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r == 'İ' {
			b.WriteString("i̇")
			continue
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
