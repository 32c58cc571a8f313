package genfs

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// WriterOptions says what a Writer does with the files it is given.
type WriterOptions struct {
	// Stage writes each file that is to be created or updated to a
	// temporary file beside its destination as soon as it is added, so
	// that its content need not be kept; Commit then puts them in place.
	// Without it, the Writer only compares, as Compare does.
	Stage bool
	// Identify keeps each file's content hash, for Identities.
	Identify bool
}

// Writer compares a generated tree with the disk, and writes it, one file
// at a time as the generator makes them, so that the whole tree is never
// held in memory. Add takes each file; Finish returns the plan, as Compare
// would for the same files; Commit carries it out, as Apply would. It
// keeps every promise of Compare and Apply: a file without the header is
// never overwritten or removed, and if the plan refuses a file, or
// anything fails before Commit renames, the tree is left as it was: files
// staged early are temporary files, or files in directories made under
// temporary names, that Abort, or a failed Commit, removes.
//
// Staging runs on other goroutines than the generator's, as many as there
// are CPUs (at most a few). A Writer's methods are for one goroutine.
type Writer struct {
	dir   string
	owned func(string) bool
	opt   WriterOptions

	root *os.Root // nil while dir does not exist
	// fresh is set when dir did not exist: nothing in it can be stale.
	fresh bool
	d     *dirs
	in    *inspector

	files  []*record
	byPath map[string]*record
	under  map[string]string // a directory on the way to a file: that file
	mkdirs map[string]bool   // directories made or found on the way to staged files
	plan   Plan

	// A directory that does not exist yet is made under a temporary name
	// beside its place, with everything below it, and renamed into place
	// whole by Commit: one rename, instead of one per file below it, and
	// nothing at its place until then.
	staged map[string]stagedAt // a directory being made: where it is while staged
	tops   []*stagedDir        // the temporary trees, in the order made

	jobs    chan []stageJob
	batch   []stageJob // jobs not yet handed over
	workers sync.WaitGroup
	failMu  sync.Mutex
	failed  error // the first staging failure

	finished, done bool
}

// record is what a Writer remembers of one file.
type record struct {
	path  string
	size  int64
	state state
	key   FileKey // the fingerprint seen before the content was compared
	keyOK bool
	sum   [sha256.Size]byte
	tmp   string // the staged temporary file's name in the destination's directory
	at    string // or the file's path in a temporary tree (see Writer.staged)
	top   *stagedDir
}

// stagedDir is a directory made under a temporary name, at, in the parent
// directory of its place, dir; with the files staged in it and the
// directories made inside it, outermost first.
type stagedDir struct {
	dir, at string
	files   []*record
	inside  []string
}

// stagedAt is where a directory being made is while staged, and the
// temporary tree it is in.
type stagedAt struct {
	at  string
	top *stagedDir
}

// stageJob is a file for a staging goroutine to write.
type stageJob struct {
	rec  *record
	data []byte
}

// NewWriter returns a Writer for the output directory dir, which need not
// exist yet. owned says where shoal owns paths, as for Compare.
func NewWriter(dir string, owned func(path string) bool, opt WriterOptions) (*Writer, error) {
	w := newWriter(dir, owned, opt)
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		w.fresh = true
		return w, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open output directory: %w", err)
	}
	w.setRoot(root)
	return w, nil
}

func newWriter(dir string, owned func(string) bool, opt WriterOptions) *Writer {
	return &Writer{dir: dir, owned: owned, opt: opt, byPath: map[string]*record{}, under: map[string]string{},
		mkdirs: map[string]bool{}, staged: map[string]stagedAt{}}
}

func (w *Writer) setRoot(root *os.Root) {
	w.root = root
	w.d = newDirs(root)
	w.in = newInspector(w.d)
}

