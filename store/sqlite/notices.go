package sqlite

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// DueNotices reads the notices due at now, oldest due first.
func (s *Store) DueNotices(ctx context.Context, now time.Time, limit int) ([]store.Notice, error) {
	rows, err := s.rquery(ctx, `SELECT id, target, body, created, due, attempts FROM notices WHERE due <= ? ORDER BY due, id LIMIT ?`,
		sqlrow.Nanos(now), limit)
	return collect(rows, err, scanNotice)
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

// ClaimNotices takes the notices due at now until until.
func (s *Store) ClaimNotices(ctx context.Context, now, until time.Time, limit int) ([]store.Notice, error) {
	rows, err := s.wquery(ctx, `UPDATE notices SET due = ? WHERE id IN (SELECT id FROM notices WHERE due <= ? ORDER BY due, id LIMIT ?)
		RETURNING id, target, body, created, due, attempts`, sqlrow.Nanos(until), sqlrow.Nanos(now), limit)
	out, err := collect(rows, err, scanNotice)
	slices.SortFunc(out, func(a, b store.Notice) int { return cmp.Compare(a.ID, b.ID) })
	return out, unavailable(err)
}

func scanNotice(sc scanner) (n store.Notice, err error) {
	var created, due int64
	err = sc.Scan(&n.ID, &n.Target, &n.Body, &created, &due, &n.Attempts)
	n.Created, n.Due = sqlrow.FromNanos(created), sqlrow.FromNanos(due)
	return n, err
}
