// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database that BATON_TEST_POSTGRES names (test.sh starts a
// throwaway cluster and sets it), dropped when the test ends. Without the
// variable a test skips, saying so, except under CI=true, where a missing
// database is a failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the tests' database.
const Env = "BATON_TEST_POSTGRES"

// Base returns the database's URL, or skips (fails under CI=true) when
// there is none.
func Base(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(Env + " is not set: CI must run these tests against PostgreSQL (test.sh starts one)")
		}
		t.Skip(Env + " is not set: no PostgreSQL to test against (test.sh starts a throwaway one)")
	}
	return base
}

// Schema makes an empty schema for the test and returns the URL that
// keeps a connection's tables in it (search_path). The schema is dropped
// when the test ends.
func Schema(t testing.TB) string {
	t.Helper()
	base := Base(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "test_" + hex.EncodeToString(b[:])
	Exec(t, base, `CREATE SCHEMA `+name)
	t.Cleanup(func() { Exec(t, base, `DROP SCHEMA `+name+` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	// Tests open many stores at once: each keeps few connections.
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs one statement on the database of a URL (a schema's, from
// Schema, or Base's).
func Exec(t testing.TB, dbURL, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, withoutPool(t, dbURL))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// withoutPool drops a URL's pool settings, which a single connection
// would send the server as settings it does not know.
func withoutPool(t testing.TB, dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
