package scaffold

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
)

// Machine is what `shoal new machine` adds to the fleet file.
type Machine struct {
	Name     string
	Profile  string
	Address  string   // "": none
	Tags     []string // none: no tags key
	Features []string // none: a commented features line
	// Disk is the device of a disk layout disko lays out; "": the ways to
	// boot, commented, for the user to choose.
	Disk string
	// DiskBoot is how the firmware boots Disk: uefi or bios.
	DiskBoot string
}

// PlaceholderDisk is the disk device a new machine gets until its owner
// names the real one.
const PlaceholderDisk = fleet.PlaceholderDevice

// Block is the [machines.NAME] table written for m, with commented lines
// for what a machine usually gets next.
func (m Machine) Block() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: added by `shoal new machine`; machines/%s/README.md says how to add its hardware.\n", m.Name, m.Name)
	fmt.Fprintf(&b, "[machines.%s]\n", tomlKey(m.Name))
	fmt.Fprintf(&b, "profile = %s\n", tomlString(m.Profile))
	if m.Address != "" {
		fmt.Fprintf(&b, "address = %s\n", tomlString(m.Address))
	}
	if len(m.Tags) > 0 {
		fmt.Fprintf(&b, "tags = %s\n", tomlStrings(m.Tags))
	}
	if len(m.Features) > 0 {
		fmt.Fprintf(&b, "features = %s\n", tomlStrings(m.Features))
	} else {
		b.WriteString("# features = []   # more than the profile brings: `shoal features` lists them\n")
	}
	if m.Disk != "" {
		boot := m.DiskBoot
		if boot == "" {
			boot = "uefi"
		}
		fmt.Fprintf(&b, "disk = { device = %s, boot = %s }   # the whole disk disko formats (erases) at installation\n", tomlString(m.Disk), tomlString(boot))
	} else {
		fmt.Fprintf(&b, "disk = { device = %s, boot = \"uefi\" }   # the whole disk disko formats (erases): ls -l /dev/disk/by-id/ on the machine\n", tomlString(PlaceholderDisk))
	}
	b.WriteString("# users = []      # accounts from [users.NAME]\n")
	fmt.Fprintf(&b, "# hardware = { cpu = \"amd\", memory = \"16GiB\", disk = \"512GB\", cores = 8, form = %s }\n", tomlString(formOf(m.Profile)))
	fmt.Fprintf(&b, "# or, instead of disk: boot = { hardware_module = \"machines/%s/hardware-configuration.nix\", loader = \"systemd-boot\" }\n", m.Name)
	return b.String()
}

// ErrMachineExists is returned by AppendMachine for a name the fleet has.
var ErrMachineExists = errors.New("machine exists")

// AppendMachine returns the fleet file src with m's table inserted after
// the last machine table (before the tables that follow it and the
// comments above them), or before [services.*] when the fleet has no
// machine yet, or at the end. Every other byte of src is kept. The result
// is parsed again: AppendMachine fails, returning the diagnostics as a
// diag.List, when src does not parse or the new table brings an error
// (an invalid name or tag), and with ErrMachineExists when the name is
// taken.
func AppendMachine(file string, src []byte, m Machine) ([]byte, error) {
	before, diags := fleet.Parse(file, src)
	if before.Doc.Root == nil || hasSyntaxError(diags) {
		return nil, fmt.Errorf("%s does not parse; fix it first: %w", file, errorsOnly(diags, nil))
	}
	if before.Machine(m.Name) != nil {
		return nil, fmt.Errorf("%s already has machine %q: %w", file, m.Name, ErrMachineExists)
	}
	text := string(src)
	at := insertionPoint(text)
	head, tail := text[:at], text[at:]
	block := m.Block()
	switch {
	case head == "":
	case strings.HasSuffix(head, "\n\n"):
	case strings.HasSuffix(head, "\n"):
		block = "\n" + block
	default:
		block = "\n\n" + block
	}
	if tail != "" && !strings.HasPrefix(tail, "\n") && !strings.HasPrefix(tail, "\r\n") {
		block += "\n"
	}
	if strings.Contains(text, "\r\n") {
		// Keep the file's line endings.
		block = strings.ReplaceAll(block, "\n", "\r\n")
	}
	out := head + block + tail
	after, adiags := fleet.Parse(file, []byte(out))
	added := after.Machine(m.Name)
	newErrs := errorsOnly(adiags, diag.P("machines", m.Name))
	if added == nil || len(after.Machines) != len(before.Machines)+1 || added.Profile.Value != m.Profile || len(newErrs) > 0 {
		if len(newErrs) > 0 {
			return nil, fmt.Errorf("cannot add machine %q: %w", m.Name, newErrs)
		}
		return nil, fmt.Errorf("cannot add machine %q to %s without changing what it says; add this by hand:\n%s", m.Name, file, m.Block())
	}
	return []byte(out), nil
}

