package cli

import (
	"github.com/spf13/cobra"
)

// Completion of names from the fleet in the current directory (and the
// catalog it sees): machines, tags, features and profiles. A fleet that
// does not load completes nothing, quietly: completion must never print
// errors into a shell prompt.

// completeNames returns a cobra completion function that offers what list
// returns.
func completeNames(list func() []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return list(), cobra.ShellCompDirectiveNoFileComp
	}
}

// fleetTags lists the tags the machines of the fleet in the current
// directory carry.
func fleetTags() []string {
	res, err := loadFleet("")
	if err != nil || res.Fleet == nil {
		return nil
	}
	return res.Fleet.Tags()
}

// catalogFeatures lists the features the current directory's fleet sees
// (the built-in catalog outside a fleet).
func catalogFeatures() []string {
	c, err := loadCatalog("")
	if err != nil {
		return nil
	}
	return c.FeatureNames()
}

// catalogProfiles lists the profiles of the catalog.
func catalogProfiles() []string {
	c, err := loadCatalog("")
	if err != nil {
		return nil
	}
	return c.ProfileNames()
}
