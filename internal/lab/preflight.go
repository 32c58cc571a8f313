package lab

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// tool is a program the lab runs and the Debian package that has it.
type tool struct{ name, pkg string }

var tools = []tool{
	{"ip", "iproute2"},
	{"tc", "iproute2"},
	{"sshd", "openssh-server"},
	{"ssh", "openssh-client"},
	{"ssh-keygen", "openssh-client"},
	{"nix-store", "nix-bin"},
	{"nix", "nix-bin"},
	{"unshare", "util-linux"},
	{"mount", "mount"},
}

// Env is what Preflight looks at; SystemEnv reads it from the system.
type Env struct {
	EUID     int
	LookPath func(string) (string, error)
	// TUN reports whether /dev/net/tun can be opened.
	TUN func() error
}

// SystemEnv is the running system. Programs in /usr/sbin and /sbin are
// found even when PATH lacks them.
func SystemEnv() Env {
	return Env{
		EUID: os.Geteuid(),
		LookPath: func(name string) (string, error) {
			p, err := exec.LookPath(name)
			if err == nil {
				return p, nil
			}
			for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
				if p, err2 := exec.LookPath(dir + "/" + name); err2 == nil {
					return p, nil
				}
			}
			return "", err
		},
		TUN: func() error {
			f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0)
			if err != nil {
				return err
			}
			return f.Close()
		},
	}
}

// Preflight checks that the lab can run here: root, the programs it runs
// and, for a link delay, /dev/net/tun. It returns the programs' paths by
// name, or an error that says how to fix what is missing.
func Preflight(env Env, delay bool) (map[string]string, error) {
	if env.EUID != 0 {
		return nil, fmt.Errorf("the lab needs root (it makes network namespaces and mounts): run it as root, e.g. sudo shoal lab up")
	}
	paths := map[string]string{}
	var missing, pkgs []string
	for _, t := range tools {
		p, err := env.LookPath(t.name)
		if err != nil {
			missing = append(missing, t.name+" ("+t.pkg+")")
			if !slices.Contains(pkgs, t.pkg) {
				pkgs = append(pkgs, t.pkg)
			}
			continue
		}
		paths[t.name] = p
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the lab needs %s; install with: apt-get install %s (see the README's lab section: keep openssh-server from starting an sshd on the machine)",
			strings.Join(missing, ", "), strings.Join(pkgs, " "))
	}
	if delay && env.TUN != nil {
		if err := env.TUN(); err != nil {
			return nil, fmt.Errorf("a link delay needs /dev/net/tun (%v): load the tun module (modprobe tun) or drop --delay", err)
		}
	}
	return paths, nil
}
