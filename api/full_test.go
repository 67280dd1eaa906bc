package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/server"
	"github.com/baton-sh/baton/store"
)

// fullDisk is a real store whose disk fills up and empties when the test
// says: the edge of the world a test cannot reach otherwise (the store's
// own test fills a real database; see store/sqlite TestFull).
type fullDisk struct {
	store.Store
	full atomic.Bool
}

func (d *fullDisk) Commit(ctx context.Context, steps []*store.Step) []error {
	if d.full.Load() {
		errs := make([]error, len(steps))
		for i := range errs {
			errs[i] = store.ErrUnavailable
		}
		return errs
	}
	return d.Store.Commit(ctx, steps)
}

func (d *fullDisk) PutResource(ctx context.Context, r *store.Resource, create bool) error {
	if d.full.Load() {
		return store.ErrUnavailable
	}
	return d.Store.PutResource(ctx, r, create)
}

// TestFullDisk: while the disk is full, writes are refused with a
// retryable 503 in AWS's shape, reads are answered, the outage is logged
// once however many calls fail, and everything works again once there is
// room.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	var disk *fullDisk
	var logs syncLog
	e, _ := enginetest.Over(t, engine.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, func(st store.Store) store.Store {
		disk = &fullDisk{Store: st}
		return disk
	})
	s := server.Handler(e, server.Options{Hosts: []string{"*"}})
	sm := mustCall(t, s, "CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`)["stateMachineArn"].(string)
	disk.full.Store(true)
	for range 5 {
		code, out := call(t, s, "StartExecution", `{"stateMachineArn":"`+sm+`"}`)
		if code != http.StatusServiceUnavailable || out["__type"] != "ServiceUnavailable" {
			t.Fatalf("a start on a full disk: %d %v", code, out)
		}
	}
	if code, out := call(t, s, "CreateActivity", `{"name":"a"}`); code != http.StatusServiceUnavailable {
		t.Errorf("a resource written on a full disk: %d %v", code, out)
	}
	mustCall(t, s, "DescribeStateMachine", `{"stateMachineArn":"`+sm+`"}`)
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Errorf("the outage is logged %d times:\n%s", n, logs.String())
	}
	disk.full.Store(false)
	mustCall(t, s, "StartExecution", `{"stateMachineArn":"`+sm+`"}`)
	if !strings.Contains(logs.String(), "the store writes again") {
		t.Errorf("the outage's end is not logged:\n%s", logs.String())
	}
}

// syncLog is a log destination that goroutines share.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
