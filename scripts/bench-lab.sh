#!/usr/bin/env bash
# bench-lab.sh: timings of the fleet lab (shoal lab), one run each.
#
# Builds shoal once, then, as root: lab up and down with 3 and 8 hosts;
# and for each link shape (unshaped, tbf 100mbit, 100mbit + 25 ms each way),
# `ssh h1 true` plain and through a ControlMaster, and `nix copy` of a 1 MiB
# and a 50 MiB store path from the deployer side to a host's empty store.
# Each figure is the wall time of the whole command, `shoal lab exec`
# included (printed alone too). One run each: expect noise on a shared
# machine.
#
# Usage: sudo scripts/bench-lab.sh
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d /var/tmp/shoal-bench-lab.XXXXXX)
shoal=$tmp/shoal
export SHOAL_LAB_DIR=$tmp/lab
name=bench$$
trap '"$shoal" lab down --name "$name" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
go build -o "$shoal" ./cmd/shoal
head -c 1048576 /dev/urandom >"$tmp/blob-1m"
head -c 52428800 /dev/urandom >"$tmp/blob-50m"

# secs CMD...: the wall time of CMD in seconds; its output is dropped.
secs() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null 2>&1 || { echo "bench-lab: failed: $*" >&2; return 1; }
	end=$(date +%s%N)
	printf '%d.%03d' $(((end - start) / 1000000000)) $((((end - start) / 1000000) % 1000))
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 3 8; do
	echo "lab up, $n hosts: $(secs "$shoal" lab up --name "$name" --hosts "$n") s"
	echo "lab down, $n hosts: $(secs "$shoal" lab down) s"
done
for shape in "" "--rate 100mbit" "--rate 100mbit --delay 25ms"; do
	# shellcheck disable=SC2086
	"$shoal" lab up --name "$name" --hosts 3 $shape >/dev/null 2>&1
	echo "link: ${shape:-unshaped}"
	echo "  lab exec -- true (the wrapper alone): $(secs "$shoal" lab exec -- true) s"
	echo "  ssh h1 true: $(secs "$shoal" lab exec -- ssh h1 true) s"
	cm=(-o ControlPath="$tmp/cm-%h" -o ControlMaster=auto -o ControlPersist=60)
	"$shoal" lab exec -- ssh "${cm[@]}" h1 true
	echo "  ssh h1 true, ControlMaster open: $(secs "$shoal" lab exec -- ssh "${cm[@]}" h1 true) s"
	p1=$("$shoal" lab exec -- nix-store --add "$tmp/blob-1m")
	p50=$("$shoal" lab exec -- nix-store --add "$tmp/blob-50m")
	echo "  nix copy 1 MiB: $(secs "$shoal" lab exec -- nix copy --to ssh://root@h2 "$p1") s"
	echo "  nix copy 50 MiB: $(secs "$shoal" lab exec -- nix copy --to ssh://root@h3 "$p50") s"
	"$shoal" lab exec -- ssh "${cm[@]}" -O exit h1 2>/dev/null || true
	"$shoal" lab down >/dev/null 2>&1
done
