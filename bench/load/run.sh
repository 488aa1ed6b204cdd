#!/usr/bin/env bash
# Side-by-side load harness for the gateway (issue #6). One command:
#
#   bench/load/run.sh            full run (~5 minutes): prints the table, appends it to bench/load/RESULTS.md
#   bench/load/run.sh --smoke    the same steps, short and small (~1 minute with a warm build); CI runs it.
#                                Checks that every part works; writes nothing to RESULTS.md.
#
# Options:
#   --gateway PATH    use this gateway binary instead of building one
#   --aot             smoke mode: publish the Native AOT binary (default in full mode) instead of the
#                     faster framework-dependent build
#   --no-results      full mode: do not append to RESULTS.md
#   --profile         also record `perf` samples of the gateway (tracing off, then on) during extra
#                     throughput runs (under bench/load/.work/; summaries printed, and in RESULTS.md)
#   --port-base N     first of the loopback ports used (default 27400; N+1 .. N+41)
#   --store-soak S    seconds of the span store soak (default 60; 3 in --smoke; 0 skips it)
#
# What it measures, against the same upstreams, one after the other:
#   non-streaming throughput at 50 connections (wrk -t2 -c50): direct upstream, nginx as a reverse
#   proxy, gateway with tracing off, gateway with tracing on, gateway with tracing on and the span
#   store (the product's defaults: OTLP export, store on, content captured); latency at 1 connection (p50, p99) and
#   the microseconds each proxy adds over direct; streaming at 100 concurrent streams with 10 ms
#   tokens (time to first token, inter-token latency, added over direct); the span store soak: a fresh
#   gateway with the store on at saturation (wrk -c50) for --store-soak seconds, every request and
#   answer distinct, then spans written and dropped (the store's closing log line), database bytes per span
#   and p99 against nginx's; 5,000 concurrent open streams (gateway RSS and CPU); startup to first
#   successful response, idle RSS, binary size.
#
# Upstreams: nginx answering every POST with a fixed chat completion (never the bottleneck), and a
# second gateway process serving its built-in mock provider as the streaming upstream: the real
# OpenAI SSE shape, tokens paced by token_delay_ms, no extra code to maintain, started in ms. Its
# timing noise is in the "direct" row too, so the "added over direct" columns subtract it.
# "Tracing on" = the gateway started with ENABLE_OTEL_TRACING=true and an OTLP/HTTP endpoint that
# points at an nginx location answering 200.
#
# Everything runs on 127.0.0.1, under bench/load/.work/ (gitignored), with private nginx configs
# (never the system's). Every process it starts is stopped by PID on exit.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$here/.work"

mode=full
gateway_bin=""
aot=""
write_results=1
profile=0
port_base=27400
store_soak_s=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) mode=smoke; shift ;;
    --gateway) gateway_bin="$2"; shift 2 ;;
    --aot) aot=1; shift ;;
    --no-results) write_results=0; shift ;;
    --profile) profile=1; shift ;;
    --port-base) port_base="$2"; shift 2 ;;
    --store-soak) store_soak_s="$2"; shift 2 ;;
    -h|--help) sed -n '2,42p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ $mode == full ]]; then
  warm_s=2; tput_s=10; lat_s=10; stream_s=15; stream_warm_s=1; stream_rounds=3
  hold_streams=5000; hold_s=10; startup_runs=10
  [[ -z "$store_soak_s" ]] && store_soak_s=60
  [[ -z "$aot" ]] && aot=1
else
  warm_s=0; tput_s=1; lat_s=1; stream_s=1; stream_warm_s=0; stream_rounds=1
  hold_streams=200; hold_s=1; startup_runs=1
  [[ -z "$store_soak_s" ]] && store_soak_s=3
  [[ -z "$aot" ]] && aot=0
  write_results=0
fi

p_static=$((port_base + 1))      # nginx: fixed chat completion
p_otlp=$((port_base + 2))        # nginx: OTLP sink
p_stream_up=$((port_base + 3))   # gateway: mock streaming upstream
p_nginx_static=$((port_base + 11))
p_nginx_stream=$((port_base + 12))
p_gw_off=$((port_base + 21))
p_gw_on=$((port_base + 22))
p_gw_pool=$((port_base + 23))
p_gw_store=$((port_base + 24))
p_soak=$((port_base + 25))
p_hold=$((port_base + 31))
p_startup=$((port_base + 41))

source "$here/lib.sh"
started_at="$(date -u +%s)"

