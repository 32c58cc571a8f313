//go:build !linux

package genfs

import "os"

// renameNoReplace renames from to to, both in one directory of root,
// failing if to exists.
func renameNoReplace(root *os.Root, from, to string) error {
	return renameAbsent(root, from, to)
}
