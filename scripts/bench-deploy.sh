#!/usr/bin/env bash
# bench-deploy.sh: shoal deploy against a sequential baseline in the lab.
#
# As root: a lab of HOSTS hosts (default 8), each link RATE (100mbit) with
# DELAY each way (25ms, so 50 ms RTT); a toy system closure of MIB MiB
# (default 50; internal/deploy/testdata/system.nix) built fresh for every
# run, so no host has it. Per run, REPS times (default 5):
#   baseline  per host, one after the other: nix copy --to ssh://root@hN,
#             then ssh hN .../switch-to-configuration test (what
#             nixos-rebuild --target-host does, without its extra steps);
#   shoal     shoal deploy of the same kind of closure to every host, run
#             on the lab's deployer side (shoal lab exec -- shoal deploy),
#             as on a real deployer;
#   one host  shoal deploy to h1 alone;
#   floor     what this machine can do at all: a plain nix copy to every
#             host at once, no ssh of shoal's, no activation; and one
#             host's plain nix copy.
# Each run prints its wall time and the CPU time (user+sys) it cost, by
# cgroup (cpuacct): the deployer side (shoal, ssh, nix and their ssh
# masters), the hosts (their sshd and everything under it: nix-store,
# activation), and the link relays (the lab's stand-in for a wire; the
# kernel's work to pass frames is charged to them too). Wall times depend on
# the machine's load; CPU seconds much less. With C cores, a run cannot end
# before (its CPU seconds) / C: the "CPU floor" printed beside each median.
#
# Then, when BSD process accounting is installed (apt-get install acct),
# the CPU of each program of one more deploy of every host and of h1
# alone: on the deployer side (shoal, ssh, nix; the ssh masters detach
# from shoal and show only in the cgroup figures) and on h1 (everything
# under its sshd). The bench turns accounting on, into a file of its own,
# and off again: do not run it beside something else that uses accton.
# The kernel counts in ticks of 10 ms, so small programs show 0 ms; their
# number is the point.
#
# Then a deploy of a 1 MiB closure, where SSH setup and round trips
# dominate: its wall time and CPU, the TCP connections each host's sshd
# accepted (LogLevel INFO logs one "Accepted publickey" per connection),
# the ssh commands, scripts in the host's shell (on the master's session)
# and nix commands shoal ran per host (from -x), the processes h1
# started (strace on its sshd: forks and execs), and shoal's own peak
# memory (VmHWM of the shoal process, sampled until it exits).
#
# Usage: sudo scripts/bench-deploy.sh   (HOSTS=8 MIB=50 REPS=5 RATE=100mbit DELAY=25ms
#        SHOAL=path to use a built shoal instead of building this tree)
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-8} MIB=${MIB:-50} REPS=${REPS:-5} RATE=${RATE:-100mbit} DELAY=${DELAY:-25ms}

