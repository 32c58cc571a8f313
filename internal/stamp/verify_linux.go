package stamp

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/shoal-nix/shoal/internal/genfs"
)

// verifyOutputs is genfs.Verify with the fewest system calls a walk of the
// tree allows, which is what a no-op gen of a large fleet spends its time
// on: each directory is opened once relative to its parent's descriptor
// (never by a path that could pass a symbolic link) and listed with
// getdents; each wanted file is one fstatat, and is read only when its
// fingerprint does not prove it unchanged. It promises what Verify
// promises, and TestVerifyOutputsAgreesWithGenfs holds it to Verify's
// answers.
func verifyOutputs(dir string, ids []genfs.Identity, owned func(string) bool) (ok bool, refreshed []genfs.Identity) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, nil
	}
	defer unix.Close(fd)
	w := &outputWalk{ids: ids, owned: owned, byPath: make(map[string]int, len(ids)), now: time.Now().UnixNano(),
		helpers: make(chan struct{}, max(runtime.GOMAXPROCS(0)-1, 0))}
	for i, id := range ids {
		if !validPath(id.Path) {
			return false, nil
		}
		if _, dup := w.byPath[id.Path]; dup {
			return false, nil
		}
		w.byPath[id.Path] = i
	}
	ok = w.walk(make([]byte, direntBuf), "", fd)
	w.wg.Wait()
	if !ok || w.failed.Load() || int(w.seen.Load()) != len(ids) {
		return false, nil
	}
	return true, w.refreshed
}

// validPath reports whether p is a path genfs accepts for a generated
// file: clean, relative, slash-separated, without ".." or backslashes.
func validPath(p string) bool {
	return fs.ValidPath(p) && p != "." && !strings.ContainsAny(p, "\\\x00")
}

// outputWalk is the state of one verifyOutputs. A walk may hand half of
// a directory's subdirectories to a helper goroutine (one per spare
// processor), so the fields that change are safe for concurrent use.
type outputWalk struct {
	ids    []genfs.Identity
	owned  func(string) bool
	byPath map[string]int // index in ids; read only during the walk
	now    int64          // before any file was read, in nanoseconds

	helpers chan struct{} // a token per helper that may run
	wg      sync.WaitGroup
	failed  atomic.Bool  // a difference was found: everyone stops
	seen    atomic.Int64 // wanted files found as they should be

	mu        sync.Mutex
	refreshed []genfs.Identity
}

// direntBuf is the size of each walker's getdents buffer.
const direntBuf = 32 << 10

// splitAt is the number of subdirectories from which a directory's are
// shared with a helper: below it a goroutine costs more than it saves.
const splitAt = 32

// settle is genfs.Settle in nanoseconds.
const settle = int64(genfs.Settle)

// dirent is one entry of a directory listing.
type dirent struct {
	name string
	typ  byte // unix.DT_*
}

// list reads the whole listing of the directory open as fd.
func list(buf []byte, fd int) ([]dirent, bool) {
	var entries []dirent
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return nil, false
		}
		if n == 0 {
			return entries, true
		}
		b := buf[:n]
		for len(b) > 0 {
			// struct linux_dirent64: ino, off (8 bytes each), reclen (2),
			// type (1), then the name, NUL-terminated.
			if len(b) < 19 {
				return nil, false
			}
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				return nil, false
			}
			name := b[19:reclen]
			if i := slices.Index(name, 0); i >= 0 {
				name = name[:i]
			}
			if s := string(name); s != "." && s != ".." {
				entries = append(entries, dirent{name: s, typ: b[18]})
			}
			b = b[reclen:]
		}
	}
}

// walk verifies the directory name, open as fd, and everything below it,
// listing with buf, and reports false at the first difference. It closes
// no descriptor but those it opens.
func (w *outputWalk) walk(buf []byte, name string, fd int) bool {
	entries, ok := list(buf, fd)
	if !ok || w.failed.Load() {
		return false
	}
	var subdirs []string
	var pathBuf [256]byte // for the paths of the entries, looked up without allocating
	for _, e := range entries {
		p := append(pathBuf[:0], name...)
		if name != "" {
			p = append(p, '/')
		}
		p = append(p, e.name...)
		typ := e.typ
		var st unix.Stat_t
		statted := false
		if typ == unix.DT_UNKNOWN {
			// A file system that does not say: ask, without following links.
			if unix.Fstatat(fd, e.name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
				return false
			}
			statted = true
			switch st.Mode & unix.S_IFMT {
			case unix.S_IFREG:
				typ = unix.DT_REG
			case unix.S_IFDIR:
				typ = unix.DT_DIR
			default:
				typ = unix.DT_LNK // anything else: neither file nor directory
			}
		}
		i, wanted := w.byPath[string(p)]
		switch {
		case wanted:
			if typ != unix.DT_REG || !w.file(fd, e.name, i, &st, statted) {
				return false
			}
			w.seen.Add(1)
		case typ == unix.DT_DIR:
			if e.name != ".git" {
				subdirs = append(subdirs, e.name)
			}
		case typ == unix.DT_REG && w.owned != nil && w.owned(string(p)):
			// A file Compare would look at as perhaps stale.
			head, ok := readAt(fd, e.name, headerPeek)
			if !ok || genfs.IsGenerated(string(p), head) {
				return false
			}
		}
	}
	if len(subdirs) >= splitAt {
		select {
		case w.helpers <- struct{}{}:
			half := subdirs[:len(subdirs)/2]
			subdirs = subdirs[len(half):]
			sub, err := unix.Dup(fd)
			if err != nil {
				<-w.helpers
				return false
			}
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				defer func() { <-w.helpers }()
				if !w.subdirs(make([]byte, direntBuf), name, sub, half) {
					w.failed.Store(true)
				}
				unix.Close(sub)
			}()
		default:
		}
	}
	return w.subdirs(buf, name, fd, subdirs)
}

