package fleet

import "slices"

// MachineKeys lists the keys a [machines.NAME] table takes, for tools
// that describe the fleet file (its JSON Schema).
func MachineKeys() []string { return slices.Clone(machineKeys) }
