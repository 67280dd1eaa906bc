package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// SyncSchedule inserts a schedule's record, or replaces one whose
// fingerprint differs, and returns what is stored.
func (s *Store) SyncSchedule(ctx context.Context, rec *store.ScheduleRecord) (*store.ScheduleRecord, error) {
	if _, err := s.wstmt(ctx, `INSERT INTO schedules (name, fingerprint, seen, due, fire_at, attempts, claimed_by, claimed_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint, seen = excluded.seen, due = excluded.due,
			fire_at = excluded.fire_at, attempts = excluded.attempts, claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until
		WHERE schedules.fingerprint != excluded.fingerprint`,
		rec.Name, rec.Fingerprint, sqlrow.Nanos(rec.Seen), sqlrow.Nanos(rec.Due), sqlrow.Nanos(rec.FireAt), rec.Attempts,
		rec.ClaimedBy, sqlrow.Nanos(rec.ClaimedUntil)); err != nil {
		return nil, err
	}
	// Read on the writer: a reader could miss the row just written.
	return one(s.wrow(ctx, `SELECT `+sqlrow.ScheduleColumns+` FROM schedules WHERE name = ?`, rec.Name), sqlrow.Schedule)
}

// ListSchedules returns every schedule's record, by name.
func (s *Store) ListSchedules(ctx context.Context) ([]*store.ScheduleRecord, error) {
	rows, err := s.rquery(ctx, `SELECT `+sqlrow.ScheduleColumns+` FROM schedules ORDER BY name`)
	return collect(rows, err, func(sc scanner) (*store.ScheduleRecord, error) { return sqlrow.Schedule(sc) })
}

// DeleteSchedule removes a schedule's record.
func (s *Store) DeleteSchedule(ctx context.Context, name string) error {
	_, err := s.wstmt(ctx, `DELETE FROM schedules WHERE name = ?`, name)
	return err
}

// ClaimSchedules claims the schedules whose time has come, in one
// statement: SQLite's single writer makes it atomic.
func (s *Store) ClaimSchedules(ctx context.Context, node string, now, until time.Time, limit int) ([]*store.ScheduleRecord, error) {
	rows, err := s.wquery(ctx, `UPDATE schedules SET claimed_by = ?, claimed_until = ? WHERE name IN (
		SELECT name FROM schedules WHERE due != 0 AND fire_at <= ? AND claimed_until <= ? ORDER BY fire_at, name LIMIT ?)
		RETURNING `+sqlrow.ScheduleColumns, node, sqlrow.Nanos(until), sqlrow.Nanos(now), sqlrow.Nanos(now), limit)
	out, err := collect(rows, err, func(sc scanner) (*store.ScheduleRecord, error) { return sqlrow.Schedule(sc) })
	if err != nil {
		return nil, err
	}
	sqlrow.SortSchedules(out)
	return out, nil
}

// UpdateSchedule moves a claimed schedule on, if the claim still holds.
func (s *Store) UpdateSchedule(ctx context.Context, node string, expectDue time.Time, rec *store.ScheduleRecord) error {
	args := append(sqlrow.ScheduleUpdate(rec), rec.Name, rec.Fingerprint, sqlrow.Nanos(expectDue), node)
	res, err := s.wstmt(ctx, `UPDATE schedules SET due = ?, fire_at = ?, attempts = ?, claimed_by = ?, claimed_until = ?,
		last_due = ?, last_fired = ?, last_execution = ?, last_error = ?
		WHERE name = ? AND fingerprint = ? AND due = ? AND claimed_by = ?`, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// NextScheduleTime is the earliest time a schedule may be claimed.
func (s *Store) NextScheduleTime(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.rrow(ctx, `SELECT MIN(MAX(fire_at, claimed_until)) FROM schedules WHERE due != 0`).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !next.Valid) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return sqlrow.FromNanos(next.Int64), true, nil
}