tmp=$(mktemp -d /var/tmp/shoal-bench-deploy.XXXXXX)
lab=$tmp/lab
name=bd$$
cg=/sys/fs/cgroup/cpuacct/shoal-bench-$$
cleanup() {
	"$shoal" lab down --dir "$lab" --name "$name" >/dev/null 2>&1 || true
	# Whatever is left in the bench's cgroups goes back to the root one.
	for d in "$cg"/*/; do
		[ -d "$d" ] || continue
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do echo "$p" >/sys/fs/cgroup/cpuacct/cgroup.procs 2>/dev/null || true; done
		rmdir "$d" 2>/dev/null || true
	done
	rmdir "$cg" 2>/dev/null || true
	rm -rf "$tmp"
}
shoal=${SHOAL:-$tmp/shoal}
trap cleanup EXIT
[ -n "${SHOAL:-}" ] || go build -o "$shoal" ./cmd/shoal
cores=$(nproc)
echo "load at start: $(cut -d" " -f1-3 /proc/loadavg); $cores cores"

# CPU accounting: cgroups for the deployer side, the hosts and the relays.
# A process stays in its parent's cgroup, daemons (ssh masters) included.
mkdir -p "$cg/deployer" "$cg/hosts" "$cg/relays"
(
	echo "$BASHPID" >"$cg/hosts/cgroup.procs"
	exec "$shoal" lab up --dir "$lab" --name "$name" --hosts "$HOSTS" --rate "$RATE" --delay "$DELAY" >/dev/null
)
for p in $(sed -n 's/.*"relay_pid": *\([0-9]*\).*/\1/p' "$lab/lab.json"); do echo "$p" >"$cg/relays/cgroup.procs"; done
system=$PWD/internal/deploy/testdata/system.nix
ex() { "$shoal" lab exec --dir "$lab" -- "$@"; }
# on-deployer CMD...: run CMD on the lab's deployer side, in the deployer
# cgroup.
on-deployer() { (echo "$BASHPID" >"$cg/deployer/cgroup.procs" && exec "$shoal" lab exec --dir "$lab" -- "$@"); }

mkdir -p "$tmp/fleet"
{
	printf '[fleet]\nname = "bench"\nnixos = "26.05"\nadmin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]\n\n[defaults]\nstate_version = "26.05"\n'
	for i in $(seq 1 "$HOSTS"); do printf '\n[machines.h%d]\nprofile = "server"\nhardware = { form = "container" }\ndeploy = { host = "h%d" }\n' "$i" "$i"; done
} >"$tmp/fleet/shoal.toml"

build() { ex nix-build --no-out-link --quiet "$system" --argstr version "$1" --arg payloadMiB "$MIB"; }
now() { date +%s%N; }
usage() { echo "$(cat "$cg/deployer/cpuacct.usage") $(cat "$cg/hosts/cpuacct.usage") $(cat "$cg/relays/cpuacct.usage")"; }
# measure NAME CMD...: run CMD, append its wall ms and CPU ms (deployer,
# hosts, relays) to the arrays NAME_wall, NAME_dep, NAME_host, NAME_relay,
# and print them.
measure() {
	local n=$1 t0 t1 d0 h0 r0 d1 h1 r1
	shift
	read -r d0 h0 r0 < <(usage)
	t0=$(now)
	"$@" >/dev/null 2>"$tmp/run.log" || { cat "$tmp/run.log" >&2; exit 1; }
	t1=$(now)
	read -r d1 h1 r1 < <(usage)
	eval "${n}_wall+=($(((t1 - t0) / 1000000))) ${n}_dep+=($(((d1 - d0) / 1000000))) ${n}_host+=($(((h1 - h0) / 1000000))) ${n}_relay+=($(((r1 - r0) / 1000000)))"
	printf '  %-10s %6d ms wall; CPU: deployer %5d ms, hosts %5d ms, relays %5d ms\n' "$n" $(((t1 - t0) / 1000000)) $(((d1 - d0) / 1000000)) $(((h1 - h0) / 1000000)) $(((r1 - r0) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'; }
closures() { for i in $(seq 1 "$1"); do printf -- '--closure\nh%d=%s\n' "$i" "$2"; done; }

baseline() {
	for i in $(seq 1 "$HOSTS"); do
		on-deployer sh -c "nix copy --to ssh://root@h$i $1 && ssh h$i $1/bin/switch-to-configuration test"
	done
}
deploy() { # N PATH [SELECTOR]
	local n=$1 p=$2
	shift 2
	mapfile -t args < <(closures "$n" "$p")
	on-deployer "$shoal" deploy "$tmp/fleet/" "$@" "${args[@]}" --no-checks
}
floor() { # N PATH: plain nix copy to hosts 1..N at once
	on-deployer sh -c 'p=$1; shift; for h in "$@"; do nix copy --to "ssh://root@$h" "$p" & done; wait' sh "$2" $(seq -f 'h%g' 1 "$1")
}

for r in $(seq 1 "$REPS"); do
	echo "run $r:"
	measure base baseline "$(build "base-$r")"
	measure shoal deploy "$HOSTS" "$(build "shoal-$r")"
	measure one deploy 1 "$(build "one-$r")" h1
	measure floor floor "$HOSTS" "$(build "floor-$r")"
	measure floor1 floor 1 "$(build "floor1-$r")"
done
echo "$HOSTS hosts, $MIB MiB closure, $RATE, $DELAY each way; median of $REPS (wall; CPU seconds; CPU floor = CPU / $cores cores):"
for n in base shoal one floor floor1; do
	case $n in
	base) label="sequential baseline" ;; shoal) label="shoal deploy" ;; one) label="shoal, one host" ;;
	floor) label="floor: $HOSTS nix copy at once" ;; floor1) label="floor: one nix copy" ;;
	esac
	eval 'w=("${'$n'_wall[@]}") d=("${'$n'_dep[@]}") h=("${'$n'_host[@]}") x=("${'$n'_relay[@]}")'
	tot=()
	for k in "${!w[@]}"; do tot+=($((d[k] + h[k] + x[k]))); done
	printf '  %-28s %6s s wall; CPU %6s s = deployer %s + hosts %s + relays %s; CPU floor %s s\n' "$label:" \
		"$(printf '%s\n' "${w[@]}" | median)" "$(printf '%s\n' "${tot[@]}" | median)" \
		"$(printf '%s\n' "${d[@]}" | median)" "$(printf '%s\n' "${h[@]}" | median)" "$(printf '%s\n' "${x[@]}" | median)" \
		"$(printf '%s\n' "${tot[@]}" | awk -v c="$cores" '{print int($1/c)}' | median)"