// subdirs walks the subdirectories names of the directory name, open as
// fd.
func (w *outputWalk) subdirs(buf []byte, name string, fd int, names []string) bool {
	for _, base := range names {
		p := base
		if name != "" {
			p = name + "/" + base
		}
		sub, err := unix.Openat(fd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return false
		}
		ok := w.walk(buf, p, sub)
		unix.Close(sub)
		if !ok {
			return false
		}
	}
	return true
}

// headerPeek is enough of a file for genfs.IsGenerated to judge it.
const headerPeek = len(genfs.Header) + len(genfs.Notice) + 16

// file verifies the wanted file base in the directory fd against ids[i];
// st holds its status when statted.
func (w *outputWalk) file(fd int, base string, i int, st *unix.Stat_t, statted bool) bool {
	id := w.ids[i]
	if !statted && unix.Fstatat(fd, base, st, unix.AT_SYMLINK_NOFOLLOW) != nil {
		return false
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return false
	}
	k := genfs.FileKey{Dev: uint64(st.Dev), Ino: st.Ino, Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano()}
	if id.Key != (genfs.FileKey{}) && k == id.Key {
		return true
	}
	data, ok := readAt(fd, base, -1)
	if !ok || sha256.Sum256(data) != id.Sum {
		return false
	}
	// The content is as generated: the file was touched, or had not
	// settled yet. Remember the fingerprint seen before reading, if the
	// file has settled since.
	if k.Size == int64(len(data)) && k.Ctime < w.now-settle && k.Mtime < w.now-settle {
		w.mu.Lock()
		if w.refreshed == nil {
			w.refreshed = slices.Clone(w.ids)
		}
		w.refreshed[i].Key = k
		w.mu.Unlock()
	}
	return true
}

// readAt reads the regular file base in the directory fd, at most limit
// bytes of it (all of it for a negative limit), without following a
// symbolic link.
func readAt(dirfd int, base string, limit int) ([]byte, bool) {
	fd, err := unix.Openat(dirfd, base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer unix.Close(fd)
	size := limit
	if limit < 0 {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			return nil, false
		}
		size = int(st.Size) + 1 // one more, to see the end
	}
	buf := make([]byte, 0, size)
	for limit < 0 || len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf)+512)
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, false
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	return buf, true
}

// Identify is genfs.Identify holding at most one directory open at a time
// (genfs keeps one descriptor per directory of the flake, more than the
// open-file limit of some systems allows for tens of thousands of
// machines): files are taken directory by directory, each directory
// reached from the output directory one name at a time without following
// a symbolic link.
func Identify(dir string, files []genfs.File, since time.Time) ([]genfs.Identity, error) {
	root, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open output directory: %w", &fs.PathError{Op: "open", Path: dir, Err: err})
	}
	defer unix.Close(root)
	ids := make([]genfs.Identity, len(files))
	order := make([]int, len(files)) // files by directory
	for i, f := range files {
		ids[i] = genfs.Identity{Path: f.Path, Sum: sha256.Sum256(f.Data)}
		order[i] = i
	}
	parent := func(p string) string {
		if i := strings.LastIndexByte(p, '/'); i >= 0 {
			return p[:i]
		}
		return ""
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(parent(files[a].Path), parent(files[b].Path)) })
	limit := since.Add(-genfs.Settle).UnixNano()
	fd, open := -1, "\x00" // the directory open now, and its path
	defer func() {
		if fd >= 0 && fd != root {
			unix.Close(fd)
		}
	}()
	for _, i := range order {
		f := files[i]
		d := parent(f.Path)
		if d != open {
			if fd >= 0 && fd != root {
				unix.Close(fd)
			}
			if fd, err = openDir(root, d); err != nil {
				fd = -1
				return nil, &fs.PathError{Op: "open", Path: d, Err: err}
			}
			open = d
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, f.Path[len(d)+min(len(d), 1):], &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return nil, &fs.PathError{Op: "lstat", Path: f.Path, Err: err}
		}
		k := genfs.FileKey{Dev: uint64(st.Dev), Ino: st.Ino, Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano()}
		if st.Mode&unix.S_IFMT == unix.S_IFREG && k.Size == int64(len(f.Data)) && k.Ctime < limit && k.Mtime < limit {
			ids[i].Key = k
		}
	}
	return ids, nil
}

// openDir opens the directory p ("" for root itself, which it returns) below
// root, one name at a time, following no symbolic link.
func openDir(root int, p string) (int, error) {
	if p == "" {
		return root, nil
	}
	fd := root
	for name := range strings.SplitSeq(p, "/") {
		next, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if fd != root {
			unix.Close(fd)
		}
		if err != nil {
			return -1, err
		}
		fd = next
	}
	return fd, nil
}
