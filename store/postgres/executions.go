package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// GetExecution reads an execution's summary.
func (s *Store) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	e, err := sqlrow.Execution(s.pool.QueryRow(ctx, `SELECT `+sqlrow.ExecutionColumns+` FROM executions WHERE arn = $1`, arn))
	return e, notFound(err)
}

// statuses are the statuses an execution is stored with: a list by state
// machine merges one index range per status.
var statuses = []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}

// listColumns are the columns that file executions by what they ran.
var listColumns = map[store.ListBy]string{store.ByStateMachine: "state_machine", store.ByVersion: "version", store.ByAlias: "alias"}

// errBadCursor: a Page.After that no list gave.
var errBadCursor = errors.New("postgres: bad cursor")

// cursor reads a page's ExecutionCursor (the first page's is past every
// execution).
func cursor(page store.Page) (start, key int64, err error) {
	if page.After == "" {
		return 1 << 62, 1 << 62, nil
	}
	start, text, ok := store.ParseExecutionCursor(page.After)
	if !ok {
		return 0, 0, errBadCursor
	}
	key, _ = strconv.ParseInt(text, 10, 64)
	return start, key, nil
}

// byMachine is the query of a page of one state machine's (version's,
// alias's) executions: one index range per status (or the one asked for),
// each read newest first up to the page's size, merged. cond and condArgs
// are further conditions on every range; columns are those the page
// returns.
func byMachine(f store.ListBy, arn, status, cond string, condArgs []any, n int, columns string) (string, []any) {
	col := listColumns[f]
	partial := ""
	if col != "state_machine" {
		partial = ` AND ` + col + ` <> ''`
	}
	want := statuses
	if status != "" {
		want = []string{status}
	}
	var arms []string
	var args []any
	for i, st := range want {
		arms = append(arms, `SELECT * FROM (SELECT id, start FROM executions WHERE `+col+` = ?`+partial+` AND status = ?`+cond+
			` ORDER BY start DESC, id DESC LIMIT ?) AS r`+strconv.Itoa(i))
		args = append(args, arn, st)
		args = append(args, condArgs...)
		args = append(args, n)
	}
	q := `WITH page (id, start) AS (` + strings.Join(arms, ` UNION ALL `) + ` ORDER BY start DESC, id DESC LIMIT ?)
		SELECT ` + sqlrow.Prefixed("e.", columns) + ` FROM page JOIN executions e ON e.id = page.id ORDER BY page.start DESC, page.id DESC`
	return q, append(args, n)
}

// ListExecutions lists executions newest first (start time, then key).
func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter, page store.Page) ([]*store.Execution, error) {
	start, key, err := cursor(page)
	if err != nil {
		return nil, err
	}
	cond := ` AND start <= ? AND (start < ? OR id < ?)`
	condArgs := []any{start, start, key}
	if f.Redriven != nil {
		if *f.Redriven {
			cond += ` AND redrive_count > 0`
		} else {
			cond += ` AND redrive_count = 0`
		}
	}
	n := sqlrow.Limit(page)
	var q string
	var args []any
	if f.StateMachineARN == "" {
		q = `SELECT ` + sqlrow.ExecutionColumns + ` FROM executions WHERE true` + cond
		args = condArgs
		if f.Status != "" {
			q += ` AND status = ?`
			args = append(args, f.Status)
		}
		q += ` ORDER BY start DESC, id DESC LIMIT ?`
		args = append(args, n)
	} else {
		q, args = byMachine(f.ListBy, f.StateMachineARN, f.Status, cond, condArgs, n, sqlrow.ExecutionColumns)
	}
	rows, err := s.pool.Query(ctx, dollars(q), args...)
	return collect(rows, err, sqlrow.Execution)
}

// Events reads history events.
func (s *Store) Events(ctx context.Context, arn string, after int64, limit int, reverse bool) ([]store.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	q := `SELECT id, body FROM events WHERE execution = (SELECT id FROM executions WHERE arn = $1) AND id > $2 ORDER BY id LIMIT $3`
	if reverse {
		if after <= 0 {
			after = 1 << 62
		}
		q = `SELECT id, body FROM events WHERE execution = (SELECT id FROM executions WHERE arn = $1) AND id < $2 ORDER BY id DESC LIMIT $3`
	}
	rows, err := s.pool.Query(ctx, q, arn, after, limit)
	return collect(rows, err, func(row sqlrow.Scanner) (e store.Event, err error) {
		err = row.Scan(&e.ID, &e.JSON)
		return e, err
	})
}

