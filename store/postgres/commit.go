package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// Commit applies steps in one transaction and one round trip: every
// statement of every step goes to the server in one pipelined batch, which
// PostgreSQL runs as one implicit transaction. A step's conditions (its
// lease, its journal position, the activity tasks it claims) are checked
// by the statements themselves, which raise an error when one fails, so
// that nothing after it runs.
//
// A step that fails must not undo the others; steps rarely fail, so the
// batch is sent whole first. When one step fails, the transaction is gone:
// that step gets its error, and the batch is sent again without it.
func (s *Store) Commit(ctx context.Context, steps []*store.Step) []error {
	errs := make([]error, len(steps))
	pending := make([]int, len(steps))
	for i := range pending {
		pending[i] = i
	}
	for retries := 0; len(pending) > 0; {
		failed, err := s.commitBatch(ctx, steps, pending)
		if err == nil {
			return errs
		}
		// Two batches that lock the same rows in another order may
		// deadlock; PostgreSQL undoes one, which is sent again.
		if retryable(err) && retries < maxRetries {
			retries++
			continue
		}
		if failed < 0 {
			// Not one step's fault (the connection failed): no step was
			// written.
			for _, i := range pending {
				errs[i] = unavailable(err)
			}
			return errs
		}
		errs[pending[failed]] = s.stepError(ctx, steps[pending[failed]], err)
		pending = append(pending[:failed:failed], pending[failed+1:]...)
	}
	return errs
}

// commitBatch writes the steps listed by pending in one batch. On failure
// it returns the position in pending of the step whose statement failed,
// or -1 when the failure is no step's.
func (s *Store) commitBatch(ctx context.Context, steps []*store.Step, pending []int) (int, error) {
	b := &pgx.Batch{}
	var owner []int // owner[k]: the position in pending of statement k's step
	for p, i := range pending {
		n := b.Len()
		queueStep(b, steps[i], s.activityChannel())
		for range b.Len() - n {
			owner = append(owner, p)
		}
	}
	res := s.pool.SendBatch(ctx, b)
	for k := range owner {
		if _, err := res.Exec(); err != nil {
			res.Close()
			if isStepError(err) {
				return owner[k], err
			}
			return -1, err
		}
	}
	if err := res.Close(); err != nil {
		return -1, err
	}
	return 0, nil
}

// maxRetries bounds how often a batch undone by a deadlock is sent again.
const maxRetries = 3

// retryable reports whether PostgreSQL undid a transaction that may
// succeed when sent again: a deadlock, or a serialization failure.
func retryable(err error) bool {
	switch pgCode(err) {
	case "40P01", "40001":
		return true
	}
	return false
}

// isStepError tells the errors a step's own statements raise (a condition
// refused, a key taken) from those of the connection or the server.
func isStepError(err error) bool {
	switch pgCode(err) {
	case codeRefused, codeUniqueViolation:
		return true
	}
	return false
}

// stepError is what a step that failed with err returns: a refused update
// of the execution is looked into, as the batch has gone.
func (s *Store) stepError(ctx context.Context, st *store.Step, err error) error {
	switch {
	case pgCode(err) == codeUniqueViolation:
		return store.ErrConflict
	case pgCode(err) != codeRefused:
		return unavailable(err)
	case refusedClaim(err):
		return store.ErrConflict
	}
	return s.whyNotWritten(ctx, st.Execution.ARN, st.Lease)
}

func refusedClaim(err error) bool {
	var msg string
	if pe := pgError(err); pe != nil {
		msg = pe.Message
	}
	return msg == "baton: claim refused"
}

// whyNotWritten tells why a conditional update of an execution wrote
// nothing: it is missing, another lease holds it, the lease is no longer
// its node's current one, or its journal moved on.
func (s *Store) whyNotWritten(ctx context.Context, arn string, l store.Lease) error {
	var owner string
	var epoch int64
	var current *int64
	err := s.pool.QueryRow(ctx, `SELECT e.owner, e.owner_epoch, (SELECT n.epoch FROM nodes n WHERE n.id = $2)
		FROM executions e WHERE e.arn = $1`, arn, l.Node).Scan(&owner, &epoch, &current)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return unavailable(err)
	case owner != l.Node || epoch != l.Epoch, current == nil || *current != l.Epoch:
		return store.ErrLeaseLost
	}
	return store.ErrConflict
}

