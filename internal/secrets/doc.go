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
