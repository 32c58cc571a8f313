package deploy

// The scripts deploy runs on a host, each as `sh -c SCRIPT sh ARGS...`
// through Quote. They use only POSIX sh, coreutils and util-linux's setsid,
// which a NixOS host has. Every program a script starts costs the host a
// fork and an exec (a few milliseconds of CPU, more on a loaded or small
// host), times every host of a fleet: where the shell can do the work
// itself it does (cd -P for readlink -f, ${x%/*} for dirname, : >FILE for
// touch, printf for cat).

// stateDir holds the watchdog's tokens and logs on the host. It is under
// /run: a reboot clears it, as it clears the unconfirmed system.
const stateDir = "/run/shoal"

// systemProfile is the NixOS system profile.
const systemProfile = "/nix/var/nix/profiles/system"

// MetricsFile is where a host's Prometheus textfile goes after each
// deploy; point node exporter's textfile collector at its directory
// (--collector.textfile.directory=/var/lib/shoal/metrics).
const MetricsFile = "/var/lib/shoal/metrics/shoal_deploy.prom"

// probeScript prints what the host runs: key=value lines. Given a store
// path $1, it also says whether the host's store has it (have=yes|no), so
// that the first command of a deploy answers everything a copy needs to
// know. It needs no privileges.
const probeScript = `
have=
if [ -n "${1-}" ]; then
  # A path missing on disk is not valid: no nix process to say so.
  if [ -e "$1" ] && nix-store --check-validity "$1" 2>/dev/null; then have=yes; else have=no; fi
fi
cur= prof=
# cd -P resolves every link, as readlink -f does (systems are directories).
cd -P /run/current-system 2>/dev/null && cur=$PWD
cd -P ` + systemProfile + ` 2>/dev/null && prof=$PWD
cd /
gen=
[ -L ` + systemProfile + ` ] && gen=$(readlink ` + systemProfile + `)
gen=${gen#system-}; gen=${gen%-link}
sd=no failed=
if [ -d /run/systemd/system ]; then
  sd=yes
  failed=$(systemctl list-units --failed --no-legend --plain 2>/dev/null | while read -r u _; do printf '%s ' "$u"; done)
fi
printf 'current=%s\nprofile=%s\ngeneration=%s\nsystemd=%s\nfailed=%s\nhave=%s\n' "$cur" "$prof" "$gen" "$sd" "$failed" "$have"
`

// activateScript switches to $1 with switch-to-configuration test under
// a detached watchdog ($4 is its script) armed first, so that even a
// deployer or connection that dies during the activation leaves a host
// that switches back: unless the token $2 is claimed within $3 seconds of
// the activation's end, the watchdog switches back to the system running
// before. The script ignores SIGHUP and SIGPIPE for the same reason. A
// failed activation disarms the watchdog and switches back at once: exit
// 11, or 12 when going back failed too. It prints prev=PATH.
const activateScript = `
new=$1 token=$2 timeout=$3 watchdog=$4 dir=` + stateDir + `
trap '' HUP PIPE
[ -x "$new/bin/switch-to-configuration" ] || { echo "$new has no bin/switch-to-configuration: it is not a NixOS system" >&2; exit 10; }
[ -d "$dir" ] || mkdir -p "$dir" || exit 10
prev=
cd -P /run/current-system 2>/dev/null && prev=$PWD
cd /
# The watchdog inherits the ignored SIGHUP and SIGPIPE (no nohup needed).
setsid sh -c "$watchdog" watchdog "$token" "$prev" "$new" "$timeout" "$dir" "$$" </dev/null >"$dir/watchdog-$token.log" 2>&1 &
if ! "$new/bin/switch-to-configuration" test >&2; then
  echo "shoal: activation of $new failed" >&2
  mkdir "$dir/claim-$token" 2>/dev/null
  if [ -n "$prev" ] && [ -x "$prev/bin/switch-to-configuration" ]; then
    echo "shoal: switching back to $prev" >&2
    "$prev/bin/switch-to-configuration" test >&2 || exit 12
  fi
  exit 11
fi
: >"$dir/activated-$token"
echo "prev=$prev"
`

// watchdogScript runs detached on the host. It waits for the activation
// ($6 is the activating shell) to end, then up to $4 seconds for the
// claim. Whoever creates the claim directory first wins: the deployer's
// confirmation, or the watchdog's rollback; mkdir is atomic, so they
// cannot both win.
const watchdogScript = `
token=$1 prev=$2 new=$3 timeout=$4 dir=$5 activating=$6 i=0
while [ ! -e "$dir/activated-$token" ] && [ ! -d "$dir/claim-$token" ] && kill -0 "$activating" 2>/dev/null; do sleep 1; done
while [ -e "$dir/activated-$token" ] && [ "$i" -lt "$timeout" ]; do
  [ -d "$dir/claim-$token" ] && { echo confirmed; exit 0; }
  sleep 1; i=$((i+1))
done
mkdir "$dir/claim-$token" 2>/dev/null || { echo "confirmed, or the activation failed and went back by itself"; exit 0; }
if [ -e "$dir/activated-$token" ]; then echo "not confirmed within $timeout s"; else echo "the activation did not finish"; fi
[ "$(readlink -f /run/current-system)" = "$new" ] || { echo "the running system is not the new one; leaving it"; exit 0; }
if [ -z "$prev" ]; then echo "no previous system to go back to"; exit 1; fi
echo "switching back to $prev"
"$prev/bin/switch-to-configuration" test && echo "rolled back" && touch "$dir/rolled-back-$token"
`

