package stamp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"unsafe"

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

// parse reads what marshal wrote. A no-op gen of a large fleet starts
// with it, so it allocates the stamp and little else: names are substrings
// of data, which the stamp keeps (the caller must not change data after).
func parse(data []byte) (*Stamp, error) {
	if len(data) == 0 {
		return nil, errFormat
	}
	text := unsafe.String(&data[0], len(data))
	line := func() (string, bool) {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return "", false
		}
		l := text[:i]
		text = text[i+1:]
		return l, true
	}
	count := func(prefix string) (int, bool) {
		l, ok := line()
		if !ok {
			return 0, false
		}
		rest, ok := strings.CutPrefix(l, prefix+" ")
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > len(data) {
			return 0, false
		}
		return n, true
	}
	s := &Stamp{}
	if l, ok := line(); !ok || l != format {
		return nil, errFormat
	}
	l, ok := line()
	if !ok {
		return nil, errFormat
	}
	if s.Key, ok = strings.CutPrefix(l, "key "); !ok {
		return nil, errFormat
	}
	n, ok := count("warnings")
	if !ok || n > len(text) {
		return nil, errFormat
	}
	s.Warnings = []byte(text[:n])
	text = text[n:]
	if l, ok := line(); !ok || l != "" {
		return nil, errFormat
	}
	if n, ok = count("inputs"); !ok {
		return nil, errFormat
	}
	s.Inputs = make([]Input, n)
	for i := range s.Inputs {
		l, ok := line()
		if !ok || len(l) < 3+2*sha256.Size+1 || l[2] != ' ' || l[3+2*sha256.Size] != ' ' {
			return nil, errFormat
		}
		in := &s.Inputs[i]
		in.Op, in.Kind = l[0], l[1]
		var err error
		if !decodeHex(in.Sum[:], l[3:3+2*sha256.Size]) {
			return nil, errFormat
		}
		if in.Name, err = strconv.Unquote(l[3+2*sha256.Size+1:]); err != nil {
			return nil, errFormat
		}
	}
	if n, ok = count("outputs"); !ok {
		return nil, errFormat
	}
	s.Outputs = make([]genfs.Identity, n)
	for i := range s.Outputs {
		l, ok := line()
		if !ok || len(l) < 2*sha256.Size+1 || l[2*sha256.Size] != ' ' {
			return nil, errFormat
		}
		o := &s.Outputs[i]
		if !decodeHex(o.Sum[:], l[:2*sha256.Size]) {
			return nil, errFormat
		}
		rest := l[2*sha256.Size+1:]
		var f [5]string
		for j := range f {
			if f[j], rest, ok = strings.Cut(rest, " "); !ok {
				return nil, errFormat
			}
		}
		var errs [5]error
		o.Key.Dev, errs[0] = strconv.ParseUint(f[0], 10, 64)
		o.Key.Ino, errs[1] = strconv.ParseUint(f[1], 10, 64)
		o.Key.Size, errs[2] = strconv.ParseInt(f[2], 10, 64)
		o.Key.Mtime, errs[3] = strconv.ParseInt(f[3], 10, 64)
		o.Key.Ctime, errs[4] = strconv.ParseInt(f[4], 10, 64)
		if errs != [5]error{} {
			return nil, errFormat
		}
		var err error
		if o.Path, err = strconv.Unquote(rest); err != nil {
			return nil, errFormat
		}
	}
	if text != "" {
		return nil, errFormat // trailing data
	}
	return s, nil
}

// decodeHex decodes the hexadecimal s into dst, which it fills exactly.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
