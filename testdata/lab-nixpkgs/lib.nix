# LAB STAND-IN FOR NIXPKGS: lib.nixosSystem and lib.genAttrs only.
#
# nixosSystem does not evaluate the modules. It follows the files they
# reach: the module paths given, then every relative path written in those
# files (./x, ../x; a directory stands for its default.nix), transitively.
# The system's closure holds each of those files, each its own store path
# named after the file and addressed by its content, and a toplevel with
# bin/switch-to-configuration that refers to them. So a change to any file a
# machine reaches changes its closure, files of other machines do not, and
# the same files give the same closure.
let
  # A relative path literal: ./x or ../x, as in imports and import ./x.
  relativePath = "(\\.\\.?/[A-Za-z0-9._+-][A-Za-z0-9._+/-]*)";

  typeOf = p: (builtins.readDir (dirOf p)).${baseNameOf (toString p)} or "missing";
  isDir = p: typeOf p == "directory";
  fileOf = p: if isDir p && builtins.pathExists (p + "/default.nix") then p + "/default.nix" else p;
  isNixFile = p: typeOf p == "regular" && builtins.match ".*[.]nix" (toString p) != null;

  # The files a Nix file refers to by relative paths that exist inside
  # root (the flake's source).
  refs =
    root: file:
    let
      parts = builtins.split relativePath (builtins.readFile file);
      found = builtins.concatMap (x: if builtins.isList x then x else [ ]) parts;
      inside = rel: builtins.substring 0 (builtins.stringLength root + 1) (toString (dirOf file + "/${rel}")) == root + "/";
      resolved = map (rel: fileOf (dirOf file + "/${rel}")) (builtins.filter inside found);
    in
    builtins.filter (p: typeOf p != "missing") resolved;

  item = p: {
    key = toString p;
    path = p;
  };

  # The files reachable from start, start included.
  closureOf =
    root: start:
    map (x: x.path) (
      builtins.genericClosure {
        startSet = map item start;
        operator = x: map item (if isNixFile x.path then refs root x.path else [ ]);
      }
    );

  # /nix/store/HASH-source of a path inside a flake's source.
  rootOf =
    p:
    let
      m = builtins.match "(/[^/]+/[^/]+/[^/]+).*" (toString p);
    in
    if m == null then toString p else builtins.head m;

  nixosSystem =
    {
      modules,
      specialArgs ? { },
      system ? null,
      ...
    }@args:
    let
      setModules = builtins.filter builtins.isAttrs modules;
      # Paths given, and paths a set module imports ({ imports = [ ../machines/x inputs.disko.nixosModules.disko ]; }).
      pathModules = builtins.filter builtins.isPath (modules ++ builtins.concatMap (m: m.imports or [ ]) setModules);
      hostPlatform =
        let
          given = map (m: m.nixpkgs.hostPlatform) (builtins.filter (m: m ? nixpkgs.hostPlatform) setModules);
        in
        if given != [ ] then builtins.head given else if system != null then system else throw "lab stand-in: no nixpkgs.hostPlatform";
      name = if pathModules == [ ] then "machine" else baseNameOf (toString (builtins.head pathModules));
      root = if pathModules == [ ] then "/" else rootOf (builtins.head pathModules);
      files = builtins.filter (p: !(isDir p)) (closureOf root (map fileOf pathModules));
      # Each file in the store on its own, named after it.
      sources = map (p: builtins.path {
        path = p;
        name = baseNameOf (toString p);
      }) files;
      toplevel = builtins.derivation {
        name = "nixos-system-${name}-lab-stand-in";
        system = hostPlatform;
        builder = "/bin/sh";
        PATH = "/usr/bin:/bin";
        machine = name;
        inherit sources;
        args = [
          "-c"
          ''
            set -e
            mkdir -p $out/bin $out/sources
            i=0
            for s in $sources; do i=$((i + 1)); ln -s "$s" "$out/sources/$i-''${s#*-}"; done
            echo "$machine (lab stand-in)" > $out/nixos-version
            {
              echo '#!/bin/sh'
              echo '# lab stand-in for NixOS switch-to-configuration'
              echo "system=$out machine=$machine"
              cat <<'SCRIPT'
            case "$1" in
              switch|test)
                mkdir -p /run/shoal-lab
                ln -sfn "$system" /run/current-system
                echo "$1 $system" >> /run/shoal-lab/activations
                echo "lab stand-in: activated $machine ($1)" ;;
              boot) echo "lab stand-in: $machine is the boot default (nothing to do here)" ;;
              dry-activate) echo "lab stand-in: would activate $machine" ;;
              *) echo "usage: switch-to-configuration switch|boot|test|dry-activate" >&2; exit 1 ;;
            esac
            SCRIPT
            } > $out/bin/switch-to-configuration
            chmod 555 $out/bin/switch-to-configuration
          ''
        ];
      };
    in
    {
      _type = "configuration";
      config.system.build.toplevel = toplevel;
      config.networking.hostName = name;
      shoalLabStandIn = { inherit files; };
    };
in
{
  inherit nixosSystem;
  genAttrs =
    names: f:
    builtins.listToAttrs (
      map (n: {
        name = n;
        value = f n;
      }) names
    );
}
