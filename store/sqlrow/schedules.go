package sqlrow

import (
	"cmp"
	"slices"

	"github.com/baton-sh/baton/store"
)

// ScheduleColumns are a schedule record's, in the order Schedule takes
// them.
const ScheduleColumns = `name, fingerprint, seen, due, fire_at, attempts, claimed_by, claimed_until, last_due, last_fired, last_execution, last_error`

// Schedule reads a row of ScheduleColumns.
func Schedule(sc Scanner) (*store.ScheduleRecord, error) {
	var r store.ScheduleRecord
	var seen, due, fireAt, claimedUntil, lastDue, lastFired int64
	if err := sc.Scan(&r.Name, &r.Fingerprint, &seen, &due, &fireAt, &r.Attempts, &r.ClaimedBy, &claimedUntil,
		&lastDue, &lastFired, &r.LastExecution, &r.LastError); err != nil {
		return nil, err
	}
	r.Seen, r.Due, r.FireAt, r.ClaimedUntil = FromNanos(seen), FromNanos(due), FromNanos(fireAt), FromNanos(claimedUntil)
	r.LastDue, r.LastFired = FromNanos(lastDue), FromNanos(lastFired)
	return &r, nil
}

// ScheduleUpdate is the arguments of UpdateSchedule's statement after its
// conditions: the fields it writes, in the order the statement sets them
// (due, fire_at, attempts, claimed_by, claimed_until, last_due, last_fired,
// last_execution, last_error).
func ScheduleUpdate(r *store.ScheduleRecord) []any {
	return []any{Nanos(r.Due), Nanos(r.FireAt), r.Attempts, r.ClaimedBy, Nanos(r.ClaimedUntil),
		Nanos(r.LastDue), Nanos(r.LastFired), r.LastExecution, r.LastError}
}

// SortSchedules orders claimed records as they were chosen, earliest
// FireAt first, then by name: RETURNING gives them in no promised order.
func SortSchedules(out []*store.ScheduleRecord) {
	slices.SortFunc(out, func(a, b *store.ScheduleRecord) int {
		return cmp.Or(a.FireAt.Compare(b.FireAt), cmp.Compare(a.Name, b.Name))
	})
}
