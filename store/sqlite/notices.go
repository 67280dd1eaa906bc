package sqlite

import (
	"context"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// DueNotices reads the notices due at now, oldest due first.
func (s *Store) DueNotices(ctx context.Context, now time.Time, limit int) ([]store.Notice, error) {
	rows, err := s.rquery(ctx, `SELECT id, target, body, created, due, attempts FROM notices WHERE due <= ? ORDER BY due, id LIMIT ?`,
		sqlrow.Nanos(now), limit)
	return collect(rows, err, func(sc scanner) (n store.Notice, err error) {
		var created, due int64
		err = sc.Scan(&n.ID, &n.Target, &n.Body, &created, &due, &n.Attempts)
		n.Created, n.Due = sqlrow.FromNanos(created), sqlrow.FromNanos(due)
		return n, err
	})
}

// NoticeDelivered deletes a notice (one already gone is no error).
func (s *Store) NoticeDelivered(ctx context.Context, id int64) error {
	_, err := s.wstmt(ctx, `DELETE FROM notices WHERE id = ?`, id)
	return unavailable(err)
}

// NoticeFailed counts a failed attempt and sets the next.
func (s *Store) NoticeFailed(ctx context.Context, id int64, due time.Time) error {
	_, err := s.wstmt(ctx, `UPDATE notices SET attempts = attempts + 1, due = ? WHERE id = ?`, sqlrow.Nanos(due), id)
	return unavailable(err)
}