// Add compares f with the disk and, when staging and no file has been
// refused so far, stages it if it is to change. The Writer does not keep
// f.Data. An invalid path, a path given twice or used as both a file and
// a directory, or content without the header is an error, as in Compare.
func (w *Writer) Add(f File) error {
	if w.finished {
		return errors.New("genfs: Add after Finish")
	}
	if err := w.admit(f); err != nil {
		return err
	}
	rec := &record{path: f.Path, size: int64(len(f.Data))}
	w.files = append(w.files, rec)
	w.byPath[f.Path] = rec
	if w.root == nil || w.fresh {
		// Nothing was there when the Writer began: whatever appeared
		// since, Commit's second look finds.
		rec.state = stateCreate
	} else {
		st, reason, key, ok, err := w.in.inspect(f)
		if err != nil {
			return err // a *fs.PathError, which names the file
		}
		rec.state, rec.key, rec.keyOK = st, key, ok
		if st == stateRefused {
			w.plan.Refused = append(w.plan.Refused, Refusal{Path: f.Path, Reason: reason})
		}
	}
	switch rec.state {
	case stateCreate:
		w.plan.Creates = append(w.plan.Creates, f.Path)
	case stateUpdate:
		w.plan.Updates = append(w.plan.Updates, f.Path)
	case stateUnchanged:
		w.plan.Unchanged = append(w.plan.Unchanged, f.Path)
		if w.opt.Identify {
			rec.sum = sha256.Sum256(f.Data)
		}
		return nil
	default:
		return nil
	}
	if !w.opt.Stage || len(w.plan.Refused) > 0 {
		return nil
	}
	return w.stage(rec, f.Data)
}

// admit validates f against the files added before it.
func (w *Writer) admit(f File) error {
	if err := checkPath(f.Path); err != nil {
		return err
	}
	if _, dup := w.byPath[f.Path]; dup {
		return fmt.Errorf("generated file %s is given twice", f.Path)
	}
	if !IsGenerated(f.Path, f.Data) {
		return fmt.Errorf("generated file %s does not start with shoal's header", f.Path)
	}
	if below, ok := w.under[f.Path]; ok {
		return fmt.Errorf("generated file %s is also the directory of %s", f.Path, below)
	}
	for dir := range parents(f.Path) {
		if _, ok := w.byPath[dir]; ok {
			return fmt.Errorf("generated file %s is also the directory of %s", dir, f.Path)
		}
		if _, ok := w.under[dir]; !ok {
			w.under[dir] = f.Path
		}
	}
	return nil
}

// stage creates the directories on the way to rec's file and hands the
// file to a staging goroutine.
func (w *Writer) stage(rec *record, data []byte) error {
	if err := w.failure(); err != nil {
		return fmt.Errorf("write generated files (nothing was changed): %w", err)
	}
	if w.root == nil {
		if err := os.MkdirAll(w.dir, 0o755); err != nil {
			return fmt.Errorf("create output directory: %w", err)
		}
		root, err := os.OpenRoot(w.dir)
		if err != nil {
			return fmt.Errorf("open output directory: %w", err)
		}
		w.setRoot(root)
	}
	for dir := range parents(rec.path) {
		if w.mkdirs[dir] {
			continue
		}
		w.mkdirs[dir] = true
		if err := w.makeDir(dir); err != nil {
			return fmt.Errorf("write generated files (nothing was changed): %w", err)
		}
	}
	if sd, ok := w.staged[parentDir(rec.path)]; ok {
		_, base := splitDir(rec.path)
		rec.at, rec.top = joinDir(sd.at, base), sd.top
		sd.top.files = append(sd.top.files, rec)
	}
	if w.jobs == nil {
		w.jobs = make(chan []stageJob, stageQueue)
		for range min(runtime.GOMAXPROCS(0), maxStagers) {
			w.workers.Go(w.stager)
		}
	}
	w.batch = append(w.batch, stageJob{rec: rec, data: data})
	if len(w.batch) == stageBatch {
		w.jobs <- w.batch
		w.batch = make([]stageJob, 0, stageBatch)
	}
	return nil
}

