// Package sqlite is Baton's embedded store: one SQLite database file in the
// data folder, in WAL mode, written by one connection and read by several.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // the SQLite engine, in pure Go: Baton stays one static binary

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// FileName is the database's name in the data folder.
const FileName = "baton.db"

// Store is the SQLite implementation of store.Store.
type Store struct {
	w *sql.DB // the one writer
	r *sql.DB // readers
	// Prepared statements by SQL text: parsing SQL is a large part of a
	// small query's cost.
	wstmts, rstmts sync.Map
}

func (s *Store) prepared(ctx context.Context, db *sql.DB, cache *sync.Map, q string) (*sql.Stmt, error) {
	if st, ok := cache.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := cache.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (s *Store) wstmt(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, s.w, &s.wstmts, q)
	if err != nil {
		return nil, unavailable(err)
	}
	res, err := st.ExecContext(ctx, args...)
	return res, unavailable(err)
}

// SQLite's result codes (stable across its versions).
const (
	sqliteIOErr = 10
	sqliteFull  = 13
)

// unavailable marks the errors of a disk that is full or failing
// (SQLITE_FULL, SQLITE_IOERR and its extended codes) as
// store.ErrUnavailable: the caller may try again later.
func unavailable(err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff { // the primary code of an extended one
	case sqliteFull, sqliteIOErr:
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}

// errRow carries a prepare error to Scan.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (s *Store) wrow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	st, err := s.prepared(ctx, s.w, &s.wstmts, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) wquery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, s.w, &s.wstmts, q)
	if err != nil {
		return nil, unavailable(err)
	}
	rows, err := st.QueryContext(ctx, args...)
	return rows, unavailable(err)
}

func (s *Store) rrow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	st, err := s.prepared(ctx, s.r, &s.rstmts, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) rquery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, s.r, &s.rstmts, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// Inside a transaction the one writer connection is taken, so nothing can
// be prepared on the database then: transactions use the statements
// prepared when the store opened, or run the SQL unprepared.

func (s *Store) txexec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st, ok := s.wstmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

func (s *Store) txrow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if st, ok := s.wstmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// prepareWrites prepares the statements transactions use.
func (s *Store) prepareWrites(ctx context.Context) error {
	qs := []string{qInsertExecution, qUpdateExecution, qExecutionState, qNodeEpoch, qInsertJournal, qDeleteTimer, qInsertTimer, qDeleteTask, qInsertTask,
		qDeleteTimers, qDeleteTasks, qClaimToken, qInsertNotice, qTakePost, qDropInbox,
		`SAVEPOINT step`, `ROLLBACK TO step`, `RELEASE step`}
	for n := 1; n <= eventChunk; n++ {
		qs = append(qs, eventInsert(n))
	}
	for _, q := range qs {
		if _, err := s.prepared(ctx, s.w, &s.wstmts, q); err != nil {
			return err
		}
	}
	return nil
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: data folder: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// synchronous(FULL) makes a commit durable when it returns; group
	// commit keeps that affordable. Statement journals (a multi-row insert
	// inside a transaction) go to memory instead of a temporary file, and
	// the writer's larger page cache (32 MiB; readers keep SQLite's 2 MiB
	// each) keeps the indexes it updates in memory.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(OFF)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn+"&_pragma=cache_size(-32768)")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	st := &Store{w: w}
	if err := st.prepareWrites(context.Background()); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	// Every reader stays open: one closed and reopened costs a driver
	// open and the statements prepared again.
	r.SetMaxIdleConns(8)
	st.r = r
	return st, nil
}

// Close closes the database.
func (s *Store) Close() error {
	for _, cache := range []*sync.Map{&s.wstmts, &s.rstmts} {
		cache.Range(func(_, st any) bool {
			st.(*sql.Stmt).Close()
			return true
		})
	}
	err1 := s.r.Close()
	err2 := s.w.Close()
	return errors.Join(err1, err2)
}

func isConstraint(err error) bool {
	return err != nil && strings.Contains(err.Error(), "constraint failed")
}

// ---- resources -------------------------------------------------------------

