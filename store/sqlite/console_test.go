package sqlite

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
)

// TestSearchPlans: every search reads an index range (SQLite's plan says
// SEARCH, never SCAN), and those in the order of their index sort nothing.
func TestSearchPlans(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	after := time.Unix(1, 0)
	cursor := store.Page{Limit: 50, After: "1000/7"}
	tests := []struct {
		name   string
		search store.ExecutionSearch
		sorts  bool // sorts what its range yields
		broad  bool // a name prefix that begins many names
	}{
		{"all", store.ExecutionSearch{}, false, false},
		{"status", store.ExecutionSearch{Status: "FAILED"}, false, false},
		{"times", store.ExecutionSearch{StartedAfter: after, StartedBefore: after.Add(time.Hour)}, false, false},
		{"text", store.ExecutionSearch{Text: "x"}, false, false},
		{"status-text", store.ExecutionSearch{Status: "FAILED", Text: "x"}, false, false},
		{"name", store.ExecutionSearch{NamePrefix: "order-"}, true, false},
		{"name-status-text", store.ExecutionSearch{NamePrefix: "order-", Status: "FAILED", Text: "x"}, true, false},
		{"name-broad", store.ExecutionSearch{NamePrefix: "order-"}, false, true},
		{"name-broad-status", store.ExecutionSearch{NamePrefix: "order-", Status: "FAILED"}, false, true},
		{"machine", store.ExecutionSearch{StateMachineARN: "arn:sm"}, true, false},
		{"version", store.ExecutionSearch{StateMachineARN: "arn:sm:1", ListBy: store.ByVersion, Status: "RUNNING"}, true, false},
		{"alias-name-text", store.ExecutionSearch{StateMachineARN: "arn:sm:a", ListBy: store.ByAlias, NamePrefix: "o", Text: "x"}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, args, err := searchQuery(tc.search, cursor, tc.broad)
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, s, q, args)
			if strings.Contains(plan, "SCAN executions") || strings.Contains(plan, "SCAN e ") {
				t.Errorf("a scan:\n%s", plan)
			}
			if sorts := strings.Contains(plan, "TEMP B-TREE"); sorts && !tc.sorts {
				t.Errorf("a sort:\n%s", plan)
			}
		})
	}
	if plan := explain(t, s, qBroad, []any{"a", "b", 10}); !strings.Contains(plan, "COVERING INDEX executions_by_name") {
		t.Errorf("telling a broad prefix:\n%s", plan)
	}
	plan := explain(t, s, qCount, []any{int64(0)})
	if strings.Contains(plan, "SCAN executions") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("counts:\n%s", plan)
	}
}

func explain(t *testing.T, s *Store, q string, args []any) string {
	t.Helper()
	rows, err := s.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", b.String())
	return b.String()
}

// TestBroadPrefix: a search by a name prefix answers the same whether it
// reads the range of names or executions in start order.
func TestBroadPrefix(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	ctx := context.Background()
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	l, err := s.RegisterNode(ctx, "n", t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	statuses := []string{"RUNNING", "SUCCEEDED", "FAILED"}
	for i := range 60 {
		name := []string{"order-", "invoice-"}[i%2] + strconv.Itoa(i)
		e := store.Execution{ARN: "arn:x:" + name, StateMachineARN: "arn:sm", Name: name, Status: statuses[i%3], Input: "{}",
			Start: t0.Add(time.Duration(i/3) * time.Second), Meta: []byte(`{}`)}
		for _, err := range s.Commit(ctx, []*store.Step{{Create: true, Lease: l, Now: t0, Execution: e}}) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range []store.ExecutionSearch{
		{NamePrefix: "order-"}, {NamePrefix: "order-1"}, {NamePrefix: "invoice-", Status: "FAILED"},
		{NamePrefix: "order-", StartedAfter: t0.Add(5 * time.Second)}, {NamePrefix: "none"},
	} {
		var lists [2][]string
		for i, broad := range []bool{false, true} {
			after := ""
			for {
				page, err := s.search(ctx, f, store.Page{Limit: 3, After: after}, broad)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page {
					lists[i] = append(lists[i], e.ARN)
				}
				if len(page) < 3 {
					break
				}
				after = store.ExecutionCursor(page[2])
			}
		}
		if !slices.Equal(lists[0], lists[1]) || (f.NamePrefix != "none" && len(lists[0]) == 0) {
			t.Errorf("%+v: by names %v, in start order %v", f, lists[0], lists[1])
		}
	}
}