# ---------------------------------------------------------------------------------------------
log "mode: $mode (aot=$aot) in $work"
mkdir -p "$work/logs" "$work/tmp"
rm -f "$work"/logs/*.log

# 1. Tools. wrk and nginx from Debian, only when missing (root needed for apt-get).
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
# Native AOT links with clang (any clang or clang-N, or gcc) against zlib, and SQLite statically (span store).
if [[ $aot -eq 1 && -z "$gateway_bin" ]]; then
  compgen -c | grep -qE '^(clang(-[0-9]+)?|gcc)$' || missing+=(clang)
  [[ -e /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
  [[ -e /usr/lib/x86_64-linux-gnu/libsqlite3.a ]] || missing+=(libsqlite3-dev)
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run as root or: apt-get install -y ${missing[*]}"
  log "installing ${missing[*]} (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$work/logs/apt.log" 2>&1 \
    || die "apt-get install ${missing[*]} failed (see $work/logs/apt.log)"
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

# 2. File descriptors: 5,000 streams are 10,000 sockets in the gateway alone.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
need_fds=$((hold_streams * 2 + 2000))
if (( $(ulimit -n) < need_fds )); then
  die "ulimit -n is $(ulimit -n), need $need_fds for $hold_streams streams (raise the hard limit)"
fi

# 3. Build: the gateway (Native AOT, or the framework-dependent build in smoke mode) and the stream client.
if [[ -n "$gateway_bin" ]]; then
  [[ -x "$gateway_bin" ]] || die "--gateway $gateway_bin is not an executable"
  build_kind="given: $gateway_bin"
elif [[ $aot -eq 1 ]]; then
  log "publishing the Native AOT gateway (net10.0, linux-x64)"
  t0=$(date +%s)
  dotnet publish "$root/src/Gateway/Gateway.csproj" -c Release -r linux-x64 -o "$work/bin" -nologo >"$work/logs/publish.log" 2>&1 \
    || { tail -30 "$work/logs/publish.log" >&2; die "AOT publish failed (see $work/logs/publish.log)"; }
  warnings="$(grep -cE ': warning [A-Z]+[0-9]+' "$work/logs/publish.log")"
  [[ "$warnings" -eq 0 ]] || fail "AOT publish printed $warnings warnings"
  gateway_bin="$work/bin/gateway"
  build_kind="Native AOT (net10.0, linux-x64), publish $(( $(date +%s) - t0 )) s"
else
  log "building the framework-dependent gateway (net10.0; smoke mode, pass --aot for the AOT binary)"
  dotnet build "$root/src/Gateway/Gateway.csproj" -f net10.0 -c Release -nologo -v quiet >"$work/logs/build.log" 2>&1 \
    || { tail -30 "$work/logs/build.log" >&2; die "gateway build failed (see $work/logs/build.log)"; }
  gateway_bin="$root/src/Gateway/bin/Release/net10.0/gateway"
  build_kind="framework-dependent net10.0 (JIT): startup and memory numbers are not the shipped binary's"
fi
log "building the stream client"
dotnet build "$here/StreamClient/StreamClient.csproj" -c Release -nologo -v quiet -o "$work/client" >"$work/logs/client-build.log" 2>&1 \
  || { tail -30 "$work/logs/client-build.log" >&2; die "stream client build failed"; }
client="$work/client/stream-client"
binary_bytes="$(stat -c %s "$gateway_bin")"

# Checked after the build, just before anything binds: another run may have started meanwhile.
for port in $p_static $p_otlp $p_stream_up $p_nginx_static $p_nginx_stream $p_gw_off $p_gw_on $p_gw_pool $p_gw_store $p_soak $p_hold $p_startup; do
  port_free "$port" || die "port $port is in use (another run of this harness? pick another --port-base)"
done

# 4. Configs.
render "$here/nginx-upstream.conf" "$work/nginx-upstream.conf"
render "$here/nginx-proxy.conf" "$work/nginx-proxy.conf"

cat > "$work/stream-upstream.yaml" <<EOF
# The streaming upstream: the gateway's mock provider, tokens paced by token_delay_ms.
server:
  sse_keepalive_ms: 0
span_store:
  enabled: false
providers:
  - name: tok10
    type: mock
    token_delay_ms: 10
    models: [echo]
  - name: slow
    type: mock
    token_delay_ms: 1000
    models: [echo]
EOF

providers_yaml="$(cat <<EOF
providers:
  - name: static
    type: openai
    base_url: http://127.0.0.1:$p_static/v1
    api_key: sk-bench-not-a-secret
    models:
      - name: gpt-4o
        upstream_model: gpt-4o-2024-08-06
  - name: stream
    type: openai
    base_url: http://127.0.0.1:$p_stream_up/v1
    api_key: sk-bench-not-a-secret
    models:
      - name: tok10
        upstream_model: tok10/echo
      - name: slow
        upstream_model: slow/echo
EOF
)"
cat > "$work/gateway.yaml" <<EOF
# The gateway under test: every server setting at its default. The local span store is off, so
# "tracing off" is the bare proxy and "tracing on" is OTLP export alone.
span_store:
  enabled: false
$providers_yaml
EOF
cat > "$work/gateway-store.yaml" <<EOF
# The gateway under test with the product's defaults: the span store on (content captured, as
# tracing does by default); only its file is placed in .work/.
span_store:
  path: $work/store-spans.db
$providers_yaml
EOF
cat > "$work/soak.yaml" <<EOF
# The span store soak: the same defaults, no shutdown drain delay, so it closes (and logs its totals) at
# once; the upstream's /distinct/ location puts the request id in every answer (nginx-upstream.conf).
server:
  shutdown_drain_delay_ms: 0
span_store:
  path: $work/soak-spans.db
${providers_yaml/127.0.0.1:$p_static\/v1/127.0.0.1:$p_static\/distinct\/v1}
EOF
rm -f "$work"/store-spans.db* "$work"/soak-spans.db*

cp "$here/startup.yaml" "$work/startup.yaml"

# The typical request body of the micro benchmarks (bench/Gateway.Benchmarks/Payloads.cs), non-streaming.
cat > "$work/chat.json" <<'EOF'
{"model":"static/gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant. Answer concisely and cite sources when you can."},{"role":"user","content":"Summarise the main differences between HTTP/1.1 keep-alive and HTTP/2 multiplexing for a proxy that forwards server-sent events, in three bullet points."}],"temperature":0.7,"top_p":1,"max_tokens":512,"user":"user-1234"}
EOF
# The soak's body: the same request with a number (@N@, see post.lua) in the user message, so every request differs.
sed 's|three bullet points.|three bullet points (@N@).|' "$work/chat.json" > "$work/chat-distinct.json"

# 5. Start everything.
log "starting nginx upstream + OTLP sink, nginx proxy"
: > "$work/logs/otlp-access.log"
start_nginx "$work/nginx-upstream.conf" "$work/nginx-upstream.pid"
start_nginx "$work/nginx-proxy.conf" "$work/nginx-proxy.pid"
wait_port "$p_static" "nginx upstream"
wait_port "$p_nginx_static" "nginx proxy"
tracing_env=(ENABLE_OTEL_TRACING=true "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:$p_otlp/v1/traces"
  OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_SERVICE_NAME=gateway-bench)
log "starting gateways: streaming upstream, under test with tracing off, with tracing on, with thread-pool I/O"
start_gateway stream-upstream "$p_stream_up" "$work/stream-upstream.yaml"; pid_stream_up=$started_pid
start_gateway gateway-off "$p_gw_off" "$work/gateway.yaml" ENABLE_OTEL_TRACING=false; pid_gw_off=$started_pid
start_gateway gateway-on "$p_gw_on" "$work/gateway.yaml" "${tracing_env[@]}"; pid_gw_on=$started_pid
# Not a target row: inline socket completions are the default (src/Gateway/InlineCompletions.cs); this row turns
# them off (socket completions through the thread pool), so every run shows what the default buys.
start_gateway gateway-pool "$p_gw_pool" "$work/gateway.yaml" ENABLE_OTEL_TRACING=false DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0; pid_gw_pool=$started_pid
start_gateway gateway-store "$p_gw_store" "$work/gateway-store.yaml" "${tracing_env[@]}"; pid_gw_store=$started_pid

# 6. Every path answers before anything is measured.
declare -A url=(
  [direct]="http://127.0.0.1:$p_static/v1/chat/completions"
  [nginx]="http://127.0.0.1:$p_nginx_static/v1/chat/completions"
  [gw_off]="http://127.0.0.1:$p_gw_off/v1/chat/completions"
  [gw_on]="http://127.0.0.1:$p_gw_on/v1/chat/completions"
  [gw_pool]="http://127.0.0.1:$p_gw_pool/v1/chat/completions"
  [gw_store]="http://127.0.0.1:$p_gw_store/v1/chat/completions"
)
declare -A surl=(
  [direct]="http://127.0.0.1:$p_stream_up/v1/chat/completions"
  [nginx]="http://127.0.0.1:$p_nginx_stream/v1/chat/completions"
  [gw_off]="http://127.0.0.1:$p_gw_off/v1/chat/completions"
  [gw_on]="http://127.0.0.1:$p_gw_on/v1/chat/completions"
  [gw_pool]="http://127.0.0.1:$p_gw_pool/v1/chat/completions"
  [gw_store]="http://127.0.0.1:$p_gw_store/v1/chat/completions"
)
declare -A smodel=([direct]="tok10/echo" [nginx]="tok10/echo" [gw_off]="stream/tok10" [gw_on]="stream/tok10" [gw_pool]="stream/tok10" [gw_store]="stream/tok10")
declare -A label=([direct]="direct upstream" [nginx]="nginx proxy" [gw_off]="gateway, tracing off" [gw_on]="gateway, tracing on" [gw_pool]="gateway, tracing off, inline I/O off" [gw_store]="gateway, tracing on + span store")
targets=(direct nginx gw_off gw_on gw_pool gw_store)

for t in "${targets[@]}"; do
  out="$(curl -s -o "$work/logs/check-$t.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$work/chat.json" "${url[$t]}")"
  [[ "$out" == 200 ]] && grep -q '"chat.completion"' "$work/logs/check-$t.json" \
    || die "${label[$t]}: non-streaming check got HTTP $out: $(head -c 300 "$work/logs/check-$t.json")"
  body="{\"model\":\"${smodel[$t]}\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}"
  curl -s -N -H 'Content-Type: application/json' -d "$body" "${surl[$t]}" > "$work/logs/check-$t.sse"
  grep -q '^data: \[DONE\]' "$work/logs/check-$t.sse" || die "${label[$t]}: streaming check got no [DONE]: $(head -c 300 "$work/logs/check-$t.sse")"
done
log "all ${#targets[@]} paths answer (non-streaming and streaming)"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
others="$(cat /proc/[0-9]*/comm 2>/dev/null | grep -cE '^(dotnet|ilc|csc|VBCSCompiler|MSBuild|clang)')"

