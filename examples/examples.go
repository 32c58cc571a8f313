// Package examples embeds the bundled example fleets, so that `shoal demo`
// needs no files on disk.
package examples

import "embed"

// FS holds the example fleets, one directory each (homelab/, company/).
//
//go:embed homelab company
var FS embed.FS
