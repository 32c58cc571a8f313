package validate

import (
	"fmt"
	"github.com/shoal-nix/shoal/internal/diag"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/resolve"
)

// What the rules of the load balancer and backup services read.
const (
	httpsPort         = 443
	loadBalancerFeat  = "load-balancer"
	frontendsRole     = "frontends"
	certificateOption = "certificate"
	acmeEmailOption   = "acme_email"
	noAuthOption      = "no_auth"
)

// reach checks that every machine a service connects reaches the other
// over a network they share, and that the server's firewall can tell it
// apart from the internet.
func (v *validator) reach(s *resolve.Service) {
	reported := map[[2]string]bool{}
	for _, l := range s.Links() {
		key := [2]string{l.Client.Name, l.Server.Name}
		if reported[key] {
			continue
		}
		rt, ok := v.rf.Reach(l.Client, l.Server)
		port, _ := v.rf.RolePort(s, l.ServerRole.Name, l.Server)
		what := fmt.Sprintf("%s of services.%s", strings.TrimSuffix(l.ServerRole.Name, "s"), s.Name())
		if !ok {
			reported[key] = true
			v.unreachable(s, l, what)
			continue
		}
		if _, known := rt.Source(); !known && v.rf.Public(l.Server) {
			reported[key] = true
			e := v.diags.Errorf(diag.CodePublicService, v.file, l.Server.Path, "port %d of %s (%s) would be open to the internet: %s reaches it over %s, where shoal cannot tell %s's address", port, l.Server.Name, what, l.Client.Name, rt.Network.Name, l.Client.Name)
			if rt.Client == nil {
				e.Hintf("put both machines on a network they share, such as a tailnet: [networks.tailnet] kind = \"tailnet\", and addresses = { tailnet = \"100.64.0.N\" } on each")
			} else {
				e.Hintf("give %s's address on %s as an IP address, or give [networks.%s] a cidr", l.Client.Name, rt.Network.Name, rt.Network.Name)
			}
			e.Relate(v.file, l.Client.Path, "%s connects to it as %s", l.Client.Name, l.ClientRole.Name)
		}
	}
}

// unreachable reports a client that shares no network with its server.
func (v *validator) unreachable(s *resolve.Service, l resolve.Link, what string) {
	srv := v.rf.Reachable(l.Server)
	at := s.Spec.Path.Child(l.ClientRole.Name)
	if len(srv) == 0 {
		e := v.diags.Errorf(diag.CodeUnreachable, v.file, at, "%s cannot reach %s, the %s: %s has no address", l.Client.Name, l.Server.Name, what, l.Server.Name)
		if len(v.rf.Spec.Networks) > 0 {
			e.Hintf("add addresses = { %s = \"...\" } to %s", v.rf.Spec.Networks[0].Name, l.Server.Name)
		} else {
			e.Hintf("add address = \"...\" to %s, or domain = \"home.arpa\" to [fleet] (machines are then reached as NAME.home.arpa)", l.Server.Name)
		}
		e.Relate(v.file, l.Server.Path, "%s is here", l.Server.Name)
		return
	}
	var nets []string
	for _, ep := range srv {
		nets = append(nets, ep.Network.Name)
	}
	var cnets []string
	for _, ep := range v.rf.Reachable(l.Client) {
		cnets = append(cnets, ep.Network.Name)
	}
	have := "no address"
	if len(cnets) > 0 {
		have = "addresses on " + joinAnd(cnets) + " only"
	}
	e := v.diags.Errorf(diag.CodeUnreachable, v.file, at, "%s cannot reach %s, the %s: %s is on %s, and %s has %s", l.Client.Name, l.Server.Name, what, l.Server.Name, joinAnd(nets), l.Client.Name, have)
	switch {
	case len(cnets) == 0 && len(v.rf.Spec.Networks) == 0:
		e.Hintf("add address = \"...\" to %s, or domain = \"home.arpa\" to [fleet] (machines are then reached as NAME.home.arpa)", l.Client.Name)
	case len(v.rf.Spec.Networks) == 0:
		e.Hintf("declare the network they share, such as [networks.tailnet] kind = \"tailnet\", and give both machines addresses = { tailnet = \"100.64.0.N\" }")
	default:
		e.Hintf("give %s an address on %s: addresses = { %s = \"...\" }", l.Client.Name, nets[0], nets[0])
	}
	e.Relate(v.file, l.Server.Path, "%s is here", l.Server.Name)
	e.Relate(v.file, l.Client.Path, "%s is here", l.Client.Name)
}

