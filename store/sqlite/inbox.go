package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

const (
	qInsertPost = `INSERT INTO inbox (execution, body, at) SELECT id, ?, ? FROM executions WHERE arn = ?`
	qTakePost   = `DELETE FROM inbox WHERE id = ? AND execution = ?`
	qDropInbox  = `DELETE FROM inbox WHERE execution = ?`
)

// Post keeps an input for an execution, then reads its owner.
func (s *Store) Post(ctx context.Context, arn string, body []byte, now time.Time) (store.Lease, error) {
	res, err := s.wstmt(ctx, qInsertPost, body, sqlrow.Nanos(now), arn)
	if err != nil {
		return store.Lease{}, unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return store.Lease{}, cmp.Or(err, store.ErrNotFound)
	}
	return s.ownerAfter(ctx, arn)
}

// PostStart keeps the start of a claimed activity task for an execution,
// marking the task started, if the claim still holds.
func (s *Store) PostStart(ctx context.Context, arn string, body []byte, claim store.TaskClaim, now time.Time) (store.Lease, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.Lease{}, unavailable(err)
	}
	defer tx.Rollback()
	res, err := s.txexec(ctx, tx, `UPDATE activity_tasks SET started = 1 WHERE token = ? AND worker = ? AND claimed = ?`,
		claim.Token, claim.Worker, sqlrow.Nanos(claim.At))
	if err != nil {
		return store.Lease{}, unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return store.Lease{}, cmp.Or(err, store.ErrConflict)
	}
	res, err = s.txexec(ctx, tx, qInsertPost, body, sqlrow.Nanos(now), arn)
	if err != nil {
		return store.Lease{}, unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return store.Lease{}, cmp.Or(err, store.ErrNotFound)
	}
	if err := tx.Commit(); err != nil {
		return store.Lease{}, unavailable(err)
	}
	return s.ownerAfter(ctx, arn)
}

// ownerAfter reads the owner of an execution an input was just posted
// for. The input is kept whatever happens now: a failed read is no error
// (the owner's lease loop finds the input).
func (s *Store) ownerAfter(ctx context.Context, arn string) (store.Lease, error) {
	l, err := s.owner(ctx, arn)
	if err != nil {
		return store.Lease{}, nil
	}
	return l, nil
}

func (s *Store) owner(ctx context.Context, arn string) (store.Lease, error) {
	var l store.Lease
	err := s.rrow(ctx, `SELECT owner, owner_epoch FROM executions WHERE arn = ?`, arn).Scan(&l.Node, &l.Epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Lease{}, store.ErrNotFound
	}
	return l, unavailable(err)
}

// Inbox returns an execution's posted inputs, oldest first.
func (s *Store) Inbox(ctx context.Context, arn string) ([]store.Posted, error) {
	rows, err := s.rquery(ctx, `SELECT i.id, i.body, i.at FROM inbox i JOIN executions e ON e.id = i.execution WHERE e.arn = ? ORDER BY i.id`, arn)
	return collect(rows, err, func(sc scanner) (p store.Posted, err error) {
		var at int64
		err = sc.Scan(&p.ID, &p.Body, &at)
		p.ExecutionARN, p.At = arn, sqlrow.FromNanos(at)
		return p, err
	})
}

// DropPosted deletes posted inputs (those already gone are no error).
func (s *Store) DropPosted(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := s.wstmt(ctx, `DELETE FROM inbox WHERE id = ?`, id); err != nil {
			return unavailable(err)
		}
	}
	return nil
}

// PostedTo lists the executions l owns that have posted inputs, and the
// ended ones that still have some (whoever asks drops those).
func (s *Store) PostedTo(ctx context.Context, l store.Lease, limit int) ([]string, error) {
	rows, err := s.rquery(ctx, `SELECT DISTINCT e.arn FROM inbox i JOIN executions e ON e.id = i.execution
		WHERE (e.owner = ? AND e.owner_epoch = ?) OR e.status <> 'RUNNING' LIMIT ?`, l.Node, l.Epoch, limit)
	return collect(rows, err, func(sc scanner) (arn string, err error) {
		err = sc.Scan(&arn)
		return arn, err
	})
}

// takePosts deletes the posted inputs a step applies: each must be there.
func (s *Store) takePosts(ctx context.Context, tx *sql.Tx, execution int64, ids []int64) error {
	for _, id := range ids {
		res, err := s.txexec(ctx, tx, qTakePost, id, execution)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, store.ErrConflict)
		}
	}
	return nil
}