done

# Per-program CPU (BSD process accounting), for one more deploy of every
# host and of h1 alone.
if command -v accton >/dev/null && command -v dump-acct >/dev/null; then
	# progs LABEL N PATH [SELECTOR]: deploy with accounting on, then CPU
	# by program under the deploy's process and under h1's sshd.
	progs() {
		local label=$1 n=$2 p=$3
		shift 3
		mapfile -t args < <(closures "$n" "$p")
		: >"$tmp/pacct"
		accton "$tmp/pacct" >/dev/null
		(echo "$BASHPID" >"$cg/deployer/cgroup.procs" && echo "$BASHPID" >"$tmp/root.pid" && exec "$shoal" lab exec --dir "$lab" -- "$shoal" deploy "$tmp/fleet/" "$@" "${args[@]}" --no-checks) >/dev/null 2>&1 || true
		sleep 0.2
		accton off >/dev/null
		echo "$label, CPU by program (process accounting, 10 ms ticks; ms/processes):"
		dump-acct "$tmp/pacct" | awk -v roots="$(cat "$tmp/root.pid")=deployer $(cat "$lab/hosts/h1/run/sshd.pid")=h1" '
			BEGIN { FS = "|"; n = split(roots, r, " "); for (i = 1; i <= n; i++) { split(r[i], kv, "="); root[kv[1]] = kv[2]; order[i] = kv[2] } }
			{ gsub(/ /, "", $1); c[NR] = $1; t[NR] = $3 + $4; p[NR] = $10 + 0; parent[$10 + 0] = $11 + 0 }
			END {
				for (i = 1; i <= NR; i++) {
					x = p[i]; k = 0
					while (!(x in root) && (x in parent) && k++ < 64) x = parent[x]
					if (!(x in root)) continue
					g = root[x]; cpu[g, c[i]] += t[i]; cnt[g, c[i]]++; tot[g] += t[i]; procs[g]++
					if (!((g, c[i]) in seen)) { seen[g, c[i]] = 1; names[g] = names[g] " " c[i] }
				}
				for (j = 1; j <= n; j++) {
					g = order[j]; line = sprintf("  %-8s %5d ms in %3d processes:", g, tot[g] * 10, procs[g])
					m = split(names[g], nm, " ")
					for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (cpu[g, nm[b]] > cpu[g, nm[a]]) { s = nm[a]; nm[a] = nm[b]; nm[b] = s }
					for (a = 1; a <= m; a++) line = line sprintf(" %s %d/%d", nm[a], cpu[g, nm[a]] * 10, cnt[g, nm[a]])
					print line
				}
			}'
	}
	progs "shoal deploy, $HOSTS hosts, $MIB MiB" "$HOSTS" "$(build "progs-all")"
	progs "shoal deploy, h1 alone, $MIB MiB" 1 "$(build "progs-one")" h1
