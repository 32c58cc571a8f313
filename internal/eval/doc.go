// Package eval checks a fleet's Nix with the real Nix: it writes the
// fleet's generated flake to a temporary directory and parses every
// generated Nix file, and every Nix file the fleet brings (machines'
// extra modules, overlays, local features' module.nix), with
// nix-instantiate --parse.
//
// A file Nix cannot parse is a diagnostic at the file and position Nix
// names. For a generated file, which is then a bug in shoal's generator,
// the diagnostic also points at where the file comes from (its
// gen.Origin: the machine, feature, profile or services in shoal.toml or
// the catalog), found from the origin the generator returns, never by
// reading file names.
//
// What it promises:
//
//   - Nix runs with HOME and XDG_CACHE_HOME in the temporary directory and
//     NIX_REMOTE=dummy://, so it touches no store, daemon or user cache;
//     no nixpkgs is needed. With a trace writer (-x) each command is
//     printed as a line a shell can run.
//   - A few nix-instantiate processes run at once. When the context is
//     cancelled (Ctrl-C), or a command cannot run at all, the others are
//     stopped, every process group ended, and the temporary directory
//     removed before Fleet returns.
//   - The temporary directory is removed in every case, unless
//     Options.Keep asks to keep it (shoal eval --work).
package eval
