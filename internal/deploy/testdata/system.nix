# A toy system closure for deploy's lab tests: not NixOS. Its
# bin/switch-to-configuration records each activation in
# /run/shoal-test/activations and points /run/current-system at itself;
# it can fail (fail = true), stop the host's sshd (breakSsh = true) or mark
# itself unhealthy (healthy = false, seen in $out/healthy), or take slow
# seconds after switching. payloadMiB adds that much random data to the
# closure, for copies that take a while.
{ version ? "1", fail ? false, breakSsh ? false, healthy ? true, slow ? 0, payloadMiB ? 0 }:
let
  payload = builtins.derivation {
    name = "shoal-test-payload-${toString payloadMiB}M-${version}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    args = [ "-c" "mkdir $out && head -c ${toString (payloadMiB * 1048576)} /dev/urandom > $out/blob" ];
  };
in
builtins.derivation {
  name = "shoal-test-system-${version}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  PATH = "/usr/bin:/bin";
  inherit version;
  slow = toString slow;
  payload = if payloadMiB > 0 then payload else "";
  fail = if fail then "1" else "0";
  breakSsh = if breakSsh then "1" else "0";
  healthy = if healthy then "yes" else "no";
  body = ''
    case "$1" in
      test|switch)
        if [ "$FAIL" = 1 ]; then echo "v$VERSION: activation failed (on purpose)" >&2; exit 4; fi
        mkdir -p /run/shoal-test
        ln -sfn "$SYSTEM" /run/current-system
        echo "$1 $VERSION" >> /run/shoal-test/activations
        sleep "$SLOW"
        up() { [ -s /run/sshd.pid ] && kill -0 "$(cat /run/sshd.pid)" 2>/dev/null; }
        if [ "$BREAK_SSH" = 1 ]; then
          up && kill "$(cat /run/sshd.pid)" && rm -f /run/sshd.pid; echo "v$VERSION stopped sshd"
        elif ! up; then
          /usr/sbin/sshd -E /run/sshd.log && echo "v$VERSION started sshd"
        fi ;;
      boot) mkdir -p /run/shoal-test; echo "boot $VERSION" >> /run/shoal-test/activations ;;
      *) echo "usage: switch-to-configuration switch|boot|test" >&2; exit 1 ;;
    esac
  '';
  args = [ "-c" ''
    mkdir -p $out/bin
    echo "$version" > $out/version
    echo "$healthy" > $out/healthy
    [ -z "$payload" ] || ln -s $payload $out/payload
    { echo '#!/bin/sh'; echo "SYSTEM=$out VERSION=$version FAIL=$fail BREAK_SSH=$breakSsh SLOW=$slow"
      printf '%s\n' "$body"; } > $out/bin/switch-to-configuration
    chmod 555 $out/bin/switch-to-configuration
  '' ];
}
