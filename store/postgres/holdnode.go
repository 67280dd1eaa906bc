package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// How long HoldNode waits for a hold that may be a dead server's: a
// killed process's session ends as soon as PostgreSQL reads the closed
// socket, which may be just after a restarted server asks.
const (
	holdWait  = 3 * time.Second
	holdRetry = 100 * time.Millisecond
)

// ErrNodeInUse says that a live process holds the node name asked for.
var ErrNodeInUse = errors.New("another baton serve runs under this node name on this database")

// HoldNode holds a node's name for this process alone: two processes
// under one name would each register a new
// incarnation of it (RegisterNode) and so steal the other's lease at every
// renewal. A process that died frees the name when its session ends; the
// one that follows it under the same name then registers a new incarnation
// and takes its executions over at once, without waiting for its lease to
// run out. (Two names may share a lock key: 32-bit hashes. The second
// process is then refused; another name starts it.)
func (s *Store) HoldNode(ctx context.Context, node string) (release func(), err error) {
	return s.hold(ctx, ErrNodeInUse, `SELECT pg_try_advisory_lock(hashtext('baton node ' || current_schema()), hashtext($1))`, node)
}

// hold takes a session advisory lock (query answers whether it got it) on
// a connection of its own, waiting a little for a holder that may be a dead
// process whose session has not ended yet. The session asks PostgreSQL to
// probe the connection every few seconds, so that a server whose machine
// vanished without closing it frees the hold within about half a minute.
func (s *Store) hold(ctx context.Context, inUse error, query string, args ...any) (release func(), err error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", unavailable(err))
	}
	fail := func(err error) (func(), error) {
		conn.Close(context.Background())
		return nil, err
	}
	if _, err := conn.Exec(ctx, `SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3`); err != nil {
		return fail(fmt.Errorf("postgres: %w", unavailable(err)))
	}
	deadline := time.Now().Add(holdWait)
	for {
		var held bool
		if err := conn.QueryRow(ctx, query, args...).Scan(&held); err != nil {
			return fail(fmt.Errorf("postgres: %w", unavailable(err)))
		}
		if held {
			return func() { conn.Close(context.Background()) }, nil
		}
		if time.Now().After(deadline) {
			return fail(inUse)
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(holdRetry):
		}
	}
}
