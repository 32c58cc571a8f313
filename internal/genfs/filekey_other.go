//go:build !linux

package genfs

import "io/fs"

// fileKey has no fingerprint to offer where shoal does not know where the
// change time is kept: every file is hashed.
func fileKey(fs.FileInfo) (FileKey, bool) { return FileKey{}, false }
