package nixlit

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// lineWidth is nixfmt's default soft line limit, not counting indentation.
const lineWidth = 100

// Value returns v as a Nix expression. It accepts nil (null), bool, int,
// int64, float64, string, []any, []string, map[string]any and
// map[string]string, nested freely; anything else is an error.
//
// Strings are checked with CheckString and written with String, attribute
// names with AttrName in sorted order. Floats must be finite and either zero
// or normal: Nix rejects subnormal float literals. A float is always
// written with a decimal point (1.0, 1.0e+21), so Nix reads it back as a
// float; -0.0 is written 0.0, since Nix has no negative zero literal.
//
// The result can stand anywhere an expression can, including as a list
// element or function argument: negative numbers are written in
// parentheses, (-1), except as the value of a binding (a = -1;).
//
// Layout follows RFC 166 (nixfmt) for these literals, with two-space
// indentation relative to the first line:
//
//   - empty lists and sets are [ ] and { };
//   - a list or set with exactly one element stays on one line, [ 1 ] or
//     { a = 1; }, if that element is on one line and the line, with the
//     name = before it when it is a binding value, stays within 100
//     characters (not counting indentation); otherwise, and always with two
//     or more elements, every element gets a line of its own;
//   - a non-empty set that is the value of a binding is always expanded:
//     a = { b = 1; }; is written over three lines.
//
// Every newline in the result is layout (strings never hold a raw one), so
// a caller may indent the result by adding spaces after each newline.
func Value(v any) (string, error) {
	return value(v, "", 0, atTop, 0, 0)
}

// Expr is a Nix expression the caller has built from nixlit's own pieces
// (AttrPath, String, Value), such as cfg.port or pkgs.ripgrep. Value writes
// it unchanged, in parentheses when it stands in a list and has spaces.
// Never build an Expr from user text without quoting it first.
type Expr string

// place is where a value stands, which decides how it may be written.
type place int

const (
	atTop     place = iota // returned to the caller
	inList                 // an element of a list
	inBinding              // the value of name = …;
)

// value renders v, whose lines after the first are indented depth levels.
// at locates v for errors; prefix and suffix are the widths of the text
// around v on its line (name = and ;), for the line limit.
func value(v any, at string, depth int, pl place, prefix, suffix int) (string, error) {
	switch v := v.(type) {
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return integer(int64(v), pl), nil
	case int64:
		return integer(v, pl), nil
	case float64:
		s, err := float(v, pl)
		if err != nil {
			return "", valueError(at, err)
		}
		return s, nil
	case string:
		if err := CheckString(v); err != nil {
			return "", valueError(at, fmt.Errorf("string %w", err))
		}
		return String(v), nil
	case []string:
		items := make([]any, len(v))
		for i, s := range v {
			items[i] = s
		}
		return list(items, at, depth, prefix, suffix)
	case []any:
		return list(v, at, depth, prefix, suffix)
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return attrs(m, at, depth, pl, prefix, suffix)
	case map[string]any:
		return attrs(v, at, depth, pl, prefix, suffix)
	case Expr:
		if pl == inList && strings.ContainsAny(string(v), " \t\n") {
			return "(" + string(v) + ")", nil
		}
		return string(v), nil
	default:
		return "", valueError(at, fmt.Errorf("unsupported Go type %T", v))
	}
}

func valueError(at string, err error) error {
	if at == "" {
		return fmt.Errorf("nix value: %w", err)
	}
	return fmt.Errorf("nix value at %s: %w", at, err)
}

func integer(n int64, pl place) string {
	if n == math.MinInt64 {
		// 9223372036854775808 is not a valid Nix integer literal.
		return "(-9223372036854775807 - 1)"
	}
	return negative(strconv.FormatInt(n, 10), pl)
}

func float(f float64, pl place) (string, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return "", fmt.Errorf("float %v has no Nix literal", f)
	case f == 0:
		return "0.0", nil
	case math.Abs(f) < 0x1p-1022:
		return "", fmt.Errorf("float %v is subnormal, which Nix rejects as an invalid float", f)
	}
	// Nix's float literals need a digit before and after the point:
	// 1e+21 would read as the integer 1 followed by the name e, so the
	// mantissa always gets a point.
	s := strconv.FormatFloat(f, 'g', -1, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if hasExp {
		mant += "e" + exp
	}
	return negative(mant, pl), nil
}

// negative puts a negative number in parentheses unless it is the value of
// a binding: Nix parses -1 as an operator applied to 1, which a list
// element or a function argument cannot be.
func negative(s string, pl place) string {
	if strings.HasPrefix(s, "-") && pl != inBinding {
		return "(" + s + ")"
	}
	return s
}

func list(items []any, at string, depth, prefix, suffix int) (string, error) {
	if len(items) == 0 {
		return "[ ]", nil
	}
	out := make([]string, len(items))
	for i, item := range items {
		s, err := value(item, fmt.Sprintf("%s[%d]", at, i), depth+1, inList, 0, 0)
		if err != nil {
			return "", err
		}
		out[i] = s
	}
	if len(out) == 1 {
		if line := "[ " + out[0] + " ]"; fits(line, prefix, suffix) {
			return line, nil
		}
	}
	return block("[", out, "]", depth), nil
}

func attrs(m map[string]any, at string, depth int, pl place, prefix, suffix int) (string, error) {
	if len(m) == 0 {
		return "{ }", nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		name := AttrName(k)
		where := name
		if at != "" {
			where = at + "." + name
		}
		if err := CheckString(k); err != nil {
			return "", valueError(where, fmt.Errorf("attribute name %w", err))
		}
		s, err := value(m[k], where, depth+1, inBinding, utf8.RuneCountInString(name)+len(" = "), len(";"))
		if err != nil {
			return "", err
		}
		out[i] = name + " = " + s + ";"
	}
	if len(out) == 1 && pl != inBinding {
		if line := "{ " + out[0] + " }"; fits(line, prefix, suffix) {
			return line, nil
		}
	}
	return block("{", out, "}", depth), nil
}

// fits reports whether line is a single line that, with prefix and suffix
// characters around it, stays within lineWidth.
func fits(line string, prefix, suffix int) bool {
	return !strings.Contains(line, "\n") && prefix+utf8.RuneCountInString(line)+suffix <= lineWidth
}

// block writes items one per line between open and close, the items
// indented one level deeper than depth.
func block(open string, items []string, close string, depth int) string {
	inner := strings.Repeat("  ", depth+1)
	var b strings.Builder
	b.WriteString(open)
	for _, item := range items {
		b.WriteString("\n")
		b.WriteString(inner)
		b.WriteString(item)
	}
	b.WriteString("\n")
	b.WriteString(inner[:2*depth])
	b.WriteString(close)
	return b.String()
}
