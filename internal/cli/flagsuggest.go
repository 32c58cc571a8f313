package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shoal-nix/shoal/internal/diag"
)

// flagError is the root command's flag error function: a usage error, and
// for an unknown flag the nearest flag the command takes.
func flagError(cmd *cobra.Command, err error) error {
	return &exitError{code: ExitUsage, err: suggestFlag(cmd, err)}
}

// suggestFlag adds "did you mean --X?" to pflag's unknown-flag error when
// one of cmd's flags (its own or inherited) is a typo away.
func suggestFlag(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	name, _, _ = strings.Cut(name, "=")
	var names []string
	add := func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	}
	cmd.Flags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	if s := diag.Suggest(name, names); s != "" {
		return fmt.Errorf("%w; did you mean --%s?", err, s)
	}
	return err
}
