package console

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/engine"
)

// The stream (GET /console/api/stream[?executionArn=ARN]) tells live pages
// what happens to executions, as Server-Sent Events:
//
//	event: execution
//	data: {"executionArn": ..., "stateMachineArn": ..., "status": ..., "lastEventId": N}
//
// status is RUNNING until the execution ends; lastEventId is the highest
// history event id the engine reported in the step (0 if none). With
// executionArn the stream tells every step of that execution (the first
// message, at once, is its state when the stream opened); without, the
// starts and ends of every execution (Express ones only when the store
// keeps them: baton serve --express-history). A page that is told refetches what
// it shows (the history after its last event id), so a message may stand
// for several: at most one per execution per Options.Coalesce, the latest.
//
// One engine observer serves every stream (subscribed while any is open);
// it hands each stream's messages to a small buffer of the stream's own,
// where a newer message about an execution replaces an older one. A stream
// whose client does not keep up never holds the engine or other streams:
// when its buffer is full its oldest message is dropped, and it is told
//
//	event: resync
//	data: {}
//
// meaning "refetch everything you show"; the same is sent when the engine
// dropped messages for the console's observer. The engine tells an
// observer a step once it is durable, so a page that refetches finds it.
// A comment line (": ping") every Options.Ping keeps proxies from closing
// an idle stream.

// maxPending bounds the executions a stream's buffer holds messages for.
const maxPending = 4096

// writeTimeout is how long one write to a stream may take before the
// stream is given up.
const writeTimeout = 30 * time.Second

// message is the data of an "execution" event.
type message struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn"`
	Status          string `json:"status"`
	LastEventID     int64  `json:"lastEventId"`
}

// hub is the console's one observer of the engine, fanning out to streams.
type hub struct {
	e        *engine.Engine
	log      *slog.Logger
	done     <-chan struct{}
	ping     time.Duration
	coalesce time.Duration

	// keepsExpress: Express executions are kept in the store (else the
	// stream of every execution leaves them out).
	keepsExpress bool

	mu          sync.Mutex
	clients     map[*client]struct{}
	unsubscribe func() // nil while no stream is open
}

func newHub(e *engine.Engine, o Options) *hub {
	return &hub{e: e, log: o.Logger, done: o.Done, ping: o.Ping, coalesce: o.Coalesce, keepsExpress: e.KeepsExpress(), clients: map[*client]struct{}{}}
}

// isExpress tells an Express execution's ARN.
func isExpress(execARN string) bool {
	a, err := arn.Parse(execARN)
	return err == nil && a.Kind == arn.Express
}

// Observe turns a batch of the engine's events into one message per
// execution and offers it to the streams that want it.
func (h *hub) Observe(batch []engine.Event) {
	for len(batch) > 0 {
		if batch[0].ExecutionARN == "" {
			// A resource deleted: no execution's news.
			batch = batch[1:]
			continue
		}
		m := message{ExecutionArn: batch[0].ExecutionARN, StateMachineArn: batch[0].StateMachineARN, Status: "RUNNING"}
		edge := false // a start or an end
		n := 0
		for ; n < len(batch) && batch[n].ExecutionARN == m.ExecutionArn; n++ {
			ev := &batch[n]
			if ev.History != nil && ev.History.ID > m.LastEventID {
				m.LastEventID = ev.History.ID
			}
			switch ev.Kind {
			case engine.ExecutionStarted:
				edge = true
			case engine.ExecutionFinished:
				edge = true
				m.Status = ev.Status
			}
		}
		batch = batch[n:]
		if edge && !h.keepsExpress && isExpress(m.ExecutionArn) {
			// Nothing can be read about it: not worth a page's refetch.
			edge = false
		}
		h.mu.Lock()
		for c := range h.clients {
			if c.execution == m.ExecutionArn || (c.execution == "" && edge) {
				c.offer(m)
			}
		}
		h.mu.Unlock()
	}
}

// Dropped: the engine lost batches for the console. Streams of every
// execution are told to resync; a stream of one execution gets its state
// read from the store.
func (h *hub) Dropped(n int) {
	h.log.Warn("the console fell behind the engine: streams resync", "batches lost", n)
	watched := map[string][]*client{}
	h.mu.Lock()
	for c := range h.clients {
		if c.execution == "" {
			c.resync()
		} else {
			watched[c.execution] = append(watched[c.execution], c)
		}
	}
	h.mu.Unlock()
	for execARN, cs := range watched {
		m, err := h.current(execARN)
		for _, c := range cs {
			if err != nil {
				c.resync()
			} else {
				c.offerRead(m)
			}
		}
	}
}

// current is the message that tells an execution's state now.
func (h *hub) current(execARN string) (message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := h.e.ExecutionStatus(ctx, execARN)
	if err != nil {
		return message{}, err
	}
	return message{ExecutionArn: rec.ARN, StateMachineArn: rec.StateMachineARN, Status: rec.Status, LastEventID: rec.LastEvent}, nil
}

func (h *hub) add(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients[c] = struct{}{}
	if h.unsubscribe == nil {
		h.unsubscribe = h.e.Subscribe(h)
	}
}