// listeners reports a machine of a role that brings no feature (a load
// balancer's backends) where nothing listens on the role's port.
func (v *validator) listeners(s *resolve.Service) {
	for _, r := range s.Def.Roles {
		if r.PortOption == "" {
			continue
		}
		port, ok := s.Values[r.PortOption].(int64)
		// Nothing connects to the role's machines without the roles that
		// reach them.
		if !ok || !slices.ContainsFunc(r.ReachedBy, func(n string) bool { return len(s.Roles[n]) > 0 }) {
			continue
		}
		for _, b := range s.Members(r.Name) {
			rm := v.rf.Machine(b.Name)
			if rm == nil || slices.ContainsFunc(rm.Ports, func(p resolve.OpenPort) bool { return p.Port == port && p.Protocol == "tcp" }) {
				continue
			}
			at := s.Spec.Path.Child(r.Name)
			if s.Options[r.PortOption] != nil {
				at = s.Spec.Path.Child(r.PortOption)
			}
			v.diags.Errorf(diag.CodeBackendIdle, v.file, at, "nothing on %s listens on port %d, the %s of services.%s: every connection sent there fails", b.Name, port, r.PortOption, s.Name()).
				Hintf("give %s a feature that serves on port %d (a local feature with [[ports]] port = %d), or set %s to the port it serves on", b.Name, port, port, r.PortOption).
				Relate(v.file, b.Path, "%s is here", b.Name)
		}
	}
}

// loadBalancerRules checks that a load balancer on port 443 has TLS.
func (v *validator) loadBalancerRules(s *resolve.Service) {
	path, cert := s.Values[certificateOption].(string)
	if cert && (!strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\n\"'\\#")) {
		// HAProxy's configuration reads the path as one word.
		v.diags.Errorf(diag.CodeServiceOption, v.file, s.Spec.Path.Child(certificateOption), "services.load_balancer.certificate: %q is not an absolute path HAProxy can read", path).
			Hintf("write the path of the PEM file on the frontends, such as \"/var/lib/shoal/secrets/haproxy.pem\", without spaces, quotes or \"#\"")
	}
	email, acme := s.Values[acmeEmailOption].(string)
	for _, fe := range s.Members(frontendsRole) {
		rm := v.rf.Machine(fe.Name)
		if rm == nil || rm.Feature(loadBalancerFeat) == nil {
			continue
		}
		val := rm.Feature(loadBalancerFeat).Value("port")
		if val == nil || val.Value != int64(httpsPort) {
			continue
		}
		switch {
		case cert && acme:
			v.diags.Errorf(diag.CodeNoTLS, v.file, s.Spec.Path.Child(acmeEmailOption), "services.load_balancer has both certificate and acme_email").
				Hintf("keep one: a certificate file of your own, or certificates from Let's Encrypt")
		case !cert && !acme:
			v.diags.Errorf(diag.CodeNoTLS, val.Origin.File, val.Origin.Path, "the load balancer on %s listens on port 443 without TLS: browsers and clients expect HTTPS there", fe.Name).
				Hintf("add acme_email = \"you@example.net\" to [services.load_balancer] (certificates from Let's Encrypt) or certificate = \"/path/to/chain-and-key.pem\", or use port 80")
		case acme && email != "":
			if v.rf.DNSName(fe) == "" {
				v.diags.Errorf(diag.CodeACMENeedsDNS, v.file, s.Spec.Path.Child(acmeEmailOption), "%s has no DNS name to get a certificate for", fe.Name).
					Hintf("give %s a DNS name as its address, or add domain to [fleet]", fe.Name).
					Relate(v.file, fe.Path, "%s is here", fe.Name)
			}
		}
	}
}

// backupRules warns of a REST server without authentication, and refuses
// one that the internet can reach.
func (v *validator) backupRules(s *resolve.Service) {
	if s.Values[noAuthOption] != true || len(s.Roles["server"]) == 0 {
		return
	}
	at := s.Spec.Path.Child(noAuthOption)
	for _, srv := range s.Wired("server") {
		if v.rf.Public(srv) {
			v.diags.Errorf(diag.CodePublicService, v.file, at, "the backup server %s is public, and no_auth lets anyone who reaches it read and delete backups", srv.Name).
				Hintf("remove no_auth: the clients then log in with the credentials in their restic-environment file").
				Relate(v.file, srv.Path, "%s is here", srv.Name)
			return
		}
	}
	v.diags.Warnf(diag.CodeNoAuth, v.file, at, "the backup server lets in anyone who reaches it, without credentials").
		Hintf("fine on a network you trust; remove no_auth to give each client its own login and repository")
}
