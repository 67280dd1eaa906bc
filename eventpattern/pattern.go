package eventpattern

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/baton-sh/baton/value"
)

// CodeInvalidPattern is the error code EventBridge answers a pattern it
// refuses with.
const CodeInvalidPattern = "InvalidEventPatternException"

// Limits applied to patterns. MaxPatternLength is the length EventBridge's
// API allows an EventPattern; MaxDepth bounds nesting (the length alone
// would allow hundreds of levels, which no event has) so that compiling
// and matching stay shallow.
const (
	MaxPatternLength = 4096
	MaxDepth         = 32
	// numericLimit bounds the numbers a numeric matcher may name:
	// EventBridge compares numbers within ±5.0e9.
	numericLimit = 5e9
)

// Error is a pattern EventBridge would refuse. Path names the place in
// the pattern, as a JSON Pointer ("/detail/state/0"); Reason says why.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "Event pattern is not valid. Reason: " + e.Reason
	}
	return "Event pattern is not valid. Reason: " + e.Reason + " at " + e.Path
}

// Code is the AWS error code of every pattern error.
func (e *Error) Code() string { return CodeInvalidPattern }

// Pattern is a compiled event pattern: immutable, safe for concurrent use.
type Pattern struct {
	root *node
}

// node is one object level of a pattern: fields that must all match, and
// $or groups of which one alternative each must match.
type node struct {
	fields []field
	ors    [][]*node
	// absentOnly: every field asks for absence (exists: false). Across an
	// array such a node must hold for every element: the field must be
	// absent from all of them, as EventBridge checks absence over the
	// whole array unless another field has picked an element.
	absentOnly bool
}

// field is one member of a pattern object: either a nested pattern (sub)
// or a leaf's matchers.
type field struct {
	key  string
	sub  *node
	leaf []matcher
}

// Parse compiles an event pattern given as JSON text.
func Parse(text []byte) (*Pattern, error) {
	if len(text) > MaxPatternLength {
		return nil, &Error{Reason: fmt.Sprintf("The pattern is %d characters long; the limit is %d", len(text), MaxPatternLength)}
	}
	v, err := value.Parse(text)
	if err != nil {
		return nil, &Error{Reason: "The pattern is not valid JSON: " + err.Error()}
	}
	return Compile(v)
}

// Compile compiles an event pattern given as a parsed JSON value.
func Compile(v any) (*Pattern, error) {
	obj, ok := v.(*value.Object)
	if !ok {
		return nil, &Error{Reason: "Filter is not an object"}
	}
	n, err := compileNode(obj, "", 0, false)
	if err != nil {
		return nil, err
	}
	return &Pattern{root: n}, nil
}

// MustParse is Parse for patterns known to be valid (tests, constants).
func MustParse(text string) *Pattern {
	p, err := Parse([]byte(text))
	if err != nil {
		panic(err)
	}
	return p
}

// compileNode compiles one object of a pattern; inOr says it stands
// inside a "$or", where operator names may not be field names.
func compileNode(obj *value.Object, path string, depth int, inOr bool) (*node, error) {
	if depth > MaxDepth {
		return nil, &Error{Path: path, Reason: fmt.Sprintf("The pattern is nested more than %d levels deep", MaxDepth)}
	}
	if obj.Len() == 0 {
		return nil, &Error{Path: path, Reason: "Empty objects are not allowed"}
	}
	n := &node{}
	for key, v := range obj.All() {
		at := path + "/" + escapePointer(key)
		if inOr && reservedInOr[key] {
			return nil, &Error{Path: at, Reason: fmt.Sprintf("%s is a reserved field name which cannot be used inside $or", key)}
		}
		if key == "$or" {
			alts, err := compileOr(v, at, depth)
			if err != nil {
				return nil, err
			}
			n.ors = append(n.ors, alts)
			continue
		}
		switch x := v.(type) {
		case *value.Object:
			sub, err := compileNode(x, at, depth+1, inOr)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, field{key: key, sub: sub})
		case []any:
			ms, err := compileLeaf(x, at)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, field{key: key, leaf: ms})
		default:
			return nil, &Error{Path: at, Reason: fmt.Sprintf("%q must be an object or an array", key)}
		}
	}
	n.absentOnly = len(n.ors) == 0 && allAbsent(n.fields)
	return n, nil
}

