package nixlit

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestValue(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, "null"},
		{"bool", true, "true"},
		{"int", 42, "42"},
		{"negative int", -1, "(-1)"},
		{"int64 max", int64(math.MaxInt64), "9223372036854775807"},
		{"int64 min", int64(math.MinInt64), "(-9223372036854775807 - 1)"},
		{"float", 1.5, "1.5"},
		{"whole float", 2.0, "2.0"},
		{"negative float", -0.25, "(-0.25)"},
		{"negative zero", math.Copysign(0, -1), "0.0"},
		{"big float", 1e21, "1.0e+21"},
		{"small float", 1.5e-7, "1.5e-07"},
		{"string", "a ${b}", `"a \${b}"`},
		{"empty list", []any{}, "[ ]"},
		{"nil list", []any(nil), "[ ]"},
		{"empty set", map[string]any{}, "{ }"},
		{"singleton list", []any{"a"}, `[ "a" ]`},
		{"singleton strings", []string{"a"}, `[ "a" ]`},
		{"negative in list", []any{-1}, "[ (-1) ]"},
		{"list", []any{1, "two", nil}, "[\n  1\n  \"two\"\n  null\n]"},
		{"singleton set", map[string]any{"a": 1}, "{ a = 1; }"},
		{"negative in binding", map[string]any{"a": -1}, "{ a = -1; }"},
		{"string set", map[string]string{"b": "2", "a": "1"}, "{\n  a = \"1\";\n  b = \"2\";\n}"},
		{"sorted keys, quoted names", map[string]any{"with": 1, "b.c": 2, "a": 3},
			"{\n  a = 3;\n  \"b.c\" = 2;\n  \"with\" = 1;\n}"},
		{"set in binding is expanded", map[string]any{"a": map[string]any{"b": 1}},
			"{\n  a = {\n    b = 1;\n  };\n}"},
		{"empty set in binding", map[string]any{"a": map[string]any{}}, "{ a = { }; }"},
		{"singleton set in list", []any{map[string]any{"a": 1}}, "[ { a = 1; } ]"},
		{"list in binding", map[string]any{"xs": []any{1}}, "{ xs = [ 1 ]; }"},
		{"nested lists", []any{[]any{1, 2}}, "[\n  [\n    1\n    2\n  ]\n]"},
		{"deep", map[string]any{"a": []any{map[string]any{"b": []string{"x", "y"}, "c": -2}}},
			"{\n  a = [\n    {\n      b = [\n        \"x\"\n        \"y\"\n      ];\n      c = -2;\n    }\n  ];\n}"},
		{"list at the line limit", []any{long[:94]}, `[ "` + long[:94] + `" ]`},
		{"list over the line limit", []any{long[:95]}, "[\n  \"" + long[:95] + "\"\n]"},
		{"binding counts toward the limit", map[string]any{"k": []any{long[:90]}},
			"{\n  k = [\n    \"" + long[:90] + "\"\n  ];\n}"},
		{"set over the limit, list within", map[string]any{"k": []any{long[:89]}},
			"{\n  k = [ \"" + long[:89] + "\" ];\n}"},
		{"width is in characters", []any{strings.Repeat("é", 94)}, `[ "` + strings.Repeat("é", 94) + `" ]`},
	}
	for _, tt := range tests {
		got, err := Value(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%s: Value(%#v) =\n%s\n(err %v), want\n%s", tt.name, tt.in, got, err, tt.want)
		}
	}
}

func TestValueErrors(t *testing.T) {
	tests := []struct {
		in   any
		want string // in the error message
		is   error
	}{
		{math.NaN(), "nix value: float NaN has no Nix literal", nil},
		{map[string]any{"a": []any{1, math.Inf(1)}}, "nix value at a[1]: float +Inf has no Nix literal", nil},
		{[]any{5e-324}, "at [0]: float 5e-324 is subnormal", nil},
		{map[string]any{"with": "a\x00"}, `at "with": string contains a NUL byte`, ErrNUL},
		{map[string]any{"a\xff": 1}, "attribute name is not valid UTF-8", ErrInvalidUTF8},
		{int32(1), "unsupported Go type int32", nil},
		{[]int{1}, "unsupported Go type []int", nil},
		{struct{}{}, "unsupported Go type struct {}", nil},
	}
	for _, tt := range tests {
		got, err := Value(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("Value(%#v) = %q, %v; want an error with %q", tt.in, got, err, tt.want)
		}
	}
}

