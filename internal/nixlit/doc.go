// Package nixlit is the one place where shoal writes Nix: literals
// (strings, attribute names, paths and plain values) and the expression
// tree that generated files are built from. Generated Nix must never mean
// something other than what was intended, so no other package builds a Nix
// string, attribute name or path by hand (and never with fmt's %s or %q),
// nor Nix structure by concatenating text.
//
// What it promises:
//
//   - String, IndentedString, AttrName, AttrPath, Path and Value return text
//     that Nix parses back to exactly the input: no interpolation (${ is
//     always escaped), no keyword taken as an identifier, no path read as
//     something else. The tests check this against a real nix-instantiate
//     for a corpus of hostile inputs and for every short string over the
//     characters that matter.
//   - Nix strings cannot hold a NUL byte: Nix 2.8 silently cuts a string at
//     one. Generated files should be valid UTF-8. String, IndentedString and
//     AttrName therefore never fail: like encoding/json, they replace a NUL
//     byte or a byte that is not valid UTF-8 with U+FFFD. Callers that must
//     not change data check first with CheckString; Path and Value do and
//     return its error.
//   - Output is deterministic: map keys are sorted, and the layout of Value
//     follows a fixed rule close to nixfmt (RFC 166).
//   - Every quoting rule lives here, once: String for double-quoted strings,
//     which AttrName, Path and Value build on, and IndentedString for
//     indented ones.
//   - The tree (Node: Set, List, Let, Lambda, Apply, Op, Select, literals,
//     comments) is printed by one printer (File.Print, Print) in the style
//     of RFC 166 (nixfmt): two-space indentation, one binding or element a
//     line, a last argument that is a set or list opened on the line of its
//     function. Attribute paths that share a prefix are nested by Group, so
//     no attribute is written twice. A function's formals come from what its
//     body uses (Func, FreeVars), never from scanning text. Value is Data
//     printed, so a plain value reads the same standing alone or in a tree.
//     Raw holds Nix text written elsewhere, with the variables it uses.
//
// The package is a leaf: it does no I/O and knows nothing of fleets or
// NixOS options. It does not validate meaning either: Path does not stop a
// path from leaving the flake with "..", and Value does not know what an
// option expects. Callers validate; nixlit only writes.
package nixlit
