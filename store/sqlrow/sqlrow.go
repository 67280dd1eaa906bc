// Package sqlrow holds what the SQL drivers (store/sqlite, store/postgres)
// share because their tables are the same: the column lists of their
// records, the reading of a row into a record, times as Unix nanoseconds
// (0 for none), page sizes. A driver maps the errors a read returns.
package sqlrow

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/baton-sh/baton/store"
)

// Scanner is a row to read: database/sql's and pgx's rows both are.
type Scanner interface{ Scan(dest ...any) error }

// Columns of the records, in the order their readers take them.
const (
	ResourceColumns  = `arn, kind, parent, name, created, body, tags`
	ExecutionColumns = `id, arn, state_machine, version, alias, name, express, status, input, output, has_output, error, cause,
	start, stop, redrive_count, redrive_date, definition, role_arn, meta, owner, owner_epoch, seq, last_event, last_event_type, idle`
	// SummaryColumns are an execution's without its input, output,
	// definition or driver's metadata, which a list does not show and
	// which can be large.
	SummaryColumns = `id, arn, state_machine, version, alias, name, express, status, error, cause,
	start, stop, redrive_count, redrive_date, last_event, last_event_type`
)

// Resource reads a row of ResourceColumns.
func Resource(sc Scanner) (*store.Resource, error) {
	var r store.Resource
	var created int64
	var tags string
	if err := sc.Scan(&r.ARN, &r.Kind, &r.Parent, &r.Name, &created, &r.Body, &tags); err != nil {
		return nil, err
	}
	r.Created = FromNanos(created)
	if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
		return nil, err
	}
	return &r, nil
}

// Execution reads a row of ExecutionColumns.
func Execution(sc Scanner) (*store.Execution, error) {
	var e store.Execution
	var start, stop, redrive int64
	if err := sc.Scan(&e.Key, &e.ARN, &e.StateMachineARN, &e.VersionARN, &e.AliasARN, &e.Name, &e.Express, &e.Status, &e.Input, &e.Output,
		&e.HasOutput, &e.Error, &e.Cause, &start, &stop, &e.RedriveCount, &redrive, &e.Definition, &e.RoleARN, &e.Meta,
		&e.Owner.Node, &e.Owner.Epoch, &e.Seq, &e.LastEvent, &e.LastEventType, &e.Idle); err != nil {
		return nil, err
	}
	e.Start, e.Stop, e.RedriveDate = FromNanos(start), FromNanos(stop), FromNanos(redrive)
	return &e, nil
}

// Summary reads a row of SummaryColumns.
func Summary(sc Scanner) (*store.Execution, error) {
	var e store.Execution
	var start, stop, redrive int64
	if err := sc.Scan(&e.Key, &e.ARN, &e.StateMachineARN, &e.VersionARN, &e.AliasARN, &e.Name, &e.Express, &e.Status,
		&e.Error, &e.Cause, &start, &stop, &e.RedriveCount, &redrive, &e.LastEvent, &e.LastEventType); err != nil {
		return nil, err
	}
	e.Start, e.Stop, e.RedriveDate = FromNanos(start), FromNanos(stop), FromNanos(redrive)
	return &e, nil
}

// Nanos is a time as stored: Unix nanoseconds, 0 for none.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is a stored time read back, in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Limit is a page's size: 100 unless it says.
func Limit(p store.Page) int {
	if p.Limit <= 0 {
		return 100
	}
	return p.Limit
}

// Prefixed qualifies a list of columns with a table's alias ("e.").
func Prefixed(alias, columns string) string {
	var b strings.Builder
	for i, c := range strings.Split(columns, ",") {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias + strings.TrimSpace(c))
	}
	return b.String()
}

// LikeEscaper escapes LIKE's wildcards (the escape character is '\').
var LikeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
