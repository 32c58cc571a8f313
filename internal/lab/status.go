package lab

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Status is what runs in a lab, read from the system, not only the record.
type Status struct {
	Name      string         `json:"name"`
	Dir       string         `json:"dir"`
	Ready     bool           `json:"ready"`
	Link      string         `json:"link"`
	SSHConfig string         `json:"ssh_config"`
	Deployer  DeployerStatus `json:"deployer"`
	Hosts     []HostStatus   `json:"hosts"`
}

// DeployerStatus is the deployer side's status.
type DeployerStatus struct {
	Namespace   string `json:"namespace"`
	NamespaceUp bool   `json:"namespace_up"`
	Address     string `json:"address"`
	Store       string `json:"store"`
}

// HostStatus is one host's status.
type HostStatus struct {
	Name        string `json:"name"`
	Namespace   string `json:"namespace"`
	NamespaceUp bool   `json:"namespace_up"`
	Address     string `json:"address"`
	// Link is how the host's link is shaped now, or "down" when pulled.
	Link    string `json:"link"`
	SSHD    bool   `json:"sshd"`
	SSHDPID int    `json:"sshd_pid,omitempty"`
	// Relay is whether the link relay runs, for a link with a delay.
	Relay      *bool  `json:"relay,omitempty"`
	Store      string `json:"store"`
	StorePaths int    `json:"store_paths"`
}

// Healthy reports whether every namespace, sshd and relay is there.
func (s Status) Healthy() bool {
	if !s.Ready || !s.Deployer.NamespaceUp {
		return false
	}
	for _, h := range s.Hosts {
		if !h.NamespaceUp || !h.SSHD || (h.Relay != nil && !*h.Relay) {
			return false
		}
	}
	return true
}

// Status looks at the lab's namespaces and processes.
func (l *Lab) Status() Status {
	s := Status{
		Name:      l.Name,
		Dir:       l.Dir,
		Ready:     l.Ready,
		Link:      l.linkText(),
		SSHConfig: l.SSHConfig,
		Deployer: DeployerStatus{
			Namespace:   l.Deployer.Namespace,
			NamespaceUp: nsInode(l.Deployer.Namespace) != 0,
			Address:     l.Deployer.Address,
			Store:       filepath.Join(l.Deployer.Store, "store"),
		},
	}
	for _, h := range l.Hosts {
		hs := HostStatus{
			Name:      h.Name,
			Namespace: h.Namespace,
			Address:   h.Address,
			Link:      linkText(h.Rate, time.Duration(l.Delay)),
			Store:     filepath.Join(h.Store(), "store"),
		}
		if h.LinkDown {
			hs.Link = "down"
		}
		ino := nsInode(h.Namespace)
		hs.NamespaceUp = ino != 0
		if pid := readPID(filepath.Join(h.run(), filepath.Base(hostSshdPidFile))); pid > 0 && ino != 0 && inNamespace(pid, ino) && comm(pid) == "sshd" {
			hs.SSHD, hs.SSHDPID = true, pid
		}
		if l.Delay > 0 {
			up := h.RelayPID > 0 && alive(h.RelayPID) && inNamespace(h.RelayPID, nsInode(l.Deployer.Namespace))
			hs.Relay = &up
		}
		if entries, err := os.ReadDir(hs.Store); err == nil {
			for _, e := range entries {
				if !strings.HasPrefix(e.Name(), ".") {
					hs.StorePaths++
				}
			}
		}
		s.Hosts = append(s.Hosts, hs)
	}
	return s
}

// nsInode is the inode of the named network namespace, or 0.
func nsInode(ns string) uint64 {
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(netnsDir, ns), &st); err != nil {
		return 0
	}
	return st.Ino
}

// inNamespace reports whether pid's network namespace has inode ino.
func inNamespace(pid int, ino uint64) bool {
	if ino == 0 || !alive(pid) {
		return false
	}
	link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/net")
	return err == nil && link == "net:["+strconv.FormatUint(ino, 10)+"]"
}

func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// waitFor polls cond every 10 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