// PutResource creates or replaces a resource.
func (s *Store) PutResource(ctx context.Context, r *store.Resource, create bool) error {
	tags, _ := json.Marshal(r.Tags)
	if r.Tags == nil {
		tags = []byte("{}")
	}
	if create {
		_, err := s.wstmt(ctx, `INSERT INTO resources (arn, kind, parent, name, created, body, tags) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.ARN, r.Kind, r.Parent, r.Name, sqlrow.Nanos(r.Created), r.Body, string(tags))
		if isConstraint(err) {
			return store.ErrConflict
		}
		return err
	}
	res, err := s.wstmt(ctx, `UPDATE resources SET body = ?, tags = ? WHERE arn = ?`, r.Body, string(tags), r.ARN)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// scanner is a row to read: *sql.Row or *sql.Rows.
type scanner = sqlrow.Scanner

// one reads the one row a query gave with scan: store.ErrNotFound if none.
func one[T any](sc scanner, scan func(scanner) (T, error)) (T, error) {
	v, err := scan(sc)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	return v, err
}

// collect reads every row a query gave (or its error) with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// GetResource reads a resource.
func (s *Store) GetResource(ctx context.Context, arn string) (*store.Resource, error) {
	return one(s.rrow(ctx, `SELECT `+sqlrow.ResourceColumns+` FROM resources WHERE arn = ?`, arn), sqlrow.Resource)
}

// DeleteResource deletes a resource.
func (s *Store) DeleteResource(ctx context.Context, arn string) error {
	res, err := s.wstmt(ctx, `DELETE FROM resources WHERE arn = ?`, arn)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ListResources lists resources in ARN order.
func (s *Store) ListResources(ctx context.Context, kind, parent string, page store.Page) ([]*store.Resource, error) {
	q := `SELECT ` + sqlrow.ResourceColumns + ` FROM resources WHERE kind = ? AND arn > ?`
	args := []any{kind, page.After}
	if parent != "" {
		q += ` AND parent = ?`
		args = append(args, parent)
	}
	q += ` ORDER BY arn LIMIT ?`
	args = append(args, sqlrow.Limit(page))
	rows, err := s.rquery(ctx, q, args...)
	return collect(rows, err, sqlrow.Resource)
}

// ---- executions --------------------------------------------------------------

// Commit applies steps in one transaction. A step that fails must not undo
// the others; but a savepoint per step costs a copy of every page the step
// touches (the sub-journal), and steps rarely fail. So the steps are
// written first without savepoints; if one fails, that transaction is
// rolled back and the batch written again with a savepoint per step.
func (s *Store) Commit(ctx context.Context, steps []*store.Step) []error {
	errs, ok := s.commitPlain(ctx, steps)
	if !ok {
		errs = s.commitSavepoints(ctx, steps)
	}
	for i := range errs {
		errs[i] = unavailable(errs[i])
	}
	return errs
}

// commitPlain writes steps in one transaction without savepoints. It
// returns false, having written nothing, when one of several steps fails.
func (s *Store) commitPlain(ctx context.Context, steps []*store.Step) ([]error, bool) {
	errs := make([]error, len(steps))
	fail := func(err error) []error {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fail(err), true
	}
	for _, st := range steps {
		if err := s.applyStep(ctx, tx, st); err != nil {
			if rerr := tx.Rollback(); rerr != nil {
				// SQLite rolled the transaction back itself (a full disk
				// does): nothing was written, for the step's reason.
				return fail(err), true
			}
			if len(steps) == 1 {
				errs[0] = err
				return errs, true
			}
			return nil, false
		}
	}
	if err := tx.Commit(); err != nil {
		return fail(err), true
	}
	return errs, true
}

// commitSavepoints writes steps in one transaction, each under its own
// savepoint so that one step's conflict does not undo the others.
func (s *Store) commitSavepoints(ctx context.Context, steps []*store.Step) []error {
	errs := make([]error, len(steps))
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	for i, st := range steps {
		if _, err := s.txexec(ctx, tx, `SAVEPOINT step`); err != nil {
			errs[i] = err
			continue
		}
		if err := s.applyStep(ctx, tx, st); err != nil {
			errs[i] = err
			if _, rerr := s.txexec(ctx, tx, `ROLLBACK TO step`); rerr != nil {
				// The transaction is gone (SQLite rolls it back itself on a
				// full disk): nothing was written, for this step's reason.
				tx.Rollback()
				for j := range errs {
					errs[j] = err
				}
				return errs
			}
		}
		if _, err := s.txexec(ctx, tx, `RELEASE step`); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	if err := tx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	return errs
}

func (s *Store) applyStep(ctx context.Context, tx *sql.Tx, st *store.Step) error {
	e := &st.Execution
	seq := st.ExpectSeq
	if n := len(st.Inputs); n > 0 {
		seq = st.Inputs[n-1].Seq
	}
	// id is the execution's key in the tables of its history, journal
	// and timers.
	var id int64
	if st.Create {
		res, err := s.txexec(ctx, tx, qInsertExecution,
			e.ARN, e.StateMachineARN, e.VersionARN, e.AliasARN, e.Name, e.Express, e.Status, e.Input, e.Output, e.HasOutput,
			e.Error, e.Cause, sqlrow.Nanos(e.Start), sqlrow.Nanos(e.Stop), e.RedriveCount, sqlrow.Nanos(e.RedriveDate), e.Definition, e.RoleARN, e.Meta,
			st.Lease.Node, st.Lease.Epoch, seq, e.LastEvent, e.LastEventType, e.Idle)
		if isConstraint(err) {
			return store.ErrConflict
		}
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
	} else {
		err := s.txrow(ctx, tx, qUpdateExecution,
			e.Status, e.Output, e.HasOutput, e.Error, e.Cause, sqlrow.Nanos(e.Stop), e.RedriveCount, sqlrow.Nanos(e.RedriveDate), e.Meta, seq,
			e.LastEvent, e.LastEventType, e.Idle, e.ARN, st.ExpectSeq, st.Lease.Node, st.Lease.Epoch).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return s.whyNotWritten(ctx, tx, e.ARN, st.Lease)
		}
		if err != nil {
			return err
		}
	}
	for _, in := range st.Inputs {
		if _, err := s.txexec(ctx, tx, qInsertJournal, id, in.Seq, in.JSON); err != nil {
			if isConstraint(err) {
				return store.ErrConflict
			}
			return err
		}
	}
	if len(st.Events) > 0 {
		if err := s.insertEvents(ctx, tx, id, st.Events); err != nil {
			return err
		}
	}
	for _, timer := range st.DeleteTimers {
		if _, err := s.txexec(ctx, tx, qDeleteTimer, id, timer); err != nil {
			return err
		}
	}
	for _, t := range st.AddTimers {
		if _, err := s.txexec(ctx, tx, qInsertTimer, id, t.ID, sqlrow.Nanos(t.Due)); err != nil {
			return err
		}
	}
	// Taken before an end drops the rest of the inbox.
	if err := s.takePosts(ctx, tx, id, st.TakeInbox); err != nil {
		return err
	}
	if st.Ended {
		if _, err := s.txexec(ctx, tx, qDeleteTimers, id); err != nil {
			return err
		}
		if _, err := s.txexec(ctx, tx, qDeleteTasks, e.ARN); err != nil {
			return err
		}
	}
	if st.Ended || st.ClearInbox {
		if _, err := s.txexec(ctx, tx, qDropInbox, id); err != nil {
			return err
		}
	}
	for _, tok := range st.DeleteTasks {
		if _, err := s.txexec(ctx, tx, qDeleteTask, tok); err != nil {
			return err
		}
	}
	for _, t := range st.AddTasks {
		if _, err := s.txexec(ctx, tx, qInsertTask,
			t.Token, t.ActivityARN, t.ExecutionARN, t.TaskID, t.Input, sqlrow.Nanos(t.Created)); err != nil {
			return err
		}
	}
	for _, n := range st.Notices {
		if _, err := s.txexec(ctx, tx, qInsertNotice, n.Target, n.Body, sqlrow.Nanos(n.Created), sqlrow.Nanos(n.Due)); err != nil {
			return err
		}
	}
	for _, c := range st.ClaimTasks {
		res, err := s.txexec(ctx, tx, qClaimToken, c.Worker, sqlrow.Nanos(c.At), c.Token)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, store.ErrConflict)
		}
	}
	return nil
}

// whyNotWritten tells why a conditional update of an execution wrote
// nothing: it is missing, another lease holds it, or its journal moved on.
func (s *Store) whyNotWritten(ctx context.Context, tx *sql.Tx, arn string, l store.Lease) error {
	var seq, epoch int64
	var owner string
	err := s.txrow(ctx, tx, qExecutionState, arn).Scan(&seq, &owner, &epoch)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return err
	case owner != l.Node || epoch != l.Epoch:
		return store.ErrLeaseLost
	}
	// The lease is no longer the node's current one: it registered again.
	var current int64
	if err := s.txrow(ctx, tx, qNodeEpoch, l.Node).Scan(&current); err != nil || current != l.Epoch {
		return store.ErrLeaseLost
	}
	return store.ErrConflict
}

// eventChunk is how many events one INSERT writes.
const eventChunk = 16

func eventInsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT OR FAIL INTO events (execution, id, body) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?)")
	}
	return b.String()
}

// insertEvents writes events with multi-row inserts: one statement per 16
// events instead of one per event. OR FAIL spares SQLite a statement
// journal (a copy of every page the insert touches, kept to undo a
// half-done statement): a step that fails is undone whole, by the
// transaction or its savepoint.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, execution int64, events []store.Event) error {
	for len(events) > 0 {
		n := min(len(events), eventChunk)
		args := make([]any, 0, 3*n)
		for i := 0; i < n; i++ {
			args = append(args, execution, events[i].ID, events[i].JSON)
		}
		if _, err := s.txexec(ctx, tx, eventInsert(n), args...); err != nil {
			if isConstraint(err) {
				return store.ErrConflict
			}
			return err
		}
		events = events[n:]
	}
	return nil
}

const (
	qInsertExecution = `INSERT INTO executions (arn, state_machine, version, alias, name, express, status, input, output, has_output,
		error, cause, start, stop, redrive_count, redrive_date, definition, role_arn, meta, owner, owner_epoch, seq, last_event, last_event_type, idle)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateExecution = `UPDATE executions SET status = ?, output = ?, has_output = ?, error = ?, cause = ?, stop = ?,
		redrive_count = ?, redrive_date = ?, meta = ?, seq = ?, last_event = ?, last_event_type = ?, idle = ? WHERE arn = ? AND seq = ? AND owner = ? AND owner_epoch = ?
		AND EXISTS (SELECT 1 FROM nodes WHERE nodes.id = owner AND epoch = owner_epoch) RETURNING id`
	qExecutionState = `SELECT seq, owner, owner_epoch FROM executions WHERE arn = ?`
	qNodeEpoch      = `SELECT epoch FROM nodes WHERE id = ?`
	qInsertJournal  = `INSERT INTO journal (execution, seq, body) VALUES (?, ?, ?)`
	qDeleteTimer    = `DELETE FROM timers WHERE execution = ? AND id = ?`
	qInsertTimer    = `INSERT OR REPLACE INTO timers (execution, id, due) VALUES (?, ?, ?)`
	qDeleteTask     = `DELETE FROM activity_tasks WHERE token = ?`
	qDeleteTimers   = `DELETE FROM timers WHERE execution = ?`
	qDeleteTasks    = `DELETE FROM activity_tasks WHERE execution = ?`
	qInsertTask     = `INSERT INTO activity_tasks (token, activity, execution, task_id, input, created) VALUES (?, ?, ?, ?, ?, ?)`
	qClaimToken     = `UPDATE activity_tasks SET worker = ?, claimed = ? WHERE token = ? AND claimed = 0`
	qInsertNotice   = `INSERT INTO notices (target, body, created, due) VALUES (?, ?, ?, ?)`
	qClaim          = `UPDATE activity_tasks SET worker = ?, claimed = ? WHERE token =
		(SELECT token FROM activity_tasks WHERE activity = ? AND claimed = 0 ORDER BY created, token LIMIT 1) RETURNING ` + taskColumns
)

// GetExecution reads an execution's summary.
func (s *Store) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	return one(s.rrow(ctx, `SELECT `+sqlrow.ExecutionColumns+` FROM executions WHERE arn = ?`, arn), sqlrow.Execution)
}

// statuses are the statuses an execution is stored with: a list by state
// machine merges one index range per status.
var statuses = []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}

