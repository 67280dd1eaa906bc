package jsonata

import (
	"encoding/json"
	"iter"
	"math"
	"reflect"
	"sort"
	"strconv"
)

// Values cross this package's API in a plain model (see the package
// documentation): nil is JSON null and Undefined is "no value". Inside the
// evaluator the roles are swapped, as in JavaScript: nil is undefined, the
// common case, and null is the sentinel below. Arrays inside are *array,
// which carry the flags jsonata-js keeps on its JavaScript arrays.

// Undefined is the result of an expression that yields nothing, and the
// input to pass for "no input at all" (which is not the same as null).
var Undefined = undefinedType{}

type undefinedType struct{}

func (undefinedType) String() string { return "undefined" }

type nullType struct{}

// null is JSON null inside the evaluator.
var null any = nullType{}

// A Number is a caller's numeric type, such as a number kept as its literal
// text. The evaluator reads it through Float64 and hands it back unchanged
// when it passes through.
type Number interface {
	Float64() float64
}

// An Object is a JSON object the evaluator can read: a *Map, or a
// caller's own ordered object type. Members come in their order.
type Object interface {
	Len() int
	Get(key string) (any, bool)
	All() iter.Seq2[string, any]
}

// Indexed is an Object that also gives its members by position (0 to
// Len()-1), in the order All yields them; reading it that way is cheaper
// than through an iterator.
type Indexed interface {
	Object
	At(i int) (key string, v any)
}

// array is a JavaScript array as jsonata-js uses it: a JSON array, or a
// sequence (the flattened result of a path), with the flags it hangs on it.
type array struct {
	items []any
	// seq: a sequence rather than a JSON array; a sequence of one item
	// collapses to the item, an empty one to undefined.
	seq bool
	// keepSingleton: a sequence that must stay an array even with one item
	// (the `[]` suffix).
	keepSingleton bool
	// cons: built by an array constructor, so a path does not flatten it.
	cons bool
	// outerWrapper: the whole input was an array, wrapped in a sequence of
	// one so that it is treated as a single value.
	outerWrapper bool
	// tupleStream: items are *tuple (paths that bind focus, index or parent
	// variables).
	tupleStream bool
}

func newSeq(items ...any) *array { return &array{items: items, seq: true} }

func isArray(v any) bool {
	_, ok := v.(*array)
	return ok
}

func isSequence(v any) bool {
	a, ok := v.(*array)
	return ok && a.seq
}

// tuple is one item of a tuple stream: the context value and the variables
// bound along the path so far.
type tuple struct {
	at    any
	names []string
	vals  []any
}

func (t *tuple) get(name string) (any, bool) {
	for i, n := range t.names {
		if n == name {
			return t.vals[i], true
		}
	}
	return nil, false
}

func (t *tuple) set(name string, v any) {
	for i, n := range t.names {
		if n == name {
			t.vals[i] = v
			return
		}
	}
	t.names = append(t.names, name)
	t.vals = append(t.vals, v)
}

func (t *tuple) clone() *tuple {
	return &tuple{at: t.at, names: append([]string(nil), t.names...), vals: append([]any(nil), t.vals...)}
}

// ordered is an object whose members keep their order.
type ordered struct {
	keys  []string
	vals  []any
	index map[string]int
	// An object the evaluator builds is indexed lazily, after a few
	// searches (finds): most are built and read once, and a short scan is
	// cheaper than a map. A Map, which callers may share between
	// goroutines, is indexed as it grows, so that reading it never writes.
	lazy  bool
	finds int
}

// indexAfter is the size above which an object is indexed, and the number
// of searches after which a lazily indexed one is.
const indexAfter = 8

func (m *ordered) buildIndex() {
	m.index = make(map[string]int, len(m.keys)*2)
	for i, k := range m.keys {
		m.index[k] = i
	}
}

// object is a JSON object built by the evaluator; its members hold values in
// the evaluator's model.
type object struct{ ordered }

func newObject(n int) *object {
	return &object{ordered{keys: make([]string, 0, n), vals: make([]any, 0, n), lazy: true}}
}

// Map is an ordered JSON object in this package's API model: results hold
// them, and a caller may pass them in.
type Map struct{ ordered }

// NewMap returns an empty Map with room for n members.
func NewMap(n int) *Map {
	return &Map{ordered{keys: make([]string, 0, n), vals: make([]any, 0, n)}}
}

// Len returns the number of members.
func (m *ordered) Len() int { return len(m.keys) }