// Journal reads an execution's journal in order.
func (s *Store) Journal(ctx context.Context, arn string) ([]store.Input, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, body FROM journal WHERE execution = (SELECT id FROM executions WHERE arn = $1) ORDER BY seq`, arn)
	return collect(rows, err, func(row sqlrow.Scanner) (in store.Input, err error) {
		err = row.Scan(&in.Seq, &in.JSON)
		return in, err
	})
}

// ---- leases and timers ------------------------------------------------------

// RegisterNode starts a new incarnation of a node.
func (s *Store) RegisterNode(ctx context.Context, node string, now, expires time.Time) (store.Lease, error) {
	l := store.Lease{Node: node}
	// Epochs are unique across nodes (one sequence), not counted per node:
	// a timer's claim names the epoch that made it, and must not pass for
	// the claim of another node's incarnation with the same number.
	err := s.pool.QueryRow(ctx, `INSERT INTO nodes (id, epoch, expires) VALUES ($1, nextval('node_epochs'), $2)
		ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, expires = excluded.expires RETURNING epoch`, node, sqlrow.Nanos(expires)).Scan(&l.Epoch)
	return l, unavailable(err)
}

// RenewLease extends a lease.
func (s *Store) RenewLease(ctx context.Context, l store.Lease, expires time.Time) error {
	n, err := s.exec(ctx, `UPDATE nodes SET expires = $1 WHERE id = $2 AND epoch = $3`, sqlrow.Nanos(expires), l.Node, l.Epoch)
	if err == nil && n == 0 {
		return store.ErrLeaseLost
	}
	return err
}

// ReleaseLease ends a lease now.
func (s *Store) ReleaseLease(ctx context.Context, l store.Lease) error {
	_, err := s.exec(ctx, `UPDATE nodes SET expires = 0 WHERE id = $1 AND epoch = $2`, l.Node, l.Epoch)
	return err
}

// ClaimExecutions takes over running executions that no live lease holds:
// those of a node's earlier incarnations, of a node whose lease expired
// (not the claimer's own: it is at work on them, even when a long recovery
// outran its lease), and those that never had an owner.
//
// It runs on every turn of a node's lease loop, so it must not read the
// executions that live leases hold (a million waiting ones, say). The
// planner cannot be trusted to read one index range per node when the
// node is a join's value (it reckons one node's share of the table from
// the average, and scans); so the nodes are read first, and each node's
// range is named by value, in a query sent as text (planned for those
// values each time: it runs every few seconds, not per transition).
func (s *Store) ClaimExecutions(ctx context.Context, l store.Lease, now time.Time, limit int) ([]*store.Execution, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, epoch, expires <= $1 AND id <> $2 FROM nodes`, sqlrow.Nanos(now), l.Node)
	type node struct {
		id     string
		epoch  int64
		lapsed bool
	}
	nodes, err := collect(rows, err, func(row sqlrow.Scanner) (n node, err error) {
		err = row.Scan(&n.id, &n.epoch, &n.lapsed)
		return n, err
	})
	if err != nil {
		return nil, err
	}
	args := []any{l.Node, l.Epoch, sqlrow.Nanos(now), limit}
	arms := []string{`SELECT id FROM executions WHERE owner = '' AND status = 'RUNNING' AND NOT express`}
	for _, n := range nodes {
		below := n.epoch // its earlier incarnations'
		if n.lapsed {
			below++ // and its current one's
		}
		args = append(args, n.id, below)
		arms = append(arms, fmt.Sprintf(`SELECT id FROM executions WHERE owner = $%d AND owner_epoch < $%d AND status = 'RUNNING' AND NOT express`,
			len(args)-1, len(args)))
	}
	// Rows another claimer has locked are skipped, so claimers never wait
	// on each other; a row another claimer took and committed meanwhile is
	// checked again as it is now (the conditions on x, the lease's in a
	// subquery that PostgreSQL evaluates again for the row's new version),
	// so each execution goes to one claimer.
	// The claimed executions' timers lose their claims: a claim names the
	// epoch that made it, and the claimer may be taking back an execution
	// it held before under the same epoch (its lease had lapsed, not
	// ended), whose old claims would otherwise hold until they run out.
	q := `WITH claimed AS (UPDATE executions e SET owner = $1, owner_epoch = $2 FROM (
		SELECT x.id FROM (` + strings.Join(arms, ` UNION ALL `) + `) o JOIN executions x ON x.id = o.id
		WHERE x.status = 'RUNNING' AND NOT x.express AND (x.owner = '' OR EXISTS (SELECT 1 FROM nodes n WHERE n.id = x.owner
			AND (x.owner_epoch < n.epoch OR (x.owner_epoch = n.epoch AND n.expires <= $3 AND n.id <> $1))))
		LIMIT $4 FOR UPDATE OF x SKIP LOCKED) c
	WHERE e.id = c.id RETURNING e.id, e.arn, e.status, e.owner, e.owner_epoch, e.seq, e.idle),
	unclaimed AS (UPDATE timers SET claimed_until = 0 WHERE execution IN (SELECT id FROM claimed))
	SELECT arn, status, owner, owner_epoch, seq, idle FROM claimed`
	rows, err = s.pool.Query(ctx, q, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...)
	return collect(rows, err, func(row sqlrow.Scanner) (*store.Execution, error) {
		var e store.Execution
		err := row.Scan(&e.ARN, &e.Status, &e.Owner.Node, &e.Owner.Epoch, &e.Seq, &e.Idle)
		return &e, err
	})
}

