package store

import (
	"context"
	"time"
)

// ScheduleRecord is what the store keeps of a schedule between its due
// times: which definition it follows, the next due time not yet dealt
// with, who is dealing with it, and what happened last. The declarations
// themselves (expression, target, input) live in files every node reads;
// the record is what must be shared and survive a restart.
type ScheduleRecord struct {
	Name string
	// Fingerprint identifies the definition that decides the due times
	// (expression, time zone, bounds, window, enabled). A record with
	// another fingerprint is replaced: a changed schedule starts afresh.
	Fingerprint string
	// Seen is when this definition was first seen: a rate without a start
	// date counts from it.
	Seen time.Time
	// Due is the next due time not yet fired (zero: none is left), and
	// FireAt when to start its execution (Due, or later within a flexible
	// window).
	Due, FireAt time.Time
	// Attempts counts the failed starts of Due so far.
	Attempts int
	// ClaimedBy is the node that claimed Due, and ClaimedUntil when its
	// claim runs out; nobody claims the schedule again before then (a
	// failed start waits for its retry that way).
	ClaimedBy    string
	ClaimedUntil time.Time
	// LastDue is the due time dealt with last, LastFired when, and
	// LastExecution the execution it started ("" if it started none);
	// LastError says why a start failed or a due time was skipped.
	LastDue, LastFired time.Time
	LastExecution      string
	LastError          string
}

// ScheduleStore keeps schedules' records. Several nodes share them: each
// due time is claimed (ClaimSchedules) and advanced (UpdateSchedule) under
// conditions, so that one node at a time deals with it.
type ScheduleStore interface {
	// SyncSchedule stores rec if no schedule has its name, or if the one
	// stored has another fingerprint (it is replaced: its due time, claim
	// and attempts are rec's; its Last* fields are kept). It returns the
	// record stored afterwards, which is the one already there when its
	// fingerprint is rec's.
	SyncSchedule(ctx context.Context, rec *ScheduleRecord) (*ScheduleRecord, error)
	// ListSchedules returns every record, by name.
	ListSchedules(ctx context.Context) ([]*ScheduleRecord, error)
	// DeleteSchedule removes a record (one already gone is no error).
	DeleteSchedule(ctx context.Context, name string) error
	// ClaimSchedules claims for node, until the time until, the schedules
	// whose FireAt has come at now and whose claim (if any) has run out,
	// earliest FireAt first, at most limit: two claimers never get the
	// same schedule at once.
	ClaimSchedules(ctx context.Context, node string, now, until time.Time, limit int) ([]*ScheduleRecord, error)
	// UpdateSchedule writes rec's Due, FireAt, Attempts, claim and Last*
	// fields if the stored record still has rec's fingerprint, the due time
	// expectDue and node's claim; else ErrConflict (the schedule changed,
	// or another node claimed it since).
	UpdateSchedule(ctx context.Context, node string, expectDue time.Time, rec *ScheduleRecord) error
	// NextScheduleTime is the earliest time a schedule may be claimed: the
	// later of its FireAt and its claim's end, over the records that have
	// a due time; false when none has.
	NextScheduleTime(ctx context.Context) (time.Time, bool, error)
}
