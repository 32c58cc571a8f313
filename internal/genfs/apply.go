package genfs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	defer root.Close()

	handles := newDirs(root)
	defer handles.close()
	if err := recheck(handles, p, wanted); err != nil {
		return res, err
	}
	staged, err := stage(handles, writes)
	if err != nil {
		return res, fmt.Errorf("write generated files (nothing was changed): %w", err)
	}
	// Without a sync, a crash could leave an empty file in place: it would
	// lack the header, and shoal would then refuse to overwrite it. One sync
	// of the file system costs far less than one per file.
	if len(staged) > 0 {
		if err := syncFS(dir); err != nil {
			for _, s := range staged {
				s.dir.Remove(s.tmp)
			}
			return res, fmt.Errorf("write generated files (nothing was changed): %w", err)
		}
	}
	for i, s := range staged {
		// Both names are in the one directory: one renameat, no lookups.
		if err := s.dir.Rename(s.tmp, s.base); err != nil {
			for _, rest := range staged[i:] {
				rest.dir.Remove(rest.tmp)
			}
			return res, fmt.Errorf("write generated files (%d of %d written): %w", res.Written, len(staged), &fs.PathError{Op: "rename", Path: s.path, Err: unwrapPath(err)})
		}
		res.Written++
		res.Bytes += s.size
	}

	for _, name := range p.Removes {
		if err := root.Remove(name); err != nil {
			return res, fmt.Errorf("remove stale generated file: %w", err)
		}
		res.Removed++
	}
	if err := pruneEmpty(root, p.Removes); err != nil {
		return res, fmt.Errorf("remove emptied directories: %w", err)
	}
	return res, nil
}

// recheck makes sure that the files p changes are still as Compare found
// them, so that nothing that appeared or changed since is overwritten.
func recheck(d *dirs, p *Plan, wanted map[string][]byte) error {
	in := newInspector(d)
	root := d.root
	var errs []error
	changed := func(name string) {
		errs = append(errs, fmt.Errorf("%s changed since it was compared", name))
	}
	for _, name := range p.Creates {
		if st, _, err := in.inspect(File{Path: name, Data: wanted[name]}); err != nil {
			errs = append(errs, err)
		} else if st != stateCreate {
			changed(name)
		}
	}
	for _, name := range p.Updates {
		if st, _, err := in.inspect(File{Path: name, Data: wanted[name]}); err != nil {
			errs = append(errs, err)
		} else if st != stateUpdate && st != stateUnchanged {
			changed(name)
		}
	}
	for _, name := range p.Removes {
		if ok, err := removable(root, name); err != nil {
			errs = append(errs, err)
		} else if !ok {
			changed(name)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w; nothing was changed", joined(errs))
	}
	return nil
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

// stagedFile is a new content written next to its destination.
type stagedFile struct {
	path string   // the destination, relative to the output directory
	dir  *os.Root // the destination's directory
	base string   // the destination's name in dir
	tmp  string   // the temporary file's name in dir
	size int64
}

// stage writes every file to a temporary file beside its destination,
// creating the directories first, and writing on as many goroutines as
// there are CPUs to use (at most a few). On failure it removes what it
// wrote, directories included, and returns the error.
func stage(d *dirs, files []File) (staged []stagedFile, err error) {
	var made []string // directories created, outermost first
	done := make([]bool, len(files))
	all := make([]stagedFile, len(files))
	defer func() {
		if err == nil {
			return
		}
		for i, s := range all {
			if done[i] {
				s.dir.Remove(s.tmp)
			}
		}
		d.close() // a directory cannot be removed while it is open on Windows
		for _, dir := range slices.Backward(made) {
			d.root.Remove(dir)
		}
		staged = nil
	}()
	seen := map[string]bool{}
	for i, f := range files {
		for dir := range parents(f.Path) {
			if seen[dir] {
				continue
			}
			seen[dir] = true
			err := d.mkdir(dir)
			if err == nil {
				made = append(made, dir)
			} else if !errors.Is(err, fs.ErrExist) {
				return nil, err
			}
		}
		dir, base := splitDir(f.Path)
		h, err := d.open(dir)
		if err != nil {
			return nil, err
		}
		all[i] = stagedFile{path: f.Path, dir: h, base: base, size: int64(len(f.Data))}
	}

	workers := min(runtime.GOMAXPROCS(0), maxStagers, len(files))
	var (
		next     atomic.Int64
		failed   atomic.Bool
		errs     = make([]error, workers)
		wg       sync.WaitGroup
		hookLock sync.Mutex
	)
	for w := range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				if testHookStage != nil {
					hookLock.Lock()
					err := testHookStage(files[i].Path)
					hookLock.Unlock()
					if err != nil {
						errs[w] = err
						failed.Store(true)
						return
					}
				}
				tmp, err := writeTemp(all[i].dir, all[i].base, files[i])
				if err != nil {
					errs[w] = err
					failed.Store(true)
					return
				}
				all[i].tmp = tmp
				done[i] = true
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return all, nil
}

// maxStagers bounds the goroutines that write temporary files: writing is
// mostly system calls, and a few in flight keep the CPUs busy.
const maxStagers = 4

// testHookStage, when set, runs before each temporary file is written, so
// that a test can make writing fail even as root. Calls are serialised.
var testHookStage func(path string) error

// writeTemp writes f's data to a new file named after base in dir, the
// handle of f's directory, and returns the new file's name in dir.
func writeTemp(dir *os.Root, base string, f File) (string, error) {
	// Leave room for the decoration within the usual 255-byte limit on
	// a name.
	for len(base) > 200 {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	prefix, _ := splitDir(f.Path)
	if prefix != "" {
		prefix += "/"
	}
	for range 100 {
		tmp := "." + base + ".shoal-" + strconv.FormatUint(rand.Uint64(), 36) + ".tmp"
		out, err := dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|tempFlags, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", &fs.PathError{Op: "open", Path: prefix + tmp, Err: unwrapPath(err)}
		}
		_, err = out.Write(f.Data)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			dir.Remove(tmp)
			return "", &fs.PathError{Op: "write", Path: prefix + tmp, Err: unwrapPath(err)}
		}
		return tmp, nil
	}
	return "", fmt.Errorf("create a temporary file for %s: too many name collisions", f.Path)
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
