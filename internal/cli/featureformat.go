package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/catalog"
)

// featureFormatTopic is the help topic "shoal help feature-format": the
// format of a fleet's own features, the page docs/features.md holds too.
const featureFormatTopic = "feature-format"

// addHelpTopics makes the root's help command print the help topics. They
// are no commands: one would widen the command list's columns, and be
// offered where commands are.
func addHelpTopics(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	help, _, err := root.Find([]string{"help"})
	if err != nil || help == root {
		return
	}
	run := help.Run
	help.Run = func(c *cobra.Command, args []string) {
		if len(args) == 1 && args[0] == featureFormatTopic {
			fmt.Fprint(c.OutOrStdout(), catalog.FeatureFormatDoc)
			return
		}
		run(c, args)
	}
}
