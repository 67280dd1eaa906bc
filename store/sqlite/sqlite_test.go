package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) storetest.Database {
		dir := t.TempDir()
		return func(t *testing.T) store.Store {
			s, err := Open(dir)
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
	})
}

// TestMigrateVersion0 opens a database written before the schema had
// versions: it is brought up to date, and what it held is kept.
func TestMigrateVersion0(t *testing.T) {
	dir := t.TempDir()
	old, err := os.ReadFile(filepath.Join("testdata", "version0.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(old)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := s.GetExecution(context.Background(), "arn:aws:states:us-east-1:123456789012:execution:m:old")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != "RUNNING" || rec.Seq != 2 || rec.Owner != (store.Lease{}) || rec.LastEvent != 2 || rec.LastEventType != "WaitStateEntered" {
		t.Errorf("migrated execution: %+v", rec)
	}
	var version int
	if err := s.r.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil || version != SchemaVersion() {
		t.Errorf("schema version %d %v, want %d", version, err, SchemaVersion())
	}
	// Opening again applies nothing twice.
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestNewerSchemaRefused: a database written by a newer Baton is not
// opened by an older one.
func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(dir); err == nil {
		s.Close()
		t.Fatal("a database of a newer schema was opened")
	}
}

// TestFolderLock: a second lock on a data folder is refused and names the
// process that holds it; once released, the folder can be locked again.
func TestFolderLock(t *testing.T) {
	dir := t.TempDir()
	first, err := LockFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockFolder(dir)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || le.PID != os.Getpid() || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := LockFolder(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	if err := again.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestFull: a database that cannot grow (its disk is full; here its size
// is capped, as a full disk caps it) refuses writes with
// store.ErrUnavailable, keeps what it had, and takes writes again once it
// has room.
func TestFull(t *testing.T) {
	t.Parallel()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	l, err := s.RegisterNode(ctx, "local", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := s.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The writer is one connection: the cap holds for every write.
	if _, err := s.w.ExecContext(ctx, `PRAGMA max_page_count = `+strconv.FormatInt(pages+2, 10)); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 20_000)
	step := func(i int) error {
		arn := "arn:e:" + strconv.Itoa(i)
		return s.Commit(ctx, []*store.Step{{Create: true, Lease: l, Now: now, Execution: store.Execution{
			ARN: arn, StateMachineARN: "arn:sm", Name: strconv.Itoa(i), Status: "RUNNING", Input: big, Start: now},
			Inputs: []store.Input{{Seq: 1, JSON: []byte(`{}`)}}}})[0]
	}
	written := 0
	for ; written < 100; written++ {
		if err = step(written); err != nil {
			break
		}
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("after %d writes: %v, want ErrUnavailable", written, err)
	}
	for i := 0; ; i++ {
		err := s.PutResource(ctx, &store.Resource{ARN: "arn:r:" + strconv.Itoa(i), Kind: store.KindActivity, Name: "r", Created: now, Body: []byte(big)}, true)
		if errors.Is(err, store.ErrUnavailable) {
			break
		}
		if err != nil || i == 10 {
			t.Fatalf("resource %d written when full: %v", i, err)
		}
	}
	for i := range written {
		if _, err := s.GetExecution(ctx, "arn:e:"+strconv.Itoa(i)); err != nil {
			t.Errorf("execution %d, written before: %v", i, err)
		}
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA max_page_count = 1000000`); err != nil {
		t.Fatal(err)
	}
	if err := step(written); err != nil {
		t.Errorf("with room again: %v", err)
	}
}
