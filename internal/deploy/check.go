package deploy

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Check is a health check run on a host after activation. Exactly one of
// Unit, TCP, HTTP and Command is set.
type Check struct {
	Name string
	// Unit is a systemd unit that must be active.
	Unit string
	// TCP is a port that must accept connections on the host's loopback.
	TCP int
	// HTTP is an http:// URL on the host that must answer 2xx.
	HTTP string
	// Command is a shell command run on the host as root; it must exit 0.
	Command string
	// Timeout bounds each attempt; Retries more attempts follow a failed
	// one, Interval apart.
	Timeout  time.Duration
	Retries  int
	Interval time.Duration
}

// Default check timing.
const (
	DefaultCheckTimeout  = 10 * time.Second
	DefaultCheckRetries  = 3
	DefaultCheckInterval = 2 * time.Second
)

// String names the check for messages.
func (c Check) String() string {
	if c.Name != "" {
		return c.Name
	}
	switch {
	case c.Unit != "":
		return "unit " + c.Unit
	case c.TCP != 0:
		return "tcp port " + strconv.Itoa(c.TCP)
	case c.HTTP != "":
		return "http " + c.HTTP
	}
	return "command " + c.Command
}

// script returns the sh script that runs the check once on the host. TCP
// and HTTP use bash's /dev/tcp, which every NixOS host has (its /bin/sh is
// bash), so that no curl or nc is needed.
func (c Check) script() (string, error) {
	t := seconds(c.timeout())
	switch {
	case c.Unit != "":
		return Quote("timeout", t, "systemctl", "is-active", "--quiet", "--", c.Unit), nil
	case c.TCP != 0:
		if c.TCP < 1 || c.TCP > 65535 {
			return "", fmt.Errorf("health check %s: port %d is out of range", c, c.TCP)
		}
		return Quote("timeout", t, "bash", "-c", `exec 3<>"/dev/tcp/127.0.0.1/$1"`, "bash", strconv.Itoa(c.TCP)), nil
	case c.HTTP != "":
		u, err := url.Parse(c.HTTP)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return "", fmt.Errorf("health check %s: want an http:// URL on the host", c)
		}
		port := u.Port()
		if port == "" {
			port = "80"
		}
		path := u.RequestURI()
		if strings.ContainsAny(path, " \r\n") {
			return "", fmt.Errorf("health check %s: the URL's path holds white space", c)
		}
		return Quote("timeout", t, "bash", "-c", httpCheck, "bash", u.Hostname(), port, path, u.Host), nil
	case c.Command != "":
		return Quote("timeout", t, "sh", "-c", c.Command), nil
	}
	return "", fmt.Errorf("health check %s checks nothing", c)
}

// httpCheck sends one HTTP/1.0 GET and passes on a 2xx status line.
const httpCheck = `exec 3<>"/dev/tcp/$1/$2" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$3" "$4" >&3
read -r proto code rest <&3
case $code in 2??) exit 0 ;; esac
echo "HTTP status: $proto $code $rest" >&2
exit 1`

func (c Check) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultCheckTimeout
	}
	return c.Timeout
}
