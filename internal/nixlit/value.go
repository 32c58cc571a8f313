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
	n, err := Data(v)
	if err != nil {
		return "", err
	}
	if l, ok := n.(*Leaf); ok && l.negative {
		return "(" + l.text + ")", nil
	}
	return Print(n), nil
}

// Data returns v as a tree that Print writes as Value does, for a larger
// tree. Besides the types Value takes, v may hold a Node anywhere (a
// reference such as cfg.port or pkgs.ripgrep), placed as it is and put
// in parentheses where it stands in a list and is not a single term. The
// layout (which lists and sets stay on one line) is decided here, for the
// value standing on a line of its own; a negative number at the top is
// not put in parentheses, since a tree does that where needed.
func Data(v any) (Node, error) {
	return data(v, "", atTop, 0, 0)
}

// place is where a value stands, which decides how it may be written.
type place int

const (
	atTop     place = iota // returned to the caller
	inList                 // an element of a list
	inBinding              // the value of name = …;
)

// data converts v. at locates v for errors; prefix and suffix are the
// widths of the text around v on its line (name = and ;), for the line
// limit.
func data(v any, at string, pl place, prefix, suffix int) (Node, error) {
	switch v := v.(type) {
	case nil:
		return Null(), nil
	case bool:
		return Bool(v), nil
	case int:
		return integer(int64(v)), nil
	case int64:
		return integer(v), nil
	case float64:
		s, err := float(v)
		if err != nil {
			return nil, valueError(at, err)
		}
		return s, nil
	case string:
		if err := CheckString(v); err != nil {
			return nil, valueError(at, fmt.Errorf("string %w", err))
		}
		return Str(v), nil
	case []string:
		items := make([]any, len(v))
		for i, s := range v {
			items[i] = s
		}
		return list(items, at, prefix, suffix)
	case []any:
		return list(v, at, prefix, suffix)
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return attrs(m, at, pl, prefix, suffix)
	case map[string]any:
		return attrs(v, at, pl, prefix, suffix)
	case Node:
		return v, nil
	default:
		return nil, valueError(at, fmt.Errorf("unsupported Go type %T", v))
	}
}

func valueError(at string, err error) error {
	if at == "" {
		return fmt.Errorf("nix value: %w", err)
	}
	return fmt.Errorf("nix value at %s: %w", at, err)
}

func integer(n int64) *Leaf {
	if n == math.MinInt64 {
		// 9223372036854775808 is not a valid Nix integer literal.
		return &Leaf{text: "(-9223372036854775807 - 1)"}
	}
	return &Leaf{text: strconv.FormatInt(n, 10), negative: n < 0}
}

func float(f float64) (*Leaf, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return nil, fmt.Errorf("float %v has no Nix literal", f)
	case f == 0:
		return &Leaf{text: "0.0"}, nil
	case math.Abs(f) < 0x1p-1022:
		return nil, fmt.Errorf("float %v is subnormal, which Nix rejects as an invalid float", f)
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
	// Nix parses -1 as an operator applied to 1, which a list element or
	// a function argument cannot be: the printer adds parentheses there.
	return &Leaf{text: mant, negative: f < 0}, nil
}

func list(items []any, at string, prefix, suffix int) (Node, error) {
	out := make([]Node, len(items))
	for i, item := range items {
		n, err := data(item, fmt.Sprintf("%s[%d]", at, i), inList, 0, 0)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	l := &List{Items: out}
	if len(out) == 1 {
		l.Inline = fits(width(l.Items[0]) >= 0, termWidth(out[0])+4, prefix, suffix)
	}
	return l, nil
}

func attrs(m map[string]any, at string, pl place, prefix, suffix int) (Node, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]Binding, len(keys))
	for i, k := range keys {
		name := AttrName(k)
		where := name
		if at != "" {
			where = at + "." + name
		}
		if err := CheckString(k); err != nil {
			return nil, valueError(where, fmt.Errorf("attribute name %w", err))
		}
		n, err := data(m[k], where, inBinding, utf8.RuneCountInString(name)+len(" = "), len(";"))
		if err != nil {
			return nil, err
		}
		out[i] = Binding{Path: []string{k}, Value: n}
	}
	s := &Set{Bindings: out}
	if len(out) == 1 && pl != inBinding {
		w := bindingWidth(out[0])
		s.Inline = fits(w >= 0, w+4, prefix, suffix)
	}
	return s, nil
}

// fits reports whether a single line of width w, with prefix and suffix
// characters around it, stays within lineWidth.
func fits(single bool, w, prefix, suffix int) bool {
	return single && prefix+w+suffix <= lineWidth
}