// TakeExecution takes over one execution unless a live lease holds it.
// Taken from another lease, its timers lose their claims (see
// ClaimExecutions). One statement: its reads see the execution as it was
// before the take.
func (s *Store) TakeExecution(ctx context.Context, arn string, l store.Lease, now time.Time) error {
	var taken int
	var owner *string
	var epoch *int64
	err := s.pool.QueryRow(ctx, `WITH taken AS (UPDATE executions SET owner = $1, owner_epoch = $2 WHERE arn = $3 AND
		NOT (owner = $1 AND owner_epoch = $2) AND (status <> 'RUNNING' OR NOT EXISTS
		(SELECT 1 FROM nodes n WHERE n.id = executions.owner AND n.epoch = executions.owner_epoch AND n.expires > $4)) RETURNING id),
		unclaimed AS (UPDATE timers SET claimed_until = 0 WHERE execution IN (SELECT id FROM taken))
		SELECT (SELECT count(*) FROM taken), (SELECT owner FROM executions WHERE arn = $3), (SELECT owner_epoch FROM executions WHERE arn = $3)`,
		l.Node, l.Epoch, arn, sqlrow.Nanos(now)).Scan(&taken, &owner, &epoch)
	switch {
	case err != nil:
		return unavailable(err)
	case taken > 0:
		return nil
	case owner == nil:
		return store.ErrNotFound
	case *owner == l.Node && *epoch == l.Epoch:
		return nil // held already
	}
	return store.ErrLeaseLost
}

// qClaimTimers claims the due timers of a lease's executions, earliest
// first, skipping those another claimer has locked; a claim lapses when it
// runs out or when its execution changes hands (its epoch is not the
// owner's).
const qClaimTimers = `WITH c AS (
		SELECT t.execution, t.id, e.arn FROM timers t JOIN executions e ON e.id = t.execution
		WHERE t.due <= $1 AND (t.claimed_until <= $1 OR t.claimed_epoch <> e.owner_epoch) AND e.owner = $2 AND e.owner_epoch = $3
		ORDER BY t.due LIMIT $4 FOR UPDATE OF t SKIP LOCKED)
	UPDATE timers t SET claimed_until = $5, claimed_epoch = $3 FROM c
	WHERE t.execution = c.execution AND t.id = c.id RETURNING c.arn, t.id, t.due`

// ClaimTimers claims the due timers of l's executions.
func (s *Store) ClaimTimers(ctx context.Context, l store.Lease, now, until time.Time, limit int) ([]store.Timer, error) {
	rows, err := s.pool.Query(ctx, qClaimTimers, sqlrow.Nanos(now), l.Node, l.Epoch, limit, sqlrow.Nanos(until))
	out, err := collect(rows, err, func(row sqlrow.Scanner) (t store.Timer, err error) {
		var due int64
		err = row.Scan(&t.ExecutionARN, &t.ID, &due)
		t.Due = sqlrow.FromNanos(due)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b store.Timer) int { return a.Due.Compare(b.Due) })
	return out, nil
}

