#!/usr/bin/env bash
# A/B of two gateway builds, or one build under two environments, on the non-streaming path:
# interleaved wrk rounds (A B B A ...) against the same nginx upstream, reporting req/s, the
# gateway's CPU µs per request, the bytes it wrote to files per request (write and pwrite: /proc/PID/io
# wchar; socket sends are not counted) in how many calls, and its minor page faults per request. Used for the before/after numbers of hot-path changes.
#
#   bench/load/ab.sh --a BIN [--a-env K=V]... --b BIN [--b-env K=V]... [--rounds 6] [--seconds 5]
#                    [--connections 50] [--port-base 27500] [--a-yaml TEXT] [--b-yaml TEXT]
#
# --a-yaml / --b-yaml append top-level YAML to that side's config (e.g. $'tracing:\n  capture_content: false').
# --span-store turns the span store on for both sides (its own database each, next to the config as in
# run.sh); --traced starts both sides with OTLP trace export on, to the nginx sink at port_base+2.
# --perf-b FILE records `perf record -F 499 -g` of B's process over all rounds (B's rows then carry the sampling cost).
#
# On a shared machine trust the CPU µs/req medians; req/s moves with whatever else runs.
# Needs wrk and nginx (bench/load/run.sh installs them). Runs under bench/load/.work/ab/.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$here/.work/ab"
bin_a="" bin_b=""
env_a=() env_b=()
yaml_a="" yaml_b="" span_store=0 traced=0 perf_b=""
rounds=6 seconds=5 connections=50 port_base=27500

while [[ $# -gt 0 ]]; do
  case "$1" in
    --a) bin_a="$2"; shift 2 ;;
    --b) bin_b="$2"; shift 2 ;;
    --a-env) env_a+=("$2"); shift 2 ;;
    --b-env) env_b+=("$2"); shift 2 ;;
    --span-store) span_store=1; shift ;;
    --perf-b) perf_b="$2"; shift 2 ;;
    --traced) traced=1; shift ;;
    --a-yaml) yaml_a="$2"; shift 2 ;;
    --b-yaml) yaml_b="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --port-base) port_base="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "ab.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -x "$bin_a" && -x "$bin_b" ]] || { echo "ab.sh: --a and --b must be gateway executables" >&2; exit 2; }

p_static=$((port_base + 1))
p_otlp=$((port_base + 2))
p_a=$((port_base + 11))
p_b=$((port_base + 12))
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
source "$here/lib.sh"
ulimit -n 65536 2>/dev/null

mkdir -p "$work/logs" "$work/tmp"
render "$here/nginx-upstream.conf" "$work/nginx-upstream.conf"
cat > "$work/gateway.yaml" <<EOF
span_store:
  enabled: false
providers:
  - name: static
    type: openai
    base_url: http://127.0.0.1:$p_static/v1
    api_key: sk-bench-not-a-secret
    models:
      - name: gpt-4o
        upstream_model: gpt-4o-2024-08-06
        # gpt-4o's list price: a budget in --a-yaml/--b-yaml then reserves and settles a real cost.
        price: {input_per_million_tokens: 2.5, output_per_million_tokens: 10}
EOF
sed -n '/^cat > "\$work\/chat.json"/,/^EOF$/p' "$here/run.sh" | sed '1d;$d' > "$work/chat.json"

start_nginx "$work/nginx-upstream.conf" "$work/nginx-upstream.pid"
wait_port "$p_static" "nginx upstream"
for x in a b; do
  if [[ $x == a ]]; then extra="$yaml_a"; else extra="$yaml_b"; fi
  if (( span_store )); then
    rm -f "$work/spans-$x.db"*
    sed "s|^  enabled: false$|  path: $work/spans-$x.db|" "$work/gateway.yaml"
  else
    cat "$work/gateway.yaml"
  fi > "$work/gateway-$x.yaml"
  printf '%s\n' "$extra" >> "$work/gateway-$x.yaml"
done
if (( traced )); then
  env_a+=(ENABLE_OTEL_TRACING=true "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:$p_otlp/v1/traces")
  env_b+=(ENABLE_OTEL_TRACING=true "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:$p_otlp/v1/traces")
fi
gateway_bin="$bin_a"; start_gateway a "$p_a" "$work/gateway-a.yaml" "${env_a[@]}"; pid_a=$started_pid
gateway_bin="$bin_b"; start_gateway b "$p_b" "$work/gateway-b.yaml" "${env_b[@]}"; pid_b=$started_pid

