package gen_test

import (
	"bufio"
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/layout"
)

// blackboxExporter returns the blackbox exporter's program: Debian names
// it prometheus-blackbox-exporter, nixpkgs blackbox_exporter.
func blackboxExporter(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"prometheus-blackbox-exporter", "blackbox_exporter"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return needTool(t, "prometheus-blackbox-exporter")
}

// probeResult runs the real blackbox exporter with the generated
// configuration of the public-edge fleet on loopback, has it probe a TLS
// server on loopback with the tls module, and returns the metrics it
// answers, by name. trusted says whether the exporter trusts the server's
// certificate (SSL_CERT_FILE holds it).
func probeResult(t *testing.T, trusted bool) map[string]string {
	t.Helper()
	exporter := blackboxExporter(t)
	dir := monitoredFleet(t, "public-edge")
	config := filepath.Join(dir, layout.BlackboxConf)
	runTool(t, dir, exporter, "--config.check", "--config.file", config)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.StartTLS()
	defer srv.Close()
	roots := filepath.Join(t.TempDir(), "roots.pem")
	var rootPEM []byte
	if trusted {
		rootPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	}
	if err := os.WriteFile(roots, rootPEM, 0o644); err != nil {
		t.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, exporter, "--config.file", config, "--web.listen-address", addr)
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+roots, "SSL_CERT_DIR="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()

	target := strings.TrimPrefix(srv.URL, "https://")
	url := fmt.Sprintf("http://%s/probe?module=tls&target=%s", addr, target)
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get(url); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the blackbox exporter's probe: %v", err)
	}
	defer resp.Body.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && !strings.HasPrefix(f[0], "#") {
			name, _, _ := strings.Cut(f[0], "{")
			out[name] = f[1]
		}
	}
	return out
}

// TestBlackboxProbe checks the generated blackbox configuration with the
// real exporter: its tls module, on a server whose certificate it trusts,
// succeeds and exports the certificate's expiry that CertificateExpiry
// alerts on; on a certificate it does not trust, it fails (TLSProbeFailed).
func TestBlackboxProbe(t *testing.T) {
	ok := probeResult(t, true)
	if ok["probe_success"] != "1" {
		t.Errorf("a probe of a trusted TLS server failed: %v", ok)
	}
	if ok["probe_ssl_earliest_cert_expiry"] == "" {
		t.Errorf("the tls module exports no probe_ssl_earliest_cert_expiry: %v", ok)
	}
	bad := probeResult(t, false)
	if bad["probe_success"] != "0" {
		t.Errorf("a probe of an untrusted certificate succeeded: %v", bad)
	}
}

// blackboxMetrics returns the names of the metrics a tls probe exports.
func blackboxMetrics(t *testing.T) []string {
	var names []string
	for name := range probeResult(t, true) {
		names = append(names, name)
	}
	return names
}
