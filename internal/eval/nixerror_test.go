package eval

import (
	"reflect"
	"testing"

	"github.com/shoal-nix/shoal/internal/diag"
)

func at(line, col int) diag.Pos {
	return diag.Pos{Line: line, Col: col, EndLine: line, EndCol: col + 1}
}

func TestParseNixError(t *testing.T) {
	const file = "flake/machines/web/default.nix"
	const abs = "/tmp/shoal-eval-1/" + file
	for _, c := range []struct {
		name, stderr string
		want         nixError
	}{
		{"Nix 2.8 syntax error",
			"error: syntax error, unexpected '}', expecting ';'\n\n       at " + abs + ":3:1:\n\n            2|   a = 1\n            3| }\n             | ^\n",
			nixError{Summary: "syntax error, unexpected '}', expecting ';'", Pos: at(3, 1)}},
		{"Nix 2.8 attribute defined twice",
			"error: attribute 'a' already defined at " + abs + ":1:3\n\n       at " + abs + ":1:10:\n\n            1| { a = 1; a = 2; }\n             |          ^\n",
			nixError{Summary: "attribute 'a' already defined", Pos: at(1, 10), Also: []nixMention{{"defined first here", at(1, 3)}}}},
		{"Nix 2.3 syntax error",
			"error: syntax error, unexpected '}', expecting ';', at " + abs + ":3:1\n",
			nixError{Summary: "syntax error, unexpected '}', expecting ';'", Pos: at(3, 1)}},
		{"Nix 2.3 attribute defined twice",
			"error: attribute 'a' at " + abs + ":1:10 already defined at " + abs + ":1:3\n",
			nixError{Summary: "attribute 'a' already defined", Pos: at(1, 10), Also: []nixMention{{"defined first here", at(1, 3)}}}},
		{"coloured output",
			"\x1b[31;1merror:\x1b[0m syntax error, unexpected end of file\n\n       at \x1b[35;1m" + abs + "\x1b[0m:\x1b[35;1m1\x1b[0m:\x1b[35;1m7\x1b[0m:\n",
			nixError{Summary: "syntax error, unexpected end of file", Pos: at(1, 7)}},
		{"a position in another file is not this file's",
			"error: syntax error, unexpected ';'\n\n       at /elsewhere/other.nix:4:2:\n",
			nixError{Summary: "syntax error, unexpected ';'"}},
		{"a path with spaces, given as is",
			"error: syntax error, unexpected invalid token\n\n       at /home/me/my fleet/hosts/a b.nix:1:1:\n",
			nixError{Summary: "syntax error, unexpected invalid token"}},
		{"no position",
			"error: getting status of '/tmp/x/nope.nix': No such file or directory\n",
			nixError{Summary: "getting status of '/tmp/x/nope.nix': No such file or directory"}},
		{"no message", "", nixError{Summary: "nix-instantiate failed without a message"}},
		{"warnings before the error",
			"warning: unknown setting 'foo'\nerror: syntax error, unexpected end of file\n\n       at " + abs + ":9:1:\n",
			nixError{Summary: "syntax error, unexpected end of file", Pos: at(9, 1)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := parseNixError(c.stderr, file); !reflect.DeepEqual(got, c.want) {
				t.Errorf("parseNixError =\n%+v, want\n%+v", got, c.want)
			}
		})
	}
	// A user's file is given to Nix by its absolute path, spaces and all.
	const spaced = "/home/me/my fleet/hosts/a b.nix"
	got := parseNixError("error: syntax error, unexpected invalid token\n\n       at "+spaced+":1:1:\n", spaced)
	if got.Pos != at(1, 1) {
		t.Errorf("a path with spaces: position %+v", got.Pos)
	}
}
