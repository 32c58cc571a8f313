package eval

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
)

// nixError is what a Nix error message says: its summary, the position
// it is about, and other positions the message names in the same file.
type nixError struct {
	Summary string
	Pos     diag.Pos
	Also    []nixMention
}

// nixMention is a position named inside the message ("already defined
// at FILE:LINE:COL").
type nixMention struct {
	Message string
	Pos     diag.Pos
}

var (
	ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
	// atLine is the line Nix 2.5 and later print below the message:
	// "       at /path/file.nix:3:1:".
	atLine = regexp.MustCompile(`(?m)^\s*at (.+):(\d+):(\d+):?\s*$`)
	// atInline is a position inside the message; before Nix 2.5 the
	// error position was the last of these on the first line.
	atInline = regexp.MustCompile(`,? at (\S.*?):(\d+):(\d+)`)
)

// parseNixError reads the stderr of a failed nix-instantiate --parse of
// file (the path Nix was given, as Nix prints it).
func parseNixError(stderr, file string) nixError {
	s := ansiEscape.ReplaceAllString(stderr, "")
	var e nixError
	first := firstErrorLine(s)
	if m := atLine.FindStringSubmatch(s); m != nil && sameFile(m[1], file) {
		e.Pos = pos(m[2], m[3])
	}
	// Before Nix 2.5 the error's own position was the first "at" of
	// the message; since then the message names only other places.
	summary := atInline.ReplaceAllString(first, "")
	for _, m := range atInline.FindAllStringSubmatch(first, -1) {
		if !sameFile(m[1], file) {
			continue
		}
		p := pos(m[2], m[3])
		if !e.Pos.Known() {
			e.Pos = p
			continue
		}
		msg := "Nix also points here"
		if strings.Contains(summary, "already defined") {
			msg = "defined first here"
		}
		e.Also = append(e.Also, nixMention{Message: msg, Pos: p})
	}
	e.Summary = strings.TrimSpace(summary)
	if e.Summary == "" {
		e.Summary = "nix-instantiate failed without a message"
	}
	return e
}

// firstErrorLine is the message's first line, without "error:".
func firstErrorLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "error:"); i >= 0 {
		s = s[i+len("error:"):]
	}
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

// sameFile reports whether the file Nix names is the one it was given;
// Nix prints absolute paths for relative arguments.
func sameFile(named, given string) bool {
	return named == given || strings.HasSuffix(named, "/"+strings.TrimPrefix(given, "./"))
}

func pos(line, col string) diag.Pos {
	l, _ := strconv.Atoi(line)
	c, _ := strconv.Atoi(col)
	return diag.Pos{Line: l, Col: c, EndLine: l, EndCol: c + 1}
}
