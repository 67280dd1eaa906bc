package eventpattern

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/baton-sh/baton/value"
)

type kind uint8

const (
	kExact kind = iota
	kPrefix
	kPrefixFold
	kSuffix
	kSuffixFold
	kFold
	kAnythingBut
	kAnythingButPrefix
	kAnythingButSuffix
	kAnythingButFold
	kAnythingButWildcard
	kNumeric
	kExists
	kCIDR
	kWildcard
)

// matcher is one element of a leaf's array. Case-insensitive texts are
// kept folded (lower case), so that only the event's side is folded.
type matcher struct {
	kind   kind
	value  any            // kExact
	text   string         // prefixes, suffixes, equals-ignore-case
	texts  []string       // anything-but: excluded strings
	nums   []value.Number // anything-but: excluded numbers
	globs  []glob         // wildcard, anything-but wildcard
	lo, hi bound          // numeric
	exists bool           // exists
	prefix netip.Prefix   // cidr
	ip     netip.Addr     // kExact of a string that is an IP address
}

type bound struct {
	set, incl bool
	v         float64
}

// Match reports whether the event (a value of the value package: the
// result of value.Parse) matches the pattern.
func (p *Pattern) Match(event any) bool { return p.root.match(event) }

// MatchJSON parses the event and matches it.
func (p *Pattern) MatchJSON(event []byte) (bool, error) {
	v, err := value.Parse(event)
	if err != nil {
		return false, err
	}
	return p.Match(v), nil
}

// match matches v, the event's value at this level; v is not an object
// when the event lacks it, and then only matchers that accept a missing
// field (exists: false) can match.
func (n *node) match(v any) bool {
	obj, _ := v.(*value.Object)
	for i := range n.fields {
		if !n.fields[i].match(obj) {
			return false
		}
	}
	for _, alts := range n.ors {
		if !anyAlternative(alts, v) {
			return false
		}
	}
	return true
}

func anyAlternative(alts []*node, v any) bool {
	for _, a := range alts {
		if a.match(v) {
			return true
		}
	}
	return false
}

func (f *field) match(obj *value.Object) bool {
	var v any
	present := false
	if obj != nil {
		v, present = obj.Get(f.key)
	}
	if f.sub != nil {
		return f.sub.matchWithin(v)
	}
	for i := range f.leaf {
		if f.leaf[i].matchField(v, present) {
			return true
		}
	}
	return false
}

// matchWithin descends into v: each element of an array on its own (so a
// nested pattern matches within one element: any element for a pattern
// that asks for something, every element for one that only asks for
// absence), anything else as one value.
func (n *node) matchWithin(v any) bool {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return n.match(v)
	}
	for _, e := range arr {
		if n.matchWithin(e) != n.absentOnly {
			return !n.absentOnly
		}
	}
	return n.absentOnly
}

// matchField matches a leaf field's value, present or not.
func (m *matcher) matchField(v any, present bool) bool {
	if m.kind == kExists {
		return hasLeaf(v, present) == m.exists
	}
	return present && m.anyLeaf(v)
}

// hasLeaf reports whether a field offers a leaf value: objects and empty
// arrays do not.
func hasLeaf(v any, present bool) bool {
	if !present {
		return false
	}
	switch x := v.(type) {
	case *value.Object:
		return false
	case []any:
		for _, e := range x {
			if hasLeaf(e, true) {
				return true
			}
		}
		return false
	}
	return true
}

// anyLeaf reports whether one of v's leaves (v itself, or the scalars of
// an array, flattened) matches.
func (m *matcher) anyLeaf(v any) bool {
	switch x := v.(type) {
	case *value.Object:
		return false
	case []any:
		for _, e := range x {
			if m.anyLeaf(e) {
				return true
			}
		}
		return false
	}
	return m.matchScalar(v)
}

func (m *matcher) matchScalar(v any) bool {
	s, isString := v.(string)
	switch m.kind {
	case kExact:
		return exactEqual(m.value, v) || (isString && m.ip.IsValid() && sameAddr(m.ip, s))
	case kPrefix:
		return isString && strings.HasPrefix(s, m.text)
	case kSuffix:
		return isString && strings.HasSuffix(s, m.text)
	case kPrefixFold:
		return isString && strings.HasPrefix(fold(s), m.text)
	case kSuffixFold:
		return isString && strings.HasSuffix(fold(s), m.text)
	case kFold:
		return isString && fold(s) == m.text
	case kAnythingBut:
		return !m.excludes(v)
	case kAnythingButPrefix:
		return !isString || !strings.HasPrefix(s, m.text)
	case kAnythingButSuffix:
		return !isString || !strings.HasSuffix(s, m.text)
	case kAnythingButFold:
		return !isString || !contains(m.texts, fold(s))
	case kAnythingButWildcard:
		return !isString || !anyGlob(m.globs, s)
	case kNumeric:
		n, ok := v.(value.Number)
		return ok && m.inRange(n.Float64())
	case kCIDR:
		a, err := netip.ParseAddr(s)
		return isString && err == nil && m.prefix.Contains(a.Unmap())
	case kWildcard:
		return isString && m.globs[0].match(s)
	}
	return false
}

// exactEqual compares a pattern's value and an event's: same type, and
// numbers by value within the range EventBridge compares numbers in
// (±5.0e9), by their literal text beyond it (account numbers and the
// like, which no float holds exactly).
func exactEqual(want, got any) bool {
	w, ok := want.(value.Number)
	if !ok {
		return want == got
	}
	g, ok := got.(value.Number)
	if !ok {
		return false
	}
	if w == g {
		return true
	}
	wf, gf := w.Float64(), g.Float64()
	return inNumericRange(wf) && inNumericRange(gf) && wf == gf
}

func sameAddr(want netip.Addr, s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Unmap() == want
}

func inNumericRange(f float64) bool { return f >= -numericLimit && f <= numericLimit }

// excludes reports whether anything-but's list names v. Values of other
// types than the list's (true, null, a number against strings) are not
// named, so anything-but matches them.
func (m *matcher) excludes(v any) bool {
	switch x := v.(type) {
	case string:
		return contains(m.texts, x)
	case value.Number:
		for _, n := range m.nums {
			if value.NumberEqual(n, x) {
				return true
			}
		}
	}
	return false
}

func (m *matcher) inRange(f float64) bool {
	if m.lo.set && (f < m.lo.v || (f == m.lo.v && !m.lo.incl)) {
		return false
	}
	if m.hi.set && (f > m.hi.v || (f == m.hi.v && !m.hi.incl)) {
		return false
	}
	return true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// fold lower-cases s for case-insensitive comparison; ASCII text, the
// common case, is folded without allocating when already lower case.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}
