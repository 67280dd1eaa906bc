package postgres

import (
	"context"
	"testing"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/postgres/pgtest"
	"github.com/baton-sh/baton/store/storetest"
)

// open opens a store on the database at url, closed when the test ends.
func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// TestStore runs the suite every driver passes, each test in a schema of
// its own.
func TestStore(t *testing.T) {
	pgtest.Base(t)
	storetest.Exercise(t, func(t *testing.T) storetest.Database {
		url := pgtest.Schema(t)
		return func(t *testing.T) store.Store { return open(t, url) }
	})
}
