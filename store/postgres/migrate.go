package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/baton-sh/baton/store"
)

// The schema is a list of migrations, each applied once, in order, and
// recorded in schema_migrations, in the schema the connection's
// search_path names first.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one version of the schema.
type Migration = store.Migration

// Migrations lists the schema's versions in order.
func Migrations() []Migration {
	m, err := store.ReadMigrations(migrationFiles, "migrations")
	if err != nil {
		panic("postgres: " + err.Error()) // the embedded files are part of the build
	}
	return m
}

// SchemaVersion is the version of the schema this build writes.
func SchemaVersion() int {
	m := Migrations()
	return m[len(m)-1].Version
}

// NewerSchemaError says that the database was migrated by a newer Baton:
// this one does not know its schema, and does not touch it.
type NewerSchemaError struct {
	Have, Know int
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("the database has schema version %d, newer than this build of Baton knows (%d): use a newer Baton", e.Have, e.Know)
}

// errNoSchema: none of the schemas that search_path names exists, so
// there is nowhere to create the tables.
var errNoSchema = errors.New("no schema of the search_path exists: create it first (CREATE SCHEMA name), or name one that does")

// Migrate applies the migrations the database lacks and returns those it
// applied (none when it was up to date). Open does the same; Migrate lets
// an operator do it ahead of time.
func Migrate(ctx context.Context, url string) ([]Migration, error) {
	cfg, err := parseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer pool.Close()
	return migrate(ctx, pool)
}

// migrate applies the missing migrations in one transaction that first
// takes a transaction-scoped advisory lock named after the schema: nodes
// that start at once queue on the lock, and each finds the work done by
// the one before it. PostgreSQL's DDL is transactional, so a migration
// that fails leaves nothing behind.
func migrate(ctx context.Context, pool *pgxpool.Pool) (applied []Migration, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var schema *string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return err
		}
		if schema == nil {
			return errNoSchema
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('baton migrations ' || current_schema()))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		all := Migrations()
		if latest := all[len(all)-1].Version; current > latest {
			return &NewerSchemaError{Have: current, Know: latest}
		}
		for _, m := range all {
			if m.Version <= current {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)`,
				m.Version, m.Name, time.Now().UnixNano()); err != nil {
				return fmt.Errorf("migration %d: %w", m.Version, err)
			}
			applied = append(applied, m)
		}
		return nil
	})
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &ce):
		return nil, fmt.Errorf("postgres: cannot connect: %w", err)
	case err != nil:
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return applied, nil
}
