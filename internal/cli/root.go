package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// Exit codes, documented in the root command's help.
const (
	ExitOK         = 0
	ExitFailure    = 1 // an operation failed (I/O, a missing file)
	ExitUsage      = 2 // the command line is wrong
	ExitFleetError = 3 // the fleet has errors (or warnings, with --strict)
	ExitOutOfDate  = 4 // gen --check: the flake on disk is out of date
)

// exitError carries an exit code through cobra; its message, if any, has
// already been printed or is printed by Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError marks errors in how shoal was called.
func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// globals are the options and streams every command shares.
type globals struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	color  bool // colour and source snippets: a terminal, and NO_COLOR unset
	trace  bool // -x: print external commands before running them
}

// traceWriter is where -x prints commands, or nil.
func (g *globals) traceWriter() io.Writer {
	if g.trace {
		return g.stderr
	}
	return nil
}

func newRootCommand(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "shoal",
		Short: "Keep a fleet of NixOS machines in one typed file",
		Long: `shoal keeps a fleet of NixOS machines in one typed file (shoal.toml),
checks it in milliseconds with precise diagnostics, explains every resolved
feature, setting and package, and generates the fleet's NixOS flake.

Commands take the fleet as an optional path: a directory holding shoal.toml,
or the file itself; the default is the current directory.

Exit status:
  0  success: no errors
  1  an operation failed (a file could not be read, ...)
  2  usage error: unknown command or flag, wrong arguments
  3  the fleet has errors (with --strict, warnings too)
  4  gen --check: the generated flake is out of date`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVarP(&g.trace, "trace", "x", false, "print the external commands (nix, ssh) shoal runs")
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: ExitUsage, err: err}
	})
	root.AddCommand(
		newCheckCommand(g),
		newExplainCommand(g),
		newDemoCommand(g),
		newGenCommand(g),
		newDiffCommand(g),
		newEvalCommand(g),
	)
	return root
}

// Main runs shoal with args and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr, color: isTerminal(stdout) && os.Getenv("NO_COLOR") == ""}
	root := newRootCommand(g)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "shoal: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "shoal: %v\n", err)
	if isUsage(err) {
		return ExitUsage
	}
	return ExitFailure
}

// isUsage recognises cobra's own errors about the command line.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
