package config

import "testing"

// TestStore: store: names serve's database, with ${NAME} for its secret.
func TestStore(t *testing.T) {
	t.Setenv("BATON_TEST_DB_PASSWORD", "pw")
	c, err := Parse([]byte("store: postgres://baton:${BATON_TEST_DB_PASSWORD}@db:5432/baton?pool_max_conns=8\n"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://baton:pw@db:5432/baton?pool_max_conns=8"; c.Store != want {
		t.Errorf("store %q, want %q", c.Store, want)
	}
}
