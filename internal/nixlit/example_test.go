package nixlit_test

import (
	"fmt"

	"github.com/shoal-nix/shoal/internal/nixlit"
)

func ExampleString() {
	fmt.Println(nixlit.String(`echo "${HOME}" $$ \o/`))
	// Output: "echo \"\${HOME}\" $$ \\o/"
}

func ExampleIndentedString() {
	script := "#!/bin/sh\necho \"${1:-world}\" 'it''s'\n"
	fmt.Println("  script = " + nixlit.IndentedString(script, 2) + ";")
	// Output:
	//   script = ''
	//     #!/bin/sh
	//     echo "''${1:-world}" 'it'''s'
	//   '';
}

func ExampleAttrPath() {
	fmt.Println(nixlit.AttrPath("services", "nginx", "virtualHosts", "shop.example.org", "root"))
	fmt.Println(nixlit.AttrPath("users", "users", "with"))
	// Output:
	// services.nginx.virtualHosts."shop.example.org".root
	// users.users."with"
}

func ExamplePath() {
	for _, p := range []string{"machines/laptop/hardware-configuration.nix", "keys/alice laptop.pub"} {
		lit, err := nixlit.Path(p)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(lit)
	}
	// Output:
	// ./machines/laptop/hardware-configuration.nix
	// (./. + "/keys/alice laptop.pub")
}

func ExampleValue() {
	v, err := nixlit.Value(map[string]any{
		"enable":          true,
		"allowedTCPPorts": []any{22, 443},
		"extraGroups":     []string{"wheel"},
		"settings":        map[string]any{"PermitRootLogin": "no"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v)
	// Output:
	// {
	//   allowedTCPPorts = [
	//     22
	//     443
	//   ];
	//   enable = true;
	//   extraGroups = [ "wheel" ];
	//   settings = {
	//     PermitRootLogin = "no";
	//   };
	// }
}
