package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Exit codes, documented in the root command's help.
const (
	ExitOK         = 0
	ExitFailure    = 1 // an operation failed (I/O, a missing file)
	ExitUsage      = 2 // the command line is wrong
	ExitFleetError = 3 // the fleet has errors (or warnings, with --strict)
	ExitOutOfDate  = 4 // gen --check: the flake on disk is out of date
	ExitFindings   = 7 // audit --fail-on: a finding at or above the severity
	// ExitInterrupted is 128+SIGINT, what a shell reports for a command
	// Ctrl-C ended; shoal returns it after stopping what it ran.
	ExitInterrupted = 130
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
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	colorMode colorMode // --color
	noColor   string    // the NO_COLOR environment variable
	trace     bool      // -x: print external commands before running them
	stamped   bool      // gen found the flake up to date by its stamp
}

// diagRenderer renders diagnostics onto w, with colour and source
// snippets if --color and w (a terminal or not) call for them.
func (g *globals) diagRenderer(w io.Writer, docs map[string]*tomltree.Doc) diagRenderer {
	return diagRenderer{w: w, docs: docs, color: g.colorMode.on(isTerminal(w), g.noColor)}
}

// colorMode is the value of --color: when to use colour and source
// snippets.
type colorMode string

const (
	colorAuto   colorMode = "auto"   // on a terminal, unless NO_COLOR is set
	colorAlways colorMode = "always" // always, whatever NO_COLOR says
	colorNever  colorMode = "never"
)

func (m *colorMode) String() string { return string(*m) }

// Type names the flag's values in help.
func (m *colorMode) Type() string { return "when" }

// Set accepts auto, always or never.
func (m *colorMode) Set(s string) error {
	switch v := colorMode(s); v {
	case colorAuto, colorAlways, colorNever:
		*m = v
		return nil
	}
	return errors.New("want auto, always or never")
}

// on reports whether to use colour and source snippets on a writer that
// is (or is not) a terminal. NO_COLOR (any non-empty value, see
// no-color.org) turns auto off; an explicit --color=always wins over it.
func (m colorMode) on(terminal bool, noColor string) bool {
	switch m {
	case colorAlways:
		return true
	case colorNever:
		return false
	}
	return terminal && noColor == ""
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
feature, setting and package, generates the fleet's NixOS flake and builds
its machines with Nix (shoal build [FLEET/] [SELECTOR...]: names, globs,
@tag).

Commands take the fleet as an optional path: a directory holding shoal.toml,
or the file itself; the default is the current directory. A fleet's own
features (features/NAME/feature.toml): shoal help feature-format.

Exit status:
  0    success: no errors
  1    an operation failed (a file could not be read, ...)
  2    usage error: unknown command or flag, wrong arguments
  3    the fleet has errors (with --strict, warnings too)
  4    gen --check, build: the generated flake on disk is out of date
  5    deploy, rollback: some hosts failed or rolled back (status: some
       hosts are not in sync; health: some hosts are unhealthy; backup:
       some clients failed)
  6    deploy, rollback: no host deployed
  7    audit --fail-on: a finding at or above the severity
  130  interrupted (Ctrl-C or SIGTERM): the commands shoal ran were stopped

Colour and source snippets under each diagnostic: --color=auto (the
default) shows them on a terminal unless NO_COLOR is set, --color=always
forces them (also into a pipe or a file), --color=never turns them off.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	g.colorMode = colorAuto
	root.PersistentFlags().Var(&g.colorMode, "color", "colour and source snippets: auto (on a terminal, NO_COLOR unset), always or never")
	_ = root.RegisterFlagCompletionFunc("color", cobra.FixedCompletions([]string{string(colorAuto), string(colorAlways), string(colorNever)}, cobra.ShellCompDirectiveNoFileComp))
	root.PersistentFlags().BoolVarP(&g.trace, "trace", "x", false, "print the external commands (nix, ssh) shoal runs")
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newCheckCommand(g),
		newAuditCommand(g),
		newExplainCommand(g),
		newDemoCommand(g),
		newGenCommand(g),
		newDiffCommand(g),
		newEvalCommand(g),
		newBuildCommand(g),
		newLabCommand(g),
		newDeployCommand(g),
		newStatusCommand(g),
		newHealthCommand(g),
		newBackupCommand(g),
		newRollbackCommand(g),
		newFeaturesCommand(g),
		newShowCommand(g),
		newInitCommand(g),
		newNewCommand(g),
		newSchemaCommand(g),
		newMatrixCommand(g),
		newGraphCommand(g),
		newDocsCommand(g),
		newSecretsCommand(g),
	)
	addHelpTopics(root)
	// cobra's completion command would print its help and exit 0 for a
	// shell it does not know; that is a usage error.
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("unknown shell %q: shoal completes bash, zsh, fish and powershell", args[0])
			}
			return nil
		}
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	}
	return root
}

// Main runs shoal with args and returns the exit code. Cancelling ctx
// (cmd/shoal does on SIGINT and SIGTERM) stops the external commands
// shoal runs; Main then returns ExitInterrupted.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr, noColor: os.Getenv("NO_COLOR")}
	root := newRootCommand(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "shoal: interrupted (%v); stopped the commands it ran\n", context.Cause(ctx))
		return ExitInterrupted
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
