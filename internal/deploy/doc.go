// Package deploy puts built NixOS system closures on a fleet's machines
// over OpenSSH and Nix, and keeps the record of what runs where.
//
// Each host goes through one pipeline: connect (one ControlMaster per host
// per run, strict host key checking, BatchMode so ssh never prompts), probe
// (answered by connect's one command: a host already running the closure,
// with its system profile on it too, is skipped), copy (nix copy --to ssh://USER@HOST with the same ssh
// options through NIX_SSHOPTS), activate (switch-to-configuration test under
// a detached target-side watchdog), confirm (a NEW ssh connection claims
// the watchdog's token before its timeout; otherwise the host switches back
// by itself), health checks (side by side with confirm), and finish (a new
// system profile generation, as nix-env --set makes it, and
// switch-to-configuration boot; in the confirmation's command when nothing
// runs between the two, so that a host without checks needs four remote
// commands over two TCP connections). The scripts over the master
// connection run in one sh on its own session (shell.go). A failed activation, a failed
// health check or a failed finish switches the host back to the system it
// ran before at once, its profile included.
//
// Hosts run several at once (Options.Parallel), in waves (Options.Batch);
// Options.MaxFailures failed hosts stop the later waves. Cancelling the
// context starts no new host; a host already activating finishes or rolls
// back, so no host is left on an unconfirmed system past its watchdog.
//
// Every remote command is one string built by Quote, the single POSIX sh
// quoting function. The deployment records are appended to a JSON Lines
// file (RecordFile) under the fleet's state directory, rewritten
// atomically; Lock keeps two deploys of one fleet from running at once.
package deploy
