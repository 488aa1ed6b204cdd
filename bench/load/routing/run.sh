#!/bin/bash
# Routing overhead: throughput through a three-target weighted virtual model (vm) vs one direct
# target (m1/m), both on the in-process mock provider with token_delay_ms 0 (so the gateway's own
# cost is all there is to measure). Alternates the two (ABBA) to spread machine noise evenly, and
# prints each run's requests/s and the gateway's CPU time per request (utime+stime from /proc).
# Usage: bench/load/routing/run.sh [GATEWAY_BINARY] [PAIRS] [SECONDS]   (needs wrk)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-/tmp/rt-out/gateway}; pairs=${2:-12}; secs=${3:-10}
url=http://127.0.0.1:18431/v1/chat/completions
"$binary" serve --config "$here/bench.yaml" > /tmp/routing-bench-gateway.log 2>&1 &
pid=$!
trap 'kill $pid' EXIT
sleep 1
lua() { printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
  "'{\"model\":\"$1\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}],\"max_tokens\":16}'" > "/tmp/routing-bench-$2.lua"; }
lua m1/m direct; lua vm virtual
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
wrk -t2 -c50 -d3s -s /tmp/routing-bench-virtual.lua $url > /dev/null
for i in $(seq 1 "$pairs"); do
  if [ $((i % 2)) = 1 ]; then order="direct virtual"; else order="virtual direct"; fi
  for f in $order; do
    c0=$(cpu)
    out=$(wrk -t2 -c50 -d"${secs}"s -s "/tmp/routing-bench-$f.lua" $url)
    c1=$(cpu)
    n=$(echo "$out" | awk '/requests in/{print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    echo "$i $f rps=$rps cpu_us_per_req=$(echo "($c1-$c0)*10000/$n" | bc -l | cut -c1-6) load=$(cut -d' ' -f1 /proc/loadavg)"
  done
done
