package nixopts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/nixlit"
)

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
		return nil, errors.New("empty option path")
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
					return nil, fmt.Errorf("option path %q: interpolation (${...}) is not supported in attribute names", s)
				default:
					b.WriteByte(c)
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("option path %q: unterminated quoted attribute name", s)
			}
			name, i = b.String(), j+1
			if i < len(s) && s[i] != '.' {
				return nil, fmt.Errorf("option path %q: a quoted attribute name must be followed by a dot or the end", s)
			}
		} else {
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '"' {
				j++
			}
			name = s[i:j]
			switch {
			case name == "":
				return nil, fmt.Errorf("option path %q: empty attribute name", s)
			case j < len(s) && s[j] == '"':
				return nil, fmt.Errorf("option path %q: quote the whole attribute name, not part of it", s)
			case index && (name == "*" || isAnyName(name)):
			case !nixlit.IsIdentifier(name):
				return nil, fmt.Errorf("option path %q: attribute name %q must be quoted (%s)", s, name, nixlit.String(name))
			}
			i = j
		}
		parts = append(parts, name)
		if i == len(s) {
			return parts, nil
		}
		i++ // the dot
		if i == len(s) {
			return nil, fmt.Errorf("option path %q: ends with a dot", s)
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
