//go:build !unix

package sqlite

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("locked")

// Elsewhere than on Unix the folder is not locked: SQLite's own locking
// still keeps the database whole, but two servers may share it.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
