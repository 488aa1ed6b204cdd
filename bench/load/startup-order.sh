#!/usr/bin/env bash
# Regenerates src/Gateway/startup.order: the managed functions the AOT binary runs from exec to its first chat
# completion, in the order perf first sees them. The publish (IlcOrderFile in Gateway.csproj) places them first
# in the binary's code, together: every first touch of code maps a 64 KB window of the file (the kernel's
# fault-around), so code run at start spread over the whole text keeps most of it resident. A stale list only costs
# startup time and idle RSS again (names ILC no longer generates match nothing; not tried with a stale list).
#
#   bench/load/startup-order.sh --gateway /tmp/aot/gateway [--runs 12] [--out src/Gateway/startup.order] [--merge]
#
# Sampling misses small functions that run once; each start also records its page faults, and an instruction
# fetch that faults names the first function run in its 64 KB window. --merge keeps the names already in --out
# (first) and adds the new ones: run it on a binary published with the current list to find what it still misses.
# Needs perf, curl, python3, and gateway.dbg next to the binary (the publish leaves it there). Runs on
# 127.0.0.1:27499; the gateway it starts is stopped by PID.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
gateway=""
runs=12
out="$root/src/Gateway/startup.order"
merge=0
port=27499

while [[ $# -gt 0 ]]; do
  case "$1" in
    --gateway) gateway="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "startup-order.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -x "$gateway" ]] || { echo "startup-order.sh: --gateway PATH (a published AOT binary) is required" >&2; exit 2; }
dbg="${gateway%/*}/gateway.dbg"
[[ -f "$dbg" ]] || { echo "startup-order.sh: $dbg is missing (publish with the default StripSymbols)" >&2; exit 2; }

work="$here/.work/startup-order"
mkdir -p "$work"
cp "$here/startup.yaml" "$work/startup.yaml"

body='{"model":"mock/echo","messages":[{"role":"user","content":"hello"}]}'
: > "$work/samples.txt"; : > "$work/faults.txt"
for run in $(seq 0 "$runs"); do
  # Run 0: page faults (every one, with its address); then call graphs: every frame of a sample is a function
  # that ran, so callers are listed with what they call.
  if [[ $run -eq 0 ]]; then events=(-e page-faults -c 1 -d); else events=(-F 25000 -g); fi
  perf record -q "${events[@]}" -o "$work/run.data" -- "$gateway" serve --config "$work/startup.yaml" --urls "http://127.0.0.1:$port" >"$work/gateway.log" 2>&1 &
  perf_pid=$!
  answered=0
  for _ in $(seq 1 2000); do
    code="$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$port/v1/chat/completions" 2>/dev/null || true)"
    [[ "$code" == 200 ]] && { answered=1; break; }
    sleep 0.005
  done
  gateway_pid="$(pgrep -P "$perf_pid" || true)"
  [[ -n "$gateway_pid" ]] && kill -KILL "$gateway_pid"
  wait "$perf_pid" 2>/dev/null || true
  [[ $answered -eq 1 ]] || { cat "$work/gateway.log" >&2; echo "startup-order.sh: run $run got no answer" >&2; exit 1; }
  if [[ $run -eq 0 ]]; then
    perf script -i "$work/run.data" -F addr,ip,sym --no-demangle 2>/dev/null > "$work/faults.txt"
  else
    perf script -i "$work/run.data" -F ip,sym --no-demangle 2>/dev/null >> "$work/samples.txt"
  fi
done

python3 - "$dbg" "$work/faults.txt" "$work/samples.txt" "$out" "$merge" <<'EOF'
import os, subprocess, sys
dbg, faults, samples, out, merge = sys.argv[1:6]
# Only what ILC generates (the managed code and unboxing stubs) can be ordered by it.
ranges = []
for line in subprocess.run(['readelf', '-SW', dbg], capture_output=True, text=True).stdout.splitlines():
    if '__managedcode' in line or '__unbox' in line:
        f = line.split(']', 1)[1].split()
        ranges.append((int(f[2], 16), int(f[2], 16) + int(f[4], 16)))
address = {}
for line in subprocess.run(['nm', '--defined-only', dbg], capture_output=True, text=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[1] in 'tT':
        address[f[2]] = int(f[0], 16)
order = [n.strip() for n in open(out)] if merge == '1' and os.path.exists(out) else []
order = [n for n in order if n]
seen = set(order)
kept = len(order)
def fetches():
    # "ADDR [ADDR_SYM] IP SYM": a fault at (within a few bytes of) its own instruction pointer is an instruction fetch.
    for line in open(faults):
        f = line.split()
        try:
            if len(f) >= 3 and abs(int(f[0], 16) - int(f[-2], 16)) < 64:
                yield f'{f[-2]} {f[-1]}'
        except ValueError:
            pass
def lines():
    yield from fetches()
    yield from open(samples)
for line in lines():
    f = line.split(None, 1)
    if len(f) < 2:
        continue
    name = f[1].strip().split('+0x')[0]
    if name in seen or name not in address or not any(a <= address[name] < b for a, b in ranges):
        continue
    seen.add(name)
    order.append(name)
open(out, 'w').write('\n'.join(order) + '\n')
print(f'{len(order)} functions ({kept} kept, {len(order) - kept} new) -> {out}')
EOF
