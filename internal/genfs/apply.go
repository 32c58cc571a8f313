package genfs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Result counts what Apply did.
type Result struct {
	Written int   // files created or updated
	Bytes   int64 // bytes in the files written
	Removed int   // stale generated files removed
}

// RefusedError is Apply's error when the plan refuses files: nothing was
// changed.
type RefusedError struct {
	Refused []Refusal
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	b.WriteString("refusing to change the generated tree: ")
	for i, r := range e.Refused {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Path + " " + r.Reason)
	}
	return b.String()
}

// Apply carries out p, the plan Compare made for the same dir and files.
//
// It is all or nothing where it can be. If p refuses any file, Apply
// changes nothing and returns a *RefusedError. Before changing anything it
// checks again that every file it is to create is still absent and every
// file it is to update or remove still carries the header, and stops if
// one does not. It then writes each new content to a temporary file in the
// destination's directory (creating directories 0755 and files 0644),
// syncs the file system once, and only when all are written renames them
// into place, so
// each file is replaced atomically and a failed write changes nothing.
// Last it removes the stale files and the directories that their removal
// leaves empty, never dir itself.
func Apply(dir string, files []File, p *Plan) (Result, error) {
	var res Result
	if p == nil {
		return res, errors.New("apply: no plan")
	}
	if len(p.Refused) > 0 {
		return res, &RefusedError{Refused: slices.Clone(p.Refused)}
	}
	wanted, err := index(files)
	if err != nil {
		return res, err
	}
	var writes []File
	for _, name := range slices.Concat(p.Creates, p.Updates) {
		data, ok := wanted[name]
		if !ok {
			return res, fmt.Errorf("apply: plan writes %s, which is not among the files", name)
		}
		writes = append(writes, File{Path: name, Data: data})
	}
	for _, name := range p.Removes {
		if err := checkPath(name); err != nil {
			return res, err
		}
		if _, ok := wanted[name]; ok {
			return res, fmt.Errorf("apply: plan removes %s, which is among the files", name)
		}
	}
	if len(writes) == 0 && len(p.Removes) == 0 {
		return res, nil
	}

	if len(writes) > 0 {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return res, fmt.Errorf("create output directory: %w", err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return res, fmt.Errorf("open output directory: %w", err)
	}
	w := newWriter(dir, nil, WriterOptions{Stage: true})
	w.finished = true
	w.setRoot(root)
	w.plan = Plan{Creates: p.Creates, Updates: p.Updates, Removes: p.Removes}
	defer w.Abort()
	if err := w.recheck(); err != nil {
		return res, err
	}
	for _, f := range writes {
		rec := &record{path: f.Path, size: int64(len(f.Data))}
		w.files = append(w.files, rec)
		if err := w.stage(rec, f.Data); err != nil {
			return res, err
		}
	}
	w.wait()
	if err := w.failure(); err != nil {
		return res, fmt.Errorf("write generated files (nothing was changed): %w", err)
	}
	return w.put()
}

// joined is several errors on one line.
type joined []error

func (e joined) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e joined) Unwrap() []error { return e }

// removable reports whether name is a regular file with the header, with
// no symbolic link on the way to it.
func removable(root *os.Root, name string) (bool, error) {
	for dir := range parents(name) {
		fi, err := root.Lstat(dir)
		if err != nil || !fi.IsDir() {
			return false, nil
		}
	}
	fi, err := root.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() {
		return false, nil
	}
	return hasHeader(root, name)
}

// maxStagers bounds the goroutines that write temporary files: writing is
// mostly system calls, and a few in flight keep the CPUs busy.
const maxStagers = 4

// testHookStage, when set, runs before each temporary file is written, so
// that a test can make writing fail even as root. Calls are serialised.
var testHookStage func(path string) error

// writeTemp writes data to a new file named after base in dir, the
// handle of the directory of the file name, and returns the new file's
// name in dir.
func writeTemp(dir *os.Root, base, name string, data []byte) (string, error) {
	prefix, _ := splitDir(name)
	if prefix != "" {
		prefix += "/"
	}
	for range 100 {
		tmp := tempName(base)
		err := writeNew(dir, tmp, prefix+tmp, data)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return tmp, nil
	}
	return "", fmt.Errorf("create a temporary file for %s: too many name collisions", name)
}

// tempName is a new temporary name for base, hidden, marked as shoal's,
// and within the usual 255-byte limit on a name.
func tempName(base string) string {
	// Leave room for the decoration.
	for len(base) > 200 {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	return "." + base + ".shoal-" + strconv.FormatUint(rand.Uint64(), 36) + ".tmp"
}

// writeNew writes data to a new file base in dir, which name is for
// errors. If base exists, the error wraps fs.ErrExist; on another error,
// no file is left.
func writeNew(dir *os.Root, base, name string, data []byte) error {
	out, err := dir.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL|tempFlags, 0o644)
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: unwrapPath(err)}
	}
	_, err = out.Write(data)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		dir.Remove(base)
		return &fs.PathError{Op: "write", Path: name, Err: unwrapPath(err)}
	}
	return nil
}

// mkdirTemp makes a new directory in dir under a temporary name for base
// and returns the name; name is base's path, for errors.
func mkdirTemp(dir *os.Root, base, name string) (string, error) {
	for range 100 {
		tmp := tempName(base)
		err := dir.Mkdir(tmp, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", &fs.PathError{Op: "mkdir", Path: joinDir(parentDir(name), tmp), Err: unwrapPath(err)}
		}
		return tmp, nil
	}
	return "", fmt.Errorf("create a temporary directory for %s: too many name collisions", name)
}

// pruneEmpty removes the directories that held removed files and are now
// empty, and their parents that are left empty in turn, up to but not
// including the root.
func pruneEmpty(root *os.Root, removed []string) error {
	seen := map[string]bool{}
	var dirs []string
	for _, name := range removed {
		for dir := range parents(name) {
			if !seen[dir] {
				seen[dir] = true
				dirs = append(dirs, dir)
			}
		}
	}
	// Deepest first, so that a parent is looked at after its children.
	slices.SortFunc(dirs, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.Count(b, "/"), strings.Count(a, "/")), strings.Compare(a, b))
	})
	for _, dir := range dirs {
		fi, err := root.Lstat(dir)
		if err != nil || !fi.IsDir() {
			continue
		}
		entries, err := fs.ReadDir(root.FS(), dir)
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			continue
		}
		if err := root.Remove(dir); err != nil {
			return err
		}
	}
	return nil
}
