package engine

import (
	"container/list"
	"sync"

	"github.com/baton-sh/baton/machine"
)

// DefaultCompileCache is how many compiled definitions an engine keeps.
const DefaultCompileCache = 1000

// compileCache keeps compiled definitions by their text, the most recently
// used ones, up to a bound: a server that runs ten thousand state machines
// keeps only those it runs now. Everything that runs a definition (Standard
// and Express executions, replays, TestState) compiles it here.
type compileCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*list.Element
	order   list.List // front: the most recently used
}

type compiled struct {
	def string
	m   *machine.Machine
}

func newCompileCache(max int) *compileCache {
	if max <= 0 {
		max = DefaultCompileCache
	}
	return &compileCache{max: max, entries: map[string]*list.Element{}}
}

// compile returns the machine of a definition, compiling it on a miss.
// Compiling happens outside the lock; two callers that miss together may
// both compile, and one result is kept.
func (c *compileCache) compile(def string) (*machine.Machine, error) {
	c.mu.Lock()
	if el, ok := c.entries[def]; ok {
		c.order.MoveToFront(el)
		m := el.Value.(*compiled).m
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	m, err := machine.CompileText(def)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[def]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*compiled).m, nil
	}
	c.entries[def] = c.order.PushFront(&compiled{def: def, m: m})
	for c.order.Len() > c.max {
		last := c.order.Back()
		delete(c.entries, last.Value.(*compiled).def)
		c.order.Remove(last)
	}
	return m, nil
}

func (c *compileCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
