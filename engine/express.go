package engine

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// expressRunner runs Express executions in memory, at least once, without
// a stored history, as AWS runs them.
type expressRunner struct {
	e  *Engine
	wg sync.WaitGroup
	// running counts the Express executions in flight, for metrics.
	running atomic.Int64
}

func (x *expressRunner) prepare(t *target, name, input, traceHeader string) (*machine.Machine, interpreter.Config, any, string, error) {
	m, err := x.e.compile(t.body.Definition)
	if err != nil {
		return nil, interpreter.Config{}, nil, "", err
	}
	in, err := value.ParseString(input)
	if err != nil {
		return nil, interpreter.Config{}, nil, "", err
	}
	execARN := arn.ARN{Partition: t.sm.Partition, Region: t.sm.Region, Account: t.sm.Account, Kind: arn.Express, Name: t.sm.Name,
		Qualifier: name, ID: NewUUID()}.String()
	// An Express execution keeps its history when the server keeps them,
	// or when its state machine logs it: on AWS its log is its history.
	history := x.e.o.ExpressHistory
	if !history {
		if l, err := x.e.LoggingOf(context.Background(), t.sm.String()); err == nil && l.On() {
			history = true
		}
	}
	cfg := interpreter.Config{
		ExecutionARN: execARN, ExecutionName: name, StateMachineARN: t.sm.String(), StateMachineName: t.sm.Name,
		RoleARN: t.body.RoleARN, Region: t.sm.Region, PayloadLimit: x.e.o.PayloadLimit, NoHistory: !history, TraceHeader: traceHeader,
		Random: rand.NewPCG(rand.Uint64(), rand.Uint64()), Tokens: x.e.tokens,
	}
	// A traced one too: its spans are made from its history (TraceTask
	// names a span only for an execution that is traced).
	if cfg.NoHistory && x.e.o.TraceTask != nil && x.e.o.TraceTask(&cfg, 0) != "" {
		cfg.NoHistory = false
	}
	return m, cfg, in, execARN, nil
}

func (x *expressRunner) driver(t *target) (*driver.Local, *lastStep) {
	d := &driver.Local{Resources: x.e.resources, Clock: x.e.clock, Mock: t.mock, TraceTask: x.e.o.TraceTask}
	last := &lastStep{}
	if x.e.obs.n.Load() > 0 {
		observe := x.e.observeStep
		if t.versionARN != "" || t.aliasARN != "" {
			observe = func(ob *driver.Observation) {
				ob.VersionARN, ob.AliasARN = t.versionARN, t.aliasARN
				x.e.observeStep(ob)
			}
		}
		d.Observe = observe
		if x.e.o.ExpressHistory {
			// The last step is told once the execution is kept (keep), so
			// that an observer that reads the history then finds it.
			d.Observe = func(ob *driver.Observation) {
				if ob.Status == interpreter.Running {
					observe(ob)
					return
				}
				last.ob = *ob
				last.ob.VersionARN, last.ob.AliasARN = t.versionARN, t.aliasARN
				last.ob.Events = slices.Clone(ob.Events)
				last.ob.Armed = slices.Clone(ob.Armed)
				last.ob.Fired = slices.Clone(ob.Fired)
				last.held = true
			}
		}
	}
	return d, last
}

// lastStep is the observation of an Express execution's last step, held
// until the execution is kept.
type lastStep struct {
	ob   driver.Observation
	held bool
}

// tell tells the observers the last step, if it was held.
func (l *lastStep) tell(e *Engine) {
	if l.held {
		e.observeStep(&l.ob)
	}
}

// run runs an Express execution to its end.
func (x *expressRunner) run(ctx context.Context, t *target, name, input, traceHeader string) (*interpreter.Execution, string, error) {
	m, cfg, in, execARN, err := x.prepare(t, name, input, traceHeader)
	if err != nil {
		return nil, "", err
	}
	cfg.Synchronous = true
	ctx, cancel := context.WithTimeout(ctx, MaxExpressDuration)
	defer cancel()
	d, last := x.driver(t)
	x.running.Add(1)
	ex := d.Run(ctx, m, cfg, in)
	x.running.Add(-1)
	x.keep(t, name, input, ex)
	last.tell(x.e)
	return ex, execARN, nil
}

// keep stores a finished Express execution and its history when the server
// was asked to (Options.ExpressHistory), so that DescribeExecution and
// GetExecutionHistory show it; AWS sends these to CloudWatch Logs instead.
func (x *expressRunner) keep(t *target, name, input string, ex *interpreter.Execution) {
	if !x.e.o.ExpressHistory {
		return
	}
	rec := store.Execution{
		ARN: ex.ExecutionARN(), StateMachineARN: t.sm.String(), VersionARN: t.versionARN, AliasARN: t.aliasARN, Name: name, Express: true,
		Status: ex.Status.String(), Input: input, Start: ex.StartTime, Stop: ex.StopTime, Definition: t.body.Definition, RoleARN: t.body.RoleARN,
	}
	if ex.Status == interpreter.Succeeded {
		rec.Output, rec.HasOutput = value.String(ex.Output), true
	}
	if ex.Failure != nil {
		rec.Error, rec.Cause = ex.Failure.Error, ex.Failure.Cause
	}
	st := &store.Step{Create: true, Execution: rec, Now: x.e.clock.Now()}
	for _, ev := range ex.Events {
		st.Events = append(st.Events, store.Event{ID: ev.ID, JSON: ev.AppendJSON(nil, true)})
	}
	if errs := x.e.store.Commit(context.Background(), []*store.Step{st}); errs[0] != nil {
		x.e.log.Error("keeping an Express execution", "execution", rec.ARN, "error", errs[0])
	}
}

// start runs an Express execution in the background; done, when set, is
// told its end (nil when it could not run).
func (x *expressRunner) start(t *target, name, input, traceHeader string, done func(*interpreter.Execution, string)) string {
	m, cfg, in, execARN, err := x.prepare(t, name, input, traceHeader)
	if err != nil {
		x.e.log.Error("starting an Express execution", "state machine", t.sm.String(), "error", err)
		if done != nil {
			x.wg.Add(1)
			go func() {
				defer x.wg.Done()
				done(nil, input)
			}()
		}
		return execARN
	}
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		ctx, cancel := context.WithTimeout(x.e.ctx, MaxExpressDuration)
		defer cancel()
		d, last := x.driver(t)
		x.running.Add(1)
		ex := d.Run(ctx, m, cfg, in)
		x.running.Add(-1)
		x.keep(t, name, input, ex)
		last.tell(x.e)
		if done != nil {
			done(ex, input)
		}
		ex.Release()
	}()
	return execARN
}

// wait waits for the Express executions running in the background.
func (x *expressRunner) wait() { x.wg.Wait() }
