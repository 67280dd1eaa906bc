package postgres

import (
	"context"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// SyncSchedule inserts a schedule's record, or replaces one whose
// fingerprint differs, and returns what is stored. Nodes starting at once
// with the same declaration insert it once (ON CONFLICT); the others keep
// it.
func (s *Store) SyncSchedule(ctx context.Context, rec *store.ScheduleRecord) (*store.ScheduleRecord, error) {
	if _, err := s.exec(ctx, `INSERT INTO schedules (name, fingerprint, seen, due, fire_at, attempts, claimed_by, claimed_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint, seen = excluded.seen, due = excluded.due,
			fire_at = excluded.fire_at, attempts = excluded.attempts, claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until
		WHERE schedules.fingerprint <> excluded.fingerprint`,
		rec.Name, rec.Fingerprint, sqlrow.Nanos(rec.Seen), sqlrow.Nanos(rec.Due), sqlrow.Nanos(rec.FireAt), rec.Attempts,
		rec.ClaimedBy, sqlrow.Nanos(rec.ClaimedUntil)); err != nil {
		return nil, err
	}
	r, err := sqlrow.Schedule(s.pool.QueryRow(ctx, `SELECT `+sqlrow.ScheduleColumns+` FROM schedules WHERE name = $1`, rec.Name))
	return r, notFound(err)
}

// ListSchedules returns every schedule's record, by name.
func (s *Store) ListSchedules(ctx context.Context) ([]*store.ScheduleRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlrow.ScheduleColumns+` FROM schedules ORDER BY name`)
	return collect(rows, err, func(row sqlrow.Scanner) (*store.ScheduleRecord, error) { return sqlrow.Schedule(row) })
}

// DeleteSchedule removes a schedule's record.
func (s *Store) DeleteSchedule(ctx context.Context, name string) error {
	_, err := s.exec(ctx, `DELETE FROM schedules WHERE name = $1`, name)
	return err
}

// ClaimSchedules claims the schedules whose time has come. Rows another
// node is claiming are skipped (SKIP LOCKED), so claimers on several nodes
// neither wait on each other nor share a due time.
func (s *Store) ClaimSchedules(ctx context.Context, node string, now, until time.Time, limit int) ([]*store.ScheduleRecord, error) {
	rows, err := s.pool.Query(ctx, `UPDATE schedules SET claimed_by = $1, claimed_until = $2 WHERE name IN (
		SELECT name FROM schedules WHERE due <> 0 AND fire_at <= $3 AND claimed_until <= $3
		ORDER BY fire_at, name LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING `+sqlrow.ScheduleColumns, node, sqlrow.Nanos(until), sqlrow.Nanos(now), limit)
	out, err := collect(rows, err, func(row sqlrow.Scanner) (*store.ScheduleRecord, error) { return sqlrow.Schedule(row) })
	if err != nil {
		return nil, err
	}
	sqlrow.SortSchedules(out)
	return out, nil
}

// UpdateSchedule moves a claimed schedule on, if the claim still holds.
func (s *Store) UpdateSchedule(ctx context.Context, node string, expectDue time.Time, rec *store.ScheduleRecord) error {
	args := append(sqlrow.ScheduleUpdate(rec), rec.Name, rec.Fingerprint, sqlrow.Nanos(expectDue), node)
	n, err := s.exec(ctx, `UPDATE schedules SET due = $1, fire_at = $2, attempts = $3, claimed_by = $4, claimed_until = $5,
		last_due = $6, last_fired = $7, last_execution = $8, last_error = $9
		WHERE name = $10 AND fingerprint = $11 AND due = $12 AND claimed_by = $13`, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// NextScheduleTime is the earliest time a schedule may be claimed.
func (s *Store) NextScheduleTime(ctx context.Context) (time.Time, bool, error) {
	var next *int64
	if err := s.pool.QueryRow(ctx, `SELECT MIN(GREATEST(fire_at, claimed_until)) FROM schedules WHERE due <> 0`).Scan(&next); err != nil {
		return time.Time{}, false, unavailable(err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return sqlrow.FromNanos(*next), true, nil
}