// DropTimer deletes a timer.
func (s *Store) DropTimer(ctx context.Context, arn string, id int64) error {
	_, err := s.exec(ctx, `DELETE FROM timers WHERE execution = (SELECT id FROM executions WHERE arn = $1) AND id = $2`, arn, id)
	return err
}

// ---- activity tasks --------------------------------------------------------------

const taskColumns = `token, activity, execution, task_id, input, created, worker, claimed`

// ClaimActivityTask hands the oldest unclaimed task of an activity to a
// worker in one statement; tasks that another poll has locked are skipped,
// so polls on several nodes neither wait on each other nor share a task.
func (s *Store) ClaimActivityTask(ctx context.Context, activity, worker string, now time.Time) (*store.ActivityTask, error) {
	return scanTask(s.pool.QueryRow(ctx, `UPDATE activity_tasks SET worker = $1, claimed = $2 WHERE token =
		(SELECT token FROM activity_tasks WHERE activity = $3 AND claimed = 0 ORDER BY created, token LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+taskColumns, worker, sqlrow.Nanos(now), activity))
}

func scanTask(row sqlrow.Scanner) (*store.ActivityTask, error) {
	var t store.ActivityTask
	var created, claimed int64
	if err := row.Scan(&t.Token, &t.ActivityARN, &t.ExecutionARN, &t.TaskID, &t.Input, &created, &t.Worker, &claimed); err != nil {
		return nil, notFound(err)
	}
	t.Created, t.Claimed = sqlrow.FromNanos(created), sqlrow.FromNanos(claimed)
	return &t, nil
}

// GetActivityTask reads an activity task by token.
func (s *Store) GetActivityTask(ctx context.Context, token string) (*store.ActivityTask, error) {
	return scanTask(s.pool.QueryRow(ctx, `SELECT `+taskColumns+` FROM activity_tasks WHERE token = $1`, token))
}

// ReleaseActivityTask makes a claimed task available again.
func (s *Store) ReleaseActivityTask(ctx context.Context, token string) error {
	n, err := s.exec(ctx, `UPDATE activity_tasks SET worker = '', claimed = 0 WHERE token = $1 AND NOT started`, token)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// ---- notices -------------------------------------------------------------------

// DueNotices reads the notices due at now, oldest due first.
func (s *Store) DueNotices(ctx context.Context, now time.Time, limit int) ([]store.Notice, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, target, body, created, due, attempts FROM notices WHERE due <= $1 ORDER BY due, id LIMIT $2`,
		sqlrow.Nanos(now), limit)
	return collect(rows, err, scanNotice)
}

func scanNotice(row sqlrow.Scanner) (n store.Notice, err error) {
	var created, due int64
	err = row.Scan(&n.ID, &n.Target, &n.Body, &created, &due, &n.Attempts)
	n.Created, n.Due = sqlrow.FromNanos(created), sqlrow.FromNanos(due)
	return n, err
}

// ClaimNotices takes the notices due at now until until, skipping those
// another node is taking.
func (s *Store) ClaimNotices(ctx context.Context, now, until time.Time, limit int) ([]store.Notice, error) {
	rows, err := s.pool.Query(ctx, `WITH c AS (SELECT id FROM notices WHERE due <= $1 ORDER BY due, id LIMIT $2 FOR UPDATE SKIP LOCKED)
		UPDATE notices n SET due = $3 FROM c WHERE n.id = c.id RETURNING n.id, n.target, n.body, n.created, n.due, n.attempts`,
		sqlrow.Nanos(now), limit, sqlrow.Nanos(until))
	out, err := collect(rows, err, scanNotice)
	slices.SortFunc(out, func(a, b store.Notice) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// NoticeDelivered deletes a notice (one already gone is no error).
func (s *Store) NoticeDelivered(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, `DELETE FROM notices WHERE id = $1`, id)
	return err
}

// NoticeFailed counts a failed attempt and sets the next.
func (s *Store) NoticeFailed(ctx context.Context, id int64, due time.Time) error {
	_, err := s.exec(ctx, `UPDATE notices SET attempts = attempts + 1, due = $1 WHERE id = $2`, sqlrow.Nanos(due), id)
	return err
}