// makeDir makes dir, whose parent is made or found already, unless it
// exists: under a temporary name beside its place if its parent exists,
// or inside its parent's temporary tree.
func (w *Writer) makeDir(dir string) error {
	parent, base := splitDir(dir)
	if sd, ok := w.staged[parent]; ok {
		inner := joinDir(sd.at, base)
		if err := w.d.mkdirInTree(sd.top.at, inner[len(sd.top.at)+1:]); err != nil {
			return err
		}
		w.staged[dir] = stagedAt{at: inner, top: sd.top}
		sd.top.inside = append(sd.top.inside, inner)
		return nil
	}
	h, release, err := w.d.acquire(parent)
	if err != nil {
		return err
	}
	defer release()
	_, err = h.Lstat(base)
	if err == nil {
		// There already. Should it be anything but a directory, opening
		// it fails when a file is staged in it.
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return &fs.PathError{Op: "lstat", Path: dir, Err: unwrapPath(err)}
	}
	tmp, err := mkdirTemp(h, base, dir)
	if err != nil {
		return err
	}
	top := &stagedDir{dir: dir, at: joinDir(parent, tmp)}
	w.staged[dir] = stagedAt{at: top.at, top: top}
	w.tops = append(w.tops, top)
	return nil
}

// parentDir is the directory of name ("" for the root).
func parentDir(name string) string {
	dir, _ := splitDir(name)
	return dir
}

// Files go to the staging goroutines in batches of stageBatch, which
// spares a hand-over per file, and at most stageQueue batches wait: enough
// to keep the goroutines busy, few enough that waiting files hold little
// memory. A waiting file holds no directory handle: a stager opens it.
const (
	stageBatch = 16
	stageQueue = 4
)

// stager writes the files it receives to temporary files until the
// queue closes, skipping them once one failed.
func (w *Writer) stager() {
	for batch := range w.jobs {
		for _, j := range batch {
			if w.failure() == nil {
				w.stageOne(j)
			}
		}
	}
}

func (w *Writer) stageOne(j stageJob) {
	if testHookStage != nil {
		hookLock.Lock()
		err := testHookStage(j.rec.path)
		hookLock.Unlock()
		if err != nil {
			w.fail(err)
			return
		}
	}
	if top := j.rec.top; top != nil {
		// In a temporary tree: written at its own name.
		if err := w.d.writeInTree(top.at, j.rec.at[len(top.at)+1:], j.data); err != nil {
			w.fail(err)
			return
		}
	} else {
		dir, base := splitDir(j.rec.path)
		h, release, err := w.d.acquire(dir)
		if err != nil {
			w.fail(err)
			return
		}
		tmp, err := writeTemp(h, base, j.rec.path, j.data)
		release()
		if err != nil {
			w.fail(err)
			return
		}
		j.rec.tmp = tmp
	}
	if w.opt.Identify {
		j.rec.sum = sha256.Sum256(j.data)
	}
}

// hookLock serialises calls of testHookStage.
var hookLock sync.Mutex

func (w *Writer) fail(err error) {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	if w.failed == nil {
		w.failed = err
	}
}

func (w *Writer) failure() error {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	return w.failed
}

// wait lets the staging goroutines finish.
func (w *Writer) wait() {
	if w.jobs != nil {
		if len(w.batch) > 0 {
			w.jobs <- w.batch
			w.batch = nil
		}
		close(w.jobs)
		w.workers.Wait()
		w.jobs = nil
	}
}

// Finish waits for the staging, looks for stale files, and returns the
// plan for every file added: what Compare would return for them. A
// staging failure is its error; the caller should then Abort.
func (w *Writer) Finish() (*Plan, error) {
	if !w.finished {
		w.finished = true
		w.wait()
		if err := w.failure(); err != nil {
			return nil, fmt.Errorf("write generated files (nothing was changed): %w", err)
		}
		if err := w.stale(); err != nil {
			return nil, err
		}
		slices.Sort(w.plan.Creates)
		slices.Sort(w.plan.Updates)
		slices.Sort(w.plan.Unchanged)
		slices.Sort(w.plan.Removes) // WalkDir's order sorts "a-b" before "a/b"
		slices.SortFunc(w.plan.Refused, func(a, b Refusal) int { return strings.Compare(a.Path, b.Path) })
	}
	p := w.plan
	return &p, nil
}

