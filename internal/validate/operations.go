package validate

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// roleWithoutMachine reports a fleet service that names no machine in any
// role, and a role given as an empty list that no other role needs (those
// are SH063 and SH064): the service does nothing there, which is rarely
// what its author meant.
func (v *validator) roleWithoutMachine(s *resolve.Service) {
	given := 0
	for _, role := range s.Def.Roles {
		if _, ok := s.Roles[role.Name]; ok {
			given++
		}
	}
	if given == 0 {
		var roles []string
		for _, role := range s.Def.Roles {
			roles = append(roles, role.Name)
		}
		v.diags.Warnf(diag.CodeRoleNoMachine, v.file, s.Spec.Path, "services.%s names no machine: it does nothing", s.Name()).
			Hintf("give its roles machines (%s), such as %s = [\"@all\"], or remove [services.%s]", strings.Join(roles, ", "), roles[len(roles)-1], s.Name())
		return
	}
	for _, role := range s.Def.Roles {
		n := s.Spec.Table.Get(role.Name)
		if n == nil || n.Kind != tomltree.Array || n.Len() > 0 {
			continue // not given, of the wrong type, or naming machines (unknown ones are reported where they are written)
		}
		needed := false
		for _, other := range s.Def.Roles {
			if other != role && slices.Contains(other.Needs, role.Name) && len(s.Members(other.Name)) > 0 {
				needed = true
			}
		}
		if needed {
			continue
		}
		v.diags.Warnf(diag.CodeRoleNoMachine, v.file, s.Spec.Path.Child(role.Name), "services.%s.%s names no machine", s.Name(), role.Name).
			Hintf("name machines or tags (%s = [\"@all\"]), or remove the line", role.Name)
	}
}

// alertReceivers reports receivers that cannot work or leak: mail through
// a submission port (587, 465), which wants a login, with no smtp_user
// (SH127); a webhook over plain http to a host outside the fleet (SH128).
func (v *validator) alertReceivers(s *resolve.Service) {
	to, _ := s.Values["alert_email"].(string)
	hook, _ := s.Values["alert_webhook"].(string)
	server, _ := s.Values["smtp_server"].(string)
	user, _ := s.Values["smtp_user"].(string)
	if u, err := url.Parse(hook); err == nil && u.Scheme == "http" && !v.insideFleet(u.Hostname()) {
		v.diags.Warnf(diag.CodeAlertPlainWebhook, v.file, s.Spec.Path.Child("alert_webhook"), "alerts are posted to %s over plain http, unencrypted across networks the fleet does not control", u.Host).
			Hintf("use an https:// URL; plain http is fine for a host on the fleet's own networks (an address in a private range or a machine of the fleet)")
	}
	if to == "" || server == "" || user != "" {
		return
	}
	if _, port, err := net.SplitHostPort(server); err == nil && (port == "587" || port == "465") {
		v.diags.Warnf(diag.CodeAlertNoLogin, v.file, s.Spec.Path.Child("smtp_server"), "alerts are mailed through %s, a submission port, but services.monitoring has no smtp_user to log in as", server).
			Hintf(`mail servers take mail on port %s from users who log in: add smtp_user = "alerts" (shoal check then asks for its password as [secrets.smtp-password], from an age file or a command); or use a relay on port 25 that needs no login`, port)
	}
}

// insideFleet reports whether host is one of the fleet's machines, an
// address in a private or loopback range, or a name under the fleet's
// domain.
func (v *validator) insideFleet(host string) bool {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast()
	}
	for _, m := range v.rf.Spec.Machines {
		if host == m.Name || host == m.Hostname || host == m.Address {
			return true
		}
	}
	return v.rf.Spec.Domain != "" && strings.HasSuffix(host, "."+v.rf.Spec.Domain)
}

// Prometheus's storage, as its documentation sizes it: about 1-2 bytes per
// sample on disk once compacted; seriesPerTarget is what one target of
// each scrape job exports, roughly (a node exporter with the systemd
// collector exports one to two thousand series).
const (
	bytesPerSample = 2
	// headroom covers the write-ahead log, the head block and compaction,
	// which needs room for a copy of the blocks it merges.
	headroom = 1.5
)

var seriesPerTarget = map[string]int64{
	"node":       1500,
	"prometheus": 1000,
	"haproxy":    500,
	"loki":       1500,
	"tls":        20,
}

// diskNeed is what one service stores on a machine's disk, by estimate:
// its size in bytes, what it keeps for how long (for the summary), how
// the estimate was made (for the hint), and where the fleet file sets
// what drives it.
type diskNeed struct {
	service, what string
	bytes         float64
	estimate      string
	at            diag.Path
	machine       *resolve.Machine
}

