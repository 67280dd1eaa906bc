package value

import (
	"iter"
	"sync/atomic"
)

// Member is one key/value pair of an Object.
type Member struct {
	Key   string
	Value any
}

// indexAbove is the member count from which an Object builds a hash index
// for lookups; below it a linear scan is faster. An object is indexed only
// once it has been searched indexAfter times: most objects a state builds
// are searched once or twice before the next state replaces them, while a
// parsed input shared by many executions is searched again and again.
const (
	indexAbove = 12
	indexAfter = 8
)

// Object is an immutable JSON object that keeps its members in order.
type Object struct {
	members []Member
	index   atomic.Pointer[map[string]int]
	size    atomic.Int64 // serialised size + 1; 0 = not yet known
	finds   atomic.Int32
}

// Objects of up to eight members are allocated together with their member
// array: one allocation instead of two.
type (
	object1 struct {
		Object
		a [1]Member
	}
	object2 struct {
		Object
		a [2]Member
	}
	object3 struct {
		Object
		a [3]Member
	}
	object4 struct {
		Object
		a [4]Member
	}
	object6 struct {
		Object
		a [6]Member
	}
	object8 struct {
		Object
		a [8]Member
	}
)

// Make returns a new object with n zero members for the caller to fill
// through Members()... before anyone else sees it.
func Make(n int) *Object {
	switch {
	case n == 0:
		return &Object{}
	case n == 1:
		p := &object1{}
		p.members = p.a[:]
		return &p.Object
	case n == 2:
		p := &object2{}
		p.members = p.a[:]
		return &p.Object
	case n == 3:
		p := &object3{}
		p.members = p.a[:]
		return &p.Object
	case n == 4:
		p := &object4{}
		p.members = p.a[:]
		return &p.Object
	case n <= 6:
		p := &object6{}
		p.members = p.a[:n]
		return &p.Object
	case n <= 8:
		p := &object8{}
		p.members = p.a[:n]
		return &p.Object
	}
	return &Object{members: make([]Member, n)}
}

// Set fills member i of an object made with Make.
func (o *Object) Set(i int, key string, v any) {
	o.members[i] = Member{Key: key, Value: v}
}

// Empty is the empty object.
var Empty = &Object{}

// NewObject returns an object holding ms. It takes ownership of ms, which the
// caller must not change afterwards. Keys must be unique; see Builder for
// input that may repeat keys.
func NewObject(ms []Member) *Object {
	return &Object{members: ms}
}

// Len returns the number of members.
func (o *Object) Len() int { return len(o.members) }

// Members returns the members in order. The slice must not be modified.
func (o *Object) Members() []Member { return o.members }

// At returns the member at position i.
func (o *Object) At(i int) (string, any) { return o.members[i].Key, o.members[i].Value }

// All yields the members in order.
func (o *Object) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for _, m := range o.members {
			if !yield(m.Key, m.Value) {
				return
			}
		}
	}
}

// Get returns the value for key and whether the key is present.
func (o *Object) Get(key string) (any, bool) {
	if i := o.find(key); i >= 0 {
		return o.members[i].Value, true
	}
	return nil, false
}

// Has reports whether key is present.
func (o *Object) Has(key string) bool { return o.find(key) >= 0 }

func (o *Object) find(key string) int {
	ms := o.members
	if len(ms) <= indexAbove {
		for i := range ms {
			if ms[i].Key == key {
				return i
			}
		}
		return -1
	}
	idx := o.index.Load()
	if idx == nil && o.finds.Add(1) <= indexAfter {
		for i := range ms {
			if ms[i].Key == key {
				return i
			}
		}
		return -1
	}
	if idx == nil {
		m := make(map[string]int, len(ms))
		for i := range ms {
			m[ms[i].Key] = i
		}
		idx = &m
		o.index.Store(idx)
	}
	if i, ok := (*idx)[key]; ok {
		return i
	}
	return -1
}

// With returns a copy of o in which key holds v: an existing member keeps its
// place, a new one is appended. o itself is unchanged.
func (o *Object) With(key string, v any) *Object {
	i := o.find(key)
	n := len(o.members)
	if i < 0 {
		n++
	}
	out := Make(n)
	copy(out.members, o.members)
	if i >= 0 {
		out.members[i].Value = v
	} else {
		out.members[n-1] = Member{Key: key, Value: v}
	}
	// When o's size is known, the copy's follows from the one member that
	// changed, so a document extended at every step is never walked again.
	if known := o.size.Load(); known > 0 {
		size := known - 1
		if i >= 0 {
			size += int64(Size(v) - Size(o.members[i].Value))
		} else {
			size += int64(stringSize(key) + 1 + Size(v))
			if n > 1 {
				size++ // the comma
			}
		}
		out.size.Store(size + 1)
	}
	return out
}

// Builder collects members for a new Object. A repeated key replaces the
// earlier value in the earlier position, as AWS's JSON reader does.
type Builder struct {
	ms  []Member
	idx map[string]int
}

// NewBuilder returns a builder with room for n members.
func NewBuilder(n int) *Builder {
	return &Builder{ms: make([]Member, 0, n)}
}

// Set adds or replaces key.
func (b *Builder) Set(key string, v any) {
	if b.idx != nil {
		if i, ok := b.idx[key]; ok {
			b.ms[i].Value = v
			return
		}
		b.idx[key] = len(b.ms)
		b.ms = append(b.ms, Member{Key: key, Value: v})
		return
	}
	for i := range b.ms {
		if b.ms[i].Key == key {
			b.ms[i].Value = v
			return
		}
	}
	b.ms = append(b.ms, Member{Key: key, Value: v})
	if len(b.ms) > indexAbove {
		b.idx = make(map[string]int, len(b.ms)*2)
		for i := range b.ms {
			b.idx[b.ms[i].Key] = i
		}
	}
}

// Len returns the number of members so far.
func (b *Builder) Len() int { return len(b.ms) }

// Object returns the built object. The builder must not be used afterwards.
func (b *Builder) Object() *Object {
	if len(b.ms) == 0 {
		return &Object{}
	}
	o := &Object{members: b.ms}
	if b.idx != nil {
		idx := b.idx
		o.index.Store(&idx)
	}
	b.ms, b.idx = nil, nil
	return o
}