# 7. Non-streaming throughput at 50 connections, then latency at 1 connection.
run_wrk() { # run_wrk THREADS CONNS SECONDS URL [BODY_FILE] -> RESULT line
  BODY_FILE="${5:-$work/chat.json}" wrk -t"$1" -c"$2" -d"$3"s --timeout 5s -s "$here/post.lua" "$4" 2>&1 | grep '^RESULT' || true
}
check_wrk() { # check_wrk NAME LINE
  local line="$2"
  [[ -n "$line" ]] || { fail "$1: wrk printed no result"; return; }
  local errs=$(( $(kv "$line" errors_connect) + $(kv "$line" errors_read) + $(kv "$line" errors_write) + $(kv "$line" errors_status) + $(kv "$line" errors_timeout) ))
  (( errs == 0 )) || fail "$1: $errs wrk errors ($line)"
  (( $(kv "$line" requests) > 0 )) || fail "$1: no requests completed"
}

declare -A tput lat cpu_us
# Whose CPU time is counted per request: the server answering (direct), or the proxy alone.
declare -A cpu_pids=(
  [direct]="$(children_of "$(cat "$work/nginx-upstream.pid")" | tr '\n' ' ')"
  [nginx]="$(children_of "$(cat "$work/nginx-proxy.pid")" | tr '\n' ' ')"
  [gw_off]="$pid_gw_off" [gw_on]="$pid_gw_on" [gw_pool]="$pid_gw_pool" [gw_store]="$pid_gw_store"
)
for t in "${targets[@]}"; do
  log "throughput, 50 connections: ${label[$t]} (${warm_s}s warmup + ${tput_s}s)"
  (( warm_s > 0 )) && run_wrk 2 50 "$warm_s" "${url[$t]}" >/dev/null
  c0="$(cpu_ticks ${cpu_pids[$t]})"
  tput[$t]="$(run_wrk 2 50 "$tput_s" "${url[$t]}")"
  c1="$(cpu_ticks ${cpu_pids[$t]})"
  req="$(kv "${tput[$t]}" requests)"
  cpu_us[$t]="$( num "$req" && (( req > 0 )) && calc "($c1 - $c0) * 10000 / $req" || echo nan)"
  check_wrk "throughput ${label[$t]}" "${tput[$t]}"
  log "  ${tput[$t]} cpu_us_per_req=${cpu_us[$t]}"
