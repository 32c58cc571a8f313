package stamp

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io/fs"
	"slices"
	"sync"
)

// Kinds of what an input access found.
const (
	kindMissing = 'm'
	kindFile    = 'f'
	kindDir     = 'd'
	kindOther   = 'o'
)

// Operations on inputs.
const (
	opRead    = 'r' // the content of a file
	opStat    = 's' // what is at a name (a regular file's content included)
	opReadDir = 'l' // a directory's listing
)

// Input is one recorded access to an input.
type Input struct {
	Op   byte
	Kind byte
	Name string
	Sum  [sha256.Size]byte // of the content or the listing; zero when missing
}

// Recorder is an fs.FS that passes every access on to another and records
// it as an Input. An access it cannot record faithfully (an error other
// than a missing file, a symbolic link looked at) spoils the record:
// Inputs then reports false. A Recorder is safe for concurrent use.
type Recorder struct {
	fsys fs.FS

	mu      sync.Mutex
	inputs  []Input
	spoiled bool
}

// Interface guards: the check pipeline asks for these.
var (
	_ fs.ReadFileFS = (*Recorder)(nil)
	_ fs.ReadDirFS  = (*Recorder)(nil)
	_ fs.StatFS     = (*Recorder)(nil)
	_ fs.ReadLinkFS = (*Recorder)(nil)
)

// NewRecorder records the accesses to fsys.
func NewRecorder(fsys fs.FS) *Recorder { return &Recorder{fsys: fsys} }

// Inputs returns what was read, in the order read, and whether the record
// is complete enough for a stamp.
func (r *Recorder) Inputs() ([]Input, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.inputs), !r.spoiled
}

func (r *Recorder) add(in Input, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.spoiled = true
		return
	}
	r.inputs = append(r.inputs, in)
}

// Open records the content (or listing) of what it opens: whoever opens
// a file may read all of it.
func (r *Recorder) Open(name string) (fs.File, error) {
	r.add(look(r.fsys, opStat, name))
	return r.fsys.Open(name)
}

// ReadFile implements fs.ReadFileFS.
func (r *Recorder) ReadFile(name string) ([]byte, error) {
	data, err := fs.ReadFile(r.fsys, name)
	switch {
	case err == nil:
		r.add(Input{Op: opRead, Kind: kindFile, Name: name, Sum: sha256.Sum256(data)}, nil)
	case errors.Is(err, fs.ErrNotExist):
		r.add(Input{Op: opRead, Kind: kindMissing, Name: name}, nil)
	default:
		r.add(Input{}, err)
	}
	return data, err
}

// ReadDir implements fs.ReadDirFS.
func (r *Recorder) ReadDir(name string) ([]fs.DirEntry, error) {
	r.add(look(r.fsys, opReadDir, name))
	return fs.ReadDir(r.fsys, name)
}

// Stat implements fs.StatFS.
func (r *Recorder) Stat(name string) (fs.FileInfo, error) {
	r.add(look(r.fsys, opStat, name))
	return fs.Stat(r.fsys, name)
}

// Lstat implements fs.ReadLinkFS. Only error paths look at links; the
// record does not follow them, so it is spoiled.
func (r *Recorder) Lstat(name string) (fs.FileInfo, error) {
	r.add(Input{}, errors.New("lstat is not recorded"))
	return fs.Lstat(r.fsys, name)
}

// ReadLink implements fs.ReadLinkFS; like Lstat, it spoils the record.
func (r *Recorder) ReadLink(name string) (string, error) {
	r.add(Input{}, errors.New("readlink is not recorded"))
	return fs.ReadLink(r.fsys, name)
}

// look performs op on name in fsys and returns what it found; an error is
// an access that cannot be recorded.
func look(fsys fs.FS, op byte, name string) (Input, error) {
	in := Input{Op: op, Name: name}
	switch op {
	case opRead:
		data, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			in.Kind = kindMissing
			return in, nil
		}
		if err != nil {
			return in, err
		}
		in.Kind, in.Sum = kindFile, sha256.Sum256(data)
		return in, nil
	case opReadDir:
		entries, err := fs.ReadDir(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			in.Kind = kindMissing
			return in, nil
		}
		if err != nil {
			return in, err
		}
		in.Kind, in.Sum = kindDir, listingSum(entries)
		return in, nil
	}
	fi, err := fs.Stat(fsys, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		in.Kind = kindMissing
	case err != nil:
		return in, err
	case fi.Mode().IsRegular():
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return in, err
		}
		in.Kind, in.Sum = kindFile, sha256.Sum256(data)
	case fi.IsDir():
		entries, err := fs.ReadDir(fsys, name)
		if err != nil {
			return in, err
		}
		in.Kind, in.Sum = kindDir, listingSum(entries)
	default:
		in.Kind = kindOther
	}
	return in, nil
}

// listingSum hashes a directory's names and their types.
func listingSum(entries []fs.DirEntry) [sha256.Size]byte {
	h := sha256.New()
	for _, e := range entries {
		h.Write([]byte(e.Name()))
		h.Write(binary.BigEndian.AppendUint32([]byte{0}, uint32(e.Type())))
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// unchanged reports whether every input reads back as recorded in fsys.
func unchanged(fsys fs.FS, inputs []Input) bool {
	for _, in := range inputs {
		now, err := look(fsys, in.Op, in.Name)
		if err != nil || now != in {
			return false
		}
	}
	return true
}
