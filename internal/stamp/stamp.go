package stamp

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/genfs"
)

// format names the stamp file format; a stamp in another one is ignored.
const format = "shoal gen stamp 1"

// Stamp is what a gen that left the flake as generated remembers.
type Stamp struct {
	// Key identifies the run: shoal's identity, the fleet and output
	// directories and everything else that shapes the output (see Key).
	Key string
	// Warnings is the warnings output exactly as printed.
	Warnings []byte
	Inputs   []Input
	Outputs  []genfs.Identity
}

// Key returns the identity of a gen run: shoal's own (the executable's
// fingerprint and its build information, so that any other build of shoal
// has another key) and the parts given, which name the directories and
// options the output depends on. It reports false when shoal cannot tell
// its own identity.
func Key(parts ...string) (string, bool) {
	exe, err := os.Executable()
	if err != nil {
		return "", false
	}
	var build string
	if bi, ok := debug.ReadBuildInfo(); ok {
		build = bi.String()
	}
	return keyOf(exe, build, parts...)
}

// keyOf is Key for the shoal executable at exe, built as build says.
func keyOf(exe, build string, parts ...string) (string, bool) {
	fi, err := os.Stat(exe)
	if err != nil {
		return "", false
	}
	k, ok := genfs.Fingerprint(fi)
	if !ok {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%+v\x00", format, exe, k)
	h.Write([]byte(build))
	for _, p := range parts {
		fmt.Fprintf(h, "\x00%q", p)
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// Fresh reports whether s still describes the flake: every input in the
// fleet directory fleetDir reads back as recorded and every output in the
// output directory out is verified (owned as in genfs.Compare). When it
// does, refreshed is non-nil if outputs have settled since s was written,
// and s is worth saving again with them.
func (s *Stamp) Fresh(fleetDir, out string, owned func(string) bool) (fresh bool, refreshed []genfs.Identity) {
	if !unchanged(os.DirFS(fleetDir), s.Inputs) {
		return false, nil
	}
	ok, refreshed := verifyOutputs(out, s.Outputs, owned)
	if !ok {
		return false, nil
	}
	return true, refreshed
}

// Path is where the stamp of key lives: in dir (the user's cache
// directory for shoal), named by the key.
func Path(dir, key string) string { return filepath.Join(dir, "gen", key[:32]) }

// Load reads the stamp at path; it reports false for a missing, unreadable
// or foreign stamp, or one for another key.
func Load(path, key string) (*Stamp, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	s, err := parse(data)
	if err != nil || s.Key != key {
		return nil, false
	}
	return s, true
}

// Save writes s to path, replacing any stamp there at once, so that a
// reader never sees half a stamp.
func Save(path string, s *Stamp) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save gen stamp: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".stamp-*")
	if err != nil {
		return fmt.Errorf("save gen stamp: %w", err)
	}
	_, werr := tmp.Write(s.marshal())
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save gen stamp: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save gen stamp: %w", err)
	}
	return nil
}

// marshal writes the stamp as text: a format line, the key, the warnings
// with their length, then one line per input and per output, names
// quoted.
func (s *Stamp) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nkey %s\nwarnings %d\n", format, s.Key, len(s.Warnings))
	b.Write(s.Warnings)
	fmt.Fprintf(&b, "\ninputs %d\n", len(s.Inputs))
	for _, in := range s.Inputs {
		fmt.Fprintf(&b, "%c%c %x %s\n", in.Op, in.Kind, in.Sum, strconv.Quote(in.Name))
	}
	fmt.Fprintf(&b, "outputs %d\n", len(s.Outputs))
	for _, o := range s.Outputs {
		k := o.Key
		fmt.Fprintf(&b, "%x %d %d %d %d %d %s\n", o.Sum, k.Dev, k.Ino, k.Size, k.Mtime, k.Ctime, strconv.Quote(o.Path))
	}
	return b.Bytes()
}

var errFormat = errors.New("not a gen stamp")

// parse reads what marshal wrote.
func parse(data []byte) (*Stamp, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	line := func() (string, error) {
		l, err := r.ReadString('\n')
		if err != nil {
			return "", errFormat
		}
		return l[:len(l)-1], nil
	}
	count := func(prefix string) (int, error) {
		l, err := line()
		if err != nil {
			return 0, err
		}
		rest, ok := strings.CutPrefix(l, prefix+" ")
		if !ok {
			return 0, errFormat
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > len(data) {
			return 0, errFormat
		}
		return n, nil
	}
	s := &Stamp{}
	if l, err := line(); err != nil || l != format {
		return nil, errFormat
	}
	l, err := line()
	if err != nil {
		return nil, err
	}
	var ok bool
	if s.Key, ok = strings.CutPrefix(l, "key "); !ok {
		return nil, errFormat
	}
	n, err := count("warnings")
	if err != nil {
		return nil, err
	}
	s.Warnings = make([]byte, n)
	if _, err := io.ReadFull(r, s.Warnings); err != nil {
		return nil, errFormat
	}
	if l, err := line(); err != nil || l != "" {
		return nil, errFormat
	}
	if n, err = count("inputs"); err != nil {
		return nil, err
	}
	s.Inputs = make([]Input, n)
	for i := range s.Inputs {
		l, err := line()
		if err != nil || len(l) < 3+2*sha256.Size+1 || l[2] != ' ' {
			return nil, errFormat
		}
		in := Input{Op: l[0], Kind: l[1]}
		if _, err := hex.Decode(in.Sum[:], []byte(l[3:3+2*sha256.Size])); err != nil {
			return nil, errFormat
		}
		if in.Name, err = strconv.Unquote(l[3+2*sha256.Size+1:]); err != nil {
			return nil, errFormat
		}
		s.Inputs[i] = in
	}
	if n, err = count("outputs"); err != nil {
		return nil, err
	}
	s.Outputs = make([]genfs.Identity, n)
	for i := range s.Outputs {
		l, err := line()
		if err != nil {
			return nil, err
		}
		f := strings.SplitN(l, " ", 7)
		if len(f) != 7 || len(f[0]) != 2*sha256.Size {
			return nil, errFormat
		}
		o := &s.Outputs[i]
		if _, err := hex.Decode(o.Sum[:], []byte(f[0])); err != nil {
			return nil, errFormat
		}
		var errs [5]error
		o.Key.Dev, errs[0] = strconv.ParseUint(f[1], 10, 64)
		o.Key.Ino, errs[1] = strconv.ParseUint(f[2], 10, 64)
		o.Key.Size, errs[2] = strconv.ParseInt(f[3], 10, 64)
		o.Key.Mtime, errs[3] = strconv.ParseInt(f[4], 10, 64)
		o.Key.Ctime, errs[4] = strconv.ParseInt(f[5], 10, 64)
		if errors.Join(errs[:]...) != nil {
			return nil, errFormat
		}
		if o.Path, err = strconv.Unquote(f[6]); err != nil {
			return nil, errFormat
		}
	}
	if _, err := r.ReadByte(); err == nil {
		return nil, errFormat // trailing data
	}
	return s, nil
}