func (m *ordered) find(key string) int {
	if m.lazy && m.index == nil && len(m.keys) > indexAfter {
		if m.finds++; m.finds > indexAfter {
			m.buildIndex()
		}
	}
	if m.index != nil {
		if i, ok := m.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range m.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// Get returns the member named key.
func (m *ordered) Get(key string) (any, bool) {
	if i := m.find(key); i >= 0 {
		return m.vals[i], true
	}
	return nil, false
}

// Set adds or replaces a member. A new member goes last, except that keys
// which are array indexes ("0", "17") come first in ascending order, as in
// a JavaScript object.
func (m *ordered) Set(key string, v any) { m.set(key, v) }

// set is Set, returning the number of members it moved to make room.
func (m *ordered) set(key string, v any) (moved int) {
	if i := m.find(key); i >= 0 {
		m.vals[i] = v
		return 0
	}
	at := len(m.keys)
	if idx, ok := arrayIndex(key); ok {
		at = m.indexPosition(idx)
	}
	m.keys = append(m.keys, "")
	m.vals = append(m.vals, nil)
	if at < len(m.keys)-1 {
		copy(m.keys[at+1:], m.keys[at:])
		copy(m.vals[at+1:], m.vals[at:])
		moved = len(m.keys) - 1 - at
	}
	m.keys[at] = key
	m.vals[at] = v
	switch {
	case m.index == nil:
		if !m.lazy && len(m.keys) > indexAfter {
			m.buildIndex()
			moved += len(m.keys)
		}
	case at == len(m.keys)-1:
		m.index[key] = at
	default:
		for i := at; i < len(m.keys); i++ {
			m.index[m.keys[i]] = i
		}
	}
	return moved
}

// indexPosition is where the array-index key idx goes: the keys that are
// array indexes come first, ascending.
func (m *ordered) indexPosition(idx uint64) int {
	n := len(m.keys)
	if n == 0 {
		return 0
	}
	if last, ok := arrayIndex(m.keys[n-1]); ok && last < idx {
		return n // the commonest case: ascending indexes, nothing else
	}
	end := sort.Search(n, func(i int) bool {
		_, ok := arrayIndex(m.keys[i])
		return !ok
	})
	return sort.Search(end, func(i int) bool {
		k, _ := arrayIndex(m.keys[i])
		return k > idx
	})
}

// appendUnique adds members known not to be there yet, in order (but for
// array-index keys, which Set places).
// It returns the number of members moved, as set does.
func (m *ordered) appendUnique(key string, v any) int {
	if m.index != nil || !m.lazy || len(key) > 0 && key[0] >= '0' && key[0] <= '9' {
		return m.set(key, v)
	}
	m.keys = append(m.keys, key)
	m.vals = append(m.vals, v)
	return 0
}

// arrayIndex reports whether key is a canonical array index (0 to 2^32-2).
func arrayIndex(key string) (uint64, bool) {
	if key == "" || len(key) > 10 || key[0] < '0' || key[0] > '9' || (key[0] == '0' && len(key) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n < 1<<32-1
}

// Delete removes a member.
func (m *ordered) Delete(key string) {
	i := m.find(key)
	if i < 0 {
		return
	}
	m.keys = append(m.keys[:i:i], m.keys[i+1:]...)
	m.vals = append(m.vals[:i:i], m.vals[i+1:]...)
	if m.index != nil {
		delete(m.index, key)
		for j := i; j < len(m.keys); j++ {
			m.index[m.keys[j]] = j
		}
	}
}

// All yields the members in order.
func (m *ordered) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for i, k := range m.keys {
			if !yield(k, m.vals[i]) {
				return
			}
		}
	}
}

// Keys returns the member names in order.
func (m *ordered) Keys() []string { return m.keys }

// MarshalJSON writes the map as a JSON object, members in order.
func (m *Map) MarshalJSON() ([]byte, error) {
	return appendJSON(nil, in(m), "", ""), nil
}

// in converts a caller's value to the evaluator's model (one level; members
// of objects are converted when they are read).
func in(v any) any { return inDepth(nil, v, 0) }

// in is in for an evaluation, of the caller's input, bindings and
// variables: the arrays it converts are converted once (see inArray) and
// counted.
func (ev *evaluator) in(v any) any { return inDepth(ev, v, 0) }

// inMade is in for a value a native function made: counted, but not kept
// for another read (the next call makes another).
func (ev *evaluator) inMade(v any) any { return inDepth(ev, v, -1) }

// inDepth converts v at depth d; a negative depth marks a value a native
// function made, whose arrays are not kept for another read.
func inDepth(ev *evaluator, v any, d int) any {
	switch t := v.(type) {
	case nil:
		return null
	case undefinedType:
		return nil
	case string, bool, float64, *object, *array, *Lambda, *builtin, *regexFunc, nullType:
		return v
	case []any:
		return inArray(ev, t, d)
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case int32:
		return float64(t)
	case uint64:
		return float64(t)
	case float32:
		return float64(t)
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return string(t)
		}
		return f
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ev.allocObject(len(keys))
		m := newObject(len(keys))
		for _, k := range keys {
			m.Set(k, inDepth(ev, t[k], deeper(d)))
		}
		return m
	}
	return v
}

