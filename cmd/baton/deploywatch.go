package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/baton-sh/baton/deploy"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/infra"
	"github.com/baton-sh/baton/trigger"
)

// deployer is baton serve --deploy: it deploys infrastructure files
// through the engine at start, and again whenever one changes (its
// modification time, polled). A file that no longer loads, or that does
// not deploy, is logged and its machines stay as they were deployed last.
type deployer struct {
	eng      *engine.Engine
	opts     infra.Options
	log      *slog.Logger
	files    []string
	interval time.Duration

	mu       sync.Mutex
	triggers map[string]trigger.Set // each file's, as deployed last
	onChange func(trigger.Set)

	stop chan struct{}
	done chan struct{}
}

func newDeployer(eng *engine.Engine, files []string, opts infra.Options, interval time.Duration, log *slog.Logger) *deployer {
	return &deployer{eng: eng, opts: opts, log: log, files: files, interval: interval,
		triggers: map[string]trigger.Set{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// Start deploys every file once, then watches them in the background. A
// file that cannot be read at all is an error; one with problems is
// logged.
func (d *deployer) Start() error {
	if len(d.files) == 0 {
		close(d.done)
		return nil
	}
	stamps := map[string]time.Time{}
	for _, f := range d.files {
		st, err := stamp(f)
		if err != nil {
			return usageError("serve: --deploy: %v", err)
		}
		stamps[f] = st
		d.deploy(f)
	}
	go d.watch(stamps)
	return nil
}

// loadDeployable reads an infrastructure file for serve --deploy, which
// takes no bare state machine definition.
func loadDeployable(file string, opts infra.Options) (*infra.File, error) {
	f, err := infra.Load(file, opts)
	if err == nil && f.Format == infra.ASL {
		err = errors.New("it is a state machine definition, not an infrastructure file")
	}
	return f, err
}

// fileTriggers reads the triggers of infrastructure files, before their
// machines are deployed: the runners of schedules, routes and rules are
// made with the engine.
func fileTriggers(files []string, opts infra.Options) (trigger.Set, error) {
	var all trigger.Set
	for _, file := range files {
		f, err := loadDeployable(file, opts)
		if err != nil {
			return trigger.Set{}, usageError("serve: --deploy %s: %v", file, err)
		}
		all = all.Join(f.Triggers)
	}
	return all, nil
}

// Close stops watching.
func (d *deployer) Close() {
	close(d.stop)
	<-d.done
}

// Triggers are the triggers of every file, as deployed last.
func (d *deployer) Triggers() trigger.Set {
	d.mu.Lock()
	defer d.mu.Unlock()
	var all trigger.Set
	for _, f := range d.files {
		s := d.triggers[f]
		all.Schedules = append(all.Schedules, s.Schedules...)
		all.HTTP = append(all.HTTP, s.HTTP...)
		all.Rules = append(all.Rules, s.Rules...)
	}
	return all
}

// OnChange is called with every file's triggers after each deployment
// that changed them.
func (d *deployer) OnChange(fn func(trigger.Set)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.onChange = fn
}

func (d *deployer) watch(stamps map[string]time.Time) {
	defer close(d.done)
	t := time.NewTicker(d.interval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		for _, f := range d.files {
			st, err := stamp(f)
			if err != nil || st.Equal(stamps[f]) {
				continue // a file being replaced is read once it is back
			}
			stamps[f] = st
			d.log.Info("deploying again: the file changed", "file", f)
			d.deploy(f)
		}
	}
}

// stamp is when a file last changed; for a cdk.out folder, the latest
// of its files.
func stamp(path string) (time.Time, error) {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}, err
	}
	if !st.IsDir() {
		return st.ModTime(), nil
	}
	latest := st.ModTime()
	err = filepath.WalkDir(path, func(_ string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := e.Info(); err == nil && info.ModTime().After(latest) {
			latest = info.ModTime()
		}
		return nil
	})
	return latest, err
}

func (d *deployer) deploy(file string) {
	f, err := loadDeployable(file, d.opts)
	if err != nil {
		d.log.Error("cannot deploy", "file", file, "error", err)
		return
	}
	for _, p := range f.Problems {
		if p.Severity == infra.Warning {
			d.log.Warn(p.Message, "file", file, "place", p.Place.String())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := deploy.Deploy(ctx, deploy.Engine(d.eng, f.Region), f, deploy.Options{})
	if rep != nil {
		for _, c := range rep.Changes {
			d.log.Info("deployed", "file", file, "action", c.Action, "arn", c.ARN)
		}
		if len(rep.Changes) == 0 {
			d.log.Info("deployed: nothing changed", "file", file, "stateMachines", len(rep.Unchanged))
		}
	}
	if err != nil {
		d.log.Error("cannot deploy; the state machines deployed before stay", "file", file, "error", err)
		return
	}
	d.mu.Lock()
	d.triggers[file] = f.Triggers
	fn := d.onChange
	d.mu.Unlock()
	if fn != nil {
		fn(d.Triggers())
	}
}