declare -A port=([a]=$p_a [b]=$p_b) pid=([a]=$pid_a [b]=$pid_b)
# Bytes the process wrote to files (write, pwrite: /proc/PID/io wchar; send and sendmsg on sockets are not counted) and its write calls (syscw).
io() { awk '$1 == "wchar:" { w = $2 } $1 == "syscw:" { s = $2 } END { print w, s }' "/proc/$1/io"; }
# Minor page faults (/proc/PID/stat field 10, after the parenthesised name): fresh memory the process touched.
faults() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $8 }'; }
one() { # one a|b SECONDS -> "rps cpu_us_per_req p50 p99 written_bytes_per_req write_calls_per_req"
  local c0 c1 line req w0 s0 w1 s1 f0 f1
  read -r w0 s0 < <(io "${pid[$1]}")
  f0="$(faults "${pid[$1]}")"
  c0="$(cpu_ticks "${pid[$1]}")"
  line="$(BODY_FILE="$work/chat.json" wrk -t"$(( connections < 2 ? 1 : 2 ))" -c"$connections" -d"$2"s -s "$here/post.lua" "http://127.0.0.1:${port[$1]}/v1/chat/completions" 2>&1 | grep '^RESULT')"
  c1="$(cpu_ticks "${pid[$1]}")"
  read -r w1 s1 < <(io "${pid[$1]}")
  f1="$(faults "${pid[$1]}")"
  req="$(kv "$line" requests)"
  [[ -n "$req" && "$req" -gt 0 && "$(kv "$line" errors_status)" == 0 ]] || die "$1: wrk failed: $line"
  echo "$(kv "$line" rps) $(calc "($c1 - $c0) * 10000 / $req") $(kv "$line" p50_us) $(kv "$line" p99_us) $(calc "($w1 - $w0) / $req") $(calc "($s1 - $s0) / $req") $(calc2 "($f1 - $f0) / $req")"
}

log "A: $bin_a ${env_a[*]}"
log "B: $bin_b ${env_b[*]}"
log "warmup"
one a 2 >/dev/null; one b 2 >/dev/null
if [[ -n "$perf_b" ]]; then
  perf record -F 499 -g -p "$pid_b" -o "$perf_b" > "$work/logs/perf-b.log" 2>&1 &
  perf_pid=$!
fi
: > "$work/rounds.txt"
for r in $(seq 1 "$rounds"); do
  if (( r % 2 )); then order="a b"; else order="b a"; fi
  for x in $order; do
    read -r rps cpu p50 p99 wb wc pf < <(one "$x" "$seconds")
    echo "$x $rps $cpu $p50 $p99 $wb $wc $pf" >> "$work/rounds.txt"
    log "round $r $x: $rps req/s, $cpu CPU µs/req, p50 $p50 µs, p99 $p99 µs, written $wb B/req in $wc calls/req, $pf page faults/req"
  done
done

if [[ -n "$perf_b" ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ma_rps="$(awk '$1 == "a" { print $2 }' "$work/rounds.txt" | median)"
mb_rps="$(awk '$1 == "b" { print $2 }' "$work/rounds.txt" | median)"
ma_cpu="$(awk '$1 == "a" { print $3 }' "$work/rounds.txt" | median)"
mb_cpu="$(awk '$1 == "b" { print $3 }' "$work/rounds.txt" | median)"
echo "median of $rounds rounds x ${seconds}s, $connections connections (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
for x in a b; do
  echo "  ${x^^}: $(awk -v x=$x '$1 == x { print $2 }' "$work/rounds.txt" | median) req/s, $(awk -v x=$x '$1 == x { print $3 }' "$work/rounds.txt" | median) CPU µs/req, p50 $(awk -v x=$x '$1 == x { print $4 }' "$work/rounds.txt" | median) µs, p99 $(awk -v x=$x '$1 == x { print $5 }' "$work/rounds.txt" | median) µs, written $(awk -v x=$x '$1 == x { print $6 }' "$work/rounds.txt" | median) B/req in $(awk -v x=$x '$1 == x { print $7 }' "$work/rounds.txt" | median) calls/req, $(awk -v x=$x '$1 == x { print $8 }' "$work/rounds.txt" | median) page faults/req"
done
echo "  B/A: req/s $(calc2 "$mb_rps / $ma_rps")x, CPU/req $(calc2 "$mb_cpu / $ma_cpu")x"