// inArray converts a caller's array. In an evaluation, an array read again
// (an input's, a variable's) is the array converted the first time: a
// loop that reads one does not copy it again and again, and the
// conversions an evaluation makes are no larger than its input and
// variables.
func inArray(ev *evaluator, items []any, d int) *array {
	checkDepth(max(d, -d))
	keep := ev != nil && len(items) > 0 && d >= 0
	if keep {
		if a := ev.converted(items); a != nil {
			return a
		}
	}
	// Items the evaluator reads as they are need no copy: the array shares
	// them (capped, so that nothing is ever appended in their place).
	shared := true
	var last reflect.Type // items of one type are checked once
	for _, x := range items {
		if x == nil {
			shared = false
			break
		}
		if t := reflect.TypeOf(x); t != last {
			last = t
			switch x.(type) {
			case undefinedType, []any, map[string]any, json.Number, int, int64, int32, uint64, float32:
				shared = false
			}
			if !shared {
				break
			}
		}
	}
	var a *array
	if shared {
		ev.alloc(memArray)
		a = &array{items: items[:len(items):len(items)]}
	} else {
		ev.allocArray(len(items))
		out := make([]any, len(items))
		for i, x := range items {
			out[i] = inDepth(ev, x, deeper(d))
		}
		a = &array{items: out}
	}
	if keep {
		ev.convert(items, a)
	}
	return a
}

// deeper is the depth below d, keeping the mark of a made value.
func deeper(d int) int {
	if d < 0 {
		return d - 1
	}
	return d + 1
}

// conversion is a caller's array and the array it was converted to.
type conversion struct {
	first *any // the caller's array: its first item and its length
	n     int
	a     *array
}

// converted returns the conversion of a caller's array, if the evaluation
// made it already.
func (ev *evaluator) converted(items []any) *array {
	p := &items[0]
	if ev.convIndex != nil {
		return ev.convIndex[conversion{first: p, n: len(items)}]
	}
	for _, c := range ev.convs {
		if c.first == p && c.n == len(items) {
			return c.a
		}
	}
	return nil
}

func (ev *evaluator) convert(items []any, a *array) {
	c := conversion{first: &items[0], n: len(items)}
	if ev.convIndex != nil {
		ev.convIndex[c] = a
		return
	}
	c.a = a
	ev.convs = append(ev.convs, c)
	if len(ev.convs) > 16 {
		ev.convIndex = make(map[conversion]*array, 2*len(ev.convs))
		for _, c := range ev.convs {
			a := c.a
			c.a = nil
			ev.convIndex[c] = a
		}
	}
}

// get reads a member of an object in the evaluator's model.
func (ev *evaluator) get(o Object, key string) (any, bool) {
	if m, ok := o.(*object); ok {
		return m.Get(key)
	}
	v, ok := o.Get(key)
	if !ok {
		return nil, false
	}
	return inDepth(ev, v, 0), true
}

// each calls f for every member of o, in the evaluator's model.
func (ev *evaluator) each(o Object, f func(k string, v any) bool) {
	if m, ok := o.(*object); ok {
		for i, k := range m.keys {
			if !f(k, m.vals[i]) {
				return
			}
		}
		return
	}
	if ix, ok := o.(Indexed); ok {
		for i := range o.Len() {
			k, v := ix.At(i)
			if !f(k, inDepth(ev, v, 0)) {
				return
			}
		}
		return
	}
	for k, v := range o.All() {
		if !f(k, inDepth(ev, v, 0)) {
			return
		}
	}
}

func objectKeys(o Object) []string {
	if m, ok := o.(*object); ok {
		return m.keys
	}
	keys := make([]string, 0, o.Len())
	for k := range o.All() {
		keys = append(keys, k)
	}
	return keys
}

// out converts an evaluator value to the caller's model.
func out(v any) any { return outDepth(nil, v, 0) }

// outCharged is out charging the conversion to ev's budget.
func outCharged(ev *evaluator, v any) any { return outDepth(ev, v, 0) }