func hasSyntaxError(l diag.List) bool {
	for _, d := range l {
		if d.Severity == diag.Error && (d.Code == diag.CodeSyntax || d.Code == diag.CodeDuplicate) {
			return true
		}
	}
	return false
}

// errorsOnly keeps the errors of l, only those under prefix when it is
// not nil.
func errorsOnly(l diag.List, prefix diag.Path) diag.List {
	var out diag.List
	for _, d := range l {
		if d.Severity != diag.Error {
			continue
		}
		if prefix != nil && !hasPrefix(d.Path, prefix) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func hasPrefix(p, prefix diag.Path) bool {
	if len(p) < len(prefix) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// line kinds for insertionPoint.
const (
	lineOther = iota
	lineBlank
	lineComment
	lineHeader
)

// insertionPoint finds the byte offset where a new machine table goes.
func insertionPoint(text string) int {
	lines := strings.SplitAfter(text, "\n")
	kinds := make([]int, len(lines))
	machine := make([]bool, len(lines))
	var multi string // the delimiter of an open multi-line string
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if multi != "" {
			if strings.Count(l, multi)%2 == 1 {
				multi = ""
			}
			continue
		}
		for _, delim := range []string{`"""`, `'''`} {
			if strings.Count(l, delim)%2 == 1 {
				multi = delim
			}
		}
		switch {
		case t == "":
			kinds[i] = lineBlank
		case strings.HasPrefix(t, "#"):
			kinds[i] = lineComment
		case strings.HasPrefix(t, "["):
			kinds[i] = lineHeader
			machine[i] = headerRoot(t) == "machines"
		}
	}
	offset := func(i int) int {
		n := 0
		for _, l := range lines[:i] {
			n += len(l)
		}
		return n
	}
	// before backs up from the header at i over the comments attached to
	// it and the blank lines above them.
	before := func(i int) int {
		for i > 0 && kinds[i-1] == lineComment {
			i--
		}
		for i > 0 && kinds[i-1] == lineBlank {
			i--
		}
		return i
	}
	last := -1
	for i := range lines {
		if machine[i] {
			last = i
		}
	}
	if last >= 0 {
		for i := last + 1; i < len(lines); i++ {
			if kinds[i] == lineHeader {
				return offset(before(i))
			}
		}
		return len(text)
	}
	for i := range lines {
		if kinds[i] == lineHeader && headerRoot(strings.TrimSpace(lines[i])) == "services" {
			return offset(before(i))
		}
	}
	return len(text)
}

// headerRoot returns the first key of a table header line: "machines" for
// [machines.web] and [ "machines" . "web" ].
func headerRoot(t string) string {
	t = strings.TrimLeft(t, "[")
	t = strings.TrimSpace(t)
	if t == "" {
		return ""
	}
	if q := t[0]; q == '"' || q == '\'' {
		if end := strings.IndexByte(t[1:], q); end >= 0 {
			return t[1 : end+1]
		}
		return ""
	}
	end := strings.IndexAny(t, ". \t]")
	if end < 0 {
		return t
	}
	return t[:end]
}

// formOf guesses the form factor a machine of the profile has, for the
// commented hardware line.
func formOf(profile string) string {
	switch profile {
	case "server":
		return "server"
	case "developer":
		return "laptop"
	case "desktop":
		return "desktop"
	}
	return "vm"
}
