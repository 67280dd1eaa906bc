package engine

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/store"
)

// Starting an execution reads its state machine, version or alias; at
// thousands of starts a second that read, and the decoding of its body,
// would cost more than the execution itself. resourceCache keeps decoded
// bodies for a short while. Writes through this server empty it, so a
// caller sees its own changes at once; another server writing the same
// store is seen within cacheTTL, as AWS, too, documents that executions
// started just after UpdateStateMachine may still use the old definition.
const cacheTTL = time.Second

type cached struct {
	sm       *smBody
	alias    *aliasBody
	activity bool // an activity that exists (workers poll it by ARN)
	expires  time.Time
}

type resourceCache struct {
	store.Store
	now func() time.Time

	mu      sync.RWMutex
	entries map[string]cached
	gen     atomic.Uint64 // bumped by every write, so a read that raced one is not kept

	// execs are the execution records this process committed last, by ARN,
	// with the lease they were written under. While that lease is this
	// node's current one no other node may write the execution, so the
	// record is the store's: DescribeExecution (which clients poll) reads
	// it from memory.
	execMu sync.RWMutex
	execs  map[string]*store.Execution
	// shared says that other nodes use the store too (it has Signals).
	shared bool
}

func newResourceCache(st store.Store, now func() time.Time) *resourceCache {
	_, shared := st.(store.Signals)
	return &resourceCache{Store: st, now: now, entries: map[string]cached{}, execs: map[string]*store.Execution{}, shared: shared}
}

// Commit writes steps (the durable driver writes through the cache) and
// keeps the records of the executions written.
func (c *resourceCache) Commit(ctx context.Context, steps []*store.Step) []error {
	errs := c.Store.Commit(ctx, steps)
	c.execMu.Lock()
	for i, st := range steps {
		if errs[i] != nil {
			// Perhaps written, perhaps not: the store knows.
			delete(c.execs, st.Execution.ARN)
			continue
		}
		if st.Lease == (store.Lease{}) {
			continue // a finished Express execution kept for looking at: read rarely
		}
		if len(c.execs) >= maxExecCached {
			clear(c.execs)
		}
		rec := st.Execution
		rec.Owner = st.Lease
		rec.Key, rec.Seq = 0, 0 // the store's own; not kept here
		c.execs[rec.ARN] = &rec
	}
	c.execMu.Unlock()
	return errs
}

// maxExecCached bounds the execution records kept.
const maxExecCached = 16384

// execution returns the record of an execution this process committed
// last under lease (nil if it has none). Callers must not modify it.
func (c *resourceCache) execution(arn string, lease store.Lease) *store.Execution {
	c.execMu.RLock()
	rec := c.execs[arn]
	c.execMu.RUnlock()
	if rec == nil || rec.Owner != lease {
		return nil
	}
	if c.shared && rec.Status != "RUNNING" {
		// Another node may redrive an ended execution: it takes it over
		// without this one knowing.
		return nil
	}
	return rec
}

func (c *resourceCache) PutResource(ctx context.Context, r *store.Resource, create bool) error {
	defer c.invalidate()
	return c.Store.PutResource(ctx, r, create)
}

func (c *resourceCache) DeleteResource(ctx context.Context, a string) error {
	defer c.invalidate()
	return c.Store.DeleteResource(ctx, a)
}

func (c *resourceCache) invalidate() {
	c.gen.Add(1)
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// body returns the decoded body of a state machine or version (alias
// false) or of an alias (alias true). Callers must not modify it.
func (c *resourceCache) body(ctx context.Context, a string, alias bool) (cached, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.entries[a]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) && !e.activity && (e.alias != nil) == alias {
		return e, nil
	}
	gen := c.gen.Load()
	res, err := c.Store.GetResource(ctx, a)
	if err != nil {
		return cached{}, err
	}
	e = cached{expires: now.Add(cacheTTL)}
	switch {
	case alias && res.Kind == store.KindAlias:
		e.alias = new(aliasBody)
		err = json.Unmarshal(res.Body, e.alias)
	case !alias && (res.Kind == store.KindStateMachine || res.Kind == store.KindVersion):
		e.sm = new(smBody)
		if err = json.Unmarshal(res.Body, e.sm); err == nil {
			l := parseLogging(e.sm.Logging)
			e.sm.parsed = &l
		}
	default:
		return cached{}, store.ErrNotFound
	}
	if err != nil {
		return cached{}, err
	}
	c.mu.Lock()
	if c.gen.Load() == gen {
		if len(c.entries) >= maxCached {
			clear(c.entries)
		}
		c.entries[a] = e
	}
	c.mu.Unlock()
	return e, nil
}

// activity checks that an activity exists (store.ErrNotFound if not): every
// GetActivityTask asks.
func (c *resourceCache) activity(ctx context.Context, a string) error {
	now := c.now()
	c.mu.RLock()
	e, ok := c.entries[a]
	c.mu.RUnlock()
	if ok && e.activity && now.Before(e.expires) {
		return nil
	}
	gen := c.gen.Load()
	res, err := c.Store.GetResource(ctx, a)
	if err != nil {
		return err
	}
	if res.Kind != store.KindActivity {
		return store.ErrNotFound
	}
	c.mu.Lock()
	if c.gen.Load() == gen {
		if len(c.entries) >= maxCached {
			clear(c.entries)
		}
		c.entries[a] = cached{activity: true, expires: now.Add(cacheTTL)}
	}
	c.mu.Unlock()
	return nil
}

// maxCached bounds the cache; a server with more hot resources than this
// just reads more.
const maxCached = 4096

func (c *resourceCache) stateMachine(ctx context.Context, a string) (*smBody, error) {
	e, err := c.body(ctx, a, false)
	if errors.Is(err, store.ErrNotFound) {
		return nil, stateMachineDoesNotExist(a)
	}
	return e.sm, err
}

func (c *resourceCache) alias(ctx context.Context, a string) (*aliasBody, error) {
	e, err := c.body(ctx, a, true)
	if errors.Is(err, store.ErrNotFound) {
		return nil, resourceNotFound(a)
	}
	return e.alias, err
}