// listColumns are the columns that file executions by what they ran.
var listColumns = map[store.ListBy]string{store.ByStateMachine: "state_machine", store.ByVersion: "version", store.ByAlias: "alias"}

// ListExecutions lists executions newest first (start time, then key).
// Page.After is the cursor of the previous page: "start/key". Those of a
// state machine, version or alias are read from its index, one range per
// status (or the one asked for), merged: a page costs the same however
// many executions there are.
func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter, page store.Page) ([]*store.Execution, error) {
	start, key := int64(1<<62), int64(1<<62)
	if page.After != "" {
		var text string
		var ok bool
		start, text, ok = store.ParseExecutionCursor(page.After)
		if !ok {
			return nil, fmt.Errorf("sqlite: bad cursor")
		}
		key, _ = strconv.ParseInt(text, 10, 64)
	}
	redrive := ""
	if f.Redriven != nil {
		if *f.Redriven {
			redrive = ` AND redrive_count > 0`
		} else {
			redrive = ` AND redrive_count = 0`
		}
	}
	n := sqlrow.Limit(page)
	var q string
	var args []any
	if f.StateMachineARN == "" {
		q = `SELECT ` + sqlrow.ExecutionColumns + ` FROM executions WHERE start <= ? AND (start < ? OR id < ?)` + redrive
		args = append(args, start, start, key)
		if f.Status != "" {
			q += ` AND status = ?`
			args = append(args, f.Status)
		}
		q += ` ORDER BY start DESC, id DESC LIMIT ?`
		args = append(args, n)
	} else {
		col := listColumns[f.ListBy]
		partial := ""
		if col != "state_machine" {
			partial = ` AND ` + col + ` != ''`
		}
		want := statuses
		if f.Status != "" {
			want = []string{f.Status}
		}
		var arms []string
		for _, st := range want {
			arms = append(arms, `SELECT * FROM (SELECT id, start FROM executions WHERE `+col+` = ?`+partial+` AND status = ?
				AND start <= ? AND (start < ? OR id < ?)`+redrive+` ORDER BY start DESC, id DESC LIMIT ?)`)
			args = append(args, f.StateMachineARN, st, start, start, key, n)
		}
		q = `WITH page (id, start) AS (` + strings.Join(arms, ` UNION ALL `) + ` ORDER BY start DESC, id DESC LIMIT ?)
			SELECT ` + sqlrow.Prefixed("e.", sqlrow.ExecutionColumns) + ` FROM page JOIN executions e ON e.id = page.id ORDER BY page.start DESC, page.id DESC`
		args = append(args, n)
	}
	rows, err := s.rquery(ctx, q, args...)
	return collect(rows, err, sqlrow.Execution)
}

