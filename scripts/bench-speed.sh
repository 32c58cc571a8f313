#!/usr/bin/env bash
# bench-speed.sh: issue 14's acceptance figures, old and new shoal paired.
#
# Builds shoal from the git revision OLD (default: main) and from the work
# tree, writes synthetic fleets, and runs each measurement on both binaries
# alternately (old, new, old, new, ...) so that both see the same load.
# Prints per measurement the median wall time, the median CPU time (user +
# system, steadier than wall time on a loaded machine) and the highest
# peak RSS, for old and new, and new/old ratios. Before timing, it proves
# that both binaries generate byte-identical flakes for the 1,000 and
# 10,000 machine fleets (diff -r), and stops if they do not.
#
# A no-op gen here is a gen of a fleet into a directory that an earlier gen
# wrote more than a few seconds before; the new shoal keeps its gen stamps
# in XDG_CACHE_HOME, which the script points at a temporary directory.
#
# Usage: scripts/bench-speed.sh [RUNS]   (default 5; OLD=rev; SIZES_GEN="1000 20000")
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
old=${OLD:-main}
gnutime=/usr/bin/time
if ! "$gnutime" -f '%M' true >/dev/null 2>&1; then
	echo "bench-speed: GNU time is missing at $gnutime; install it with: apt-get install -y time" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache

mkdir "$tmp/oldsrc"
git archive "$old" | tar -x -C "$tmp/oldsrc"
(cd "$tmp/oldsrc" && go build -o "$tmp/old" ./cmd/shoal)
go build -o "$tmp/new" ./cmd/shoal
go build -o "$tmp/synth" ./cmd/shoal-synth
for n in 1000 10000 20000; do
	"$tmp/synth" -n "$n" -seed 1 -o "$tmp/fleet$n" >/dev/null
done

echo "== output: old ($old) and new generate the same flake"
for n in 1000 10000; do
	for b in old new; do
		"$tmp/$b" gen "$tmp/fleet$n" -o "$tmp/same-$b-$n" >/dev/null
	done
	diff -r "$tmp/same-old-$n" "$tmp/same-new-$n" >/dev/null || { echo "bench-speed: old and new flakes of $n machines differ" >&2; exit 1; }
	echo "$n machines: $(find "$tmp/same-new-$n" -type f | wc -l) files, identical"
	rm -rf "$tmp/same-old-$n" "$tmp/same-new-$n"
done

# measure NAME SETUP CMD...: runs SETUP then CMD (with BIN replaced by
# each binary) RUNS times per binary, alternately, and prints a line.
measure() {
	local name=$1 setup=$2
	shift 2
	: >"$tmp/m-old"
	: >"$tmp/m-new"
	for _ in $(seq "$runs"); do
		for b in old new; do
			BIN=$tmp/$b B=$b eval "$setup"
			local args=("${@//BIN/$tmp/$b}")
			args=("${args[@]//OUT/$tmp/out-$b}")
			local start end
			start=$(date +%s%N)
			"$gnutime" -o "$tmp/rusage" -f '%U %S %M' "${args[@]}" >/dev/null 2>&1 || true
			end=$(date +%s%N)
			# GNU time writes a line before its format when the command exits
			# non-zero (an old shoal finds errors in a newer synthetic fleet).
			read -r u s m < <(tail -n 1 "$tmp/rusage")
			echo "$(( (end - start) / 1000000 )) $(echo "($u + $s) * 1000" | bc) $m" >>"$tmp/m-$b"
		done
	done
	stats() { sort -n -k"$2" "$1" | awk -v k="$2" '{ v[NR] = $k } END { print v[int((NR + 1) / 2)] }'; }
	local ow nw oc nc orss nrss
	ow=$(stats "$tmp/m-old" 1); nw=$(stats "$tmp/m-new" 1)
	oc=$(stats "$tmp/m-old" 2); nc=$(stats "$tmp/m-new" 2)
	orss=$(sort -n -k3 "$tmp/m-old" | tail -1 | awk '{ print int($3 / 1024) }')
	nrss=$(sort -n -k3 "$tmp/m-new" | tail -1 | awk '{ print int($3 / 1024) }')
	printf '%-24s %8s %8s %6.2f   %8s %8s %6.2f   %6s %6s\n' "$name" "$ow" "$nw" "$(echo "$nw / $ow" | bc -l)" "$oc" "$nc" "$(echo "$nc / $oc" | bc -l)" "$orss" "$nrss"
}

echo "== paired, $runs runs each; medians; wall and CPU in ms, RSS in MiB"
printf '%-24s %8s %8s %6s   %8s %8s %6s   %6s %6s\n' measurement "old wall" "new wall" ratio "old cpu" "new cpu" ratio "oldRSS" "newRSS"
measure "check 10k" ":" BIN check "$tmp/fleet10000"
measure "gen 1k first" 'rm -rf "$tmp/out-$B" "$XDG_CACHE_HOME"' BIN gen "$tmp/fleet1000" -o OUT
for n in ${SIZES_GEN:-1000 20000}; do
	for b in old new; do
		rm -rf "$tmp/out-$b"
		"$tmp/$b" gen "$tmp/fleet$n" -o "$tmp/out-$b" >/dev/null
	done
	# Files written less than genfs.Settle (3s) ago are read and hashed by
	# a no-op gen; one after that refreshes the stamp with fingerprints.
	sleep 4
	for b in old new; do
		"$tmp/$b" gen "$tmp/fleet$n" -o "$tmp/out-$b" >/dev/null
	done
	measure "gen $n no-op" ":" BIN gen "$tmp/fleet$n" -o OUT
done
measure "gen 20k first" 'rm -rf "$tmp/out-$B" "$XDG_CACHE_HOME"' BIN gen "$tmp/fleet20000" -o OUT
