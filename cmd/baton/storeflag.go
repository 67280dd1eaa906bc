package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/postgres"
	"github.com/baton-sh/baton/store/sqlite"
)

// storeEnv is the environment variable that names serve's database when
// --store does not.
const storeEnv = "BATON_STORE"

// storeFlagHelp is --store's help, for serve and migrate.
const storeFlagHelp = "the database: a PostgreSQL URL (postgres://user:password@host:port/db?pool_max_conns=N); also " +
	storeEnv + " or baton.yaml's store:. Default: SQLite in the data folder"

// storeURL is the database a command uses: --store, else BATON_STORE,
// else baton.yaml's store:, else "" (SQLite in the data folder). A value
// that is not a PostgreSQL URL is refused, saying where it came from.
func storeURL(flagValue string, cfg *config.Config) (string, error) {
	url, from := flagValue, "--store"
	if url == "" {
		url, from = os.Getenv(storeEnv), storeEnv
	}
	if url == "" && cfg != nil {
		url, from = cfg.Store, "baton.yaml's store"
	}
	if url != "" && !postgres.IsURL(url) {
		return "", usageError("%s must be a PostgreSQL URL (postgres://... or postgresql://...); without one the data stays in SQLite in --data", from)
	}
	return url, nil
}

// openTimeout bounds how long a server waits for its database at start.
const openTimeout = 30 * time.Second

// openStore opens serve's store: PostgreSQL when url names one, else
// SQLite in the data folder. The returned function closes it.
func openStore(url, data, node string) (store.Store, func(), error) {
	if url != "" {
		return openPostgres(url, node)
	}
	return openSQLite(data)
}

// openPostgres opens the database and holds the node's name for this
// process alone. Any number of servers share the database, each under a
// name of its own.
func openPostgres(url, node string) (store.Store, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	st, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: "serve: " + err.Error()}
	}
	releaseNode, err := st.HoldNode(ctx, node)
	if err != nil {
		st.Close()
		if errors.Is(err, postgres.ErrNodeInUse) {
			err = fmt.Errorf("%w (%q): give each server a --node of its own", err, node)
		}
		return nil, nil, &exitError{code: 1, msg: "serve: " + err.Error()}
	}
	return st, func() {
		releaseNode()
		st.Close()
	}, nil
}

// openSQLite opens the database in the data folder, which the server locks
// (one server per folder) and keeps readable by its owner alone.
func openSQLite(data string) (store.Store, func(), error) {
	lock, err := sqlite.LockFolder(data)
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: "serve: " + err.Error()}
	}
	st, err := sqlite.Open(data)
	if err != nil {
		lock.Unlock()
		return nil, nil, &exitError{code: 1, msg: err.Error()}
	}
	closeAll := func() {
		st.Close()
		lock.Unlock()
	}
	// The database holds the task-token secret and every execution's data:
	// its owner's alone.
	if err := ownerOnly(data); err != nil {
		closeAll()
		return nil, nil, &exitError{code: 1, msg: "serve: " + err.Error()}
	}
	return st, closeAll, nil
}

// storeName says where a server keeps its data, for its log: the
// database's host and name, never its password.
func storeName(url, data string) string {
	if url == "" {
		return "sqlite:" + data
	}
	return fmt.Sprintf("postgres:%s", postgres.Describe(url))
}
