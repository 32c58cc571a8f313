package nixlit

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrNUL reports a NUL byte, which no Nix string can hold.
var ErrNUL = errors.New("contains a NUL byte, which Nix strings cannot hold")

// ErrInvalidUTF8 reports bytes that are not valid UTF-8.
var ErrInvalidUTF8 = errors.New("is not valid UTF-8")

// CheckString reports whether s can be written as a Nix string without
// change. It returns an error wrapping ErrNUL or ErrInvalidUTF8, with the
// byte offset of the first offending byte, or nil.
func CheckString(s string) error {
	for i, r := range s {
		switch {
		case r == 0:
			return fmt.Errorf("%w (at byte %d)", ErrNUL, i)
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("%w (at byte %d)", ErrInvalidUTF8, i)
			}
		}
	}
	return nil
}

// coerce returns s with every NUL byte and every byte that is not valid
// UTF-8 replaced by U+FFFD, so that the result is text Nix can hold.
func coerce(s string) string {
	if CheckString(s) == nil {
		return s
	}
	var b strings.Builder
	for _, r := range s { // range yields RuneError for each invalid byte
		if r == 0 {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// String returns s as a Nix double-quoted string literal.
//
// It escapes \ and " with a backslash, every ${ as \${ so that nothing is
// interpolated, and newline, carriage return and tab as \n, \r and \t (Nix
// would turn a raw carriage return into a newline). Every other character,
// including non-ASCII text, is written as it is: Nix has no \u escapes and
// needs none. A NUL byte or invalid UTF-8 becomes U+FFFD; see CheckString.
//
// The result never contains a raw newline, so a caller may re-indent text
// that holds it.
func String(s string) string {
	s = coerce(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '$':
			// A $ not followed by { is literal, and "$\${" reads as "$${".
			if i+1 < len(s) && s[i+1] == '{' {
				b.WriteByte('\\')
			}
			b.WriteByte('$')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// IndentedString returns s as a Nix indented string literal, the form for
// multi-line text such as scripts and configuration files. indent is the
// number of spaces before the line on which the literal starts: the text
// goes on the following lines, indented by indent+2 spaces, and when s ends
// with a newline the closing quotes get a line of their own at indent:
//
//	''
//	  line one
//	  line two
//	''
//
// Inside, this text is escaped (each escape reads back as the text):
//
//	text                                      written as
//	two single quotes                         '''
//	${                                        ''${
//	carriage return (Nix may make it a \n)    ''\r
//	a quote just before an escape or the end  ''\'
//
// Nix strips the indentation that all lines share and drops a last line
// made only of spaces. So when every line starts with a space, the first
// space of the first line is written as an escaped space (two quotes, a
// backslash, a space), which ends the indentation there; a last line of
// spaces starts with the same escape. A NUL byte or invalid UTF-8 becomes
// U+FFFD, as in String. The empty string is written "".
func IndentedString(s string, indent int) string {
	s = coerce(s)
	if s == "" {
		return `""`
	}
	indent = max(indent, 0)
	pad := strings.Repeat(" ", indent+2)
	lines := strings.Split(s, "\n")
	last := len(lines) - 1

	// Nix strips the smallest indentation of the lines that have something
	// other than spaces. Unless some line starts with a non-space, escape the
	// first space of the first non-empty line so that the smallest
	// indentation is exactly pad.
	anchor := -1
	if !hasUnindentedLine(lines) {
		for i, line := range lines {
			if line != "" {
				anchor = i
				break
			}
		}
	}
	// Nix drops a last line made only of spaces; escaping a space keeps it.
	spacesOnlyLast := lines[last] != "" && strings.Trim(lines[last], " ") == ""

	var w indentedWriter
	w.b.WriteString("''\n")
	for i, line := range lines {
		if i > 0 {
			w.text("\n")
		}
		if line == "" {
			if i == last { // s ended with a newline
				w.text(pad[:indent])
			}
			continue
		}
		w.text(pad)
		if i == anchor || (i == last && spacesOnlyLast) {
			w.escape(`''\ `)
			line = line[1:]
		}
		w.line(line)
	}
	w.escape("''")
	return w.b.String()
}

// hasUnindentedLine reports whether some line starts with a character
// other than a space.
func hasUnindentedLine(lines []string) bool {
	for _, line := range lines {
		if line != "" && line[0] != ' ' {
			return true
		}
	}
	return false
}

// indentedWriter writes the inside of an indented string. A lone quote is
// held back until the next output is known: Nix would read it together with
// a following escape or the closing quotes (three quotes are an escape of
// their own), so there it is written as an escaped quote instead.
type indentedWriter struct {
	b     strings.Builder
	quote bool // a lone ' is pending
}

func (w *indentedWriter) flush(next byte) {
	if !w.quote {
		return
	}
	w.quote = false
	if next == '\'' {
		w.b.WriteString(`''\'`)
	} else {
		w.b.WriteByte('\'')
	}
}

// text writes s, which starts with no ' and holds no escape.
func (w *indentedWriter) text(s string) {
	if s == "" {
		return
	}
	w.flush(s[0])
	w.b.WriteString(s)
}

// escape writes an escape sequence or the closing quotes, which both start
// with a quote.
func (w *indentedWriter) escape(s string) {
	w.flush('\'')
	w.b.WriteString(s)
}

// line writes one line of text, which holds no newline.
func (w *indentedWriter) line(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			n := 1
			for i+n < len(s) && s[i+n] == '\'' {
				n++
			}
			i += n - 1
			for range n / 2 {
				w.escape("'''")
			}
			if n%2 == 1 {
				w.flush(0) // cannot be pending: runs of ' are maximal
				w.quote = true
			}
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				w.escape("''$")
			} else {
				w.text("$")
			}
		case '\r':
			w.escape(`''\r`)
		default:
			w.text(s[i : i+1])
		}
	}
}