// Events reads history events.
func (s *Store) Events(ctx context.Context, arn string, after int64, limit int, reverse bool) ([]store.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	q := `SELECT id, body FROM events WHERE execution = (SELECT id FROM executions WHERE arn = ?) AND id > ? ORDER BY id LIMIT ?`
	if reverse {
		if after <= 0 {
			after = 1 << 62
		}
		q = `SELECT id, body FROM events WHERE execution = (SELECT id FROM executions WHERE arn = ?) AND id < ? ORDER BY id DESC LIMIT ?`
	}
	rows, err := s.rquery(ctx, q, arn, after, limit)
	return collect(rows, err, func(sc scanner) (e store.Event, err error) {
		err = sc.Scan(&e.ID, &e.JSON)
		return e, err
	})
}

// Journal reads an execution's journal in order.
func (s *Store) Journal(ctx context.Context, arn string) ([]store.Input, error) {
	rows, err := s.rquery(ctx, `SELECT seq, body FROM journal WHERE execution = (SELECT id FROM executions WHERE arn = ?) ORDER BY seq`, arn)
	return collect(rows, err, func(sc scanner) (in store.Input, err error) {
		err = sc.Scan(&in.Seq, &in.JSON)
		return in, err
	})
}

// ---- leases and timers ------------------------------------------------------

