package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// What the console asks that the Step Functions API does not: executions
// across state machines with more filters, counts, activity queues.

// listIndexes are the indexes that file executions by what they ran, one
// range per status (migration 3).
var listIndexes = map[store.ListBy]string{store.ByStateMachine: "executions_by_machine", store.ByVersion: "executions_by_version", store.ByAlias: "executions_by_alias"}

// SearchExecutions lists the executions a search selects, newest first.
// The index read is chosen, not left to the planner:
//
//   - of a state machine (version, alias): its index, one range per status
//     (or the one asked for), merged, as ListExecutions does;
//   - else by status: executions_by_status, in start order;
//   - else: executions_by_start.
//
// The time bounds narrow the range; the other filters are checked on what
// it yields, and the read stops once the page is full: a page of an
// unfiltered range costs the same whatever the table holds; one filtered
// by name prefix or text reads about (page size) x (range / matches)
// entries, matches spread over time. A name is checked in the index
// (executions_by_start and executions_by_status hold it; a state
// machine's index does not), text in the row.
func (s *Store) SearchExecutions(ctx context.Context, f store.ExecutionSearch, page store.Page) ([]*store.Execution, error) {
	q, args, err := searchQuery(f, page)
	if err != nil {
		return nil, err
	}
	rows, err := s.rquery(ctx, q, args...)
	return collect(rows, err, sqlrow.Summary)
}

// searchQuery is the query of a search and its arguments.
func searchQuery(f store.ExecutionSearch, page store.Page) (string, []any, error) {
	start, key := int64(1<<62), int64(1<<62)
	if page.After != "" {
		var text string
		var ok bool
		start, text, ok = store.ParseExecutionCursor(page.After)
		if !ok {
			return "", nil, fmt.Errorf("sqlite: bad cursor")
		}
		key, _ = strconv.ParseInt(text, 10, 64)
	}
	n := sqlrow.Limit(page)
	// The conditions every plan checks besides its index's own.
	var cond strings.Builder
	var condArgs []any
	cond.WriteString(` AND start <= ? AND (start < ? OR id < ?)`)
	condArgs = append(condArgs, start, start, key)
	if !f.StartedAfter.IsZero() {
		cond.WriteString(` AND start >= ?`)
		condArgs = append(condArgs, f.StartedAfter.UnixNano())
	}
	if !f.StartedBefore.IsZero() {
		cond.WriteString(` AND start < ?`)
		condArgs = append(condArgs, f.StartedBefore.UnixNano())
	}
	if f.NamePrefix != "" {
		cond.WriteString(` AND name >= ? AND name < ?`)
		condArgs = append(condArgs, f.NamePrefix, prefixEnd(f.NamePrefix))
	}
	if f.Text != "" {
		pattern := "%" + sqlrow.LikeEscaper.Replace(f.Text) + "%"
		cond.WriteString(` AND (input LIKE ? ESCAPE '\' OR output LIKE ? ESCAPE '\' OR error LIKE ? ESCAPE '\' OR cause LIKE ? ESCAPE '\')`)
		condArgs = append(condArgs, pattern, pattern, pattern, pattern)
	}

	var q string
	var args []any
	switch {
	case f.StateMachineARN != "":
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
			arms = append(arms, `SELECT * FROM (SELECT id, start FROM executions INDEXED BY `+listIndexes[f.ListBy]+
				` WHERE `+col+` = ?`+partial+` AND status = ?`+cond.String()+` ORDER BY start DESC, id DESC LIMIT ?)`)
			args = append(args, f.StateMachineARN, st)
			args = append(args, condArgs...)
			args = append(args, n)
		}
		q = `WITH page (id, start) AS (` + strings.Join(arms, ` UNION ALL `) + ` ORDER BY start DESC, id DESC LIMIT ?)
			SELECT ` + sqlrow.Prefixed("e.", sqlrow.SummaryColumns) + ` FROM page JOIN executions e ON e.id = page.id ORDER BY page.start DESC, page.id DESC`
		args = append(args, n)
	default:
		// Without Text the range is read from its index alone (it holds
		// the names), then the page's rows.
		index, where := "executions_by_start", `1`
		if f.Status != "" {
			index, where = "executions_by_status", `status = ?`
			args = append(args, f.Status)
		}
		args = append(append(args, condArgs...), n)
		if f.Text != "" {
			q = `SELECT ` + sqlrow.SummaryColumns + ` FROM executions INDEXED BY ` + index + ` WHERE ` + where + cond.String() +
				` ORDER BY start DESC, id DESC LIMIT ?`
		} else {
			q = `WITH page (id, start) AS (SELECT id, start FROM executions INDEXED BY ` + index + ` WHERE ` + where + cond.String() +
				` ORDER BY start DESC, id DESC LIMIT ?)
			SELECT ` + sqlrow.Prefixed("e.", sqlrow.SummaryColumns) + ` FROM page JOIN executions e ON e.id = page.id ORDER BY page.start DESC, page.id DESC`
		}
	}
	return q, args, nil
}

// prefixEnd is the least text after every text that begins with prefix:
// text compares by its UTF-8 bytes, and no UTF-8 text holds the byte 0xff.
func prefixEnd(prefix string) string { return prefix + "\xff" }

// qCount counts executions by state machine and status without reading
// the table: the recursive part skips through executions_by_machine from
// one state machine to the next (a seek each), and each count reads the
// range of one state machine and status started since ?1.
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
			SELECT sm.arn, st.status, (SELECT COUNT(*) FROM executions INDEXED BY executions_by_machine
				WHERE state_machine = sm.arn AND status = st.status AND start >= ?1)
			FROM sm CROSS JOIN st WHERE sm.arn IS NOT NULL)
		SELECT arn, status, n FROM counted WHERE n > 0`
}()

// CountExecutions counts the executions started since a time by state
// machine and status.
func (s *Store) CountExecutions(ctx context.Context, since time.Time) (map[string]map[string]int, error) {
	rows, err := s.rquery(ctx, qCount, sqlrow.Nanos(since))
	if err != nil {
		return nil, err
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
	return out, rows.Err()
}

// ActivityTaskCounts counts the waiting and claimed tasks of every
// activity, from the queue's index (activity, claimed, created) alone.
func (s *Store) ActivityTaskCounts(ctx context.Context) (map[string]store.TaskCounts, error) {
	rows, err := s.rquery(ctx, `SELECT activity, SUM(claimed = 0), SUM(claimed != 0) FROM activity_tasks INDEXED BY activity_tasks_queue GROUP BY activity`)
	if err != nil {
		return nil, err
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
	return out, rows.Err()
}
