package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFileName is the lock file in the data folder.
const LockFileName = "baton.lock"

// ErrLocked says that another process holds the data folder.
var ErrLocked = errors.New("the data folder is in use")

// LockedError says which process holds a data folder.
type LockedError struct {
	Dir string
	PID int // 0 when unknown
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("the data folder %s is in use by %s (another baton serve?): one server per data folder", e.Dir, who)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// FolderLock holds a data folder for one process: a second server on the
// same folder would take over the first one's executions under it.
type FolderLock struct {
	f *os.File
}

// LockFolder takes the data folder's lock (creating the folder if needed),
// or fails with a *LockedError that names the process holding it. The lock
// is the operating system's (flock): it ends with the process, however
// the process ends.
func LockFolder(dir string) (*FolderLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data folder lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if !errors.Is(err, errWouldBlock) {
			// Not another holder: a file system without locks, say.
			return nil, fmt.Errorf("cannot lock the data folder %s: %w", dir, err)
		}
		data, _ := os.ReadFile(path)                            //nolint:errcheck // the holder's pid is a courtesy
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data))) //nolint:errcheck // 0: unknown
		return nil, &LockedError{Dir: dir, PID: pid}
	}
	// The pid is a courtesy to whoever tries next: written whole, then the
	// file cut to it, so that no earlier holder's digits remain.
	text := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if _, err := f.WriteAt(text, 0); err == nil {
		f.Truncate(int64(len(text))) //nolint:errcheck // a courtesy, as above
	}
	return &FolderLock{f: f}, nil
}

// Unlock lets the folder go.
func (l *FolderLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	return errors.Join(err, l.f.Close())
}