// valueCases are values whose JSON from Nix must equal their JSON from Go.
// Their floats print exactly in Nix 2.8's six-digit JSON; TestValueRoundTripNix
// checks floats exactly by comparing inside Nix.
var valueCases = []any{
	nil, true, false, 0, 7, -1, int64(math.MaxInt64), int64(math.MinInt64), 1.5, -2.25,
	"", "a ${b} $${c} ''d'' \\e \"f\"\n", []any{}, []any{-1}, []any{1, -2, "three", nil, false},
	[]string{"a", "b"}, map[string]any{}, map[string]any{"a": -1},
	map[string]string{"with": "1", "a.b": "2", "": "3", "${x}": "4"},
	map[string]any{
		"networking": map[string]any{"hostName": "web1", "firewall": map[string]any{"allowedTCPPorts": []any{22, 80, 443}}},
		"users":      map[string]any{"users": map[string]any{"alice": map[string]any{"isNormalUser": true, "extraGroups": []string{"wheel"}}}},
		"or":         []any{map[string]any{"in": []any{[]any{-3}}}},
	},
	[]any{strings.Repeat("long ", 30)},
}

// floatCases are finite, non-subnormal floats, including the extremes.
var floatCases = []float64{
	0, math.Copysign(0, -1), 1, -1, 1.5, 0.1, -0.3, math.Pi, 1e21, 1e-7, 123456789.123456789,
	math.MaxFloat64, -math.MaxFloat64, 0x1p-1022, -0x1p-1022, 1e300, 9007199254740993,
}

// TestValueRoundTripNix has real Nix evaluate Value's output in one run:
// the JSON of each value must equal Go's JSON of it, every float must equal
// the one Go's JSON gives (compared inside Nix, exactly) and still be a
// float, and the same values must work as binding values too.
func TestValueRoundTripNix(t *testing.T) {
	requireNix(t)
	var expr strings.Builder
	expr.WriteString("{\n  values = [\n")
	for _, v := range valueCases {
		expr.WriteString(mustValue(t, v) + "\n")
	}
	expr.WriteString("];\n  bound = {\n")
	for i, v := range valueCases {
		expr.WriteString(AttrName("v"+string(rune('a'+i))) + " = " + mustValue(t, map[string]any{"x": v}) + ";\n")
	}
	expr.WriteString("};\n  floatsEqual = [\n")
	for _, f := range floatCases {
		j, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		lit := mustValue(t, f)
		expr.WriteString("(" + lit + " == builtins.fromJSON " + String(string(j)) + " && builtins.isFloat " + lit + ")\n")
	}
	expr.WriteString("];\n}\n")

	var got struct {
		Values      []json.RawMessage
		Bound       map[string]json.RawMessage
		FloatsEqual []bool
	}
	nixEval(t, t.TempDir(), expr.String(), &got)

	if len(got.Values) != len(valueCases) || len(got.Bound) != len(valueCases) || len(got.FloatsEqual) != len(floatCases) {
		t.Fatalf("Nix returned %d values, %d bound and %d floats for %d, %d and %d cases",
			len(got.Values), len(got.Bound), len(got.FloatsEqual), len(valueCases), len(valueCases), len(floatCases))
	}
	for i, v := range valueCases {
		want := decodeJSON(t, mustJSON(t, v))
		if g := decodeJSON(t, got.Values[i]); !reflect.DeepEqual(g, want) {
			t.Errorf("Value(%#v) =\n%s\nNix gives %s, want %s", v, mustValue(t, v), got.Values[i], mustJSON(t, v))
		}
		bound := decodeJSON(t, got.Bound["v"+string(rune('a'+i))])
		if !reflect.DeepEqual(bound, map[string]any{"x": want}) {
			t.Errorf("{ x = Value(%#v); }: Nix gives %v", v, bound)
		}
	}
	for i, f := range floatCases {
		if !got.FloatsEqual[i] {
			t.Errorf("Value(%v) = %s: Nix reads another number, or not a float", f, mustValue(t, f))
		}
	}
}

func mustValue(t *testing.T, v any) string {
	t.Helper()
	s, err := Value(v)
	if err != nil {
		t.Fatalf("Value(%#v): %v", v, err)
	}
	return s
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// decodeJSON decodes numbers as json.Number, so that large integers stay exact.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}
