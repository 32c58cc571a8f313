package diag

import (
	"cmp"
	"slices"
)

// Code identifies a kind of diagnostic. Codes are stable: users search for
// them and scripts match them, so a code is never reused for another
// meaning. Every code is defined once, below, with its severity and a
// one-line description; the README's table of codes is rendered from here.
type Code string

// CodeInfo is the registry entry of a code.
type CodeInfo struct {
	Code     Code
	Severity Severity
	// Command is the shoal command that reports the code: "check" for the
	// findings of shoal check (which gen, diff and eval run first too),
	// "eval" for what only shoal eval finds.
	Command string
	// Description says in a few lowercase words what the code means.
	Description string
}

// registry holds every code in definition order.
var registry []CodeInfo

// define registers a code; each code below is one call.
func define(code Code, sev Severity, command, description string) Code {
	registry = append(registry, CodeInfo{Code: code, Severity: sev, Command: command, Description: description})
	return code
}

// The registry of codes. Adding a code is one line here; then run
// go test ./internal/diag -update to refresh the README's table, and add a
// case to testdata/diagnostics when shoal check reports it.
var (
	CodeSyntax    = define("SH001", Error, "check", "TOML syntax error or invalid UTF-8")
	CodeDuplicate = define("SH002", Error, "check", "a key or table defined twice")

	CodeUnknownKey   = define("SH010", Error, "check", "unknown key")
	CodeWrongType    = define("SH011", Error, "check", "a value of the wrong type")
	CodeMissing      = define("SH012", Error, "check", "something required is missing")
	CodeInvalidName  = define("SH013", Error, "check", "invalid name (machine, user, tag, feature)")
	CodeInvalidValue = define("SH014", Error, "check", "invalid value (size, release, SSH key, enum)")
	CodeCatalogFile  = define("SH015", Error, "check", "a catalog file cannot be read or is malformed")
	CodeShadowed     = define("SH016", Error, "check", "a local feature reuses a built-in name")
	CodeNoMachines   = define("SH017", Warning, "check", "the fleet has no machines")

	CodeUnknownProfile = define("SH020", Error, "check", "unknown profile")
	CodeUnknownFeature = define("SH021", Error, "check", "unknown feature")
	CodeUnknownUser    = define("SH022", Error, "check", "unknown user")
	CodeUnknownTag     = define("SH023", Error, "check", "unknown tag")
	CodeUnknownMachine = define("SH024", Error, "check", "unknown machine")
	CodeUnknownSetting = define("SH025", Error, "check", "unknown setting of a feature")
	CodeUnusedSetting  = define("SH026", Warning, "check", "settings for a feature the machine does not have")
	CodeMissingModule  = define("SH027", Error, "check", "a module file that does not exist")
	CodeUnknownNetwork = define("SH028", Error, "check", "an address on a network `[networks]` does not declare")
	CodeSettingValue   = define("SH030", Error, "check", "a setting value that does not fit its type")

	CodeStateVersionAhead = define("SH031", Error, "check", "a state_version newer than the fleet's NixOS release")
	CodePortTwice         = define("SH032", Error, "check", "a port used twice on one machine (features, fleet services, raw options)")
	CodeOptionContradicts = define("SH033", Error, "check", "a raw NixOS option that contradicts the value a feature or shoal writes")
	CodeSettingNoEffect   = define("SH034", Warning, "check", "a setting that does nothing without another feature")
	CodeAppendOnlyPrune   = define("SH035", Warning, "check", "an append-only backup server with clients that prune")

	CodeRequiresCycle = define("SH040", Error, "check", "features that require each other in a cycle")
	CodeConflict      = define("SH041", Error, "check", "conflicting features")
	CodeProvidesClash = define("SH042", Error, "check", "two features provide the same capability")
	CodeDeprecated    = define("SH043", Warning, "check", "deprecated feature")
	CodeExcluded      = define("SH045", Error, "check", "a feature the machine's profile excludes")

	CodeHardware       = define("SH050", Error, "check", "hardware mismatch (system, CPU, GPU, form factor)")
	CodeLowMemory      = define("SH051", Warning, "check", "memory below a feature's needs")
	CodeLowDisk        = define("SH052", Warning, "check", "disk below a feature's needs")
	CodeCPUSystem      = define("SH053", Error, "check", "a CPU that cannot run the machine's system")
	CodeHardwareNoFS   = define("SH054", Warning, "check", "a hardware module that defines no file systems, on a machine without a disk layout")
	CodeBootConflict   = define("SH055", Error, "check", "boot and disk settings that cannot work together (a container with a disk, systemd-boot on BIOS, GRUB without a device, two root file systems)")
	CodePasswordHash   = define("SH056", Error, "check", "a hashed_password that is not a crypt hash NixOS accepts (plain text, md5crypt, a colon)")
	CodeLockedOut      = define("SH057", Error, "check", "NixOS's lock-out rule: immutable users, and neither root nor a wheel user can log in")
	CodeMaybeLockedOut = define("SH058", Warning, "check", "locked out as in SH057 unless one of the machine's own modules sets a password")
	CodeTwoPasswords   = define("SH059", Warning, "check", "both hashed_password and password_file (NixOS uses the file)")

	CodeDuplicateAddr       = define("SH060", Error, "check", "duplicate address")
	CodeDuplicateHost       = define("SH061", Error, "check", "duplicate host name")
	CodeUnreachable         = define("SH062", Error, "check", "a machine cannot reach the machine it uses in a service (no address, no shared network)")
	CodeNoServer            = define("SH063", Error, "check", "agents with no server")
	CodeNoBackupTarget      = define("SH064", Error, "check", "backup clients with no target")
	CodeServiceOption       = define("SH065", Error, "check", "a service option of the wrong type or range")
	CodeManyServers         = define("SH066", Warning, "check", "a service with more than one server: agents are wired to the first")
	CodeServiceOptionUnused = define("SH067", Warning, "check", "a service option shoal does not use yet")
	CodeBackendIdle         = define("SH068", Error, "check", "nothing listens on a load balancer backend's port")
	CodePublicService       = define("SH069", Error, "check", "a service port that would be open to the internet")

	CodeLockout        = define("SH070", Warning, "check", "nobody can log in over SSH")
	CodePasswordPublic = define("SH071", Warning, "check", "SSH password login on a public address")
	CodeNoStateVersion = define("SH072", Error, "check", "no state_version")
	CodeNoBoot         = define("SH073", Error, "check", "a machine that does not say where its file systems are or how it boots")
	CodeNoTLS          = define("SH074", Error, "check", "port 443 without TLS (certificate or acme_email), or both")
	CodeNoAuth         = define("SH075", Warning, "check", "a backup server without authentication (SH069 when it is public)")
	CodeNoLogin        = define("SH077", Warning, "check", "a user without a password who must type one, at the display manager or for sudo")
	CodeACMENeedsDNS   = define("SH078", Error, "check", "ACME for a frontend with no DNS name")

	CodeAlertNoMailServer = define("SH079", Error, "check", "alerts mailed with no mail server to send them through")

	CodeRoleNoMachine     = define("SH125", Warning, "check", "a fleet service, or a role of one, that names no machine")
	CodeMonitoringDisk    = define("SH126", Warning, "check", "a monitoring or log server with less disk than its retention and load need (an estimate)")
	CodeAlertNoLogin      = define("SH127", Warning, "check", "alerts mailed through a submission port with no smtp_user to log in as")
	CodeAlertPlainWebhook = define("SH128", Warning, "check", "alerts posted over plain http to a host outside the fleet")
	CodeBackupToItself    = define("SH129", Warning, "check", "a machine that backs up to itself, the fleet's backup server")

	CodeUnknownOption  = define("SH080", Error, "check", "unknown NixOS option in a raw `nixos.\"…\"` setting or a local feature's `[nixos]` (under a covered prefix)")
	CodeOptionType     = define("SH081", Error, "check", "a raw or local feature's NixOS option value that does not fit the option's type")
	CodeOptionReadOnly = define("SH082", Error, "check", "a read-only NixOS option set")
	CodeOptionNearMiss = define("SH083", Warning, "check", "a raw option outside the index, one typo from a covered one (not checked)")
	CodeOptionTwice    = define("SH084", Error, "check", "a raw NixOS option set twice (directly and through a parent set)")

	CodePackageName       = define("SH130", Error, "check", "a local feature's package that is not a nixpkgs attribute name")
	CodePackageUnknown    = define("SH131", Warning, "check", "a local feature's package shoal does not know, one typo from one it does")
	CodeUnknownCollection = define("SH132", Error, "check", "a local feature's package collection that does not exist")
	CodeFeaturePort       = define("SH133", Error, "check", "a local feature's port that cannot be opened (no number, not a port setting, not tcp or udp)")
	CodeFeatureHealth     = define("SH134", Error, "check", "a local feature's health check that cannot run")

	CodeCacheUntrusted   = define("SH140", Warning, "check", "a fleet binary cache the machines cannot trust: no cache_key")
	CodeRoleFeatureAlone = define("SH141", Error, "check", "a service role's feature on a machine the service does not give that role (its secrets never arrive)")
	CodePasswordOnce     = define("SH142", Warning, "check", "a password_file NixOS reads only when the user is created (users.mutableUsers is true)")

	CodeSecretMissing    = define("SH100", Error, "check", "a secret's encrypted file is missing")
	CodeSecretCorrupt    = define("SH101", Error, "check", "a secret's file is not an age-encrypted file")
	CodeSecretRecipient  = define("SH102", Error, "check", "a secret not encrypted to a machine that receives it or to an admin")
	CodeSecretStale      = define("SH103", Warning, "check", "a secret still encrypted to a key that is no longer a recipient (until rekey)")
	CodeSecretInFleet    = define("SH104", Error, "check", "a secret-looking value written in shoal.toml")
	CodeSecretUndeclared = define("SH105", Error, "check", "a secret used but not declared in [secrets]")
	CodePublicMissing    = define("SH106", Error, "check", "a key pair's public half the generated configuration needs is missing (run shoal secrets generate)")
	CodeMeshAddress      = define("SH107", Error, "check", "a WireGuard mesh address that is invalid, outside the mesh subnet or taken by another machine")
	CodeSecretNotHere    = define("SH108", Error, "check", "a machine reads a secret it does not receive, or at a path the secret does not go to")

	CodePlaceholder   = define("SH150", Warning, "check", "a placeholder shoal init or shoal new wrote is still in place")
	CodeSandboxBreaks = define("SH151", Warning, "check", "a raw setting that writes where hardening's sandbox of the backup unit does not let it")

	CodeGeneratedParse = define("SH090", Error, "eval", "a generated file that Nix cannot parse (a shoal bug)")
	CodeModuleParse    = define("SH091", Error, "eval", "a module the fleet brings that Nix cannot parse")
)

// Codes returns every registered code, ordered by code.
func Codes() []CodeInfo {
	out := slices.Clone(registry)
	slices.SortStableFunc(out, func(a, b CodeInfo) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// Info returns the registry entry of c; ok is false for an unregistered code.
func (c Code) Info() (info CodeInfo, ok bool) {
	for _, i := range registry {
		if i.Code == c {
			return i, true
		}
	}
	return CodeInfo{}, false
}