done
# Separate runs under perf (tracing off, then on), so the sampling costs the measured rows nothing.
profiled=()
if [[ $profile -eq 1 ]]; then
  if command -v perf >/dev/null; then
    declare -A gw_pid=([gw_off]="$pid_gw_off" [gw_on]="$pid_gw_on" [gw_store]="$pid_gw_store")
    for t in gw_off gw_on gw_store; do
      log "profiling: perf record of the ${label[$t]} during another ${tput_s}s throughput run"
      perf record -F 499 -g -p "${gw_pid[$t]}" -o "$work/perf-$t.data" -- sleep "$tput_s" >"$work/logs/perf-$t.log" 2>&1 &
      perf_pid=$!
      run_wrk 2 50 "$tput_s" "${url[$t]}" >/dev/null
      if wait "$perf_pid"; then
        "$here/profile-summary.sh" "$work/perf-$t.data" 30 > "$work/perf-$t.txt"
        profiled+=("$t")
      else
        fail "perf record failed (see $work/logs/perf-$t.log)"
      fi
    done
  else
    fail "--profile: perf is not installed (apt-get install -y linux-perf)"
  fi
fi
for t in "${targets[@]}"; do
  log "latency, 1 connection: ${label[$t]} (${warm_s}s warmup + ${lat_s}s)"
  (( warm_s > 0 )) && run_wrk 1 1 "$warm_s" "${url[$t]}" >/dev/null
  lat[$t]="$(run_wrk 1 1 "$lat_s" "${url[$t]}")"
  check_wrk "latency ${label[$t]}" "${lat[$t]}"
  log "  ${lat[$t]}"
