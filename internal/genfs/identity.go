package genfs

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"
)

// Identity is what a stamp remembers of one generated file on disk: its
// content's hash and, once the file is settled, its file system
// fingerprint.
//
// A fingerprint (device, inode, size, modification and change times) alone
// cannot prove a file unchanged: a file edited within one tick of the file
// system's clock after it was looked at keeps its times. So a fingerprint
// is remembered only for a file whose change time was at least Settle
// before the moment its content was hashed: any later write moves the
// change time past that moment and changes the fingerprint. A file without
// a remembered fingerprint is hashed again by Verify.
type Identity struct {
	Path string
	Sum  [sha256.Size]byte
	// Key is the fingerprint of a settled file; the zero Key for one that
	// was not settled when it was identified.
	Key FileKey
}

// FileKey is a file system fingerprint of a regular file.
type FileKey struct {
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64 // nanoseconds since the epoch
}

// Settle is how long before the moment a file's content is hashed its last
// change must lie for its fingerprint to be trusted. It is longer than the
// coarsest timestamp granularity shoal may meet (FAT's two seconds).
const Settle = 3 * time.Second

// Identify returns the identities of files as they are on disk under dir
// after Apply wrote them (or Compare found them as wanted), in the order of
// files. It hashes the wanted content and takes each file's fingerprint,
// which it keeps only when the file is settled and matches the wanted
// size. since is a moment before Compare read the files: a file changed
// after it was compared has changed after since, and is not settled.
func Identify(dir string, files []File, since time.Time) ([]Identity, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open output directory: %w", err)
	}
	defer root.Close()
	handles := newDirs(root)
	defer handles.close()
	ids := make([]Identity, len(files))
	for i, f := range files {
		ids[i] = Identity{Path: f.Path, Sum: sha256.Sum256(f.Data)}
		d, base := splitDir(f.Path)
		h, release, err := handles.acquire(d)
		if err != nil {
			return nil, err
		}
		fi, err := h.Lstat(base)
		release()
		if err != nil {
			return nil, &fs.PathError{Op: "lstat", Path: f.Path, Err: unwrapPath(err)}
		}
		if k, ok := fileKey(fi); ok && k.Size == int64(len(f.Data)) && settled(k, since) {
			ids[i].Key = k
		}
	}
	return ids, nil
}

// settled reports whether a file whose fingerprint is k, whose content was
// read after the moment at, had not changed within Settle before at.
func settled(k FileKey, at time.Time) bool {
	limit := at.Add(-Settle).UnixNano()
	return k.Ctime < limit && k.Mtime < limit
}

// Verify reports whether the generated tree under dir is still exactly the
// one ids describe, so that Compare would find every wanted file
// unchanged and nothing to remove: every file is a regular file reached
// through plain directories, with a settled fingerprint unchanged or else
// the same content, and no stale generated file lies where owned says
// shoal owns the path. It returns false at the first difference.
//
// When it is true, refreshed holds ids with fingerprints of files that have
// settled since; nil when no identity gained one.
func Verify(dir string, ids []Identity, owned func(path string) bool) (ok bool, refreshed []Identity, err error) {
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("open output directory: %w", err)
	}
	defer root.Close()
	v := &verifier{ids: ids, owned: owned, byPath: make(map[string]int, len(ids)), now: time.Now()}
	for i, id := range ids {
		if checkPath(id.Path) != nil {
			return false, nil, nil
		}
		if _, dup := v.byPath[id.Path]; dup {
			return false, nil, nil
		}
		v.byPath[id.Path] = i
	}
	// One walk of the tree, as Compare's look for stale files walks it,
	// finds every wanted file too: a file reached through a symbolic link
	// or anything but a plain directory is never found, as Compare would
	// refuse it.
	if !v.walk("", root) || v.seen != len(ids) {
		return false, nil, nil
	}
	return true, v.refreshed, nil
}

// verifier is the state of one Verify.
type verifier struct {
	ids       []Identity
	owned     func(string) bool
	byPath    map[string]int // index in ids
	now       time.Time      // before any file was read
	seen      int            // wanted files found as they should be
	refreshed []Identity
}

// walk verifies the directory name, open as h, and everything below it,
// and reports false at the first difference.
func (v *verifier) walk(name string, h *os.Root) bool {
	d, err := h.Open(".")
	if err != nil {
		return false
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return false
	}
	for _, e := range entries {
		p := e.Name()
		if name != "" {
			p = name + "/" + p
		}
		i, wanted := v.byPath[p]
		switch {
		case wanted:
			if !e.Type().IsRegular() || !v.file(h, e.Name(), i) {
				return false
			}
			v.seen++
		case e.IsDir():
			if e.Name() == ".git" {
				continue
			}
			sub, err := h.OpenRoot(e.Name())
			if err != nil {
				return false
			}
			ok := v.walk(p, sub)
			sub.Close()
			if !ok {
				return false
			}
		case e.Type().IsRegular() && v.owned != nil && v.owned(p):
			// A file Compare would look at as perhaps stale.
			generated, err := hasHeaderIn(h, e.Name(), p)
			if err != nil || generated {
				return false
			}
		}
	}
	return true
}

// file verifies the wanted file base in the directory h against ids[i].
func (v *verifier) file(h *os.Root, base string, i int) bool {
	id := v.ids[i]
	fi, err := h.Lstat(base)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	k, ok := fileKey(fi)
	if ok && id.Key != (FileKey{}) && k == id.Key {
		return true
	}
	data, err := h.ReadFile(base)
	if err != nil || sha256.Sum256(data) != id.Sum {
		return false
	}
	// The content is as generated: the file was touched, or had not
	// settled yet. Remember the fingerprint seen before reading, if the
	// file has settled since.
	if ok && k.Size == int64(len(data)) && settled(k, v.now) {
		if v.refreshed == nil {
			v.refreshed = slices.Clone(v.ids)
		}
		v.refreshed[i].Key = k
	}
	return true
}

// Fingerprint returns the file system fingerprint of a regular file, and
// false where there is none (another kind of file, or a system whose
// change times shoal does not know).
func Fingerprint(fi fs.FileInfo) (FileKey, bool) { return fileKey(fi) }
