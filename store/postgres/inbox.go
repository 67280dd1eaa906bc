package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// Post keeps an input for an execution, then reads its owner: after the
// insert has committed, so that a node that took the execution over
// meanwhile is either named here or reads the input when it loads it.
func (s *Store) Post(ctx context.Context, arn string, body []byte, now time.Time) (store.Lease, error) {
	n, err := s.exec(ctx, `INSERT INTO inbox (execution, body, at) SELECT id, $1, $2 FROM executions WHERE arn = $3`, body, sqlrow.Nanos(now), arn)
	if err != nil {
		return store.Lease{}, err
	}
	if n == 0 {
		return store.Lease{}, store.ErrNotFound
	}
	return s.ownerAfter(ctx, arn)
}

// PostStart keeps the start of a claimed activity task for an execution,
// marking the task started, if the claim still holds. The mark locks the
// task's row, so that a release waits for it and then finds it started.
func (s *Store) PostStart(ctx context.Context, arn string, body []byte, claim store.TaskClaim, now time.Time) (store.Lease, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.Lease{}, unavailable(err)
	}
	defer tx.Rollback(context.Background())
	tag, err := tx.Exec(ctx, `UPDATE activity_tasks SET started = true WHERE token = $1 AND worker = $2 AND claimed = $3`,
		claim.Token, claim.Worker, sqlrow.Nanos(claim.At))
	if err != nil {
		return store.Lease{}, unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		return store.Lease{}, store.ErrConflict
	}
	if tag, err = tx.Exec(ctx, `INSERT INTO inbox (execution, body, at) SELECT id, $1, $2 FROM executions WHERE arn = $3`, body, sqlrow.Nanos(now), arn); err != nil {
		return store.Lease{}, unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		return store.Lease{}, store.ErrNotFound
	}
	if err := tx.Commit(ctx); err != nil {
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
	err := s.pool.QueryRow(ctx, `SELECT owner, owner_epoch FROM executions WHERE arn = $1`, arn).Scan(&l.Node, &l.Epoch)
	return l, notFound(err)
}

// Inbox returns an execution's posted inputs, oldest first.
func (s *Store) Inbox(ctx context.Context, arn string) ([]store.Posted, error) {
	rows, err := s.pool.Query(ctx, `SELECT i.id, i.body, i.at FROM inbox i JOIN executions e ON e.id = i.execution WHERE e.arn = $1 ORDER BY i.id`, arn)
	return collect(rows, err, func(sc sqlrow.Scanner) (p store.Posted, err error) {
		var at int64
		err = sc.Scan(&p.ID, &p.Body, &at)
		p.ExecutionARN, p.At = arn, sqlrow.FromNanos(at)
		return p, err
	})
}

// DropPosted deletes posted inputs (those already gone are no error).
func (s *Store) DropPosted(ctx context.Context, ids []int64) error {
	_, err := s.exec(ctx, `DELETE FROM inbox WHERE id = ANY($1::bigint[])`, ids)
	return err
}

// PostedTo lists the executions l owns that have posted inputs, and the
// ended ones that still have some (whoever asks drops those).
func (s *Store) PostedTo(ctx context.Context, l store.Lease, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT e.arn FROM inbox i JOIN executions e ON e.id = i.execution
		WHERE (e.owner = $1 AND e.owner_epoch = $2) OR e.status <> 'RUNNING' LIMIT $3`, l.Node, l.Epoch, limit)
	return collect(rows, err, func(sc sqlrow.Scanner) (arn string, err error) {
		err = sc.Scan(&arn)
		return arn, err
	})
}

const (
	// A step's posted inputs are deleted as it applies them; one missing
	// was applied by another step: the step is refused.
	qTakeInbox = `WITH d AS (DELETE FROM inbox WHERE execution = (SELECT id FROM executions WHERE arn = $1) AND id = ANY($2::bigint[]) RETURNING 1)
		SELECT baton_refuse('claim') WHERE (SELECT count(*) FROM d) <> $3`
	qDropInbox = `DELETE FROM inbox WHERE execution = (SELECT id FROM executions WHERE arn = $1)`
	qNotify    = `SELECT pg_notify($1, $2)`
)

// Channels. PostgreSQL delivers a NOTIFY to every session of the database
// that listens on its channel, whatever their schema: the names carry the
// schema's hash, so that deployments in two schemas of one database do not
// hear each other. A node's own channel also carries its name's.

func channel(kind string, parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("baton_%s_%016x", kind, h.Sum64())
}

func (s *Store) activityChannel() string     { return channel("activity", s.schema) }
func (s *Store) nodeChannel(n string) string { return channel("node", s.schema, n) }

// Wake tells node that an execution it owns has posted inputs.
func (s *Store) Wake(ctx context.Context, node, arn string) error {
	_, err := s.exec(ctx, qNotify, s.nodeChannel(node), arn)
	return err
}

// Listen calls inbox with the executions this node is told of, and
// activity with the activities whose tasks other nodes queued, until ctx
// ends.
// It listens on a connection of its own, opened again when it fails; an
// empty name then says that notifications may have been missed.
func (s *Store) Listen(ctx context.Context, node string, inbox, activity func(arn string)) error {
	nodeCh, actCh := s.nodeChannel(node), s.activityChannel()
	for wait := 100 * time.Millisecond; ; {
		err := s.listenOnce(ctx, node, nodeCh, actCh, inbox, activity)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			// The caller looks at everything once listening again.
			inbox("")
			activity("")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, node, nodeCh, actCh string, inbox, activity func(string)) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{nodeCh}.Sanitize()+`; LISTEN `+pgx.Identifier{actCh}.Sanitize()); err != nil {
		return err
	}
	// Anything sent before the LISTEN was missed.
	inbox("")
	activity("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Channel {
		case nodeCh:
			inbox(n.Payload)
		case actCh:
			// "node\narn": a node's own tasks are in its memory already.
			if i := strings.LastIndexByte(n.Payload, '\n'); i < 0 || n.Payload[:i] != node {
				activity(n.Payload[i+1:])
			}
		}
	}
}
