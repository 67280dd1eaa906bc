package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/postgres/pgtest"
	"github.com/baton-sh/baton/store/storetest"
)

// open opens a store on the database at url, closed when the test ends.
func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// TestStore runs the suite every driver passes, each test in a schema of
// its own.
func TestStore(t *testing.T) {
	pgtest.Base(t)
	storetest.Exercise(t, func(t *testing.T) storetest.Database {
		url := pgtest.Schema(t)
		return func(t *testing.T) store.Store { return open(t, url) }
	})
}

// TestMigrateTogether: nodes that start at once on a new database all
// succeed; the migrations are applied once, by one of them.
func TestMigrateTogether(t *testing.T) {
	url := pgtest.Schema(t)
	const nodes = 4
	var wg sync.WaitGroup
	applied := make([][]Migration, nodes)
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = Migrate(context.Background(), url)
		}()
	}
	wg.Wait()
	total := 0
	for i := range nodes {
		if errs[i] != nil {
			t.Errorf("node %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	if total != len(Migrations()) {
		t.Errorf("%d migrations applied in all, want %d", total, len(Migrations()))
	}
	s := open(t, url)
	var versions, latest int
	if err := s.pool.QueryRow(context.Background(), `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&versions, &latest); err != nil {
		t.Fatal(err)
	}
	if versions != len(Migrations()) || latest != SchemaVersion() {
		t.Errorf("schema_migrations holds %d versions up to %d, want %d up to %d", versions, latest, len(Migrations()), SchemaVersion())
	}
	// Once up to date, a migration applies nothing.
	again, err := Migrate(context.Background(), url)
	if err != nil || len(again) != 0 {
		t.Errorf("migrating an up-to-date database: %v %v", again, err)
	}
}

// TestNewerSchemaRefused: a database migrated by a newer Baton is not
// opened by an older one.
func TestNewerSchemaRefused(t *testing.T) {
	url := pgtest.Schema(t)
	s := open(t, url)
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO schema_migrations (version, name, applied) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), url)
	var newer *NewerSchemaError
	if !errors.As(err, &newer) || newer.Have != 9999 || newer.Know != SchemaVersion() {
		t.Fatalf("opening a newer schema: %v", err)
	}
}

// TestBadURL: a URL that cannot be read or reached is an error that does
// not repeat the password.
func TestBadURL(t *testing.T) {
	tests := []struct{ name, url string }{
		{"unreadable", "postgres://baton:s3cret@127.0.0.1:notaport/db"},
		{"bad option", "postgres://baton:s3cret@127.0.0.1/db?pool_max_conns=many"},
		{"nobody listens", "postgres://baton:s3cret@127.0.0.1:1/db?connect_timeout=5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(context.Background(), tc.url)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// TestCommitFailures: a group commit whose steps fail for every reason a
// step can fail gives each its own error and writes every other step.
func TestCommitFailures(t *testing.T) {
	s := open(t, pgtest.Schema(t))
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	l, err := s.RegisterNode(ctx, "n", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.RegisterNode(ctx, "other", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	exec := func(arn string) store.Execution {
		return store.Execution{ARN: arn, StateMachineARN: "arn:sm", Name: arn, Status: "RUNNING", Input: "{}", Start: now}
	}
	in := func(seq int64) []store.Input { return []store.Input{{Seq: seq, JSON: []byte(`{}`)}} }
	for _, st := range []*store.Step{
		{Create: true, Lease: l, Execution: exec("arn:mine"), Inputs: in(1),
			AddTasks: []store.ActivityTask{{Token: "held", ActivityARN: "arn:act", ExecutionARN: "arn:mine", Input: "{}", Created: now}}},
		{Create: true, Lease: other, Execution: exec("arn:theirs"), Inputs: in(1)},
	} {
		if err := s.Commit(ctx, []*store.Step{st})[0]; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ClaimActivityTask(ctx, "arn:act", "w", now); err != nil {
		t.Fatal(err)
	}
	ok := func(arn string) *store.Step {
		return &store.Step{Create: true, Lease: l, Execution: exec(arn), Inputs: in(1), Events: []store.Event{{ID: 1, JSON: []byte(`{}`)}}}
	}
	steps := []*store.Step{
		ok("arn:a"),
		{Create: true, Lease: l, Execution: exec("arn:mine"), Inputs: in(1)}, // exists
		ok("arn:b"),
		{Lease: l, ExpectSeq: 1, Execution: exec("arn:theirs"), Inputs: in(2)}, // another node's
		{Lease: l, ExpectSeq: 5, Execution: exec("arn:mine"), Inputs: in(6)},   // stale
		{Lease: l, ExpectSeq: 0, Execution: exec("arn:none"), Inputs: in(1)},   // missing
		{Lease: l, ExpectSeq: 1, Execution: exec("arn:mine"), Inputs: in(2), // the task is held
			ClaimTasks: []store.TaskClaim{{Token: "held", Worker: "w2", At: now}}},
		ok("arn:a"), // created earlier in the same batch
		ok("arn:c"),
	}
	want := []error{nil, store.ErrConflict, nil, store.ErrLeaseLost, store.ErrConflict, store.ErrNotFound, store.ErrConflict, store.ErrConflict, nil}
	errs := s.Commit(ctx, steps)
	for i := range want {
		if !errors.Is(errs[i], want[i]) || (want[i] == nil) != (errs[i] == nil) {
			t.Errorf("step %d: %v, want %v", i, errs[i], want[i])
		}
	}
	for _, arn := range []string{"arn:a", "arn:b", "arn:c"} {
		if ev, err := s.Events(ctx, arn, 0, 10, false); err != nil || len(ev) != 1 {
			t.Errorf("%s: %d events, %v", arn, len(ev), err)
		}
	}
	if j, err := s.Journal(ctx, "arn:mine"); err != nil || len(j) != 1 {
		t.Errorf("a failed step wrote the journal: %d entries, %v", len(j), err)
	}
}

// TestClaimExecutionsRace: nodes that take over a dead node's executions
// at once, in small batches, each get their own: every execution goes to
// exactly one.
func TestClaimExecutionsRace(t *testing.T) {
	url := pgtest.Schema(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	dead := open(t, url)
	l, err := dead.RegisterNode(ctx, "dead", now, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	const executions, claimers = 200, 4
	var steps []*store.Step
	for i := range executions {
		arn := fmt.Sprint("arn:x:", i)
		steps = append(steps, &store.Step{Create: true, Lease: l, Execution: store.Execution{ARN: arn, StateMachineARN: "arn:sm", Name: arn,
			Status: "RUNNING", Input: "{}", Start: now}, Inputs: []store.Input{{Seq: 1, JSON: []byte(`{}`)}}})
	}
	for i, err := range dead.Commit(ctx, steps) {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	later := now.Add(time.Minute)
	var mu sync.Mutex
	owner := map[string]int{}
	var wg sync.WaitGroup
	// Every claimer is ready before any claims: they race from the start.
	start := make(chan struct{})
	for c := range claimers {
		s := open(t, url)
		lc, err := s.RegisterNode(ctx, fmt.Sprint("node", c), later, later.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				got, err := s.ClaimExecutions(ctx, lc, later, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, e := range got {
					owner[e.ARN]++
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(owner) != executions {
		t.Errorf("%d executions claimed, want %d", len(owner), executions)
	}
	for arn, n := range owner {
		if n != 1 {
			t.Errorf("%s claimed %d times", arn, n)
		}
	}
}

// TestHoldNode: one process per node name and schema; other names, and
// the same name in another schema, are free; released, the name is free.
func TestHoldNode(t *testing.T) {
	url := pgtest.Schema(t)
	ctx := context.Background()
	a, b := open(t, url), open(t, url)
	release, err := a.HoldNode(ctx, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.HoldNode(ctx, "n1"); !errors.Is(err, ErrNodeInUse) {
		t.Fatalf("a second hold of n1: %v", err)
	}
	for _, free := range []struct {
		st   *Store
		node string
	}{{b, "n2"}, {open(t, pgtest.Schema(t)), "n1"}} {
		r, err := free.st.HoldNode(ctx, free.node)
		if err != nil {
			t.Fatalf("a hold of %s: %v", free.node, err)
		}
		r()
	}
	release()
	again, err := b.HoldNode(ctx, "n1")
	if err != nil {
		t.Fatalf("a hold of n1 once released: %v", err)
	}
	again()
}

// TestMissingSchema: a search_path that names no schema is refused, saying
// so.
func TestMissingSchema(t *testing.T) {
	base := pgtest.Base(t)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	_, err := Open(context.Background(), base+sep+"search_path=baton_nowhere")
	if !errors.Is(err, errNoSchema) {
		t.Errorf("opening in a missing schema: %v", err)
	}
}
