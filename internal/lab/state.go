package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// StateFile is the name of the lab's state file in the lab directory.
const StateFile = "lab.json"

const stateVersion = 1

// Lab is a lab as recorded in its state file.
type Lab struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	Dir     string `json:"dir"`
	Subnet  string `json:"subnet"`
	// Ready is false while Up is still bringing the lab up (or failed).
	Ready bool `json:"ready"`
	// Rate is every host's link rate at Up; Host.Rate is the current one.
	Rate     Rate     `json:"rate_bits,omitempty"`
	Delay    Duration `json:"delay,omitempty"`
	Deployer Deployer `json:"deployer"`
	Hosts    []Host   `json:"hosts"`

	SSHConfig  string `json:"ssh_config"`
	KnownHosts string `json:"known_hosts"`
	Identity   string `json:"identity"`
	NixConfDir string `json:"nix_conf_dir"`
	// DeployUser is the hosts' non-root deploy account, if the lab has one
	// (Options.DeployUser).
	DeployUser string `json:"deploy_user,omitempty"`
}

// Deployer is the lab's deployer side.
type Deployer struct {
	Namespace string `json:"namespace"`
	Address   string `json:"address"`
	// Store is the directory mounted on /nix on the deployer side.
	Store string `json:"store"`
	// EtcSSH is the directory mounted on /etc/ssh on the deployer side: it
	// holds the lab's ssh_config as the system-wide one.
	EtcSSH string `json:"etc_ssh"`
}

// Host is one lab host.
type Host struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Address   string `json:"address"`
	// Dir holds the host's nix (its /nix), etc-ssh (its /etc/ssh), run
	// (its /run), var-lib (its /var/lib), etc (its /etc/passwd and
	// /etc/group, and with a deploy user /etc/hosts and /etc/sudoers) and
	// root (its /root).
	Dir string `json:"dir"`
	// HostKey is the host's public SSH host key.
	HostKey string `json:"host_key"`
	// Rate is the host's link rate; 0 is unlimited.
	Rate Rate `json:"rate_bits,omitempty"`
	// LinkDown is set while the host's link is pulled out (SetLinkUp).
	LinkDown bool `json:"link_down,omitempty"`
	// RelayPID is the process id of the host's link relay, if it has one.
	RelayPID int `json:"relay_pid,omitempty"`
}

// Store is the directory mounted on /nix on the host.
func (h Host) Store() string { return filepath.Join(h.Dir, "nix") }

func (h Host) etcSSH() string { return filepath.Join(h.Dir, "etc-ssh") }
func (h Host) run() string    { return filepath.Join(h.Dir, "run") }

// Host returns the host called name.
func (l *Lab) Host(name string) (Host, bool) {
	for _, h := range l.Hosts {
		if h.Name == name {
			return h, true
		}
	}
	return Host{}, false
}

// ErrNoLab is returned by Load when the directory holds no lab.
var ErrNoLab = errors.New("no lab")

// Load reads the lab recorded in dir.
func Load(dir string) (*Lab, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lab directory %s: %w", dir, err)
	}
	data, err := os.ReadFile(filepath.Join(abs, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (no %s)", abs, ErrNoLab, StateFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read lab state: %w", err)
	}
	return decodeState(data, filepath.Join(abs, StateFile))
}

func decodeState(data []byte, path string) (*Lab, error) {
	var l Lab
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if l.Version != stateVersion {
		return nil, fmt.Errorf("%s: state version %d, this shoal reads version %d; tear the lab down with the shoal that made it", path, l.Version, stateVersion)
	}
	if !labName().MatchString(l.Name) {
		return nil, fmt.Errorf("%s: invalid lab name %q", path, l.Name)
	}
	return &l, nil
}

// save writes the state file atomically.
func (l *Lab) save() error {
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("encode lab state: %w", err)
	}
	path := filepath.Join(l.Dir, StateFile)
	tmp, err := os.CreateTemp(l.Dir, ".lab-*.json")
	if err != nil {
		return fmt.Errorf("write lab state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write lab state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write lab state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write lab state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write lab state: %w", err)
	}
	return nil
}

// Duration is a time.Duration written as text ("25ms") in JSON.
type Duration time.Duration

// MarshalText writes d as time.Duration does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
