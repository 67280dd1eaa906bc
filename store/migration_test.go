package store

import (
	"testing"
	"testing/fstest"
)

// TestReadMigrations: migrations come in version order, named by their
// file; a file named otherwise is refused.
func TestReadMigrations(t *testing.T) {
	good := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("B")},
		"m/0001_init.sql": {Data: []byte("A")},
		"m/0010_late.sql": {Data: []byte("C")},
	}
	got, err := ReadMigrations(good, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{{1, "init", "A"}, {2, "more", "B"}, {10, "late", "C"}}
	if len(got) != len(want) {
		t.Fatalf("%d migrations, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("migration %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, name := range []string{"m/init.sql", "m/x_init.sql", "m/0003_notes.txt"} {
		bad := fstest.MapFS{name: {Data: []byte("X")}}
		if _, err := ReadMigrations(bad, "m"); err == nil {
			t.Errorf("%s was read as a migration", name)
		}
	}
}