func outDepth(ev *evaluator, v any, d int) any {
	checkDepth(d)
	switch t := v.(type) {
	case nil:
		return Undefined
	case nullType:
		return nil
	case *array:
		ev.chargeCopy(len(t.items))
		ev.allocArray(len(t.items))
		items := make([]any, 0, len(t.items))
		for _, x := range t.items {
			if x == nil {
				continue
			}
			items = append(items, outDepth(ev, x, d+1))
		}
		return items
	case *object:
		ev.charge(2*costObject + len(t.keys)*costCopy)
		ev.alloc(memObject)
		m := NewMap(len(t.keys))
		for i, k := range t.keys {
			if t.vals[i] == nil {
				continue
			}
			ev.set(&m.ordered, k, outDepth(ev, t.vals[i], d+1))
		}
		return m
	case *tuple:
		return outDepth(ev, t.at, d)
	}
	return v
}

// num returns v as a float64 if it is a number.
func num(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case string, bool, nil, nullType, *array, *object:
		return 0, false
	case Number:
		return t.Float64(), true
	}
	return 0, false
}

// isNumeric is jsonata-js's isNumeric: a number that is not NaN. An infinite
// number cannot be represented in JSON and is an error (D1001).
func isNumeric(v any) bool {
	f, ok := num(v)
	if !ok || math.IsNaN(f) {
		return false
	}
	if math.IsInf(f, 0) {
		panic(&Error{Code: "D1001", Value: f})
	}
	return true
}

func isObject(v any) bool {
	_, ok := asObject(v)
	return ok
}

func asObject(v any) (Object, bool) {
	switch t := v.(type) {
	case *object:
		return t, true
	case nil, nullType, string, bool, float64, *array:
		return nil, false
	case Object:
		return t, true
	}
	return nil, false
}

func isFunction(v any) bool {
	switch v.(type) {
	case *Lambda, *builtin, *regexFunc:
		return true
	}
	return false
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func isArrayOfStrings(v any) bool {
	a, ok := v.(*array)
	if !ok {
		return false
	}
	for _, x := range a.items {
		if _, ok := x.(string); !ok {
			return false
		}
	}
	return true
}

func isArrayOfNumbers(v any) bool {
	a, ok := v.(*array)
	if !ok {
		return false
	}
	for _, x := range a.items {
		if !isNumeric(x) {
			return false
		}
	}
	return true
}

// typeOf is the JavaScript typeof of v, as the evaluator's checks need it.
func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "undefined"
	case string:
		return "string"
	case bool:
		return "boolean"
	case *Lambda, *builtin, *regexFunc:
		return "function"
	}
	if _, ok := num(v); ok {
		return "number"
	}
	return "object"
}

// deepEqual is jsonata-js's isDeepEqual.
func (ev *evaluator) deepEqual(a, b any) bool { return ev.deepEqualDepth(a, b, 0) }

func (ev *evaluator) deepEqualDepth(a, b any, d int) bool {
	checkDepth(d)
	ev.chargeItems(1)
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := num(a); ok {
		y, ok := num(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if ok {
			ev.chargeBytes(len(x))
		}
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nullType:
		_, ok := b.(nullType)
		return ok
	case *array:
		y, ok := b.(*array)
		if !ok || len(x.items) != len(y.items) {
			return false
		}
		for i := range x.items {
			if !ev.deepEqualDepth(x.items[i], y.items[i], d+1) {
				return false
			}
		}
		return true
	}
	if x, ok := asObject(a); ok {
		y, ok := asObject(b)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		if x.Len() != y.Len() {
			return false
		}
		equal := true
		ev.each(x, func(k string, v any) bool {
			w, ok := ev.get(y, k)
			if !ok || !ev.deepEqualDepth(v, w, d+1) {
				equal = false
			}
			return equal
		})
		return equal
	}
	return a == b
}

// FormatNumber writes f as JavaScript's Number.prototype.toString does:
// the shortest digits that read back as f, in plain notation between 1e-7
// and 1e21 and in exponent notation outside.
func FormatNumber(f float64) string {
	return string(appendNumber(nil, f))
}

func appendNumber(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		return append(dst, '0')
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		dst = append(dst, '-')
	}
	// e is d[.ddd]e±xx
	var digits []byte
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits = append(digits, e[i])
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	k := len(digits)
	n := exp + 1
	switch {
	case k <= n && n <= 21:
		dst = append(dst, digits...)
		for j := 0; j < n-k; j++ {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		dst = append(dst, digits[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for j := 0; j < -n; j++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// toPrecision15 rounds f to 15 significant digits, as jsonata-js does
// before it writes a number into a string.
func toPrecision15(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	s := strconv.FormatFloat(f, 'e', 14, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

// maxDataDepth bounds the nesting of the values the evaluator walks (an
// expression can build deeper ones, for example by tail recursion).
const maxDataDepth = 100000

func checkDepth(d int) {
	if d > maxDataDepth {
		e := newError("U1001")
		e.Message = "Value nested too deeply"
		panic(e)
	}
}
