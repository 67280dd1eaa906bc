// Package engine is the one door to Baton's executions. The Step Functions
// API (api/), the command line, the Go API and, next, the console and
// metrics all go through it; nothing above it reads the interpreter or the
// compiled machine.
//
// It runs the actions of the Step Functions API on typed inputs and
// outputs (state machines, versions, aliases, activities, tags, executions,
// their histories, the activity long poll, task tokens, TestState), starts
// and tracks the children of nested workflows and serves the aws-sdk:sfn
// callbacks, keeps the compiled definitions (a bounded cache), and tells
// observers what happens to executions.
//
// What it promises:
//
//   - Exactly-once transitions for Standard executions. Every step (the
//     journal entries that caused it, its history events, the execution's
//     new summary, its timers and activity tasks) is written in one
//     transaction before anything acts on it, under the lease of the node
//     that owns the execution and at the journal position it expects: a
//     step that lost the race or the lease is not written, and the node
//     forgets what it held. A task call may run more than once (after a
//     crash, or a takeover by another node); its result is recorded once.
//   - Replay that is checked. An execution not in memory is rebuilt from its
//     journal through the pure interpreter, and the rebuilt history must
//     match the stored one (its length, its last event's id and type); an
//     execution that does not is refused with an error naming it
//     (driver.ReplayError), never carried on.
//   - Tokens that cannot be forged. A task token carries a MAC under a
//     secret the store keeps; it is checked before anything else, and a
//     forged or altered token is InvalidToken.
//   - Errors in the API's terms. Refusals are *Error values with AWS's code
//     and message; any other error is the engine's own failure.
//
// What an observer may and may not do: an Observer gets the events of each
// step of each execution (states entered and exited, tasks scheduled,
// started, submitted, succeeded and failed, timers armed and fired, the
// execution's start, redrives and end; state machines and activities
// deleted) after the step is durable, on its own goroutine, through a
// bounded queue, at most a few milliseconds late (its goroutine wakes
// about once per observerPause under load). It may take its time, but a
// slow one loses batches (Dropped tells how many) rather than slowing
// executions. It must not change the events, keep the slice or the history
// events it points at (they are reused), or call back into the engine in a
// way that waits on the execution it observes. One that implements
// Selective gets only the kinds it names made for it. An observer
// subscribed with SubscribeInline is told on the execution's own goroutine
// instead, as the step is made, by many goroutines at once: it is for
// counting (metrics), which costs less than the hand-over to a queue, and
// must never wait.
package engine