// queueStep queues a step's statements. Those after the first find the
// execution's key by its ARN (an index lookup).
func queueStep(b *pgx.Batch, st *store.Step, activityChannel string) {
	e := &st.Execution
	seq := st.ExpectSeq
	if n := len(st.Inputs); n > 0 {
		seq = st.Inputs[n-1].Seq
	}
	if st.Create {
		b.Queue(qInsertExecution,
			e.ARN, e.StateMachineARN, e.VersionARN, e.AliasARN, e.Name, e.Express, e.Status, e.Input, e.Output, e.HasOutput,
			e.Error, e.Cause, sqlrow.Nanos(e.Start), sqlrow.Nanos(e.Stop), e.RedriveCount, sqlrow.Nanos(e.RedriveDate), e.Definition, e.RoleARN, e.Meta,
			st.Lease.Node, st.Lease.Epoch, seq, e.LastEvent, e.LastEventType, e.Idle)
	} else {
		b.Queue(qUpdateExecution,
			e.Status, e.Output, e.HasOutput, e.Error, e.Cause, sqlrow.Nanos(e.Stop), e.RedriveCount, sqlrow.Nanos(e.RedriveDate), e.Meta, seq,
			e.LastEvent, e.LastEventType, e.Idle, e.ARN, st.ExpectSeq, st.Lease.Node, st.Lease.Epoch)
	}
	if len(st.Inputs) > 0 {
		seqs, bodies := make([]int64, len(st.Inputs)), make([][]byte, len(st.Inputs))
		for i, in := range st.Inputs {
			seqs[i], bodies[i] = in.Seq, in.JSON
		}
		b.Queue(qInsertJournal, e.ARN, seqs, bodies)
	}
	if len(st.Events) > 0 {
		ids, bodies := make([]int64, len(st.Events)), make([][]byte, len(st.Events))
		for i, ev := range st.Events {
			ids[i], bodies[i] = ev.ID, ev.JSON
		}
		b.Queue(qInsertEvents, e.ARN, ids, bodies)
	}
	if len(st.DeleteTimers) > 0 {
		b.Queue(qDeleteTimers, e.ARN, st.DeleteTimers)
	}
	for _, t := range st.AddTimers {
		b.Queue(qInsertTimer, e.ARN, t.ID, sqlrow.Nanos(t.Due))
	}
	// Taken before an end drops the rest of the inbox.
	if len(st.TakeInbox) > 0 {
		b.Queue(qTakeInbox, e.ARN, st.TakeInbox, len(st.TakeInbox))
	}
	if st.Ended {
		b.Queue(qDeleteAllTimers, e.ARN)
		b.Queue(qDeleteAllTasks, e.ARN)
	}
	if st.Ended || st.ClearInbox {
		b.Queue(qDropInbox, e.ARN)
	}
	if len(st.DeleteTasks) > 0 {
		b.Queue(qDeleteTasks, st.DeleteTasks)
	}
	for i, t := range st.AddTasks {
		b.Queue(qInsertTask, t.Token, t.ActivityARN, t.ExecutionARN, t.TaskID, t.Input, sqlrow.Nanos(t.Created))
		// Polls on the other nodes hear of the activity when the
		// transaction commits (PostgreSQL sends one notification for the
		// same words said twice in a transaction; a step says them once).
		// The writer's own polls take it from its memory.
		if !slices.ContainsFunc(st.AddTasks[:i], func(o store.ActivityTask) bool { return o.ActivityARN == t.ActivityARN }) {
			b.Queue(qNotify, activityChannel, st.Lease.Node+"\n"+t.ActivityARN)
		}
	}
	for _, n := range st.Notices {
		b.Queue(qInsertNotice, n.Target, n.Body, sqlrow.Nanos(n.Created), sqlrow.Nanos(n.Due))
	}
	for _, c := range st.ClaimTasks {
		b.Queue(qClaimToken, c.Worker, sqlrow.Nanos(c.At), c.Token)
	}
}

const (
	qInsertExecution = `INSERT INTO executions (arn, state_machine, version, alias, name, express, status, input, output, has_output,
		error, cause, start, stop, redrive_count, redrive_date, definition, role_arn, meta, owner, owner_epoch, seq, last_event, last_event_type, idle)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)`
	// The update is fenced: it writes only if the lease owns the
	// execution, is its node's current one, and the journal ends where the
	// writer read it. Otherwise baton_refuse stops the batch.
	qUpdateExecution = `WITH u AS (UPDATE executions SET status = $1, output = $2, has_output = $3, error = $4, cause = $5, stop = $6,
		redrive_count = $7, redrive_date = $8, meta = $9, seq = $10, last_event = $11, last_event_type = $12, idle = $13
		WHERE arn = $14 AND seq = $15 AND owner = $16 AND owner_epoch = $17
		AND EXISTS (SELECT 1 FROM nodes WHERE nodes.id = $16 AND nodes.epoch = $17) RETURNING id)
		SELECT id FROM u UNION ALL SELECT baton_refuse('write') WHERE NOT EXISTS (SELECT 1 FROM u)`
	qInsertJournal = `INSERT INTO journal (execution, seq, body)
		SELECT x.id, j.seq, j.body FROM executions x, unnest($2::bigint[], $3::bytea[]) AS j (seq, body) WHERE x.arn = $1`
	qInsertEvents = `INSERT INTO events (execution, id, body)
		SELECT x.id, v.id, v.body FROM executions x, unnest($2::bigint[], $3::bytea[]) AS v (id, body) WHERE x.arn = $1`
	qDeleteTimers = `DELETE FROM timers WHERE execution = (SELECT id FROM executions WHERE arn = $1) AND id = ANY($2::bigint[])`
	// A timer armed again under its id starts afresh, unclaimed.
	qInsertTimer = `INSERT INTO timers (execution, id, due) SELECT id, $2, $3 FROM executions WHERE arn = $1
		ON CONFLICT (execution, id) DO UPDATE SET due = excluded.due, claimed_until = 0, claimed_epoch = 0`
	qDeleteAllTimers = `DELETE FROM timers WHERE execution = (SELECT id FROM executions WHERE arn = $1)`
	qDeleteAllTasks  = `DELETE FROM activity_tasks WHERE execution = $1`
	qDeleteTasks     = `DELETE FROM activity_tasks WHERE token = ANY($1::text[])`
	qInsertTask      = `INSERT INTO activity_tasks (token, activity, execution, task_id, input, created) VALUES ($1, $2, $3, $4, $5, $6)`
	qInsertNotice    = `INSERT INTO notices (target, body, created, due) VALUES ($1, $2, $3, $4)`
	qClaimToken      = `WITH c AS (UPDATE activity_tasks SET worker = $1, claimed = $2 WHERE token = $3 AND claimed = 0 RETURNING 1)
		SELECT baton_refuse('claim') WHERE NOT EXISTS (SELECT 1 FROM c)`
)
