// Package postgres is Baton's store on PostgreSQL, for teams that outgrow
// one machine's SQLite: every node of a deployment opens the same database.
// It passes the same suite (store/storetest) as the embedded driver.
//
// The URL is pgx's (postgres://user:password@host:port/database?...):
// libpq's parameters (sslmode, search_path to keep Baton's tables in a
// schema of their own, ...) and pgxpool's pool settings (pool_max_conns,
// pool_min_conns, pool_max_conn_lifetime, pool_max_conn_idle_time,
// pool_health_check_period). Open applies the migrations the database
// lacks, under an advisory lock, so nodes may start together.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5" // the PostgreSQL driver: pipelined batches, its own pool, no cgo
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlrow"
)

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool   *pgxpool.Pool
	schema string // the schema Baton's tables are in: its notifications' channels are its own
	trips  *roundTrips
}

var _ store.Store = (*Store)(nil)

// IsURL reports whether a --store value names a PostgreSQL database.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

func parseConfig(url string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: the database URL: %s", withoutURL(err))
	}
	return cfg, nil
}

// withoutURL is pgx's complaint about a URL without the URL, which may
// hold a password: pgx hides those it finds, not every one.
func withoutURL(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		msg = msg[i+3:]
	}
	// The reason pgx wraps may quote the URL again.
	if i := strings.Index(msg, " ("); i >= 0 && strings.Contains(msg[i:], "@") {
		msg = msg[:i]
	}
	return msg
}

// Open connects to the database at url and brings its schema up to date.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := parseConfig(url)
	if err != nil {
		return nil, err
	}
	trips := &roundTrips{}
	cfg.ConnConfig.Tracer = trips
	cfg.AfterConnect = checkClient
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", unavailable(err))
	}
	return &Store{pool: pool, schema: schema, trips: trips}, nil
}

// checkClient asks PostgreSQL (14 and later) to look every few seconds,
// while a statement runs, whether the node that sent it is still there:
// a claim by a node killed in the middle of it would otherwise run to its
// end, holding the rows it locked away from the node taking over. An
// older server does not know the setting; it is then left alone.
func checkClient(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, `SET client_connection_check_interval = '5s'`)
	if code := pgCode(err); code == "42704" || code == "22023" {
		return nil // unknown parameter, or not supported on this platform
	}
	return err
}

// Close closes the pool's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// PostgreSQL's error codes the driver branches on.
const (
	codeUniqueViolation = "23505"
	codeRefused         = "BT001" // baton_refuse: a step's condition failed
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// unavailable marks the errors of a database that cannot write for now
// (out of disk or memory, too many connections, a system error: classes
// 53 and 58) or cannot be reached as store.ErrUnavailable: the caller may
// try again later.
func unavailable(err error) error {
	// A caller that gave up is not an outage (a context's deadline is a
	// net.Error too).
	if err == nil || errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	code := pgCode(err)
	var ne net.Error
	var ce *pgconn.ConnectError
	if strings.HasPrefix(code, "53") || strings.HasPrefix(code, "58") || errors.As(err, &ce) || (code == "" && errors.As(err, &ne)) {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}

// dollars numbers a query's ? placeholders as PostgreSQL's $1, $2, ...:
// the queries built piece by piece read as SQLite's do.
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// exec runs a statement and returns how many rows it changed.
func (s *Store) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		return 0, unavailable(err)
	}
	return tag.RowsAffected(), nil
}

// collect reads every row a query gave with scan.
func collect[T any](rows pgx.Rows, err error, scan func(sqlrow.Scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, unavailable(rows.Err())
}

// notFound turns "no rows" into store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return unavailable(err)
}

// ---- resources -------------------------------------------------------------

// PutResource creates or replaces a resource.
func (s *Store) PutResource(ctx context.Context, r *store.Resource, create bool) error {
	tags := []byte("{}")
	if r.Tags != nil {
		var err error
		if tags, err = json.Marshal(r.Tags); err != nil {
			return err
		}
	}
	if create {
		_, err := s.exec(ctx, `INSERT INTO resources (arn, kind, parent, name, created, body, tags) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			r.ARN, r.Kind, r.Parent, r.Name, sqlrow.Nanos(r.Created), r.Body, string(tags))
		if pgCode(err) == codeUniqueViolation {
			return store.ErrConflict
		}
		return err
	}
	n, err := s.exec(ctx, `UPDATE resources SET body = $1, tags = $2 WHERE arn = $3`, r.Body, string(tags), r.ARN)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// GetResource reads a resource.
func (s *Store) GetResource(ctx context.Context, arn string) (*store.Resource, error) {
	r, err := sqlrow.Resource(s.pool.QueryRow(ctx, `SELECT `+sqlrow.ResourceColumns+` FROM resources WHERE arn = $1`, arn))
	return r, notFound(err)
}

// DeleteResource deletes a resource.
func (s *Store) DeleteResource(ctx context.Context, arn string) error {
	n, err := s.exec(ctx, `DELETE FROM resources WHERE arn = $1`, arn)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// ListResources lists resources in ARN order.
func (s *Store) ListResources(ctx context.Context, kind, parent string, page store.Page) ([]*store.Resource, error) {
	q := `SELECT ` + sqlrow.ResourceColumns + ` FROM resources WHERE kind = ? AND arn > ?`
	args := []any{kind, page.After}
	if parent != "" {
		q += ` AND parent = ?`
		args = append(args, parent)
	}
	q += ` ORDER BY arn LIMIT ?`
	args = append(args, sqlrow.Limit(page))
	rows, err := s.pool.Query(ctx, dollars(q), args...)
	return collect(rows, err, sqlrow.Resource)
}

// Secret returns the secret of that name, storing fresh if there is none.
// The insert and the read are two statements: a read in the insert's own
// statement would not see a secret another node stored meanwhile.
func (s *Store) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if _, err := s.exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, err
	}
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	return v, unavailable(err)
}

func pgError(err error) *pgconn.PgError {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// Describe names the database of a URL for a log: host, port and
// database, without user or password.
func Describe(url string) string {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return "(unreadable URL)"
	}
	c := cfg.ConnConfig
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}
