package metrics

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// family is metrics over the same labels, each label set's numbers in a
// counts: AWS's execution family (by state machine, version and alias),
// an activity, Lambda or service integration family, the timers (no
// labels). It is the Prometheus collector of its metrics. Its series are
// read without a lock (a map that is replaced, never changed), and made
// on first use: at most max label sets, later ones counted as other's.
type family[K comparable] struct {
	counters []*prometheus.Desc // a word each, from the first
	hists    []familyHistogram
	words    int
	values   func(K) []string // a key's label values
	other    K
	max      int

	mu     sync.Mutex // held by who adds or removes series
	named  int        // series but other's
	series atomic.Pointer[map[K]*series]
}

type familyHistogram struct {
	desc *prometheus.Desc
	histogram
}

// series is a label set's numbers.
type series struct {
	values []string
	c      *counts
}

// metric names a metric of a family: AWS's name, and its help.
type metric struct{ aws, help string }

// newFamily makes a family: its counters, then its histograms of durations,
// named after AWS's metrics.
func newFamily[K comparable](labels []string, values func(K) []string, other K, max int, counters, hists []metric) *family[K] {
	f := &family[K]{values: values, other: other, max: max}
	for _, m := range counters {
		f.counters = append(f.counters, prometheus.NewDesc("baton_"+snake(m.aws)+"_total", m.help, labels, nil))
	}
	f.words = len(counters)
	for _, m := range hists {
		h := familyHistogram{prometheus.NewDesc("baton_"+snake(m.aws)+"_seconds", m.help, labels, nil), newHistogram(f.words, durationBuckets)}
		f.hists = append(f.hists, h)
		f.words += h.words()
	}
	f.series.Store(&map[K]*series{})
	return f
}

// get returns a label set's series, made on first use; past the bound,
// other's.
func (f *family[K]) get(k K) *series {
	if s, ok := (*f.series.Load())[k]; ok {
		return s
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old := *f.series.Load()
	if s, ok := old[k]; ok {
		return s
	}
	if k != f.other {
		if f.named >= f.max {
			k = f.other
			if s, ok := old[k]; ok {
				return s
			}
		} else {
			f.named++
		}
	}
	s := &series{values: f.values(k), c: newCounts(f.words)}
	m := maps.Clone(old)
	m[k] = s
	f.series.Store(&m)
	return s
}

// forget drops the series whose keys match (other's stays), and says
// whether there were any.
func (f *family[K]) forget(match func(K) bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := maps.Clone(*f.series.Load())
	n := len(m)
	maps.DeleteFunc(m, func(k K, _ *series) bool { return k != f.other && match(k) })
	if len(m) == n {
		return false
	}
	f.named -= n - len(m)
	f.series.Store(&m)
	return true
}

func (f *family[K]) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range f.counters {
		ch <- d
	}
	for _, h := range f.hists {
		ch <- h.desc
	}
}

func (f *family[K]) Collect(ch chan<- prometheus.Metric) {
	for _, s := range *f.series.Load() {
		for w, d := range f.counters {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(s.c.sum(w)), s.values...)
		}
		for _, h := range f.hists {
			count, sum, buckets := h.read(s.c)
			ch <- prometheus.MustNewConstHistogram(h.desc, count, sum, buckets, s.values...)
		}
	}
}
