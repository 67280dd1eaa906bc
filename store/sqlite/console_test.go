package sqlite

import (
	"context"
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
		name     string
		search   store.ExecutionSearch
		sorts    bool // sorts what its ranges yield (merges a state machine's)
		covering bool // reads the range from its index alone
	}{
		{"all", store.ExecutionSearch{}, false, true},
		{"status", store.ExecutionSearch{Status: "FAILED"}, false, true},
		{"times", store.ExecutionSearch{StartedAfter: after, StartedBefore: after.Add(time.Hour)}, false, true},
		{"name", store.ExecutionSearch{NamePrefix: "order-"}, false, true},
		{"name-status-times", store.ExecutionSearch{NamePrefix: "order-", Status: "FAILED", StartedAfter: after}, false, true},
		{"text", store.ExecutionSearch{Text: "x"}, false, false},
		{"status-name-text", store.ExecutionSearch{Status: "FAILED", NamePrefix: "o", Text: "x"}, false, false},
		{"machine", store.ExecutionSearch{StateMachineARN: "arn:sm"}, true, true},
		{"version", store.ExecutionSearch{StateMachineARN: "arn:sm:1", ListBy: store.ByVersion, Status: "RUNNING"}, false, true},
		{"alias-name-text", store.ExecutionSearch{StateMachineARN: "arn:sm:a", ListBy: store.ByAlias, NamePrefix: "o", Text: "x"}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, args, err := searchQuery(tc.search, cursor)
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, s, q, args)
			if strings.Contains(plan, "SCAN executions") || strings.Contains(plan, "SCAN e ") {
				t.Errorf("a scan:\n%s", plan)
			}
			if sorts := strings.Contains(plan, "TEMP B-TREE"); sorts != tc.sorts {
				t.Errorf("sorts %v:\n%s", sorts, plan)
			}
			if covering := strings.Contains(plan, "COVERING INDEX"); covering != tc.covering {
				t.Errorf("covering %v:\n%s", covering, plan)
			}
		})
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
