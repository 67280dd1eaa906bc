package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/baton-sh/baton/store"
)

// TestUnavailable: a database out of room or unreachable is
// store.ErrUnavailable (try later); a refused statement or a caller that
// gave up is not.
func TestUnavailable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"disk full", &pgconn.PgError{Code: "53100"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"io error", &pgconn.PgError{Code: "58030"}, true},
		{"wrapped", fmt.Errorf("step: %w", &pgconn.PgError{Code: "53100"}), true},
		{"unique", &pgconn.PgError{Code: codeUniqueViolation}, false},
		{"refused", &pgconn.PgError{Code: codeRefused}, false},
		{"deadline", context.DeadlineExceeded, false},
		{"canceled", context.Canceled, false},
		{"other", errors.New("x"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errors.Is(unavailable(tc.err), store.ErrUnavailable); got != tc.want {
				t.Errorf("unavailable(%v) is ErrUnavailable: %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if unavailable(nil) != nil {
		t.Error("unavailable(nil) is not nil")
	}
}
