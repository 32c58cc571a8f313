package genfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"sync"
)

// maxOpenDirs bounds the directory handles a dirs keeps open when no one
// uses them. A tree of 20,000 machines has 20,000 directories; one handle
// each would exceed the usual limit of open files. Files come directory by
// directory, so a few handles give nearly every lookup its directory
// already open.
const maxOpenDirs = 32

// dirs opens the directories of the generated tree and keeps some of their
// handles, so that a file is reached by its base name from its directory's
// handle instead of os.Root opening every directory of its path again for
// each call. Handles are opened from their parent's handle, one name at a
// time, with the same guarantee as os.Root: nothing outside the root is
// reached.
//
// A handle is borrowed with acquire and given back with its release; dirs
// closes the least recently used handles that no one holds once it keeps
// more than maxOpenDirs, so the open files stay bounded however many
// directories the tree has. dirs is safe for concurrent use.
type dirs struct {
	root *os.Root

	mu      sync.Mutex
	handles map[string]*dirHandle // by directory path; "" is the root
	clock   uint64
}

// dirHandle is one open directory: a root, or a file and its descriptor
// for system calls made directly.
type dirHandle struct {
	r    *os.Root
	f    *os.File
	fd   int
	refs int    // borrowers
	used uint64 // clock at the last acquire
}

// close closes the handle.
func (h *dirHandle) close() {
	if h.r != nil {
		h.r.Close()
	}
	if h.f != nil {
		h.f.Close()
	}
}

func newDirs(root *os.Root) *dirs {
	return &dirs{root: root, handles: map[string]*dirHandle{"": {r: root}}}
}

// acquire returns the handle of dir ("" for the root), opening it and its
// parents if they are not open, and the function that gives it back. The
// handle stays open until then.
func (d *dirs) acquire(dir string) (*os.Root, func(), error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h, err := d.acquireLocked(dir)
	if err != nil {
		return nil, nil, err
	}
	return h.r, func() { d.release(h) }, nil
}

func (d *dirs) acquireLocked(dir string) (*dirHandle, error) {
	d.clock++
	if h, ok := d.handles[dir]; ok {
		h.refs++
		h.used = d.clock
		return h, nil
	}
	parent, base := splitDir(dir)
	p, err := d.acquireLocked(parent)
	if err != nil {
		return nil, err
	}
	r, err := p.r.OpenRoot(base)
	p.refs--
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: unwrapPath(err)}
	}
	d.evictLocked()
	h := &dirHandle{r: r, refs: 1, used: d.clock}
	d.handles[dir] = h
	return h, nil
}

// release gives back a handle acquire returned.
func (d *dirs) release(h *dirHandle) {
	d.mu.Lock()
	h.refs--
	d.mu.Unlock()
}

// evictLocked closes the least recently used handles no one holds while
// more than maxOpenDirs are open. Handles in use are never closed; there
// are at most as many of those as borrowers.
func (d *dirs) evictLocked() {
	for len(d.handles) > maxOpenDirs {
		victim, oldest := "", ^uint64(0)
		for name, h := range d.handles {
			if name != "" && h.refs == 0 && h.used < oldest {
				victim, oldest = name, h.used
			}
		}
		if oldest == ^uint64(0) {
			return
		}
		d.handles[victim].close()
		delete(d.handles, victim)
	}
}

// forget closes and drops the handle of dir if it is open and unused, so
// that the directory can be removed.
func (d *dirs) forget(dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if h, ok := d.handles[dir]; ok && dir != "" && h.refs == 0 {
		h.close()
		delete(d.handles, dir)
	}
}

// mkdir creates dir in its parent.
func (d *dirs) mkdir(dir string) error {
	parent, base := splitDir(dir)
	p, release, err := d.acquire(parent)
	if err != nil {
		return err
	}
	defer release()
	if err := p.Mkdir(base, 0o755); err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: unwrapPath(err)}
	}
	return nil
}

// close closes every handle but the root's.
func (d *dirs) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, h := range d.handles {
		if name != "" {
			h.close()
		}
	}
	d.handles = map[string]*dirHandle{"": {r: d.root}}
}

// splitDir splits a slash-separated path into its directory ("" for the
// root) and its last name.
func splitDir(name string) (dir, base string) {
	dir, base = path.Split(name)
	if dir != "" {
		dir = dir[:len(dir)-1]
	}
	return dir, base
}

// unwrapPath returns the error inside a *fs.PathError, so that errors can
// name the path relative to the output directory rather than to a handle.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// renameAbsent renames the directory from to to, both in one directory
// of root, if nothing is at to. Between the look and the rename, an empty
// directory could still appear at to and be replaced, but nothing else:
// renaming a directory fails over a file or a directory with entries.
func renameAbsent(root *os.Root, from, to string) error {
	if _, err := root.Lstat(to); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			err = fs.ErrExist
		}
		return &fs.PathError{Op: "rename", Path: to, Err: unwrapPath(err)}
	}
	if err := root.Rename(from, to); err != nil {
		return &fs.PathError{Op: "rename", Path: to, Err: unwrapPath(err)}
	}
	return nil
}
