// Package enginetest makes engines for tests: on a fresh SQLite data folder
// of the test's own, started, and closed when the test ends.
package enginetest

import (
	"context"
	"testing"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlite"
)

// New starts an engine with the options given, on a new SQLite store, and
// returns it with its store.
func New(t testing.TB, o engine.Options) (*engine.Engine, store.Store) {
	t.Helper()
	return Over(t, o, nil)
}

// Over is New with the engine's store seen through wrap (when not nil): a
// test that stands at the edge of the world (a disk that fills) wraps the
// real store. It returns the SQLite store itself.
func Over(t testing.TB, o engine.Options, wrap func(store.Store) store.Store) (*engine.Engine, store.Store) {
	t.Helper()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o.Store = st
	if wrap != nil {
		o.Store = wrap(st)
	}
	e, err := engine.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Close()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return e, st
}