// stale finds the generated files in owned places that are not wanted.
func (w *Writer) stale() error {
	if w.owned == nil || w.root == nil || w.fresh {
		return nil
	}
	// A temporary tree holds only the Writer's own staged files.
	made := make(map[string]bool, len(w.tops))
	for _, t := range w.tops {
		made[t.at] = true
	}
	temps := map[string]bool{}
	for _, r := range w.files {
		if r.tmp != "" {
			dir, _ := splitDir(r.path)
			temps[joinDir(dir, r.tmp)] = true
		}
	}
	err := fs.WalkDir(w.root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || made[name] {
				return fs.SkipDir
			}
			return nil
		}
		if _, ok := w.byPath[name]; ok || temps[name] || !d.Type().IsRegular() || !w.owned(name) {
			return nil
		}
		generated, err := hasHeader(w.root, name)
		if err != nil {
			return err
		}
		if generated {
			w.plan.Removes = append(w.plan.Removes, name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("look for stale generated files: %w", err)
	}
	return nil
}

// joinDir is name in dir ("" for the root).
func joinDir(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// Commit carries out the plan Finish returned: if it refuses any file, it
// removes what was staged and returns a *RefusedError; otherwise it checks
// again that nothing it changes has changed since it was compared, syncs
// the file system once, renames the staged files into place, and removes
// the stale files and the directories their removal leaves empty. The
// Writer must stage. On an error before renaming, nothing is changed.
func (w *Writer) Commit() (Result, error) {
	var res Result
	if !w.finished {
		return res, errors.New("genfs: Commit before Finish")
	}
	if w.done {
		return res, errors.New("genfs: Commit after Commit or Abort")
	}
	if !w.opt.Stage {
		return res, errors.New("genfs: Commit of a Writer that does not stage")
	}
	if len(w.plan.Refused) > 0 {
		w.Abort()
		return res, &RefusedError{Refused: slices.Clone(w.plan.Refused)}
	}
	defer w.Abort() // after the renames, only closes the handles
	if w.plan.Changes() == 0 {
		return res, nil
	}
	if err := w.recheck(); err != nil {
		return res, err
	}
	return w.put()
}

// put syncs, renames the staged files into place and removes the stale
// ones, as Commit describes.
func (w *Writer) put() (Result, error) {
	var res Result
	var staged []*record
	total := 0
	for _, r := range w.files {
		if r.tmp != "" || r.at != "" {
			total++
		}
		if r.tmp != "" {
			staged = append(staged, r)
		}
	}
	// In path order, a directory's files follow one another: its handle
	// is opened once.
	slices.SortFunc(staged, func(a, b *record) int { return strings.Compare(a.path, b.path) })
	if total > 0 {
		// Without a sync, a crash could leave an empty file in place: it
		// would lack the header, and shoal would then refuse to overwrite
		// it. One sync of the file system costs far less than one per file.
		if err := syncFS(w.dir); err != nil {
			return res, fmt.Errorf("write generated files (nothing was changed): %w", err)
		}
	}
	for _, r := range staged {
		if err := w.rename(r); err != nil {
			return res, fmt.Errorf("write generated files (%d of %d written): %w", res.Written, total, err)
		}
		res.Written++
		res.Bytes += r.size
	}
	// A directory cannot be renamed or removed while it, or anything in
	// it, is open on Windows.
	w.d.close()
	for len(w.tops) > 0 {
		t := w.tops[0]
		if err := renameNoReplace(w.root, t.at, t.dir); err != nil {
			// The trees not renamed stay Abort's to remove.
			return res, fmt.Errorf("write generated files (%d of %d written): %w", res.Written, total, err)
		}
		// In place now: Abort must not remove it.
		w.tops = w.tops[1:]
		for _, r := range t.files {
			r.at, r.top = "", nil
			res.Written++
			res.Bytes += r.size
		}
	}
	for _, name := range w.plan.Removes {
		if err := w.root.Remove(name); err != nil {
			return res, fmt.Errorf("remove stale generated file: %w", err)
		}
		res.Removed++
	}
	if err := pruneEmpty(w.root, w.plan.Removes); err != nil {
		return res, fmt.Errorf("remove emptied directories: %w", err)
	}
	return res, nil
}

// rename puts r's staged file in place: both names are in one directory,
// one renameat and no lookups.
func (w *Writer) rename(r *record) error {
	dir, base := splitDir(r.path)
	h, release, err := w.d.acquire(dir)
	if err != nil {
		return err
	}
	defer release()
	if err := h.Rename(r.tmp, base); err != nil {
		return &fs.PathError{Op: "rename", Path: r.path, Err: unwrapPath(err)}
	}
	r.tmp = ""
	return nil
}

// recheck makes sure that the files the plan changes are still as they
// were found, so that nothing that appeared or changed since is
// overwritten: a file to create is still absent, one to update or remove
// is still a regular file with the header.
func (w *Writer) recheck() error {
	in := newInspector(w.d)
	var errs []error
	changed := func(name string) {
		errs = append(errs, fmt.Errorf("%s changed since it was compared", name))
	}
	for _, name := range w.plan.Creates {
		if ok, err := in.absent(name); err != nil {
			errs = append(errs, err)
		} else if !ok {
			changed(name)
		}
	}
	// A directory made under a temporary name goes in place whole: its
	// place must still be free, even if none of its files are taken.
	for _, t := range w.tops {
		if _, err := w.root.Lstat(t.dir); err == nil {
			changed(t.dir)
		} else if !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for _, name := range slices.Concat(w.plan.Updates, w.plan.Removes) {
		if ok, err := removable(w.root, name); err != nil {
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

// Abort removes the staged files and the directories made for them, and
// closes the Writer's handles. It does nothing more after Commit, and may
// be called more than once.
func (w *Writer) Abort() {
	w.finished = true
	w.wait()
	if w.done {
		return
	}
	w.done = true
	if w.root == nil {
		return
	}
	for _, r := range w.files {
		if r.tmp == "" {
			continue
		}
		dir, _ := splitDir(r.path)
		if h, release, err := w.d.acquire(dir); err == nil {
			h.Remove(r.tmp)
			release()
		}
		r.tmp = ""
	}
	w.d.close()
	// Only what the Writer made is removed: were anything else in a
	// temporary tree, its directories would stay.
	for _, t := range w.tops {
		for _, r := range t.files {
			w.root.Remove(r.at)
			r.at, r.top = "", nil
		}
		for _, dir := range slices.Backward(t.inside) {
			w.root.Remove(dir)
		}
		w.root.Remove(t.at)
	}
	w.tops = nil
	w.root.Close()
}

// Identities returns the identities of the files added, sorted by path,
// as Identify would after Commit (or for a plan without changes): the
// fingerprints of files found as wanted and settled before since, a moment
// before the Writer was made; no fingerprint for a file written, which has
// not settled. It needs WriterOptions.Identify.
func (w *Writer) Identities(since time.Time) []Identity {
	ids := make([]Identity, len(w.files))
	for i, r := range w.files {
		ids[i] = Identity{Path: r.path, Sum: r.sum}
		if r.state == stateUnchanged && r.keyOK && r.key.Size == r.size && settled(r.key, since) {
			ids[i].Key = r.key
		}
	}
	slices.SortFunc(ids, func(a, b Identity) int { return cmp.Compare(a.Path, b.Path) })
	return ids
}
