#!/usr/bin/env bash
# bench-check.sh: whole-process timings of `shoal check` on synthetic fleets.
#
# Builds shoal and shoal-synth once, writes fleets of 100, 1,000 and 10,000
# machines into a temporary directory, runs `shoal check` on each RUNS times
# and prints, per size: the file size, the median wall time and the highest
# peak RSS seen. Measured with GNU time (/usr/bin/time); on Debian or Ubuntu
# install it with `apt-get install -y time`.
#
# Usage: scripts/bench-check.sh [RUNS]    (default 5; SIZES="100 1000" to choose sizes)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
sizes=${SIZES:-100 1000 10000}
gnutime=/usr/bin/time
if ! "$gnutime" -f '%e %M' true >/dev/null 2>&1; then
	echo "bench-check: GNU time is missing at $gnutime; install it with: apt-get install -y time" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/shoal" ./cmd/shoal
go build -o "$tmp/shoal-synth" ./cmd/shoal-synth

printf '%-9s %10s %16s %14s %14s\n' machines "size (KB)" "wall median ms" "wall min ms" "peak RSS MB"
for n in $sizes; do
	dir="$tmp/fleet$n"
	"$tmp/shoal-synth" -n "$n" -seed 1 -o "$dir"
	size=$(stat -c %s "$dir/shoal.toml")
	# The first run warms the page cache and is not counted.
	"$tmp/shoal" check "$dir" >/dev/null
	: >"$tmp/times"
	for _ in $(seq "$runs"); do
		# %e is seconds with two decimals, too coarse; time the run in ns instead.
		start=$(date +%s%N)
		if ! "$gnutime" -o "$tmp/rusage" -f '%M' "$tmp/shoal" check "$dir" >"$tmp/out"; then
			echo "bench-check: shoal check failed on $n machines:" >&2
			tail -5 "$tmp/out" >&2
			exit 1
		fi
		end=$(date +%s%N)
		echo "$(( (end - start) / 1000 )) $(tail -1 "$tmp/rusage")" >>"$tmp/times"
	done
	sort -n "$tmp/times" | awk -v n="$n" -v size="$size" '
		{ wall[NR] = $1; if ($2 > rss) rss = $2 }
		END {
			med = (NR % 2) ? wall[(NR + 1) / 2] : (wall[NR / 2] + wall[NR / 2 + 1]) / 2
			printf "%-9d %10.0f %16.1f %14.1f %14.1f\n", n, size / 1024, med / 1000, wall[1] / 1000, rss / 1024
		}'
done
