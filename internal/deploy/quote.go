package deploy

import "github.com/shoal-nix/shoal/internal/runner"

// Quote quotes each word for a POSIX shell and joins them with spaces, so
// that sh -c parses the result back into exactly these words. Every command
// line for a remote host is built with it; it is runner.Quote, the one
// quoting function, which runner's fuzz test checks against a real sh.
func Quote(words ...string) string { return runner.Quote(words) }
