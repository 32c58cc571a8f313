package nixlit

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Path returns p, a slash-separated file path, as a Nix path expression.
//
// A relative p is taken relative to the directory of the .nix file the
// expression is written into, as Nix does: "machines/web1/hardware.nix"
// becomes ./machines/web1/hardware.nix, and "../x" becomes ../x. An absolute
// p stays absolute. p is cleaned first (path.Clean), which changes nothing
// Nix would see, since Nix resolves . and .. in paths the same way; the
// directory itself is ./., its parent ./.. and the root /.
//
// When a name holds a character that a Nix path literal cannot (anything
// but letters, digits and . _ - +), the result is an expression that
// appends a string to the directory, in parentheses so that it is safe
// anywhere: (./. + "/dir with space/x.nix").
//
// Path only writes: it does not stop a relative path from leaving the
// flake with "..". It fails on an empty path and, via CheckString, on a NUL
// byte or invalid UTF-8.
func Path(p string) (string, error) {
	if p == "" {
		return "", errors.New("nix path: empty path")
	}
	if err := CheckString(p); err != nil {
		return "", fmt.Errorf("nix path %s: %w", String(p), err)
	}
	p = path.Clean(p)
	abs := strings.HasPrefix(p, "/")
	if isPathLiteral(p) {
		switch {
		case p == "/":
			return "/.", nil
		case abs, strings.HasPrefix(p, "../"):
			return p, nil
		case p == ".", p == "..":
			return "./" + p, nil // a path literal needs a slash
		default:
			return "./" + p, nil
		}
	}
	if abs {
		return "(/. + " + String(p) + ")", nil
	}
	return "(./. + " + String("/"+p) + ")", nil
}

// isPathLiteral reports whether every character of the cleaned path p may
// appear in a Nix path literal.
func isPathLiteral(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == '-', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