func (h *hub) remove(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	var unsubscribe func()
	if len(h.clients) == 0 {
		unsubscribe, h.unsubscribe = h.unsubscribe, nil
	}
	h.mu.Unlock()
	if unsubscribe != nil {
		// Outside the lock: it waits for batches being told, which take it.
		unsubscribe()
	}
}

// client is one open stream: its messages waiting to be written.
type client struct {
	execution string // "" for the starts and ends of every execution
	wake      chan struct{}

	mu       sync.Mutex
	newest   int64                // the highest event id offered (a stream of one execution)
	pending  map[string]*message  // by execution ARN
	order    []string             // the ARNs in pending, oldest first
	sent     map[string]time.Time // when a message about an execution was last written, within the coalescing window
	overflow bool                 // messages were dropped: tell the client to resync
}

func newClient(execution string) *client {
	return &client{execution: execution, wake: make(chan struct{}, 1), pending: map[string]*message{}, sent: map[string]time.Time{}}
}

// offer queues a message, replacing one about the same execution that is
// still waiting (its lastEventId never goes back). It never blocks.
func (c *client) offer(m message) {
	c.mu.Lock()
	c.queue(m)
	c.mu.Unlock()
	c.notify()
}

// offerRead offers a stream of one execution its state read from the
// store, unless a later step was offered meanwhile: a read that raced a
// step must not tell an older status after a newer one.
func (c *client) offerRead(m message) {
	c.mu.Lock()
	if m.LastEventID >= c.newest {
		c.queue(m)
	}
	c.mu.Unlock()
	c.notify()
}

func (c *client) queue(m message) {
	c.newest = max(c.newest, m.LastEventID)
	if p, ok := c.pending[m.ExecutionArn]; ok {
		last := max(p.LastEventID, m.LastEventID)
		*p = m
		p.LastEventID = last
	} else {
		if len(c.order) >= maxPending {
			delete(c.pending, c.order[0])
			c.order = c.order[1:]
			c.overflow = true
		}
		c.pending[m.ExecutionArn] = &m
		c.order = append(c.order, m.ExecutionArn)
	}
}

// resync asks the client to refetch everything it shows.
func (c *client) resync() {
	c.mu.Lock()
	c.overflow = true
	c.mu.Unlock()
	c.notify()
}

func (c *client) notify() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take returns the messages to write at now: those about executions no
// message was written about within the window. next is when the first of
// the others may be written (zero if none waits).
func (c *client) take(now time.Time, window time.Duration) (msgs []message, next time.Time, resync bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for arn, at := range c.sent {
		if now.Sub(at) >= window {
			delete(c.sent, arn)
		}
	}
	keep := c.order[:0]
	for _, arn := range c.order {
		if at, ok := c.sent[arn]; ok {
			if due := at.Add(window); next.IsZero() || due.Before(next) {
				next = due
			}
			keep = append(keep, arn)
			continue
		}
		msgs = append(msgs, *c.pending[arn])
		delete(c.pending, arn)
		c.sent[arn] = now
	}
	clear(c.order[len(keep):]) // no stale ARNs kept alive
	c.order = keep
	resync, c.overflow = c.overflow, false
	return msgs, next, resync
}

// serve: GET /console/api/stream[?executionArn=ARN].
func (h *hub) serve(w http.ResponseWriter, r *http.Request) {
	execARN := r.URL.Query().Get("executionArn")
	if isDone(h.done) {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	c := newClient(execARN)
	// Registered before the execution's state is read: a step after the
	// read is told, one before is in what is read.
	h.add(c)
	defer h.remove(c)
	if execARN != "" {
		rec, err := h.e.ExecutionStatus(r.Context(), execARN)
		if err != nil {
			(&api{e: h.e, log: h.log}).fail(w, r, err)
			return
		}
		c.offerRead(message{ExecutionArn: rec.ARN, StateMachineArn: rec.StateMachineARN, Status: rec.Status, LastEventID: rec.LastEvent})
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // proxies: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	// A first comment, at once: the client knows the stream is open (and,
	// without executionArn, that it will hear of what starts from now on).
	if !h.write(w, rc, []byte(": open\n\n")) {
		return
	}
	ping := time.NewTicker(h.ping)
	defer ping.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var buf []byte
	for {
		msgs, next, resync := c.take(time.Now(), h.coalesce)
		buf = buf[:0]
		if resync {
			buf = append(buf, "event: resync\ndata: {}\n\n"...)
		}
		for _, m := range msgs {
			data, err := json.Marshal(m)
			if err != nil {
				h.log.Error("encoding a stream message", "error", err)
				return
			}
			buf = append(buf, "event: execution\ndata: "...)
			buf = append(buf, data...)
			buf = append(buf, "\n\n"...)
		}
		if len(buf) > 0 && !h.write(w, rc, buf) {
			return
		}
		if !next.IsZero() {
			timer.Reset(time.Until(next))
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case <-c.wake:
		case <-timer.C:
		case <-ping.C:
			if !h.write(w, rc, []byte(": ping\n\n")) {
				return
			}
		}
	}
}

// write writes to a stream and flushes, within writeTimeout; false when
// the stream is gone.
func (h *hub) write(w http.ResponseWriter, rc *http.ResponseController, b []byte) bool {
	if err := rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return false
	}
	if _, err := w.Write(b); err != nil {
		return false
	}
	return rc.Flush() == nil
}

func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
