package conformance

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlite"
	"github.com/baton-sh/baton/value"
)

// TestConformanceDurable runs every case through the durable driver on a
// SQLite store, as baton serve runs Standard executions: each step written
// before it acts, timers in the store. Each finished execution is then
// replayed from its journal and must give back its stored history, event
// for event.
func TestConformanceDurable(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	h := &durableHarness{ended: map[string]chan struct{}{}}
	compiled := map[string]*machine.Machine{}
	h.d = driver.NewDurable(driver.DurableOptions{
		Store: st, Resources: resource.NewRegistry(), Clock: clock.NewVirtual(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)),
		Observe: h.observe,
		// The harness hands the driver the machine it compiled for the case.
		Compile: func(def string) (*machine.Machine, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			return compiled[def], nil
		},
	})
	if err := h.d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer h.d.Close()
	seq := 0
	runCorpus(t, func(m *machine.Machine, cfg interpreter.Config, input any) outcome {
		seq++
		// Each case stands for its definition by a key of its own, under
		// which the harness keeps the machine it compiled.
		def := "case " + itoa(seq)
		h.mu.Lock()
		compiled[def] = m
		h.mu.Unlock()
		return h.run(st, def, cfg, input)
	})
}

type durableHarness struct {
	d     *driver.Durable
	mu    sync.Mutex
	ended map[string]chan struct{}
	n     int
}

func (h *durableHarness) endedChan(arn string) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.ended[arn]
	if ch == nil {
		ch = make(chan struct{})
		h.ended[arn] = ch
	}
	return ch
}

func (h *durableHarness) observe(o *driver.Observation) {
	if o.Status != interpreter.Running {
		ch := h.endedChan(o.ExecutionARN)
		select {
		case <-ch:
		default:
			close(ch)
		}
	}
}

func (h *durableHarness) run(st store.Store, def string, cfg interpreter.Config, input any) outcome {
	h.mu.Lock()
	h.n++
	n := h.n
	h.mu.Unlock()
	// Every case's execution needs a name of its own in the one store.
	name := cfg.ExecutionName + "-" + itoa(n)
	arn := cfg.ExecutionARN + "-" + itoa(n)
	ended := h.endedChan(arn)
	ctx := context.Background()
	_, err := h.d.StartExecution(ctx, driver.StartRequest{
		ExecutionARN: arn, Name: name, StateMachineARN: cfg.StateMachineARN, StateMachineName: cfg.StateMachineName,
		Definition: def, RoleARN: cfg.RoleARN, Region: cfg.Region, Input: value.String(input),
	})
	if err != nil {
		return outcome{status: "START FAILED", failure: failure.New("Start", err.Error())}
	}
	select {
	case <-ended:
	case <-time.After(30 * time.Second):
		return outcome{status: "STILL RUNNING"}
	}
	rec, err := st.GetExecution(ctx, arn)
	if err != nil {
		return outcome{status: "LOST", failure: failure.New("Get", err.Error())}
	}
	o := outcome{status: rec.Status}
	if rec.HasOutput {
		if o.output, err = value.ParseString(rec.Output); err != nil {
			o.verifyProblem = "stored output: " + err.Error()
		}
	}
	if rec.Error != "" || rec.Cause != "" || rec.Status != "SUCCEEDED" {
		o.failure = failure.New(rec.Error, rec.Cause)
	}
	events, err := st.Events(ctx, arn, 0, 1<<30, false)
	if err != nil {
		o.verifyProblem = err.Error()
	}
	for _, ev := range events {
		var e struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(ev.JSON, &e); err != nil {
			o.verifyProblem = err.Error()
		}
		o.events = append(o.events, e.Type)
	}
	if err := h.d.Verify(ctx, arn); err != nil {
		o.verifyProblem = err.Error()
	}
	return o
}

func itoa(n int) string {
	b, _ := json.Marshal(n) //nolint:errchkjson // an int always encodes
	return string(b)
}