done

# 8. Streaming: 100 concurrent streams, 10 ms tokens. The paths take turns, stream_rounds rounds of
# stream_s / stream_rounds seconds each, and each figure is the median over the rounds: a p99 of one
# 10 s run followed whatever else the machine did then (the direct row's TTFT p99 came out at 10.6 ms in
# one run and 22 ms in the next), and the "added" columns subtract two of them.
declare -A strm strm_all
round_s=$(( stream_s / stream_rounds )); (( round_s > 0 )) || round_s=1
for r in $(seq 1 "$stream_rounds"); do
  for t in "${targets[@]}"; do
    log "streaming, 100 streams x 10 ms tokens, round $r/$stream_rounds: ${label[$t]} (${stream_warm_s}s warmup + ${round_s}s)"
    one="$("$client" stream --url "${surl[$t]}" --model "${smodel[$t]}" --concurrency 100 --duration "$round_s" --warmup "$stream_warm_s" 2>&1 | grep '^RESULT' || true)"
    [[ -n "$one" ]] || fail "streaming ${label[$t]}: no result"
    [[ "$(kv "$one" errors)" == 0 ]] || fail "streaming ${label[$t]}: errors ($one)"
    log "  $one"
    strm_all[$t]+="$one"$'\n'
  done
done
# One RESULT line per path: counts summed, every other figure the median of the rounds.
for t in "${targets[@]}"; do
  strm[$t]="$(printf '%s' "${strm_all[$t]}" | awk '
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (!(kv[1] in seen)) { seen[kv[1]] = 1; keys[++nk] = kv[1] } v[kv[1], NR] = kv[2] } rows = NR }
    function median(k,   a, n, i, j, x) {
      n = 0; for (i = 1; i <= rows; i++) if ((k, i) in v) a[++n] = v[k, i]
      for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
      line = "RESULT"
      for (i = 1; i <= nk; i++) {
        k = keys[i]
        if (k == "mode" || k == "concurrency") { line = line " " k "=" v[k, 1]; continue }
        if (k == "streams" || k == "errors" || k == "events") { s = 0; for (r = 1; r <= rows; r++) s += v[k, r]; line = line " " k "=" s; continue }
        line = line " " k "=" median(k)
      }
      print line " rounds=" rows
    }')"
  log "  ${label[$t]}: $stream_rounds rounds: ${strm[$t]}"
done

# 8b. Span store soak: a fresh gateway (tracing on + span store, the defaults) at saturation for
# --store-soak seconds, every request and answer distinct. The store must keep up (zero dropped), stay
# compact (bytes per span) and leave requests alone (p99 against nginx's at the same 50 connections).
soak=""; soak_written=""; soak_dropped=""; soak_failed=""; soak_bytes=""; soak_drain_s=""; soak_cpu_us=""
metric() { sed -n "s/^$2{[^}]*} \([0-9.e+]*\)$/\1/p" <<< "$1" | head -1; }
if (( store_soak_s > 0 )); then
  rm -f "$work"/soak-spans.db*
  start_gateway soak "$p_soak" "$work/soak.yaml" "${tracing_env[@]}"; pid_soak=$started_pid
  soak_url="http://127.0.0.1:$p_soak/v1/chat/completions"
  log "span store soak: ${store_soak_s}s at 50 connections, tracing on + span store, distinct requests and answers"
  c0="$(cpu_ticks "$pid_soak")"
  soak="$(run_wrk 2 50 "$store_soak_s" "$soak_url" "$work/chat-distinct.json")"
  c1="$(cpu_ticks "$pid_soak")"
  check_wrk "span store soak" "$soak"
  req="$(kv "$soak" requests)"
  soak_cpu_us="$( num "$req" && (( req > 0 )) && calc "($c1 - $c0) * 10000 / $req" || echo nan)"
  # What the writer still has to do when the load stops: queued spans are written, not dropped, but
  # a long tail means it only kept up thanks to the queue.
  t0=$(date +%s%N)
  for _ in $(seq 1 600); do
    depth="$(metric "$(curl -s "http://127.0.0.1:$p_soak/metrics")" gateway_span_store_queue_depth)"
    [[ "$depth" == 0 ]] && break
    sleep 0.1
  done
  soak_drain_s="$(calc "($(date +%s%N) - $t0) / 1e9")"
  stop_pid "$pid_soak" 30
  closed="$(grep -o 'span store: closed: .*' "$work/logs/soak.log" | tail -1)"
  soak_written="$(sed -n 's/.*closed: \([0-9]*\) spans written.*/\1/p' <<< "$closed")"
  soak_dropped="$(sed -n 's/.*written, \([0-9]*\) dropped.*/\1/p' <<< "$closed")"
  soak_failed="$(sed -n 's/.*, \([0-9]*\) failed.*/\1/p' <<< "$closed")"
  [[ -n "$soak_written" ]] || fail "span store soak: no 'span store: closed' line in $work/logs/soak.log"
  # The store closed its last connection, which checkpoints the WAL into the file; a WAL left over counts too.
  soak_bytes=0
  for f in "$work/soak-spans.db" "$work/soak-spans.db-wal"; do [[ -f "$f" ]] && soak_bytes=$((soak_bytes + $(stat -c %s "$f"))); done
  log "  $soak cpu_us_per_req=$soak_cpu_us; $closed; $soak_bytes bytes on disk; queue drained ${soak_drain_s}s after the load"