else
	echo "per-program CPU: install acct (BSD process accounting) to see it"
fi

# A 1 MiB closure: SSH setup and round trips dominate.
for i in $(seq 1 "$HOSTS"); do : >"$lab/hosts/h$i/run/sshd.log" 2>/dev/null || true; done
MIB=1
measure mib1one deploy 1 "$(build "mib1-one")" h1
for i in $(seq 1 "$HOSTS"); do : >"$lab/hosts/h$i/run/sshd.log" 2>/dev/null || true; done
mapfile -t args < <(closures "$HOSTS" "$(build "mib1")")
read -r d0 h0 r0 < <(usage)
t0=$(now)
(echo "$BASHPID" >"$cg/deployer/cgroup.procs" && exec "$shoal" lab exec --dir "$lab" -- "$shoal" -x deploy "$tmp/fleet/" "${args[@]}" --no-checks >/dev/null 2>"$tmp/trace.log") &
pid=$! hwm=0
while kill -0 "$pid" 2>/dev/null; do
	# The deploy is the child of shoal lab exec (ip, unshare and sh exec
	# one another into it).
	for c in $(pgrep -P "$pid" 2>/dev/null); do
		v=$(awk '/^VmHWM:/ {print $2}' "/proc/$c/status" 2>/dev/null || true)
		[ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
	done
	sleep 0.05
done
wait "$pid"
t1=$(now)
read -r d1 h1 r1 < <(usage)
echo "1 MiB closure to $HOSTS hosts: $(((t1 - t0) / 1000000)) ms wall; CPU: deployer $(((d1 - d0) / 1000000)) ms, hosts $(((h1 - h0) / 1000000)) ms, relays $(((r1 - r0) / 1000000)) ms"
for i in $(seq 1 "$HOSTS"); do
	printf 'h%d: %s ssh connections, %s ssh commands, %s scripts in its shell, %s nix commands\n' "$i" \
		"$(grep -c 'Accepted publickey' "$lab/hosts/h$i/run/sshd.log" 2>/dev/null || echo '?')" \
		"$(grep -c "^+ ssh .* -- root@h$i " "$tmp/trace.log" || true)" \
		"$(grep -c "^+ \[root@h$i shell\] " "$tmp/trace.log" || true)" \
		"$(grep -c "^+ .*nix .*ssh://root@h$i " "$tmp/trace.log" || true)"
done
echo "shoal deploy peak RSS (VmHWM of the shoal process): $hwm KiB"

# The programs a host runs for a deploy of a 1 MiB closure: strace on h1's
# sshd (forks and successful execs), in a deploy of its own, as strace
# slows what it watches.
sshd=$(cat "$lab/hosts/h1/run/sshd.pid")
mkdir "$tmp/strace"
strace -ff -qq -e trace=execve,clone,clone3,fork,vfork -o "$tmp/strace/h1" -p "$sshd" &
st=$!
sleep 1
deploy 1 "$(build "mib1-strace")" h1 >/dev/null 2>&1
sleep 2
kill "$st" 2>/dev/null || true
wait "$st" 2>/dev/null || true
# One file per process (-ff): no call is split across lines.
cat "$tmp"/strace/h1.* >"$tmp/h1.strace"
echo "h1 alone: $(grep -c '^execve(.* = 0$' "$tmp/h1.strace" || true) programs run, $(grep -cE '^(clone|clone3|fork|vfork)\(.* = [1-9]' "$tmp/h1.strace" || true) processes started under its sshd (watchdog's included)"
echo "  $(sed -n 's/^execve("\([^"]*\)".* = 0$/\1/p' "$tmp/h1.strace" | xargs -n1 basename 2>/dev/null | sort | uniq -c | sort -rn | awk '{printf "%s %s, ", $2, $1}')"
