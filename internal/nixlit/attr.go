package nixlit

import "strings"

// keywords are the words the Nix lexer never reads as an identifier (Nix
// 2.8 to current). The parser accepts a bare or as an attribute name, but
// quoting it is always safe. true, false, null and __curPos are ordinary
// identifiers in an attribute name.
var keywords = map[string]bool{
	"if": true, "then": true, "else": true, "assert": true, "with": true,
	"let": true, "in": true, "rec": true, "inherit": true, "or": true,
}

// AttrName returns name as one element of a Nix attribute path: bare when
// it is an identifier ([a-zA-Z_][a-zA-Z0-9_'-]*) and not a keyword,
// otherwise quoted with String. It is right both where an attribute is set
// ({ name = …; }) and where it is selected (x.name).
func AttrName(name string) string {
	if IsIdentifier(name) && !keywords[name] {
		return name
	}
	return String(name)
}

// AttrPath returns the dotted attribute path of parts, each written with
// AttrName, so AttrPath("services", "nginx", "virtualHosts", "a.example")
// is services.nginx.virtualHosts."a.example". With no parts it returns the
// empty string, which is not a valid attribute path.
func AttrPath(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(AttrName(p))
	}
	return b.String()
}

// IsIdentifier reports whether s has the syntax of a Nix identifier,
// [a-zA-Z_][a-zA-Z0-9_'-]*; keywords included (AttrName still quotes those).
func IsIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '\'' || c == '-'):
		default:
			return false
		}
	}
	return true
}