func allAbsent(fields []field) bool {
	for _, f := range fields {
		if f.sub != nil {
			if !f.sub.absentOnly {
				return false
			}
			continue
		}
		for _, m := range f.leaf {
			if m.kind != kExists || m.exists {
				return false
			}
		}
	}
	return true
}

func compileOr(v any, path string, depth int) ([]*node, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) < 2 {
		return nil, &Error{Path: path, Reason: "\"$or\" must be an array of at least 2 objects"}
	}
	alts := make([]*node, 0, len(arr))
	for i, a := range arr {
		obj, ok := a.(*value.Object)
		if !ok {
			return nil, &Error{Path: path + "/" + strconv.Itoa(i), Reason: "\"$or\" must be an array of at least 2 objects"}
		}
		n, err := compileNode(obj, path+"/"+strconv.Itoa(i), depth+1, true)
		if err != nil {
			return nil, err
		}
		alts = append(alts, n)
	}
	return alts, nil
}

// reservedInOr are the names EventBridge keeps for operators (and some it
// reserves for operators to come): inside "$or" they cannot name fields.
var reservedInOr = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true,
	"anything-but": true, "exists": true, "wildcard": true, "numeric": true, "cidr": true,
	"=": true, "<": true, "<=": true, ">": true, ">=": true,
	"regex": true, "not-wildcard": true, "not-equals-ignore-case": true,
	"date-after": true, "date-on-or-after": true, "date-before": true, "date-on-or-before": true,
	"in-date-range": true, "ip-address-in-range": true, "ip-address-not-in-range": true,
}

