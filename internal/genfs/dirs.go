package genfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
)

// dirs opens each directory of the generated tree once and keeps its
// handle, so that a file is reached by its base name from its directory's
// handle instead of os.Root opening every directory of its path again for
// each call. Handles are opened from their parent's handle, one name at a
// time, with the same guarantee as os.Root: nothing outside the root is
// reached. dirs is not safe for concurrent use; the handles it returns are.
type dirs struct {
	root    *os.Root
	handles map[string]*os.Root // by directory path; "" is the root
}

func newDirs(root *os.Root) *dirs {
	return &dirs{root: root, handles: map[string]*os.Root{"": root}}
}

// open returns the handle of dir ("" for the root), opening it and its
// parents if they are not open yet.
func (d *dirs) open(dir string) (*os.Root, error) {
	if h, ok := d.handles[dir]; ok {
		return h, nil
	}
	parent, base := splitDir(dir)
	p, err := d.open(parent)
	if err != nil {
		return nil, err
	}
	h, err := p.OpenRoot(base)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: unwrapPath(err)}
	}
	d.handles[dir] = h
	return h, nil
}

// mkdir creates dir in its parent, whose handle must be obtainable.
func (d *dirs) mkdir(dir string) error {
	parent, base := splitDir(dir)
	p, err := d.open(parent)
	if err != nil {
		return err
	}
	if err := p.Mkdir(base, 0o755); err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: unwrapPath(err)}
	}
	return nil
}

// close closes every handle but the root's.
func (d *dirs) close() {
	for name, h := range d.handles {
		if name != "" {
			h.Close()
		}
	}
	d.handles = map[string]*os.Root{"": d.root}
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
