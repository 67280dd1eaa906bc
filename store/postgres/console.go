package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// What the console asks that the Step Functions API does not: executions
// across state machines with more filters, counts, activity queues.

// SearchExecutions lists the executions a search selects, newest first.
// A state machine's are read as ListExecutions reads them (one index
// range per status, merged); the others from the index by status, or by
// start. The time bounds narrow the range; the name and text are checked
// on what it yields, until the page is full. Text matches with ILIKE on
// columns that collate as "C": ASCII letters in either case, as the
// contract says.
func (s *Store) SearchExecutions(ctx context.Context, f store.ExecutionSearch, page store.Page) ([]*store.Execution, error) {
	start, key, err := cursor(page)
	if err != nil {
		return nil, err
	}
	n := sqlrow.Limit(page)
	var cond strings.Builder
	condArgs := []any{start, start, key}
	cond.WriteString(` AND start <= ? AND (start < ? OR id < ?)`)
	if !f.StartedAfter.IsZero() {
		cond.WriteString(` AND start >= ?`)
		condArgs = append(condArgs, f.StartedAfter.UnixNano())
	}
	if !f.StartedBefore.IsZero() {
		cond.WriteString(` AND start < ?`)
		condArgs = append(condArgs, f.StartedBefore.UnixNano())
	}
	if f.NamePrefix != "" {
		cond.WriteString(` AND starts_with(name, ?)`)
		condArgs = append(condArgs, f.NamePrefix)
	}
	if f.Text != "" {
		pattern := "%" + sqlrow.LikeEscaper.Replace(f.Text) + "%"
		cond.WriteString(` AND (input ILIKE ? OR output ILIKE ? OR error ILIKE ? OR cause ILIKE ?)`)
		condArgs = append(condArgs, pattern, pattern, pattern, pattern)
	}
	var q string
	var args []any
	if f.StateMachineARN != "" {
		q, args = byMachine(f.ListBy, f.StateMachineARN, f.Status, cond.String(), condArgs, n, sqlrow.SummaryColumns)
	} else {
		q = `SELECT ` + sqlrow.SummaryColumns + ` FROM executions WHERE true`
		if f.Status != "" {
			q += ` AND status = ?`
			args = append(args, f.Status)
		}
		q += cond.String() + ` ORDER BY start DESC, id DESC LIMIT ?`
		args = append(append(args, condArgs...), n)
	}
	rows, err := s.pool.Query(ctx, dollars(q), args...)
	return collect(rows, err, sqlrow.Summary)
}

// qCount counts executions by state machine and status without reading
// the table: the recursive part skips through executions_by_machine from
// one state machine to the next (a seek each), and each count reads the
// range of one state machine and status started since $1.
var qCount = func() string {
	var sts []string
	for _, st := range statuses {
		sts = append(sts, `SELECT '`+st+`'`)
	}
	return `WITH RECURSIVE sm (arn) AS (
			SELECT MIN(state_machine) FROM executions
			UNION ALL
			SELECT (SELECT MIN(state_machine) FROM executions WHERE state_machine > sm.arn) FROM sm WHERE sm.arn IS NOT NULL),
		st (status) AS (` + strings.Join(sts, ` UNION ALL `) + `),
		counted (arn, status, n) AS (
			SELECT sm.arn, st.status, (SELECT COUNT(*) FROM executions
				WHERE state_machine = sm.arn AND status = st.status AND start >= $1)
			FROM sm CROSS JOIN st WHERE sm.arn IS NOT NULL)
		SELECT arn, status, n FROM counted WHERE n > 0`
}()

// CountExecutions counts the executions started since a time by state
// machine and status.
func (s *Store) CountExecutions(ctx context.Context, since time.Time) (map[string]map[string]int, error) {
	rows, err := s.pool.Query(ctx, qCount, sqlrow.Nanos(since))
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var sm, status string
		var n int
		if err := rows.Scan(&sm, &status, &n); err != nil {
			return nil, err
		}
		if out[sm] == nil {
			out[sm] = map[string]int{}
		}
		out[sm][status] = n
	}
	return out, unavailable(rows.Err())
}

// ActivityTaskCounts counts the waiting and claimed tasks of every
// activity.
func (s *Store) ActivityTaskCounts(ctx context.Context) (map[string]store.TaskCounts, error) {
	rows, err := s.pool.Query(ctx, `SELECT activity, COUNT(*) FILTER (WHERE claimed = 0), COUNT(*) FILTER (WHERE claimed <> 0)
		FROM activity_tasks GROUP BY activity`)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := map[string]store.TaskCounts{}
	for rows.Next() {
		var a string
		var c store.TaskCounts
		if err := rows.Scan(&a, &c.Waiting, &c.InFlight); err != nil {
			return nil, err
		}
		out[a] = c
	}
	return out, unavailable(rows.Err())
}