// serviceDisks warns (SH126) when a machine's hardware.disk is smaller
// than what the fleet services store on it need, by estimate: Prometheus
// on the monitoring server, Loki on the log server, both added up when
// one machine runs both. No estimate for a machine without a disk size.
func (v *validator) serviceDisks() {
	var needs []diskNeed
	if s := v.service("monitoring"); s != nil {
		if n, ok := v.prometheusDisk(s); ok {
			needs = append(needs, n)
		}
	}
	if s := v.service("logs"); s != nil {
		if n, ok := v.lokiDisk(s); ok {
			needs = append(needs, n)
		}
	}
	const gib = 1 << 30
	done := map[string]bool{}
	for _, n := range needs {
		srv := n.machine
		if done[srv.Name()] {
			continue
		}
		done[srv.Name()] = true
		var mine []diskNeed
		var total float64
		for _, o := range needs {
			if o.machine == srv {
				mine = append(mine, o)
				total += o.bytes
			}
		}
		need := fleet.Size(math.Ceil(total/gib)) * gib
		have := srv.Spec.Hardware.Disk
		if need <= have {
			continue
		}
		var names, whats, estimates []string
		for _, o := range mine {
			names = append(names, o.service)
			whats = append(whats, fmt.Sprintf("%s for %s", fleet.Size(math.Ceil(o.bytes/gib))*gib, o.what))
			estimates = append(estimates, o.service+": "+o.estimate)
		}
		estimate := "the estimate: " + n.estimate
		if len(mine) > 1 {
			estimate = "the estimates: " + strings.Join(estimates, "; ")
		}
		var d diag.Ref
		if len(mine) == 1 {
			d = v.diags.Warnf(diag.CodeMonitoringDisk, v.file, n.at, "%s on %s needs about %s of disk for %s, more than its %s", n.service, srv.Name(), need, n.what, have)
		} else {
			d = v.diags.Warnf(diag.CodeMonitoringDisk, v.file, n.at, "%s on %s need about %s of disk (%s), more than its %s", strings.Join(names, " and "), srv.Name(), need, strings.Join(whats, ", "), have)
		}
		advice := "Shorten retention, scrape less often, or give the server more disk"
		if len(mine) == 1 && n.service == "Loki" {
			advice = "Shorten retention, set daily_volume to what your machines log (the estimate's default is 50MiB a machine), or give the server more disk"
		}
		d.Hintf("%s. %s", estimate, advice).
			Relate(v.file, srv.Spec.Path, "the %s server is %s", map[bool]string{true: "monitoring", false: "log"}[n.service == "Prometheus"], srv.Name())
	}
}

// prometheusDisk estimates the disk Prometheus needs on the monitoring
// server: the samples it ingests per second (series per target, summed
// over the scrape jobs the fleet gives, over the scrape interval) times
// the retention time, at bytesPerSample, with headroom. No estimate
// without a disk size or a retention and interval it can read.
func (v *validator) prometheusDisk(s *resolve.Service) (diskNeed, bool) {
	srv, f := v.estimated(s, "monitoring-server")
	if f == nil {
		return diskNeed{}, false
	}
	str := func(name string) string { return stringValue(f, name) }
	retention, err1 := parsePromDuration(str("retention"))
	interval, err2 := parsePromDuration(str("scrape_interval"))
	if err1 != nil || err2 != nil || interval <= 0 {
		return diskNeed{}, false
	}
	jobs := map[string]int64{"node": int64(len(s.Members("agents"))), "prometheus": 1}
	if lb := v.service("load_balancer"); lb != nil {
		jobs["haproxy"] = int64(len(lb.Members("frontends")))
		if lb.Values["certificate"] != nil || lb.Values["acme_email"] != nil {
			jobs["tls"] = jobs["haproxy"]
		}
	}
	if logs := v.service("logs"); logs != nil && len(logs.Members("server")) > 0 {
		jobs["loki"] = 1
	}
	var series int64
	var parts []string
	for _, job := range []string{"node", "prometheus", "haproxy", "loki", "tls"} {
		if n := jobs[job]; n > 0 {
			series += n * seriesPerTarget[job]
			parts = append(parts, fmt.Sprintf("%d %s × %d", n, job, seriesPerTarget[job]))
		}
	}
	perSecond := float64(series) / interval.Seconds()
	at := s.Spec.Path.Child("retention")
	if s.Options["retention"] == nil {
		at = srv.Spec.Path.Child("hardware", "disk")
	}
	return diskNeed{
		service: "Prometheus", what: str("retention") + " of samples", machine: srv, at: at,
		bytes: perSecond * retention.Seconds() * bytesPerSample * headroom,
		estimate: fmt.Sprintf("%s series (%s) scraped every %s is %.0f samples/s; × %s × %d bytes a sample × %.1f for the write-ahead log and compaction",
			strconv.FormatInt(series, 10), strings.Join(parts, " + "), str("scrape_interval"), perSecond, str("retention"), bytesPerSample, headroom),
	}, true
}