// RegisterNode starts a new incarnation of a node.
func (s *Store) RegisterNode(ctx context.Context, node string, now, expires time.Time) (store.Lease, error) {
	l := store.Lease{Node: node}
	// Epochs are unique across nodes, not counted per node: a timer's
	// claim names the epoch that made it, and must not pass for the claim
	// of another node's incarnation with the same number.
	err := s.wrow(ctx, `INSERT INTO nodes (id, epoch, expires) VALUES (?, (SELECT COALESCE(MAX(epoch), 0) + 1 FROM nodes), ?)
		ON CONFLICT (id) DO UPDATE SET epoch = (SELECT MAX(epoch) + 1 FROM nodes), expires = excluded.expires RETURNING epoch`, node, sqlrow.Nanos(expires)).Scan(&l.Epoch)
	return l, err
}

// RenewLease extends a lease.
func (s *Store) RenewLease(ctx context.Context, l store.Lease, expires time.Time) error {
	res, err := s.wstmt(ctx, `UPDATE nodes SET expires = ? WHERE id = ? AND epoch = ?`, sqlrow.Nanos(expires), l.Node, l.Epoch)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrLeaseLost
	}
	return nil
}

// ReleaseLease ends a lease now.
func (s *Store) ReleaseLease(ctx context.Context, l store.Lease) error {
	_, err := s.wstmt(ctx, `UPDATE nodes SET expires = 0 WHERE id = ? AND epoch = ?`, l.Node, l.Epoch)
	return err
}

