package driver

import (
	"errors"
	"sync"

	"github.com/baton-sh/baton/failure"
)

// Callbacks completes the tasks of in-process executions by their task
// token, as SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat do for
// the server: a .waitForTaskToken task, or a .sync task whose work ends
// elsewhere, waits here until someone calls back.
type Callbacks struct {
	mu      sync.Mutex
	waiting map[string]func(taskResult) bool
}

// ErrUnknownToken says that no task waits for the token: it never existed,
// or its task has ended.
var ErrUnknownToken = errors.New("no task waits for this token")

// NewCallbacks makes an empty set of callbacks.
func NewCallbacks() *Callbacks { return &Callbacks{waiting: map[string]func(taskResult) bool{}} }

func (c *Callbacks) wait(token string, deliver func(taskResult) bool) {
	c.mu.Lock()
	c.waiting[token] = deliver
	c.mu.Unlock()
}

func (c *Callbacks) forget(token string) {
	c.mu.Lock()
	delete(c.waiting, token)
	c.mu.Unlock()
}

func (c *Callbacks) send(token string, tr taskResult, final bool) error {
	c.mu.Lock()
	deliver := c.waiting[token]
	if final {
		delete(c.waiting, token)
	}
	c.mu.Unlock()
	if deliver == nil || !deliver(tr) {
		return ErrUnknownToken
	}
	return nil
}

// Success completes the task with its result.
func (c *Callbacks) Success(token string, output any) error {
	return c.send(token, taskResult{output: output}, true)
}

// Failure fails the task.
func (c *Callbacks) Failure(token string, fl *failure.Failure) error {
	return c.send(token, taskResult{err: fl.AsError()}, true)
}

// Heartbeat tells the task's HeartbeatSeconds that its worker is alive.
func (c *Callbacks) Heartbeat(token string) error {
	return c.send(token, taskResult{heartbeat: true}, false)
}
