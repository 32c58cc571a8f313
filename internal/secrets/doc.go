// Package secrets owns the fleet's secrets: which machines receive each
// [secrets.NAME] of shoal.toml, its age-encrypted file in the fleet
// repository (secrets/NAME.age, encrypted to the fleet's admins and to the
// SSH host key of every receiving machine, the agenix model), the
// generators that make secrets shoal can make, the checks shoal check runs
// on those files without decrypting them, and the upload plan deploy uses
// to install them on a machine.
//
// It promises that no function here writes a secret's value anywhere but
// to the io.Writer or []byte its caller asked for: not to a diagnostic, an
// error, a log line or a command line.
package secrets

// How deploy installs a machine's secrets, before activation, over the
// SSH connection it already holds for that machine (ControlMaster):
//
//	src := secrets.Source{FS: os.DirFS(fleetDir), Dir: ".", Identities: ids,
//		Command: func(ctx context.Context, c, machine string) ([]byte, error) { /* runner, sh -c c, SHOAL_MACHINE=machine, stdout only */ }}
//	ups, err := src.Plan(ctx, resolved, machine)      // decrypted values, per machine
//	script, stdin := secrets.InstallScript(ups)       // paths, owners, modes; values on stdin only
//	// run: ssh HOST sh -c <quoted script>   (or sudo sh -c), with stdin as its standard input;
//	// trace the argv (-x) freely, never stdin; record u.Name, u.Dest and u.Hash only.
//	// --dry-run: run secrets.HashScript(ups) instead and compare each "OWNER:GROUP:MODE SHA256  PATH" line
//	// with u.Hash to say which secrets would change (and so which readers to restart).
//
// ids come from secrets.LoadIdentities (the admin's --identity, or
// $SHOAL_AGE_IDENTITY, or ~/.ssh/id_ed25519).
