package driver

import (
	"context"
	"errors"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/store"
)

// AWS's limits on redriving an execution.
const (
	RedrivePeriod        = 14 * 24 * time.Hour  // after the execution stopped
	MaxExecutionOpenTime = 365 * 24 * time.Hour // after it started
	MaxRedriveEvents     = 24999                // room for ExecutionRedriven and one more event
	redriveTokenLife     = 15 * time.Minute
	redriveTokensKept    = 10
)

// NotRedrivableError says why an execution cannot be redriven, in AWS's
// words.
type NotRedrivableError struct{ Reason string }

func (e *NotRedrivableError) Error() string { return e.Reason }

// RedriveReason says why an execution cannot be redriven now, or "" when
// it can. lastEventID is the id of its last history event.
func RedriveReason(rec *store.Execution, lastEventID int64, now time.Time) string {
	switch {
	case rec.Status == "RUNNING":
		return "Execution is RUNNING and cannot be redriven."
	case rec.Status == "SUCCEEDED":
		return "Execution is SUCCEEDED and cannot be redriven."
	case rec.Express:
		return "Execution is EXPRESS and cannot be redriven."
	case lastEventID >= MaxRedriveEvents:
		return "Execution history event limit exceeded."
	case now.Sub(rec.Start) > MaxExecutionOpenTime:
		return "Execution has exceeded the max execution time."
	case now.Sub(rec.Stop) > RedrivePeriod:
		return "Execution redrivable period exceeded."
	}
	return ""
}

// RedriveExecution resumes an execution that failed, timed out or was
// aborted, from the states it did not finish, and returns once that is
// durable. A client token repeated within 15 minutes of the redrive it
// asked for gets that redrive's date again instead of a new redrive.
func (d *Durable) RedriveExecution(ctx context.Context, arn, token string) (time.Time, error) {
	defer clock.Hold(d.clock)()
	l, err := d.acquire(ctx, arn)
	if err != nil {
		return time.Time{}, err
	}
	defer l.mu.Unlock()
	wasClosed := l.closed
	if wasClosed {
		if err := d.replay(ctx, l); err != nil {
			l.ex = nil
			return time.Time{}, err
		}
		// A closed execution need not stay in memory unless it runs again.
		defer func() {
			if l.closed {
				l.ex = nil
			}
		}()
	}
	now := d.clock.Now()
	if token != "" {
		recent := l.redrives[max(0, len(l.redrives)-redriveTokensKept):]
		for _, r := range recent {
			if r.token == token && now.Sub(r.at) < redriveTokenLife {
				return r.at, nil
			}
		}
	}
	if reason := RedriveReason(&l.rec, l.ex.LastEventID(), now); reason != "" {
		return time.Time{}, &NotRedrivableError{Reason: reason}
	}
	if lease := d.currentLease(); l.rec.Owner != lease {
		if err := d.store.TakeExecution(ctx, arn, lease, now); err != nil {
			if errors.Is(err, store.ErrLeaseLost) {
				return time.Time{}, ErrOwnedElsewhere
			}
			return time.Time{}, err
		}
		l.rec.Owner = lease
	}
	entries := []entry{{Kind: kindRedrive, Time: now.UnixNano(), Token: token}}
	cmds := apply(l.ex, &entries[0])
	l.rec.RedriveDate = now
	st, events, err := d.step(l, entries, cmds, false, now)
	if err == nil {
		// What was posted for the run that ended is not the new run's.
		st.ClearInbox = true
		err = d.commitStep(ctx, st)
	}
	if err != nil {
		d.drop(l)
		return time.Time{}, err
	}
	l.closed = false
	l.redrives = append(l.redrives, redrive{token: token, at: now})
	d.after(l, entries, cmds, events)
	return now, nil
}
