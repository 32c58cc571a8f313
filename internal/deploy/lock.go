package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"syscall"
	"time"
)

// LockFile is the deploy lock's file in StateDir.
const LockFile = "deploy.lock"

// Holder says who holds the lock.
type Holder struct {
	PID     int       `json:"pid"`
	User    string    `json:"user"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	Command string    `json:"command,omitempty"`
}

// LockedError is returned when another deploy holds the lock.
type LockedError struct {
	Path   string
	Holder Holder
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("another deploy of this fleet is running (%s is locked)", e.Path)
	}
	return fmt.Sprintf("another deploy of this fleet is running: pid %d, user %s, on %s, since %s (%s is locked)",
		h.PID, h.User, h.Host, h.Started.Format(time.RFC3339), e.Path)
}

// Lock is a held deploy lock.
type Lock struct{ f *os.File }

// Acquire takes the fleet's deploy lock in dir without waiting: flock on
// StateDir/LockFile, which then names the holder. The kernel releases it
// when the process ends, however it ends.
func Acquire(dir, command string) (*Lock, error) {
	state := filepath.Join(dir, StateDir)
	if err := os.MkdirAll(state, 0o755); err != nil {
		return nil, fmt.Errorf("deploy lock: %w", err)
	}
	path := filepath.Join(state, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("deploy lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			le := &LockedError{Path: path}
			data, _ := os.ReadFile(path)
			_ = json.Unmarshal(data, &le.Holder) // an unreadable holder is still a holder
			return nil, le
		}
		return nil, fmt.Errorf("deploy lock %s: %w", path, err)
	}
	h := Holder{PID: os.Getpid(), Started: time.Now().UTC(), Command: command}
	h.Host, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		h.User = u.Username
	}
	data, _ := json.Marshal(h)
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(data, '\n'), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Truncate(0)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
