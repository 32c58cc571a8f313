// Package build builds machines of a generated flake with Nix: for each
// machine, nix build of nixosConfigurations.NAME.config.system.build.toplevel,
// then nix path-info -S for the size of its closure, then, when a cache is
// given, nix copy --to that store URL, so that deploys can substitute the
// closure from there instead of receiving it from the deployer.
//
// Machines build several at once. Each nix build evaluates one NixOS
// configuration, which costs 1 to 5 GB of memory for a real one, so the
// number at once is bounded by the memory the kernel says is available
// (MemAvailable in /proc/meminfo) divided by DefaultEvalMemory (2 GiB);
// Options.Jobs overrides it. Results are handed to Options.OnResult as each
// machine finishes, and returned in the order of Options.Machines.
//
// A Result is what deploy consumes: the machine's toplevel store path and
// its closure size. Results travel between a CI build and a later deploy as
// JSON Lines, one Result per line (WriteResult, ReadResults).
//
// Every command goes through a runner.Runner, so -x shows it as a line a
// shell can run, and cancelling the context stops the nix processes (their
// process groups) and starts no new machine. Build does not generate the
// flake: the caller (shoal build) generates it and refuses a stale one.
package build
