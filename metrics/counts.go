package metrics

import (
	"sync"
	"sync/atomic"
	"time"
)

// counts are the numbers of one label set: counters, and histograms of
// durations. Executions count on their own goroutines, many at once; were
// each number one word, every core would write to the same cache lines
// and wait for the others' (a Prometheus counter costs about as much as a
// whole in-process run so). So the numbers are kept in shards, each on
// lines of its own: a writer adds to the shard of the processor it runs
// on (mostly: see shard), and a scrape sums them.
type counts struct {
	v      []atomic.Uint64
	stride int // words per shard
}

// shards is how many copies of its numbers a label set keeps.
const shards = 16

// shardOf hands out shard numbers, a processor's own: a sync.Pool keeps
// what is put back on the processor (P) that put it, so a writer that
// takes a number and puts it back when done gets the same one next time
// on that processor, and two processors rarely share one. (The pool may
// drop numbers at a collection: new ones go round the shards.)
var (
	shardOf   = sync.Pool{New: func() any { return new(nextShard.Add(1) % shards) }}
	nextShard atomic.Uint32
)

// takeShard takes the shard number of the processor the caller runs on;
// putShard gives it back.
func takeShard() *uint32 { return shardOf.Get().(*uint32) }
func putShard(p *uint32) { shardOf.Put(p) }

// lineWords is a cache line's words, and the padding between shards: a
// line and its neighbour, which processors fetch together.
const lineWords = 8

func newCounts(words int) *counts {
	stride := (words+lineWords-1)/lineWords*lineWords + lineWords
	return &counts{v: make([]atomic.Uint64, stride*shards), stride: stride}
}

func (c *counts) add(shard, word int, n uint64) { c.v[shard*c.stride+word].Add(n) }

// sum is a word's total over the shards.
func (c *counts) sum(word int) uint64 {
	var n uint64
	for s := 0; s < len(c.v); s += c.stride {
		n += c.v[s+word].Load()
	}
	return n
}

// histogram lays a histogram of durations out in a counts: a word per
// bucket (the last for what is above every bound), then the sum in
// nanoseconds.
type histogram struct {
	at     int // its first word
	bounds []float64
	limits []time.Duration // bounds, as durations
}

func newHistogram(at int, bounds []float64) histogram {
	h := histogram{at: at, bounds: bounds}
	for _, b := range bounds {
		h.limits = append(h.limits, time.Duration(b*float64(time.Second)))
	}
	return h
}

// words is how many words the histogram takes.
func (h histogram) words() int { return len(h.bounds) + 2 }

func (h histogram) observe(c *counts, shard int, d time.Duration) {
	d = max(d, 0)
	b := 0
	for b < len(h.limits) && d > h.limits[b] {
		b++
	}
	c.add(shard, h.at+b, 1)
	c.add(shard, h.at+len(h.bounds)+1, uint64(d))
}

// read returns the histogram's count, sum in seconds and cumulative
// buckets, as Prometheus wants them.
func (h histogram) read(c *counts) (count uint64, sum float64, buckets map[float64]uint64) {
	buckets = make(map[float64]uint64, len(h.bounds))
	for b, bound := range h.bounds {
		count += c.sum(h.at + b)
		buckets[bound] = count
	}
	count += c.sum(h.at + len(h.bounds))
	return count, time.Duration(c.sum(h.at + len(h.bounds) + 1)).Seconds(), buckets
}
