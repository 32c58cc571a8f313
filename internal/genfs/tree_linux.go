package genfs

import (
	"errors"
	"io/fs"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// In a temporary tree, which the Writer made and only it writes in,
// directories and files are made with plain system calls relative to the
// tree's directory, held open: no handle per directory inside it, and no
// os.File per file. The kernel resolves the relative paths beneath that
// directory and without following symbolic links (openat2), or, on
// kernels before 5.6, through directories the Writer made itself, mode
// 0755, in which no other user can put a link.

// mkdirInTree makes the directory rel inside the temporary tree top.
func (d *dirs) mkdirInTree(top, rel string) error {
	fd, release, err := d.acquireFD(top)
	if err != nil {
		return err
	}
	defer release()
	if err := unix.Mkdirat(fd, rel, 0o755); err != nil {
		return &fs.PathError{Op: "mkdir", Path: joinDir(top, rel), Err: err}
	}
	return nil
}

// writeInTree writes data to the new file rel inside the temporary tree
// top.
func (d *dirs) writeInTree(top, rel string, data []byte) error {
	fd, release, err := d.acquireFD(top)
	if err != nil {
		return err
	}
	defer release()
	name := joinDir(top, rel)
	f, err := openBeneath(fd, rel)
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	for rest := data; len(rest) > 0; {
		n, err := unix.Write(f, rest)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err == nil && n == 0 {
			err = unix.EIO
		}
		if err != nil {
			unix.Close(f)
			unix.Unlinkat(fd, rel, 0)
			return &fs.PathError{Op: "write", Path: name, Err: err}
		}
		rest = rest[n:]
	}
	if err := unix.Close(f); err != nil {
		unix.Unlinkat(fd, rel, 0)
		return &fs.PathError{Op: "write", Path: name, Err: err}
	}
	return nil
}

// noOpenat2 is set once openat2 is found missing.
var noOpenat2 atomic.Bool

// openBeneath creates the new file rel beneath the directory dirfd for
// writing, never through a symbolic link.
func openBeneath(dirfd int, rel string) (int, error) {
	const flags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC
	for {
		var fd int
		var err error
		if !noOpenat2.Load() {
			fd, err = unix.Openat2(dirfd, rel, &unix.OpenHow{Flags: flags, Mode: 0o644,
				Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS})
			if errors.Is(err, unix.ENOSYS) {
				noOpenat2.Store(true)
				continue
			}
		} else {
			fd, err = unix.Openat(dirfd, rel, flags, 0o644)
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return fd, err
	}
}

// acquireFD returns the descriptor of the directory dir, opening it if it
// is not open, and the function that gives it back. It is one of the
// handles dirs bounds, under a key no path can have.
func (d *dirs) acquireFD(dir string) (int, func(), error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := "\x00" + dir
	d.clock++
	if h, ok := d.handles[key]; ok {
		h.refs++
		h.used = d.clock
		return h.fd, func() { d.release(h) }, nil
	}
	parent, base := splitDir(dir)
	p, err := d.acquireLocked(parent)
	if err != nil {
		return 0, nil, err
	}
	f, err := p.r.OpenFile(base, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	p.refs--
	if err != nil {
		return 0, nil, &fs.PathError{Op: "open", Path: dir, Err: unwrapPath(err)}
	}
	sc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return 0, nil, err
	}
	h := &dirHandle{f: f, refs: 1, used: d.clock}
	// The descriptor stays valid until f is closed, which happens only
	// once no one holds the handle.
	sc.Control(func(fd uintptr) { h.fd = int(fd) })
	d.evictLocked()
	d.handles[key] = h
	return h.fd, func() { d.release(h) }, nil
}