// confirmScript claims the token $1 for the deployer. It marks the claim
// as the deployer's, so that a second attempt after a connection that
// dropped once the claim was made knows it won (the watchdog's claim has
// no mark): exit 0. A claim that is not the deployer's exits 1.
const confirmScript = `
trap '' HUP PIPE
claim=` + stateDir + `/claim-$1
if mkdir "$claim" 2>/dev/null; then
  : >"$claim/deployer"
elif [ ! -e "$claim/deployer" ]; then
  echo "the watchdog claimed the token first: it switches back" >&2
  exit 1
fi
`

// confirmFinishScript confirms ($1 the token, as confirmScript) and then
// finishes ($2... as finishScript's arguments) in one command: what the
// confirmation's new connection runs when nothing else must happen
// between the two (no health checks, no secrets' owners or readers), so
// that a host's deploy needs one remote command fewer.
const confirmFinishScript = confirmScript + `shift
` + finishScript

// switchBackScript switches the running system back to $1 (test), after
// a failed health check.
const switchBackScript = `
prev=$1
[ -n "$prev" ] || { echo "no previous system to go back to" >&2; exit 1; }
"$prev/bin/switch-to-configuration" test >&2
`

// finishScript makes $1 the boot default: the system profile's new
// generation, switch-to-configuration boot, and the metrics textfile
// ($2 fleet commit, $3 deploy start as Unix seconds, $4 duration so far in
// seconds, $5 the metrics file). On failure it puts the profile back (exit
// 21) or reports it could not (22). It prints generation=N.
//
// The generation is made as nix-env --set makes it, without starting Nix
// (about 50 ms of CPU, more on a small host): the highest generation if
// it links to $1 already, else a new link numbered one past it; the
// profile then switches to it by rename, atomically. Links in the
// profiles directory are garbage collector roots, as nix-env's are.
const finishScript = `
new=$1 commit=$2 started=$3 duration=$4 metrics=$5 P=` + systemProfile + `
before=$(readlink "$P" 2>/dev/null) || before=
[ -d "${P%/*}" ] || mkdir -p "${P%/*}" || exit 20
last=0
for l in "$P"-*-link; do
  n=${l#"$P"-}; n=${n%-link}
  case $n in ""|*[!0-9]*) continue ;; esac
  [ "$n" -gt "$last" ] && last=$n
done
gen=
[ "$last" -gt 0 ] && cd -P "$P-$last-link" 2>/dev/null && [ "$PWD" = "$new" ] && gen=$last
cd /
if [ -z "$gen" ]; then
  gen=$((last + 1))
  ln -s "$new" "$P-$gen-link" >&2 || exit 20
fi
# setlink NAME: point the profile at the generation link NAME.
setlink() { ln -s "$1" "$P.shoal-$$" && mv -T "$P.shoal-$$" "$P" || { rm -f "$P.shoal-$$"; return 1; }; }
[ "$before" = "system-$gen-link" ] || setlink "system-$gen-link" >&2 || exit 20
if ! "$new/bin/switch-to-configuration" boot >&2; then
  echo "shoal: switch-to-configuration boot failed; putting the profile back" >&2
  if [ -n "$before" ] && [ "$before" != "system-$gen-link" ]; then
    setlink "$before" >&2 || exit 22
  fi
  exit 21
fi
mdir=${metrics%/*}
{ [ -d "$mdir" ] || mkdir -p "$mdir"; } && printf '%s\n' \
  '# HELP shoal_deploy_generation System profile generation of the last deploy by shoal.' \
  '# TYPE shoal_deploy_generation gauge' \
  "shoal_deploy_generation $gen" \
  '# HELP shoal_deploy_info Closure and fleet commit of the last deploy by shoal.' \
  '# TYPE shoal_deploy_info gauge' \
  "shoal_deploy_info{closure=\"$new\",fleet_commit=\"$commit\"} 1" \
  '# HELP shoal_deploy_timestamp_seconds When the last deploy by shoal started.' \
  '# TYPE shoal_deploy_timestamp_seconds gauge' \
  "shoal_deploy_timestamp_seconds $started" \
  '# HELP shoal_deploy_duration_seconds How long the last deploy by shoal took on this host.' \
  '# TYPE shoal_deploy_duration_seconds gauge' \
  "shoal_deploy_duration_seconds $duration" >"$metrics.tmp" && mv -f "$metrics.tmp" "$metrics" || echo "shoal: could not write $metrics" >&2
echo "generation=$gen"
`