// compileLeaf compiles a leaf's array of values and operators.
func compileLeaf(arr []any, path string) ([]matcher, error) {
	if len(arr) == 0 {
		return nil, &Error{Path: path, Reason: "Empty arrays are not allowed"}
	}
	ms := make([]matcher, 0, len(arr))
	for i, v := range arr {
		at := path + "/" + strconv.Itoa(i)
		var m matcher
		switch x := v.(type) {
		case nil, bool, value.Number:
			m = matcher{kind: kExact, value: x}
		case string:
			m = matcher{kind: kExact, value: x}
			// An IP address matches the same address however it is
			// written (2001:DB8::1 is 2001:db8:0::1), as in EventBridge.
			if a, err := netip.ParseAddr(x); err == nil && a.Zone() == "" {
				m.ip = a.Unmap()
			}
		case *value.Object:
			var err error
			if m, err = compileOperator(x, at); err != nil {
				return nil, err
			}
		default:
			return nil, &Error{Path: at, Reason: "Match value must be a string, a number, true, false, null or an object"}
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// compileOperator compiles {"prefix": ...} and its kin: one key each.
func compileOperator(obj *value.Object, path string) (matcher, error) {
	if obj.Len() != 1 {
		return matcher{}, &Error{Path: path, Reason: "A match expression must have exactly one key"}
	}
	op, arg := obj.At(0)
	at := path + "/" + escapePointer(op)
	switch op {
	case "prefix", "suffix":
		return compileAffix(op, arg, at)
	case "equals-ignore-case":
		s, ok := arg.(string)
		if !ok {
			return matcher{}, &Error{Path: at, Reason: "equals-ignore-case match pattern must be a string"}
		}
		return matcher{kind: kFold, text: fold(s)}, nil
	case "anything-but":
		return compileAnythingBut(arg, at)
	case "numeric":
		return compileNumeric(arg, at)
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return matcher{}, &Error{Path: at, Reason: "exists match pattern must be either true or false"}
		}
		return matcher{kind: kExists, exists: b}, nil
	case "cidr":
		return compileCIDR(arg, at)
	case "wildcard":
		s, ok := arg.(string)
		if !ok {
			return matcher{}, &Error{Path: at, Reason: "wildcard match pattern must be a string"}
		}
		g, err := compileGlob(s, at)
		if err != nil {
			return matcher{}, err
		}
		return matcher{kind: kWildcard, globs: []glob{g}}, nil
	}
	return matcher{}, &Error{Path: at, Reason: fmt.Sprintf("Unrecognized match type %s", op)}
}

// compileAffix compiles prefix and suffix: a string, or
// {"equals-ignore-case": string} to ignore case.
func compileAffix(op string, arg any, path string) (matcher, error) {
	plain, folded := kPrefix, kPrefixFold
	if op == "suffix" {
		plain, folded = kSuffix, kSuffixFold
	}
	switch x := arg.(type) {
	case string:
		return matcher{kind: plain, text: x}, nil
	case *value.Object:
		if x.Len() == 1 {
			k, v := x.At(0)
			if s, ok := v.(string); ok && k == "equals-ignore-case" {
				return matcher{kind: folded, text: fold(s)}, nil
			}
		}
	}
	return matcher{}, &Error{Path: path, Reason: op + " match pattern must be a string or {\"equals-ignore-case\": string}"}
}

func compileAnythingBut(arg any, path string) (matcher, error) {
	switch x := arg.(type) {
	case string:
		return matcher{kind: kAnythingBut, texts: []string{x}}, nil
	case value.Number:
		if err := checkNumber(x, path); err != nil {
			return matcher{}, err
		}
		return matcher{kind: kAnythingBut, nums: []value.Number{x}}, nil
	case []any:
		return compileAnythingButList(x, path)
	case *value.Object:
		return compileAnythingButOperator(x, path)
	}
	return matcher{}, &Error{Path: path, Reason: "Value of anything-but must be an array, an object, a string or a number"}
}

// compileAnythingButList compiles a list of excluded values: all strings
// or all numbers, as EventBridge requires.
func compileAnythingButList(arr []any, path string) (matcher, error) {
	if len(arr) == 0 {
		return matcher{}, &Error{Path: path, Reason: "Inside anything-but list, there must be at least one value"}
	}
	m := matcher{kind: kAnythingBut}
	for i, v := range arr {
		switch x := v.(type) {
		case string:
			m.texts = append(m.texts, x)
		case value.Number:
			if err := checkNumber(x, path+"/"+strconv.Itoa(i)); err != nil {
				return matcher{}, err
			}
			m.nums = append(m.nums, x)
		default:
			return matcher{}, &Error{Path: path + "/" + strconv.Itoa(i), Reason: "Inside anything-but list, only strings and numbers are supported"}
		}
	}
	if len(m.texts) > 0 && len(m.nums) > 0 {
		return matcher{}, &Error{Path: path, Reason: "Inside anything-but list, values must be all strings or all numbers"}
	}
	return m, nil
}

func compileAnythingButOperator(obj *value.Object, path string) (matcher, error) {
	if obj.Len() != 1 {
		return matcher{}, &Error{Path: path, Reason: "Inside anything-but, an object must have exactly one key"}
	}
	op, arg := obj.At(0)
	at := path + "/" + escapePointer(op)
	switch op {
	case "prefix", "suffix":
		s, ok := arg.(string)
		if !ok || s == "" {
			return matcher{}, &Error{Path: at, Reason: "Inside anything-but, " + op + " must be a non-empty string"}
		}
		if op == "prefix" {
			return matcher{kind: kAnythingButPrefix, text: s}, nil
		}
		return matcher{kind: kAnythingButSuffix, text: s}, nil
	case "equals-ignore-case":
		ss, err := stringOrStrings(arg, at, op)
		if err != nil {
			return matcher{}, err
		}
		for i := range ss {
			ss[i] = fold(ss[i])
		}
		return matcher{kind: kAnythingButFold, texts: ss}, nil
	case "wildcard":
		ss, err := stringOrStrings(arg, at, op)
		if err != nil {
			return matcher{}, err
		}
		m := matcher{kind: kAnythingButWildcard}
		for _, s := range ss {
			g, err := compileGlob(s, at)
			if err != nil {
				return matcher{}, err
			}
			m.globs = append(m.globs, g)
		}
		return m, nil
	}
	return matcher{}, &Error{Path: at, Reason: fmt.Sprintf("Unsupported anything-but pattern: %s", op)}
}

func stringOrStrings(arg any, path, op string) ([]string, error) {
	switch x := arg.(type) {
	case string:
		return []string{x}, nil
	case []any:
		ss := make([]string, 0, len(x))
		for _, v := range x {
			s, ok := v.(string)
			if !ok {
				break
			}
			ss = append(ss, s)
		}
		if len(ss) == len(x) && len(ss) > 0 {
			return ss, nil
		}
	}
	return nil, &Error{Path: path, Reason: "Inside anything-but, " + op + " must be a string or a non-empty array of strings"}
}

// compileNumeric compiles ["=", n], [">", n], ["<=", n], [">=", n, "<", m]
// and their kin: equality, one bound, or a lower bound then an upper one,
// lower below upper, with numbers within ±5.0e9.
func compileNumeric(arg any, path string) (matcher, error) {
	arr, ok := arg.([]any)
	if !ok {
		return matcher{}, &Error{Path: path, Reason: "Value of numeric must be an array"}
	}
	if len(arr) != 2 && len(arr) != 4 {
		return matcher{}, &Error{Path: path, Reason: "A numeric expression is one comparison or a lower then an upper bound, such as [\">\", 0, \"<=\", 5]"}
	}
	m := matcher{kind: kNumeric}
	for i := 0; i < len(arr); i += 2 {
		at := path + "/" + strconv.Itoa(i)
		op, ok := arr[i].(string)
		if !ok {
			return matcher{}, &Error{Path: at, Reason: "Numeric comparison operator must be one of =, <, <=, >, >="}
		}
		n, ok := arr[i+1].(value.Number)
		if !ok {
			return matcher{}, &Error{Path: path + "/" + strconv.Itoa(i+1), Reason: "Value of " + op + " must be numeric"}
		}
		if err := checkNumber(n, path+"/"+strconv.Itoa(i+1)); err != nil {
			return matcher{}, err
		}
		if err := m.setBound(op, n.Float64(), i, len(arr) == 4, at); err != nil {
			return matcher{}, err
		}
	}
	if len(arr) == 4 && m.lo.v >= m.hi.v {
		return matcher{}, &Error{Path: path, Reason: "Bottom must be less than top"}
	}
	return m, nil
}

// setBound sets the bound the i-th element of a numeric expression names.
func (m *matcher) setBound(op string, f float64, i int, pair bool, path string) error {
	incl := strings.HasSuffix(op, "=")
	switch {
	case op == "=" && !pair:
		m.lo, m.hi = bound{set: true, incl: true, v: f}, bound{set: true, incl: true, v: f}
	case (op == ">" || op == ">=") && i == 0:
		m.lo = bound{set: true, incl: incl, v: f}
	case (op == "<" || op == "<=") && (i == 2 || !pair):
		m.hi = bound{set: true, incl: incl, v: f}
	case op == "=" || op == ">" || op == ">=" || op == "<" || op == "<=":
		return &Error{Path: path, Reason: "A numeric range is a lower bound (>, >=) then an upper bound (<, <=); = stands alone"}
	default:
		return &Error{Path: path, Reason: fmt.Sprintf("Unrecognized numeric range operator: %s", op)}
	}
	return nil
}

// checkNumber refuses numbers beyond the range EventBridge compares.
func checkNumber(n value.Number, path string) error {
	if f := n.Float64(); f < -numericLimit || f > numericLimit {
		return &Error{Path: path, Reason: "Value must be between -5.0E9 and +5.0E9, inclusive"}
	}
	return nil
}

func compileCIDR(arg any, path string) (matcher, error) {
	s, ok := arg.(string)
	if !ok {
		return matcher{}, &Error{Path: path, Reason: "cidr match pattern must be a string"}
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return matcher{}, &Error{Path: path, Reason: fmt.Sprintf("Nonstandard IP address: %s", s)}
	}
	return matcher{kind: kCIDR, prefix: p.Masked()}, nil
}

// escapePointer escapes a key for a JSON Pointer (RFC 6901).
func escapePointer(key string) string {
	if !strings.ContainsAny(key, "~/") {
		return key
	}
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}
