package value

import "sync/atomic"

// Member is one key/value pair of an Object.
type Member struct {
	Key   string
	Value any
}

// indexAbove is the member count from which an Object builds a hash index
// for lookups; below it a linear scan is faster.
const indexAbove = 12

// Object is an immutable JSON object that keeps its members in order.
type Object struct {
	members []Member
	index   atomic.Pointer[map[string]int]
	size    atomic.Int64 // serialised size + 1; 0 = not yet known
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
	var ms []Member
	if i >= 0 {
		ms = make([]Member, len(o.members))
		copy(ms, o.members)
		ms[i].Value = v
	} else {
		ms = make([]Member, len(o.members), len(o.members)+1)
		copy(ms, o.members)
		ms = append(ms, Member{Key: key, Value: v})
	}
	return &Object{members: ms}
}

// Keys returns the keys in order.
func (o *Object) Keys() []string {
	ks := make([]string, len(o.members))
	for i := range o.members {
		ks[i] = o.members[i].Key
	}
	return ks
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
