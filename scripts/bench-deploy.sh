#!/usr/bin/env bash
# bench-deploy.sh: shoal deploy against a sequential baseline in the lab.
#
# As root: a lab of HOSTS hosts (default 8), each link RATE (100mbit) with
# DELAY each way (25ms, so 50 ms RTT); a toy system closure of MIB MiB
# (default 50; internal/deploy/testdata/system.nix) built fresh for every
# run, so no host has it. Per run:
#   baseline  per host, one after the other: nix copy --to ssh://root@hN,
#             then ssh hN .../switch-to-configuration test (what
#             nixos-rebuild --target-host does, without its extra steps);
#   shoal     shoal deploy --lab of the same kind of closure to every host;
#   one host  shoal deploy to h1 alone.
# Prints each run's wall time and the medians of REPS runs (default 5), the
# TCP connections each host's sshd accepted during one shoal deploy (from
# sshd's log) and shoal's peak memory in a deploy of a 1 MiB closure.
#
# Usage: sudo scripts/bench-deploy.sh   (HOSTS=8 MIB=50 REPS=5 RATE=100mbit DELAY=25ms)
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-8} MIB=${MIB:-50} REPS=${REPS:-5} RATE=${RATE:-100mbit} DELAY=${DELAY:-25ms}

tmp=$(mktemp -d /var/tmp/shoal-bench-deploy.XXXXXX)
shoal=$tmp/shoal
lab=$tmp/lab
name=bd$$
trap '"$shoal" lab down --dir "$lab" --name "$name" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
go build -o "$shoal" ./cmd/shoal
echo "load at start: $(cut -d" " -f1-3 /proc/loadavg)"
"$shoal" lab up --dir "$lab" --name "$name" --hosts "$HOSTS" --rate "$RATE" --delay "$DELAY" >/dev/null
system=$PWD/internal/deploy/testdata/system.nix
ex() { "$shoal" lab exec --dir "$lab" -- "$@"; }

mkdir -p "$tmp/fleet"
{
	printf '[fleet]\nname = "bench"\nnixos = "26.05"\nadmin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]\n\n[defaults]\nstate_version = "26.05"\n'
	for i in $(seq 1 "$HOSTS"); do printf '\n[machines.h%d]\nprofile = "server"\nhardware = { form = "container" }\ndeploy = { host = "h%d" }\n' "$i" "$i"; done
} >"$tmp/fleet/shoal.toml"

build() { ex nix-build --no-out-link --quiet "$system" --argstr version "$1" --arg payloadMiB "$MIB"; }
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
# busy: the jiffies all CPUs spent not idle so far (/proc/stat), so a run
# can say whether the machine's CPUs, which the lab's hosts share with
# the deployer, were the limit.
busy() { awk '/^cpu / {print $2+$3+$4+$7+$8}' /proc/stat; }
idle() { awk '/^cpu / {print $5+$6}' /proc/stat; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f s", m/1000}'; }

base=() shoal_=() one=()
for r in $(seq 1 "$REPS"); do
	p=$(build "base-$r")
	t0=$(now)
	for i in $(seq 1 "$HOSTS"); do
		ex sh -c "nix copy --to ssh://root@h$i $p && ssh h$i $p/bin/switch-to-configuration test" >/dev/null
	done
	base+=("$(ms "$t0" "$(now)")")

	p=$(build "shoal-$r")
	args=()
	for i in $(seq 1 "$HOSTS"); do args+=(--closure "h$i=$p"); done
	t0=$(now) b0=$(busy) i0=$(idle)
	"$shoal" deploy --lab "$lab" "$tmp/fleet/" "${args[@]}" --no-checks >/dev/null 2>"$tmp/deploy.log" || { cat "$tmp/deploy.log" >&2; exit 1; }
	shoal_+=("$(ms "$t0" "$(now)")")
	b1=$(busy) i1=$(idle)
	cpu=$(( 100 * (b1 - b0) / (b1 - b0 + i1 - i0 + 1) ))

	p=$(build "one-$r")
	t0=$(now)
	"$shoal" deploy --lab "$lab" "$tmp/fleet/" h1 --closure "h1=$p" --no-checks >/dev/null 2>&1
	one+=("$(ms "$t0" "$(now)")")
	echo "run $r: baseline ${base[-1]} ms, shoal ${shoal_[-1]} ms (CPUs ${cpu}% busy), one host ${one[-1]} ms"
done
echo "$HOSTS hosts, $MIB MiB closure, $RATE, $DELAY each way; median of $REPS:"
echo "  sequential baseline: $(printf '%s\n' "${base[@]}" | median)"
echo "  shoal deploy:        $(printf '%s\n' "${shoal_[@]}" | median)"
echo "  shoal, one host:     $(printf '%s\n' "${one[@]}" | median)"

# SSH setup dominates a small closure: a deploy of a 1 MiB closure to
# every host, its wall time, the TCP connections each host's sshd accepted
# (LogLevel INFO logs one "Accepted publickey" per connection), and
# shoal's own peak memory: VmHWM of the shoal process, sampled until it
# exits (GNU time's figure would be the largest of its nix and ssh
# children too).
for i in $(seq 1 "$HOSTS"); do : >"$lab/hosts/h$i/run/sshd.log" 2>/dev/null || true; done
MIB=1
p=$(build "count")
args=()
for i in $(seq 1 "$HOSTS"); do args+=(--closure "h$i=$p"); done
t0=$(now)
"$shoal" deploy --lab "$lab" "$tmp/fleet/" "${args[@]}" --no-checks >/dev/null 2>&1 &
pid=$! hwm=0
while kill -0 "$pid" 2>/dev/null; do
	v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
	[ -n "$v" ] && hwm=$v
	sleep 0.05
done
wait "$pid"
echo "1 MiB closure to $HOSTS hosts: $(ms "$t0" "$(now)") ms"
for i in $(seq 1 "$HOSTS"); do
	printf 'h%d: %s ssh connections\n' "$i" "$(grep -c 'Accepted publickey' "$lab/hosts/h$i/run/sshd.log" 2>/dev/null || echo '?')"
done
echo "shoal deploy peak RSS (VmHWM of the shoal process): $hwm KiB"