// orphaned selects running executions that no live lease holds: those of a
// node's earlier incarnations, of a node whose lease expired, and those
// that never had an owner. Each part reads an index range, not every
// running execution.
const orphaned = `SELECT e.id FROM nodes n CROSS JOIN executions e ON e.owner = n.id
		WHERE e.status = 'RUNNING' AND e.express = 0 AND e.owner_epoch < n.epoch
	UNION ALL SELECT e.id FROM nodes n CROSS JOIN executions e ON e.owner = n.id AND e.owner_epoch = n.epoch
		WHERE n.expires <= ? AND n.id != ? AND e.status = 'RUNNING' AND e.express = 0
	UNION ALL SELECT id FROM executions WHERE owner = '' AND status = 'RUNNING' AND express = 0`

// ClaimExecutions takes over running executions that no live lease holds.
func (s *Store) ClaimExecutions(ctx context.Context, l store.Lease, now time.Time, limit int) ([]*store.Execution, error) {
	// The claimer's own executions are never orphans, even once its lease
	// has run out (a long recovery): it is the one at work on them.
	rows, err := s.wquery(ctx, `UPDATE executions SET owner = ?, owner_epoch = ?
		WHERE id IN (SELECT id FROM (`+orphaned+`) LIMIT ?) RETURNING id, arn, status, owner, owner_epoch, seq, idle`,
		l.Node, l.Epoch, sqlrow.Nanos(now), l.Node, limit)
	var keys []int64
	out, err := collect(rows, err, func(sc scanner) (*store.Execution, error) {
		var e store.Execution
		err := sc.Scan(&e.Key, &e.ARN, &e.Status, &e.Owner.Node, &e.Owner.Epoch, &e.Seq, &e.Idle)
		keys = append(keys, e.Key)
		return &e, err
	})
	if err != nil || len(keys) == 0 {
		return out, err
	}
	return out, s.unclaimTimers(ctx, keys)
}

// unclaimTimers voids the claims of the timers of executions just taken
// over: a claim names the epoch that made it, and the taker may be taking
// back an execution it held before under the same epoch (its lease had
// lapsed, not ended), whose old claims would otherwise hold until they
// run out.
func (s *Store) unclaimTimers(ctx context.Context, keys []int64) error {
	list, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	_, err = s.wstmt(ctx, `UPDATE timers SET claimed_until = 0 WHERE execution IN (SELECT value FROM json_each(?))`, string(list))
	return unavailable(err)
}

