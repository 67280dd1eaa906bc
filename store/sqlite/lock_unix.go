//go:build unix

package sqlite

import (
	"os"
	"syscall"
)

// errWouldBlock is flock's answer when another holds the lock.
var errWouldBlock = syscall.EWOULDBLOCK

func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