fi

# 9. Concurrent open streams: a fresh gateway per row, so the heap of the runs above is not counted.
declare -A hold
hold_one() { # hold_one KEY [env...]
  local key="$1"; shift
  start_gateway "hold-$key" "$p_hold" "$work/gateway.yaml" "$@"
  local gw=$started_pid
  log "open streams: $hold_streams through the gateway ($key), hold ${hold_s}s"
  hold[$key]="$("$client" hold --url "http://127.0.0.1:$p_hold/v1/chat/completions" --model stream/slow \
      --streams "$hold_streams" --opening 200 --hold "$hold_s" --ready-timeout 90 --pid "$gw" --pid "$pid_stream_up" 2>&1 | grep '^RESULT' || true)"
  stop_pid "$gw"
  [[ -n "${hold[$key]}" ]] || { fail "hold $key: no result"; return; }
  [[ "$(kv "${hold[$key]}" open_at_end)" == "$hold_streams" ]] || fail "hold $key: not every stream stayed open (${hold[$key]})"
  log "  ${hold[$key]}"
}
hold_one gw_off ENABLE_OTEL_TRACING=false
hold_one gw_on "${tracing_env[@]}"

# 10. Startup to first successful response, and idle RSS.
log "startup: $startup_runs runs"
startup="$("$client" startup --exe "$gateway_bin" --url "http://127.0.0.1:$p_startup" --model mock/echo --runs "$startup_runs" --idle-ms 1000 \
  -- serve --config "$work/startup.yaml" --urls "http://127.0.0.1:$p_startup" 2>&1 | grep '^RESULT' || true)"
[[ -n "$startup" && "$(kv "$startup" failures)" == 0 ]] || fail "startup: $startup"
log "  $startup"

otlp_posts="$(grep -c 'POST' "$work/logs/otlp-access.log" 2>/dev/null || true)"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
elapsed=$(( $(date -u +%s) - started_at ))

# 11. The table.
n() { num "$1" && echo "$1" || echo nan; }
rps() { n "$(kv "${tput[$1]}" rps)"; }
nginx_rps="$(rps nginx)"; [[ "$nginx_rps" == 0 || "$nginx_rps" == 0.0 ]] && nginx_rps=nan
direct_p50="$(n "$(kv "${lat[direct]}" p50_us)")"; direct_p99="$(n "$(kv "${lat[direct]}" p99_us)")"
d_ttft50="$(n "$(kv "${strm[direct]}" ttft_p50_us)")"; d_ttft99="$(n "$(kv "${strm[direct]}" ttft_p99_us)")"
d_itl50="$(n "$(kv "${strm[direct]}" itl_p50_us)")"; d_itl99="$(n "$(kv "${strm[direct]}" itl_p99_us)")"

