#!/usr/bin/env bash
# bench-gen.sh: whole-process timings of `shoal gen` on synthetic fleets.
#
# Builds shoal and shoal-synth once, writes fleets of 100, 1,000 and 10,000
# machines into a temporary directory, and runs `shoal gen` on each twice:
# the first run writes the whole flake, the second must write nothing.
# Prints, per size and run: wall time, peak RSS (GNU time), files written
# and bytes written (from gen --json).
#
# Usage: scripts/bench-gen.sh    (SIZES="100 1000" to choose sizes)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${SIZES:-100 1000 10000}
gnutime=/usr/bin/time
if ! "$gnutime" -f '%M' true >/dev/null 2>&1; then
	echo "bench-gen: GNU time is missing at $gnutime; install it with: apt-get install -y time" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/shoal" ./cmd/shoal
go build -o "$tmp/shoal-synth" ./cmd/shoal-synth

printf '%-9s %-6s %10s %12s %8s %12s\n' machines run "wall ms" "peak RSS MB" files "bytes"
for n in $sizes; do
	dir="$tmp/fleet$n"
	"$tmp/shoal-synth" -n "$n" -seed 1 -o "$dir"
	for run in first second; do
		start=$(date +%s%N)
		"$gnutime" -o "$tmp/rusage" -f '%M' "$tmp/shoal" gen "$dir" --json >"$tmp/out.json"
		end=$(date +%s%N)
		files=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["created"])+len(d["updated"]))' "$tmp/out.json")
		bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes_written"])' "$tmp/out.json")
		printf '%-9s %-6s %10.1f %12.1f %8s %12s\n' "$n" "$run" "$(echo "($end - $start) / 1000000" | bc -l)" "$(echo "$(tail -1 "$tmp/rusage") / 1024" | bc -l)" "$files" "$bytes"
	done
done
