// Package catalog owns the catalog of features, profiles, package
// collections and fleet services: its file formats, the built-in catalog
// built into the binary, and a fleet's own features.
//
// A feature is a directory holding feature.toml (and optionally module.nix):
// description, typed settings with defaults, requires, conflicts, provides,
// hardware and resource needs, lifecycle, ports, health checks, package
// collections, and NixOS configuration as typed option settings. Profiles
// (profiles/NAME.toml) are named sets of features and setting values;
// package collections (collections.toml) are named package lists defined
// once. A fleet's features/NAME/ directories use the same format and may
// add features, never replace built-in ones.
//
// A setting ([settings.NAME]) has a type: bool, int (min, max), string
// (an optional pattern), enum and list (values), port, size ("16GiB"), or
// one of the kinds whose values another program reads, checked by meaning
// with a hint: duration (flavour says whose syntax: prometheus, also
// Loki's; nix-age, --delete-older-than's days; go, Alloy's; haproxy;
// fail2ban; restic), calendar (a systemd calendar event, parsed as
// systemd.time(7) describes it), timezone (an IANA zone name, from
// zones.txt) and release (a NixOS release). needs = ["FEATURE"] marks a
// setting that does nothing without that feature: a machine that sets it
// without the feature is warned (SH034).
//
// A fleet service is services/NAME.toml (NAME as [services.NAME] in a
// fleet file writes it: lowercase letters, digits and "_"):
//
//	description = "..."
//	[roles.ROLE]          # a key of [services.NAME] that lists machines
//	feature = "FEATURE"   # every machine of the role gets it; none: the role only names machines
//	max = 1               # more selectors than this: a warning (SH066), the first is wired
//	needs = ["server"]    # roles or options one of which must be given when this role names
//	                      # machines: SH063, or SH064 when an option may stand in
//	unmet, unmet_hint     # the summary and hint of that diagnostic, when the default does not fit
//	port = "SETTING"      # the port setting of FEATURE the role's machines listen on
//	port_option = "OPTION"  # or, for a role without a feature, the service option holding it
//	reached_by = ["agents"] # the roles that connect to that port: check makes sure each of
//	                      # their machines shares a network with each of this role's (SH062),
//	                      # and the wiring opens the port to them only, by source address
//	profile_tests = true  # FEATURE joins every profile's VM test (the role is for every machine)
//	[options.OPTION]      # a key of [services.NAME] that is no role
//	sets = "FEATURE.SETTING"   # the option is that setting's value on every machine with FEATURE
//	type, values, min, max, default   # or: a value of its own that the wiring reads
//	unused, unused_hint   # the option does nothing yet: a warning (SH065) says why
//	[secrets.NAME]        # a file the machines of role read, at /var/lib/shoal/secrets/NAME
//	role = "clients"      # (catalog.SecretPath, the one place); check wants a [secrets.NAME]
//	description = "..."   # of the fleet for it (SH105, with the lines to add); wires name it
//	owner = "restic"      # by {secret = "NAME"}; owner: the user that reads it (default root)
//	unless = "OPTION"     # a boolean option of the service that makes the file unneeded
//	when = "OPTION"       # an option that must be set for the file to be needed
//	units = ["U.service"] # the units that read it: deploy restarts them when it changes
//	generator = "KIND"    # the fleet generator that makes it; provided_with = "OPTION": a set
//	per_machine = true    # option means a person provides it; per_machine: one value per
//	users_from = "NAME"   # machine; users_from: an htpasswd generator's per-machine secret
//	[[wire]]              # a block of modules/services/defaults.nix, for the machines of role
//	role = "ROLE"
//	comment = "..."
//	set."nixos.option" = "http://${server}/path"      # ${ROLE}: host:port of ROLE's first machine
//	set."other.option" = { endpoints = "agents" }     # host:port of every machine of agents
//	set."third.option" = { secret = "NAME" }          # the path of a secret file
//	set."fourth.option" = { public = "NAME" }         # a key pair's public half (generator ssh-ed25519 or wireguard; per machine: the machine's own)
//
// Addresses in wires are the ones each machine of the role reaches the
// others at, over the network they share; machines that see different
// addresses get blocks of their own, by machine name (shoal.name).
//
// A feature's [[ports]] take access = "public" (the default: open to all),
// "private" (open only on machines the internet cannot reach: web
// interfaces, statistics) or "service" (opened by a service's wiring to
// the machines of the roles that reach it, and to no one else).
//
// The first [[wire]] of a role also carries the setting values the
// service's options give. What a service cannot say as data is one Go
// function in package gen, registered by the service's name. Services are
// built in only; a fleet cannot add its own yet.
//
// Loading reports problems in catalog files as diagnostics against those
// files; the built-in catalog loads without any (a test holds it to that).
// The built-in catalog is what Load makes of the files under builtin/,
// parsed files included (for positions in diagnostics and explanations),
// generated into builtin_data.go by go generate as Go data the linker lays
// out: no command parses it at start, and a test fails when the file is
// stale.
package catalog
