package docs_test

import (
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/docs"
)

func homelab(t *testing.T) map[string][]byte {
	t.Helper()
	res, err := check.Run(os.DirFS("../../examples/homelab"), ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Diags.HasErrors() {
		t.Fatalf("the homelab example has errors: %v", res.Diags)
	}
	return docs.Site(res.Catalog, res.Resolved)
}

var (
	linkRE  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	fenceRE = regexp.MustCompile("(?s)```.*?```")
	codeRE  = regexp.MustCompile("`[^`\n]*`")
)

// TestLinksResolve follows every Markdown link of every page of the
// homelab's reference: each names a page of the site.
func TestLinksResolve(t *testing.T) {
	pages := homelab(t)
	links := 0
	for name, text := range pages {
		// Code is no Markdown: a pattern in a code span has "](" too.
		prose := codeRE.ReplaceAllString(fenceRE.ReplaceAllString(string(text), ""), "")
		for _, m := range linkRE.FindAllStringSubmatch(prose, -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			resolved := path.Clean(path.Join(path.Dir(name), target))
			if _, ok := pages[resolved]; !ok {
				t.Errorf("%s: link %q goes to %s, which is no page", name, m[1], resolved)
			}
			links++
		}
	}
	if links < 200 {
		t.Errorf("followed %d links; the pages lost their links?", links)
	}
}

// TestEveryFeatureHasAFullPage: each catalog feature has a page with every
// section, none of them empty.
func TestEveryFeatureHasAFullPage(t *testing.T) {
	pages := homelab(t)
	res, _ := check.Run(os.DirFS("../../examples/homelab"), ".", "")
	sections := []string{"Settings", "Relations", "Hardware and resources", "Ports", "Health checks", "Packages", "NixOS configuration", "Example", "Troubleshooting"}
	for _, name := range res.Catalog.FeatureNames() {
		text, ok := pages["features/"+name+".md"]
		if !ok {
			t.Errorf("feature %s has no page", name)
			continue
		}
		body := string(text)
		if !strings.HasPrefix(body, docs.Header+"# Feature "+name+"\n\n") || strings.Contains(body, "# Feature "+name+"\n\n\n") {
			t.Errorf("feature %s: the page does not start with its title and description", name)
		}
		for _, s := range sections {
			_, rest, found := strings.Cut(body, "\n## "+s+"\n\n")
			if !found {
				t.Errorf("feature %s: no section %q", name, s)
				continue
			}
			if next, _, _ := strings.Cut(rest, "\n## "); strings.TrimSpace(next) == "" {
				t.Errorf("feature %s: section %q is empty", name, s)
			}
		}
	}
	for _, p := range []string{"README.md", "fleet.md", "fleet-file.md", "matrix.md", "graph.md", "testing.md", "profiles/server.md", "services/backup.md", "collections/cli.md"} {
		if _, ok := pages[p]; !ok {
			t.Errorf("no page %s", p)
		}
	}
	fleet := string(pages["fleet.md"])
	for _, want := range []string{"| laptop | [developer](profiles/developer.md) |", "| vps | [server](profiles/server.md) | 203.0.113.10 | public |", "- `@workstation`: laptop, family, gamer"} {
		if !strings.Contains(fleet, want) {
			t.Errorf("fleet.md lacks %q", want)
		}
	}
}