report="$work/report.md"
{
  echo "**Non-streaming** (wrk -t2, fixed chat completion from nginx; throughput at 50 connections for ${tput_s} s, latency at 1 connection for ${lat_s} s; CPU µs/req = user+system CPU of the answering process only — the upstream nginx for direct, the proxy alone otherwise — per request, the number that holds on a busy machine)"
  echo
  echo "| path | req/s @50 | vs nginx proxy | CPU µs/req | CPU vs nginx | p50 µs @1 | p99 µs @1 | p50 added µs | p99 added µs |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
  for t in "${targets[@]}"; do
    p50="$(n "$(kv "${lat[$t]}" p50_us)")"; p99="$(n "$(kv "${lat[$t]}" p99_us)")"
    ratio="$(calc2 "$(rps "$t") / $nginx_rps")"
    if [[ $t == direct ]]; then add50="—"; add99="—"; else add50="$(calc "$p50 - $direct_p50")"; add99="$(calc "$p99 - $direct_p99")"; fi
    cpu_ratio="$(calc2 "$(n "${cpu_us[$t]}") / $(n "${cpu_us[nginx]}")")"
    echo "| ${label[$t]} | $(calc "$(rps "$t")") | ${ratio}x | ${cpu_us[$t]} | ${cpu_ratio}x | $p50 | $p99 | $add50 | $add99 |"
  done
  echo
  echo "**Streaming**, 100 concurrent streams, mock upstream with 10 ms tokens, ${stream_rounds} interleaved rounds of ${round_s} s, medians of the rounds (stream client: TTFT = request sent → first data event; ITL = gap between data events)"
  echo
  echo "| path | streams | TTFT p50 µs | TTFT p99 µs | TTFT p99 added µs | ITL p50 µs | ITL p99 µs | ITL p99 added µs |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|"
  for t in "${targets[@]}"; do
    s="${strm[$t]}"
    t50="$(n "$(kv "$s" ttft_p50_us)")"; t99="$(n "$(kv "$s" ttft_p99_us)")"; i50="$(n "$(kv "$s" itl_p50_us)")"; i99="$(n "$(kv "$s" itl_p99_us)")"
    if [[ $t == direct ]]; then a1="—"; a2="—"; else a1="$(calc "$t99 - $d_ttft99")"; a2="$(calc "$i99 - $d_itl99")"; fi
    echo "| ${label[$t]} | $(n "$(kv "$s" streams)") | $t50 | $t99 | $a1 | $i50 | $i99 | $a2 |"
  done
  echo
  if (( store_soak_s > 0 )); then
    soak_p99="$(n "$(kv "$soak" p99_us)")"; nginx_p99="$(n "$(kv "${tput[nginx]}" p99_us)")"
    soak_spans_s="$(calc "$(n "$soak_written") / $store_soak_s")"
    soak_bps="$(calc "$soak_bytes / $(n "$soak_written")")"
    echo "**Span store soak**: a fresh gateway with tracing on + span store (the defaults: OTLP export, content captured) at 50 connections for ${store_soak_s} s, every request and answer distinct (the harness's chat request with a number in it; the upstream's answer with the request id in it). Spans written and dropped from the store's closing log line (the queue drained ${soak_drain_s} s after the load stopped); bytes = database + WAL after close; p99 against nginx's at 50 connections above"
    echo
    echo "| req/s @50 | vs nginx proxy | CPU µs/req | p50 µs | p99 µs | p99 vs nginx | spans written | spans/s | dropped | failed | DB bytes/span |"
    echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    echo "| $(calc "$(n "$(kv "$soak" rps)")") | $(calc2 "$(n "$(kv "$soak" rps)") / $nginx_rps")x | $soak_cpu_us | $(n "$(kv "$soak" p50_us)") | $soak_p99 | $(calc2 "$soak_p99 / $nginx_p99")x | $(n "$soak_written") | $soak_spans_s | $(n "$soak_dropped") | $(n "$soak_failed") | $soak_bps |"
    echo
  fi
  echo "**Open streams**: $hold_streams concurrent streams through a fresh gateway (mock upstream, 1 s tokens), held ${hold_s} s"
  echo
  echo "| gateway | open at end | ramp ms | RSS before MB | RSS held MB | RSS peak MB | CPU % of one core | upstream RSS MB |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|"
  for key in gw_off gw_on; do
    h="${hold[$key]:-}"
    echo "| ${label[$key]#gateway, } | $(kv "$h" open_at_end) | $(kv "$h" ramp_ms) | $(kv "$h" p0_rss_before_mb) | $(kv "$h" p0_rss_mb) | $(kv "$h" p0_rss_peak_mb) | $(kv "$h" p0_cpu_pct) | $(kv "$h" p1_rss_mb) |"
  done
  echo
  echo "**Startup** ($startup_runs runs, mock provider): process start → first 200 chat completion p50 $(kv "$startup" first_response_ms_p50) ms (min $(kv "$startup" first_response_ms_min), max $(kv "$startup" first_response_ms_max)); 'listening' line p50 $(kv "$startup" listening_line_ms_p50) ms; idle RSS p50 $(kv "$startup" idle_rss_mb_p50) MB (1 s after the first response); binary $(calc "$binary_bytes / 1048576") MB ($build_kind)."
  echo
  echo "OTLP export requests received by the sink during the run: ${otlp_posts:-0}$( [[ "${otlp_posts:-0}" == 0 ]] && echo " (this binary exported no spans: the 'tracing on' rows measure a gateway with tracing inactive)")."
  echo
  # Targets (issue #11; the defaults are tracing on with the span store: the gw_store row).
  store_ratio="$(calc2 "$(rps gw_store) / $nginx_rps")"
  store_cpu="$(calc2 "${cpu_us[gw_store]} / ${cpu_us[gw_off]}")"
  off_add50="$(calc "$(n "$(kv "${lat[gw_off]}" p50_us)") - $direct_p50")"
  on_add50="$(calc "$(n "$(kv "${lat[gw_on]}" p50_us)") - $direct_p50")"
  store_add50="$(calc "$(n "$(kv "${lat[gw_store]}" p50_us)") - $direct_p50")"
  off_ttft="$(calc "$(n "$(kv "${strm[gw_off]}" ttft_p99_us)") - $d_ttft99")"
  on_ttft="$(calc "$(n "$(kv "${strm[gw_on]}" ttft_p99_us)") - $d_ttft99")"
  off_itl="$(calc "$(n "$(kv "${strm[gw_off]}" itl_p99_us)") - $d_itl99")"
  on_itl="$(calc "$(n "$(kv "${strm[gw_on]}" itl_p99_us)") - $d_itl99")"
  hold_rss="$(n "$(kv "${hold[gw_off]:-}" p0_rss_peak_mb)")"; hold_rss_on="$(n "$(kv "${hold[gw_on]:-}" p0_rss_peak_mb)")"
  st="$(n "$(kv "$startup" first_response_ms_p50)")"; idle="$(n "$(kv "$startup" idle_rss_mb_p50)")"
  met() { if eval "$1"; then echo "met"; else echo "**not met**"; fi; }
  [[ $mode == smoke ]] && echo "Smoke run: 1 s measurements, not judged against the targets (the table below only checks that every number was produced)." && echo
  echo "| target (issue #11) | measured | status |"
  echo "|---|---|---|"
  echo "| tracing on + span store: ≥ 0.8x nginx's throughput, ≤ 1.25x the CPU per request of tracing off | ${store_ratio}x nginx, ${store_cpu}x the CPU (OTLP alone $(calc2 "$(rps gw_on) / $nginx_rps")x, $(calc2 "${cpu_us[gw_on]} / ${cpu_us[gw_off]}")x) | $(met "ge $store_ratio 0.8 && le $store_cpu 1.25") |"
  echo "| added p50 at 1 connection ≤ 30 µs tracing off, ≤ 40 µs tracing on | off $off_add50 µs, on $on_add50 µs, on + store $store_add50 µs | $(met "le $off_add50 30 && le $on_add50 40 && le $store_add50 40") |"
  echo "| ≤ 1 ms added to TTFT p99, ≤ 0.5 ms to ITL p99, 100 streams | TTFT off $off_ttft µs, on $on_ttft µs; ITL off $off_itl µs, on $on_itl µs | $(met "le $off_ttft 1000 && le $on_ttft 1000 && le $off_itl 500 && le $on_itl 500") |"
  echo "| $hold_streams streams in ≤ 256 MB RSS | off $hold_rss MB, on $hold_rss_on MB (peak) | $(met "le $hold_rss 256 && le $hold_rss_on 256") |"
  if (( store_soak_s > 0 )); then
    echo "| span store at saturation for ${store_soak_s} s: 0 dropped, ≤ 400 DB bytes/span, p99 @50 ≤ 2x nginx | $(n "$soak_dropped") dropped, $soak_bps B/span, p99 $(calc2 "$soak_p99 / $nginx_p99")x | $(met "[[ '$soak_dropped' == 0 ]] && le $soak_bps 400 && le $(calc2 "$soak_p99 / $nginx_p99") 2") |"
  fi
  echo "| first response ≤ 50 ms after start | $st ms | $(met "le $st 50") |"
  echo "| idle RSS ≤ 40 MB | $idle MB | $(met "le $idle 40") |"
} > "$report"
grep -qE '(^|[| (])(n/a|nan)([| )x]|$)' "$report" && fail "some numbers are missing from the report (n/a)"

