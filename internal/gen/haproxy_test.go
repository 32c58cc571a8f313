package gen_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// haproxyFleets are the fleets with a load balancer, by directory: the
// golden fleets (plain HTTP over IPv4 and IPv6; TLS with ACME) and the
// company example.
var haproxyFleets = map[string]string{
	"gen-services":    filepath.Join(goldenDir, "services", "fleet"),
	"gen-public-edge": filepath.Join(goldenDir, "public-edge", "fleet"),
	"company":         filepath.Join("..", "..", "examples", "company"),
}

// TestHAProxyCheckConfig evaluates each load balancer frontend of the
// fleets with a load balancer (the NixOS module check's evaluation: the
// catalog's global and defaults sections, then the generator's frontend
// and backend) and runs haproxy -c -f on the configuration NixOS would
// write. A certificate the frontend reads from the machine (ACME's
// full.pem) is replaced by a self-signed one: the test has no ACME.
func TestHAProxyCheckConfig(t *testing.T) {
	haproxy := needTool(t, "haproxy")
	requireNixOSChecker(t)
	pemFile := selfSignedPEM(t)
	checked := 0
	for name, dir := range haproxyFleets {
		t.Run(name, func(t *testing.T) {
			outDir := generateForNixOSCheck(t, dir)
			for _, m := range generatedMachines(t, outDir) {
				data, err := os.ReadFile(filepath.Join(outDir, "machines", m, "default.nix"))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(data), "load-balancer.enable = true") {
					continue
				}
				checked++
				t.Run(m, func(t *testing.T) {
					cfg := evaluated(t, outDir, m, "config.services.haproxy.config")
					cfg = regexp.MustCompile(`crt \S+`).ReplaceAllString(cfg, "crt "+pemFile)
					p := filepath.Join(t.TempDir(), "haproxy.cfg")
					if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
						t.Fatal(err)
					}
					out, err := exec.Command(haproxy, "-c", "-f", p).CombinedOutput()
					if err != nil {
						t.Errorf("haproxy -c -f rejects the configuration of %s: %v\n%s\n--- haproxy.cfg:\n%s", m, err, out, cfg)
					}
					for _, want := range []string{"frontend shoal", "backend shoal", "frontend stats"} {
						if !strings.Contains(cfg, want) {
							t.Errorf("the configuration of %s has no %q:\n%s", m, want, cfg)
						}
					}
				})
			}
		})
	}
	if checked == 0 && !t.Skipped() {
		t.Error("no load balancer frontend was checked")
	}
}

// TestHAProxyCheckCanFail holds haproxy -c to account: a backend line
// without an address is refused.
func TestHAProxyCheckCanFail(t *testing.T) {
	haproxy := needTool(t, "haproxy")
	p := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(p, []byte("defaults\n  mode http\nbackend shoal\n  server app1 check\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(haproxy, "-c", "-f", p).CombinedOutput(); err == nil {
		t.Errorf("haproxy -c accepted a server without an address:\n%s", out)
	}
}

// selfSignedPEM writes a certificate and its key, as HAProxy's crt reads
// them, and returns the file.
func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "shoal-test"},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Unix(1<<33, 0),
		DNSNames:     []string{"shoal-test"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	data = append(data, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})...)
	p := filepath.Join(t.TempDir(), "full.pem")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