// TakeExecution takes over one execution unless a live lease holds it.
func (s *Store) TakeExecution(ctx context.Context, arn string, l store.Lease, now time.Time) error {
	var key int64
	err := s.wrow(ctx, `UPDATE executions SET owner = ?, owner_epoch = ? WHERE arn = ? AND
		NOT (owner = ? AND owner_epoch = ?) AND (status <> 'RUNNING' OR NOT EXISTS
		(SELECT 1 FROM nodes n WHERE n.id = executions.owner AND n.epoch = executions.owner_epoch AND n.expires > ?)) RETURNING id`,
		l.Node, l.Epoch, arn, l.Node, l.Epoch, sqlrow.Nanos(now)).Scan(&key)
	if err == nil {
		return s.unclaimTimers(ctx, []int64{key})
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return unavailable(err)
	}
	rec, err := s.GetExecution(ctx, arn)
	if err != nil {
		return err
	}
	if rec.Owner == l {
		return nil // held already
	}
	return store.ErrLeaseLost
}

// ClaimTimers claims the due timers of l's executions.
func (s *Store) ClaimTimers(ctx context.Context, l store.Lease, now, until time.Time, limit int) ([]store.Timer, error) {
	rows, err := s.wquery(ctx, `UPDATE timers SET claimed_until = ?, claimed_epoch = ? WHERE (execution, id) IN (
		SELECT t.execution, t.id FROM timers t JOIN executions e ON e.id = t.execution
		WHERE t.due <= ? AND (t.claimed_until <= ? OR t.claimed_epoch != e.owner_epoch) AND e.owner = ? AND e.owner_epoch = ?
		ORDER BY t.due LIMIT ?)
		RETURNING (SELECT arn FROM executions WHERE executions.id = execution), id, due`, sqlrow.Nanos(until), l.Epoch, sqlrow.Nanos(now), sqlrow.Nanos(now), l.Node, l.Epoch, limit)
	out, err := collect(rows, err, func(sc scanner) (t store.Timer, err error) {
		var due int64
		err = sc.Scan(&t.ExecutionARN, &t.ID, &due)
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
	_, err := s.wstmt(ctx, `DELETE FROM timers WHERE execution = (SELECT id FROM executions WHERE arn = ?) AND id = ?`, arn, id)
	return err
}

// Secret returns a named secret, storing fresh if there is none.
func (s *Store) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if _, err := s.wstmt(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, err
	}
	var v []byte
	err := s.wrow(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	return v, err
}

// ---- activity tasks --------------------------------------------------------------

// ClaimActivityTask hands the oldest unclaimed task of an activity to a
// worker, in one statement: the claim is atomic whoever else polls.
func (s *Store) ClaimActivityTask(ctx context.Context, activity, worker string, now time.Time) (*store.ActivityTask, error) {
	return scanTask(s.wrow(ctx, qClaim, worker, sqlrow.Nanos(now), activity))
}

const taskColumns = `token, activity, execution, task_id, input, created, worker, claimed`

func scanTask(sc interface{ Scan(...any) error }) (*store.ActivityTask, error) {
	var t store.ActivityTask
	var created, claimed int64
	if err := sc.Scan(&t.Token, &t.ActivityARN, &t.ExecutionARN, &t.TaskID, &t.Input, &created, &t.Worker, &claimed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, err
	}
	t.Created, t.Claimed = sqlrow.FromNanos(created), sqlrow.FromNanos(claimed)
	return &t, nil
}

// GetActivityTask reads an activity task by token.
func (s *Store) GetActivityTask(ctx context.Context, token string) (*store.ActivityTask, error) {
	return scanTask(s.rrow(ctx, `SELECT `+taskColumns+` FROM activity_tasks WHERE token = ?`, token))
}

// ReleaseActivityTask makes a claimed task available again.
func (s *Store) ReleaseActivityTask(ctx context.Context, token string) error {
	res, err := s.wstmt(ctx, `UPDATE activity_tasks SET worker = '', claimed = 0 WHERE token = ? AND started = 0`, token)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