echo
echo "=== gateway load harness ($mode) ==="
cat "$report"
echo
echo "load average before $load_before, after $load_after; $others compiler/dotnet processes were running at the start; $elapsed s in all"

for t in "${profiled[@]}"; do
  echo
  echo "perf profile of the ${label[$t]} during a throughput run ($work/perf-$t.txt):"
  cat "$work/perf-$t.txt"
done

if [[ ${#failures[@]} -gt 0 ]]; then
  echo
  echo "FAILED checks:"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi

if [[ $mode == full && $write_results -eq 1 ]]; then
  commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  dirty="$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ", uncommitted changes" || true)"
  {
    echo
    echo "## $(date -u '+%Y-%m-%d %H:%M') UTC — commit $commit$dirty"
    echo
    echo "\`bench/load/run.sh\` on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); load average before $load_before, after $load_after; $others other compiler/dotnet processes at the start. Ratios within this run hold; absolute numbers drift with what else runs on the machine."
    echo
    cat "$report"
    for t in "${profiled[@]}"; do
      echo
      echo "Profile of the ${label[$t]}: \`perf record -F 499 -g\` during another throughput run, summarised by \`bench/load/profile-summary.sh\`:"
      echo
      echo '```'
      cat "$work/perf-$t.txt"
      echo '```'
    done
  } >> "$here/RESULTS.md"
  log "appended to bench/load/RESULTS.md"
fi
log "done in $elapsed s"
exit 0
