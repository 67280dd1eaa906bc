package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/baton-sh/baton/store"
)

// The schema is a list of migrations, each applied once, in order, and
// recorded in schema_migrations. A database made before migrations existed
// holds version 1's tables already; version 1 creates only what is missing.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one version of the schema.
type Migration = store.Migration

// Migrations lists the schema's versions in order.
func Migrations() []Migration {
	m, err := store.ReadMigrations(migrationFiles, "migrations")
	if err != nil {
		panic("sqlite: " + err.Error()) // the embedded files are part of the build
	}
	return m
}

// SchemaVersion is the version of the schema this build writes.
func SchemaVersion() int {
	m := Migrations()
	return m[len(m)-1].Version
}

// migrate applies the migrations the database lacks, all in one
// transaction that holds SQLite's write lock from its start, so that two
// processes opening the same database at once apply each migration once.
func migrate(ctx context.Context, db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.Background(), `ROLLBACK`)
		}
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	all := Migrations()
	if latest := all[len(all)-1].Version; current > latest {
		return fmt.Errorf("the database has schema version %d, newer than this build of Baton knows (%d): use a newer Baton", current, latest)
	}
	for _, m := range all {
		if m.Version <= current {
			continue
		}
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("migration %d: %w", m.Version, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}
