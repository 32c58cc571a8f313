// Package lab owns shoal's fleet lab: test hosts on one machine, so that a
// deploy can be tried and tested without machines.
//
// A lab is a set of Linux network namespaces: a deployer side (NAME-ctl)
// holding a bridge at 10.231.0.1/16, and hosts h1..hN (NAME-h1, ...) at
// 10.231.0.11 and up, each linked to the bridge. No namespace has a default
// route, so lab traffic reaches only lab addresses; nothing is added to the
// root network namespace, and every sshd listens only on its host's lab
// address. Each host runs its own OpenSSH server with its own host key and
// sshd_config, started in its own mount and UTS namespace where /nix,
// /etc/ssh, /run, /var/lib, /etc/passwd, /etc/group and /root are
// bind-mounted from the host's directory in the lab directory: every host
// has its own Nix store, state, users and root's home of its own, and the
// system's /usr/bin/nix* programs work on the host's store.
// The deployer side has a Nix store of its own too, and commands run there
// through Lab.DeployerArgv (shoal lab exec). The lab makes an empty /nix as
// a mount point if the machine has none, and nothing else outside its
// directory and namespaces.
//
// The lab writes a deployer SSH key, a known_hosts file with every host's
// key and an ssh_config, so that strict host key checking works. Each host's
// link can be shaped: a bandwidth with the kernel's tbf qdisc on both ends,
// and a one-way delay in each direction with a user-space relay (RelayMain)
// between two TAP devices, because the kernel may lack netem; one relay
// process serves every link of a lab. While the lab
// runs, one host's link can change on its own: SetRate, and SetLinkUp to
// pull it out (frames are lost, as with a pulled cable) and plug it back in.
//
// With Options.DeployUser, every host also has a non-root deploy account
// that exists only inside it: the host's own /etc/passwd, /etc/group,
// /etc/hosts and /etc/sudoers are bind-mounted over the system's in the
// host's mount namespace (sudo lets the user become root without a
// password), and the host runs its own nix-daemon, which trusts the user,
// so that the user adds closures to the host's store as a NixOS host's
// trusted user does.
//
// Up records the lab in DIR/lab.json, so that Down and Status work from a
// new process. Down is idempotent: it ends only the processes inside the
// lab's namespaces (the hosts' sshd and what they started, the relays,
// commands run on the deployer side), deletes the namespaces, and removes
// only the files Up wrote. The lab needs root.
package lab