// lokiDisk estimates the disk Loki needs on the log server: every agent
// ships services.logs.daily_volume a day (the journal as Loki stores it,
// compressed), kept for the retention, with headroom for its index,
// write-ahead log and compaction.
func (v *validator) lokiDisk(s *resolve.Service) (diskNeed, bool) {
	srv, f := v.estimated(s, "log-server")
	if f == nil {
		return diskNeed{}, false
	}
	retentionText := stringValue(f, "retention")
	retention, err := parsePromDuration(retentionText)
	var volume fleet.Size
	switch x := s.Values["daily_volume"].(type) {
	case fleet.Size:
		volume = x
	case string:
		volume, _ = fleet.ParseSize(x)
	}
	agents := len(s.Members("agents"))
	if err != nil || volume == 0 || agents == 0 {
		return diskNeed{}, false
	}
	at := s.Spec.Path.Child("retention")
	if s.Options["retention"] == nil {
		at = srv.Spec.Path.Child("hardware", "disk")
	}
	days := retention.Hours() / 24
	return diskNeed{
		service: "Loki", what: retentionText + " of logs", machine: srv, at: at,
		bytes: float64(agents) * float64(volume) * days * headroom,
		estimate: fmt.Sprintf("%d agents × %s a day (services.logs.daily_volume) × %s × %.1f for the index, write-ahead log and compaction",
			agents, volume, retentionText, headroom),
	}, true
}

// estimated returns the first server of s and its feature, the machine
// and settings a disk estimate reads; a nil feature when there is no
// server, its disk size is unknown, or it lacks the feature.
func (v *validator) estimated(s *resolve.Service, feature string) (*resolve.Machine, *resolve.Feature) {
	servers := s.Members("server")
	if len(servers) == 0 {
		return nil, nil
	}
	srv := v.rf.Machine(servers[0].Name)
	if srv == nil || srv.Spec.Hardware.Disk == 0 {
		return nil, nil
	}
	return srv, srv.Feature(feature)
}

// stringValue is feature f's setting name as a string, or "".
func stringValue(f *resolve.Feature, name string) string {
	if x := f.Value(name); x != nil {
		s, _ := x.Value.(string)
		return s
	}
	return ""
}

// service returns the fleet's [services.NAME], or nil.
func (v *validator) service(name string) *resolve.Service {
	for _, s := range v.rf.Services {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// parsePromDuration reads a Prometheus duration: units y, w, d, h, m, s
// and ms, largest first, such as 90d or 1h30m.
func parsePromDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		d      time.Duration
	}{{"y", 365 * 24 * time.Hour}, {"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}, {"h", time.Hour}, {"ms", time.Millisecond}, {"m", time.Minute}, {"s", time.Second}}
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("%q is not a Prometheus duration", s)
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a Prometheus duration", s)
		}
		rest = rest[i:]
		matched := false
		for _, u := range units {
			if strings.HasPrefix(rest, u.suffix) {
				total += time.Duration(n) * u.d
				rest = rest[len(u.suffix):]
				matched = true
				break
			}
		}
		if !matched {
			return 0, fmt.Errorf("%q is not a Prometheus duration", s)
		}
	}
	return total, nil
}

// backupToItself reports a backup client that is the backup server
// itself: the machine's backups sit on its own disks, so the failure they
// are for takes them too.
func (v *validator) backupToItself(s *resolve.Service) {
	if s.Values["repository"] != nil {
		return // an own repository: the clients do not use the server
	}
	servers := s.Members("server")
	if len(servers) == 0 {
		return
	}
	srv := servers[0]
	for _, c := range s.Members("clients") {
		if c != srv {
			continue
		}
		at := s.Spec.Path.Child("clients")
		v.diags.Warnf(diag.CodeBackupToItself, v.file, at, "%s backs up to itself: it is services.backup's server, so a failure of its disks takes the backups with them", c.Name).
			Hintf("leave %s out of clients and copy its repositories elsewhere (docs/recovery.md: restic copy to a second repository, or the data directory to another site)", c.Name).
			Relate(v.file, c.Path, "%s is here", c.Name)
		return
	}
}
