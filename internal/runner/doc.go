// Package runner is the one way shoal runs external commands (nix, ssh).
//
// With -x every command is printed before it runs as a line a user can
// paste into a shell: "cd DIR && " when the runner has a directory, the
// environment it adds (HOME=..., NIX_REMOTE=...), then the shell-quoted
// argv. A failure keeps the tail of the command's stderr in its error; a
// missing program is an error that says so and wraps exec.ErrNotFound.
//
// Every command runs under a context and in a process group of its own:
// when the context is done (Ctrl-C), the group gets SIGTERM, then SIGKILL
// for whatever lingers, and the error wraps the context's error rather
// than reporting a failed command.
package runner
