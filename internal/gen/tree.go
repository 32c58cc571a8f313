package gen

import (
	"fmt"

	"github.com/shoal-nix/shoal/internal/genfs"
	"github.com/shoal-nix/shoal/internal/nixlit"
)

// Header heads every generated file; genfs recognises it.
const Header = genfs.Header

// nixFile is a generated .nix file: the header, comment lines, then body.
func nixFile(body nixlit.Node, comments ...string) *nixlit.File {
	return &nixlit.File{Comments: append([]string{genfs.Notice}, comments...), Body: body}
}

// write stores the file f at p, with where its content comes from, unless
// building it failed with err.
func (g *generator) write(p string, f *nixlit.File, o Origin, err error) error {
	if err != nil {
		return fmt.Errorf("generate %s: %w", p, err)
	}
	return g.put(File{Path: p, Data: f.Print(), Origin: o})
}

// put hands a finished file on: to emit as soon as it is made when
// streaming, else into the files that Generate returns.
func (g *generator) put(f File) error {
	if g.emit != nil {
		if err := g.emit(f); err != nil {
			return fmt.Errorf("generate %s: %w", f.Path, err)
		}
		return nil
	}
	if _, dup := g.files[f.Path]; dup {
		return fmt.Errorf("generate %s: made twice", f.Path) // a bug in the generator
	}
	g.files[f.Path] = f
	return nil
}

// nodes turns Go values into tree nodes with nixlit.Data, keeping the
// first error, so a file's builder checks once at the end.
type nodes struct{ err error }

func (b *nodes) data(v any) nixlit.Node {
	n, err := nixlit.Data(v)
	if err != nil {
		if b.err == nil {
			b.err = err
		}
		return nixlit.Null()
	}
	return n
}

// fail keeps err unless an error is kept already.
func (b *nodes) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// Short names for the tree's most used constructors.
var (
	sel  = nixlit.Var
	nstr = nixlit.Str
	call = nixlit.Call
	bind = nixlit.Bind
)

// set is an attribute set written over lines.
func set(bs ...nixlit.Binding) *nixlit.Set { return &nixlit.Set{Bindings: bs} }

// list is a list written one element a line.
func list(items ...nixlit.Node) *nixlit.List { return &nixlit.List{Items: items} }

// fn is a function of one argument, param: body.
func fn(param string, body nixlit.Node) *nixlit.Lambda {
	return &nixlit.Lambda{Param: param, Body: body}
}

// importOf is import path args....
func importOf(path nixlit.Node, args ...nixlit.Node) *nixlit.Apply {
	return call(sel("import"), append([]nixlit.Node{path}, args...)...)
}

// The let-bound names every generated module that tests conditions uses.
const (
	featuresVar = "f"  // config.shoal.features
	hardwareVar = "hw" // config.shoal.hardware
)

// The let bindings of f and hw.
var (
	featuresLet = bind(sel("config", "shoal", "features"), featuresVar)
	hardwareLet = bind(sel("config", "shoal", "hardware"), hardwareVar)
)

// usedLets returns, in order, the bindings of bs whose name body uses: a
// module binds only what it needs.
func usedLets(body nixlit.Node, bs ...nixlit.Binding) []nixlit.Binding {
	var out []nixlit.Binding
	for _, b := range bs {
		if nixlit.Uses(body, b.Path[0]) {
			out = append(out, b)
		}
	}
	return out
}
