package main

import (
	"maps"
	"testing"
)

func TestSamples(t *testing.T) {
	text := `# HELP baton_store_round_trips_total Requests the store sent.
# TYPE baton_store_round_trips_total counter
baton_store_round_trips_total 1234
baton_store_commit_steps_bucket{le="1"} 8
baton_store_commit_steps_bucket{le="+Inf"} 31
baton_store_commit_steps_sum 300
baton_store_commit_steps_count 31
baton_node_executions_owned 1e+06
baton_open_executions 7
go_goroutines 12
`
	want := map[string]float64{
		"baton_store_round_trips_total":              1234,
		`baton_store_commit_steps_bucket{le="1"}`:    8,
		`baton_store_commit_steps_bucket{le="+Inf"}`: 31,
		"baton_store_commit_steps_sum":               300,
		"baton_store_commit_steps_count":             31,
		"baton_node_executions_owned":                1e6,
	}
	if got := samples(text); !maps.Equal(got, want) {
		t.Errorf("samples:\n got %v\nwant %v", got, want)
	}
}

func TestWithSearchPath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://baton@127.0.0.1:5432/postgres?sslmode=disable", "postgres://baton@127.0.0.1:5432/postgres?search_path=bench_1&sslmode=disable"},
		{"postgres://baton@h/db", "postgres://baton@h/db?search_path=bench_1"},
		{"postgres://baton@h/db?search_path=old", "postgres://baton@h/db?search_path=bench_1"},
	} {
		got, err := withSearchPath(c.in, "bench_1")
		if err != nil || got != c.want {
			t.Errorf("withSearchPath(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
