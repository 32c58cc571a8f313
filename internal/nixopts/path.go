package nixopts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/nixlit"
)

// PathError is the error of SplitPath: what is wrong with an option path.
type PathError struct {
	Path    string
	Problem string // lowercase, without the path
}

// Error names the path and the problem.
func (e *PathError) Error() string {
	if e.Path == "" {
		return "empty option path"
	}
	return fmt.Sprintf("option path %q: %s", e.Path, e.Problem)
}

// Problem returns what is wrong with an option path, without the path, when
// err is a *PathError, for messages that name the path already; otherwise
// the error's text.
func Problem(err error) string {
	if pe, ok := errors.AsType[*PathError](err); ok {
		return pe.Problem
	}
	return err.Error()
}

// SplitPath splits an option path written the Nix way into attribute names:
// on dots, except inside double-quoted names, so
// `services.nginx.virtualHosts."example.org".root` has five. Quoted names
// may contain the escapes \" \\ \n \r \t and \$; interpolation (${...}) is
// an error, as are empty paths, empty unquoted names, and unquoted names
// that are not Nix identifiers ([A-Za-z_][A-Za-z0-9_'-]*).
func SplitPath(s string) ([]string, error) {
	return splitPath(s, false)
}

// splitPath is SplitPath; with index set it also accepts the index's
// placeholders (`<name>`, `*`) as names.
func splitPath(s string, index bool) ([]string, error) {
	if s == "" {
		return nil, &PathError{Path: s, Problem: "the path is empty"}
	}
	parts := make([]string, 0, strings.Count(s, ".")+1)
	i := 0
	for {
		var name string
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				c := s[j]
				switch {
				case c == '\\' && j+1 < len(s):
					j++
					switch e := s[j]; e {
					case 'n':
						b.WriteByte('\n')
					case 'r':
						b.WriteByte('\r')
					case 't':
						b.WriteByte('\t')
					default:
						b.WriteByte(e)
					}
				case c == '$' && j+1 < len(s) && s[j+1] == '{':
					return nil, &PathError{Path: s, Problem: "interpolation (${...}) is not supported in attribute names"}
				default:
					b.WriteByte(c)
				}
			}
			if j >= len(s) {
				return nil, &PathError{Path: s, Problem: "unterminated quoted attribute name"}
			}
			name, i = b.String(), j+1
			if i < len(s) && s[i] != '.' {
				return nil, &PathError{Path: s, Problem: "a quoted attribute name must be followed by a dot or the end"}
			}
		} else {
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '"' {
				j++
			}
			name = s[i:j]
			switch {
			case name == "":
				return nil, &PathError{Path: s, Problem: "empty attribute name"}
			case j < len(s) && s[j] == '"':
				return nil, &PathError{Path: s, Problem: "quote the whole attribute name, not part of it"}
			case index && (name == "*" || isAnyName(name)):
			case !nixlit.IsIdentifier(name):
				return nil, &PathError{Path: s, Problem: fmt.Sprintf("attribute name %q must be quoted (%s)", name, nixlit.String(name))}
			}
			i = j
		}
		parts = append(parts, name)
		if i == len(s) {
			return parts, nil
		}
		i++ // the dot
		if i == len(s) {
			return nil, &PathError{Path: s, Problem: "ends with a dot"}
		}
	}
}

// FormatPath joins attribute names into an option path the way Nix writes
// it, quoting the names that are not identifiers. The index's placeholders
// `<name>` and `*` are written bare. SplitPath reads the result back.
func FormatPath(path []string) string {
	var b strings.Builder
	for i, name := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		if name == "*" || isAnyName(name) {
			b.WriteString(name) // the index's placeholders
		} else {
			b.WriteString(nixlit.AttrName(name))
		}
	}
	return b.String()
}
