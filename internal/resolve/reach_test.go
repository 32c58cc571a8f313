package resolve_test

import (
	"testing"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// TestReach holds the choice of network between two machines, the address
// the client uses and what the server's firewall lets it in by.
func TestReach(t *testing.T) {
	cat, diags := catalog.Builtin()
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	const head = "[fleet]\nname = \"t\"\nnixos = \"26.05\"\n"
	cases := []struct {
		name, src      string
		fleetKeys      string // more keys of [fleet]
		client, server string
		// want: "" for no route, else "network host source" (source "?"
		// when the firewall cannot tell the client).
		want string
	}{{
		name:   "no networks: two LAN addresses",
		src:    "[machines.a]\naddress = \"10.0.0.1\"\n[machines.b]\naddress = \"10.0.0.2\"\n",
		client: "a", server: "b", want: "lan 10.0.0.2 10.0.0.1/32",
	}, {
		name:   "no one reaches a machine without an address",
		src:    "[machines.a]\n[machines.b]\n",
		client: "a", server: "b", want: "",
	}, {
		name:   "a public server is reached over the internet, from an address no one knows",
		src:    "[machines.a]\naddress = \"10.0.0.1\"\n[machines.b]\naddress = \"203.0.113.5\"\n",
		client: "a", server: "b", want: "internet 203.0.113.5 ?",
	}, {
		name:   "a LAN server is out of reach of a public client",
		src:    "[machines.a]\naddress = \"203.0.113.5\"\n[machines.b]\naddress = \"10.0.0.2\"\n",
		client: "a", server: "b", want: "",
	}, {
		name: "a tailnet is preferred over the internet; the source is the client's tailnet address",
		src: "[networks.ts]\nkind = \"tailnet\"\n[networks.net]\nkind = \"internet\"\n" +
			"[machines.a]\naddresses = { ts = \"100.64.0.1\" }\n[machines.b]\naddresses = { net = \"203.0.113.5\", ts = \"100.64.0.2\" }\n",
		client: "a", server: "b", want: "ts 100.64.0.2 100.64.0.1/32",
	}, {
		name: "a LAN is preferred over a tailnet; a client known by name is let in by the LAN's range",
		src: "[networks.ts]\nkind = \"tailnet\"\n[networks.home]\nkind = \"lan\"\ncidr = \"192.168.1.0/24\"\n" +
			"[machines.a]\naddresses = { ts = \"100.64.0.1\", home = \"a.home.arpa\" }\n[machines.b]\naddresses = { ts = \"100.64.0.2\", home = \"192.168.1.2\" }\n",
		client: "a", server: "b", want: "home 192.168.1.2 192.168.1.0/24",
	}, {
		name: "an IPv4 client of an IPv6 server comes from an address shoal does not know",
		src: "[networks.ts]\nkind = \"tailnet\"\n" +
			"[machines.a]\naddresses = { ts = \"100.64.0.1\" }\n[machines.b]\naddresses = { ts = \"fd7a:115c:a1e0::2\" }\n",
		client: "a", server: "b", want: "ts fd7a:115c:a1e0::2 ?",
	}, {
		name:      "with [fleet] domain, a machine without an address is NAME.DOMAIN on the LAN",
		fleetKeys: "domain = \"home.arpa\"\n",
		src:       "[machines.a]\naddress = \"10.0.0.1\"\n[machines.b]\nhostname = \"bee\"\n",
		client:    "a", server: "b", want: "lan bee.home.arpa 10.0.0.1/32",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := head + c.fleetKeys + c.src
			f, diags := fleet.Parse("shoal.toml", []byte(src))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			rf, diags := resolve.Resolve(f, cat)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			rt, ok := rf.Reach(f.Machine(c.client), f.Machine(c.server))
			got := ""
			if ok {
				src := "?"
				if p, known := rt.Source(); known {
					src = p.String()
				}
				got = rt.Network.Name + " " + rt.Server.Host + " " + src
			}
			if got != c.want {
				t.Errorf("Reach(%s, %s) = %q, want %q", c.client, c.server, got, c.want)
			}
		})
	}
}
