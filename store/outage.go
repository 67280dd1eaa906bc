package store

import (
	"errors"
	"log/slog"
	"sync/atomic"
)

// Outage reports a store's unavailability (ErrUnavailable) to a log once
// per outage, not at every refused write: once when writes start failing,
// once when they succeed again. The zero value logs nothing.
type Outage struct {
	Log  *slog.Logger
	down atomic.Bool
}

// Failed reports whether err says the store is unavailable, logging it if
// that begins an outage.
func (o *Outage) Failed(err error) bool {
	if !errors.Is(err, ErrUnavailable) {
		return false
	}
	if o.down.CompareAndSwap(false, true) && o.Log != nil {
		o.Log.Error("the store cannot write (is its disk full?): writes are refused as unavailable until it can", "error", err)
	}
	return true
}

// Succeeded records a write that succeeded, logging the end of an outage.
func (o *Outage) Succeeded() {
	if o.down.Load() && o.down.CompareAndSwap(true, false) && o.Log != nil {
		o.Log.Info("the store writes again")
	}
}
