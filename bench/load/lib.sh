# Shared by run.sh and ab.sh: process bookkeeping (every process started is stopped by PID on exit),
# number helpers, /proc readers, and starting nginx / the gateway under bench/load/.work/.
# Expects: $work (the work directory), $nginx_bin (for start_nginx), $gateway_bin (for start_gateway),
# the p_* port variables (for render; unset ones are left as 0).

failures=()
pids=()
nginx_pidfiles=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
# A failed check: the run goes on (so the rest is still measured) but exits non-zero.
fail() { log "CHECK FAILED: $*"; failures+=("$*"); }

cleanup() {
  local pid pf
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pf in "${nginx_pidfiles[@]}"; do
    [[ -s "$pf" ]] && kill -QUIT "$(cat "$pf")" 2>/dev/null
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive -eq 0 ]] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for pf in "${nginx_pidfiles[@]}"; do
    [[ -s "$pf" ]] && kill -TERM "$(cat "$pf")" 2>/dev/null
  done
  return 0
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# Stops one process this script started and forgets it: SIGTERM, then SIGKILL after WAIT_S seconds (default 5).
stop_pid() {
  local pid="$1" wait_s="${2:-5}" keep=() p
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 $((wait_s * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  for p in "${pids[@]}"; do [[ "$p" != "$pid" ]] && keep+=("$p"); done
  pids=("${keep[@]}")
}

# kv LINE KEY: the value of KEY=value in a RESULT line.
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< " $1"; }
# calc EXPR: floating point arithmetic (awk), 1 decimal.
# A missing or NaN input makes the result "n/a", and n/a never meets a target.
calc() { [[ "$1" == *nan* || "$1" == *n/a* ]] && { echo n/a; return; }; awk "BEGIN { v = $1; printf \"%.1f\", v }"; }
calc2() { [[ "$1" == *nan* || "$1" == *n/a* ]] && { echo n/a; return; }; awk "BEGIN { v = $1; printf \"%.2f\", v }"; }
num() { [[ "$1" =~ ^-?[0-9]+([.][0-9]+)?$ ]]; }
le() { num "$1" && awk "BEGIN { exit !(($1) <= ($2)) }"; }
ge() { num "$1" && awk "BEGIN { exit !(($1) >= ($2)) }"; }

# cpu_ticks PID...: user + system CPU time of the processes, in clock ticks (1/100 s).
cpu_ticks() { local t=0 p v; for p in "$@"; do v="$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null)"; t=$((t + ${v:-0})); done; echo "$t"; }
# children_of PID: the PIDs whose parent is PID (nginx workers of a master).
children_of() { cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{ pid = $1; sub(/.*\) /, ""); if ($2 == p) print pid }'; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  local port="$1" what="$2"
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  die "$what did not open port $port"
}

start_nginx() {
  local conf="$1" pidfile="$2"
  "$nginx_bin" -t -q -p "$work" -c "$conf" >"$work/logs/$(basename "$conf").test.log" 2>&1 \
    || { cat "$work/logs/$(basename "$conf").test.log" >&2; die "nginx config $conf is invalid"; }
  nginx_pidfiles+=("$pidfile")
  "$nginx_bin" -p "$work" -c "$conf" || die "nginx -c $conf did not start"
}
# start_gateway NAME PORT CONFIG [VAR=value ...]: sets $started_pid.
start_gateway() {
  local name="$1" port="$2" config="$3"; shift 3
  local logf="$work/logs/$name.log"
  env "$@" "$gateway_bin" serve --config "$config" --urls "http://127.0.0.1:$port" >"$logf" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 1 100); do
    grep -q "gateway listening on" "$logf" 2>/dev/null && return 0
    kill -0 "$started_pid" 2>/dev/null || { cat "$logf" >&2; die "gateway '$name' exited at start"; }
    sleep 0.1
  done
  die "gateway '$name' did not print 'gateway listening on' within 10 s"
}

# render TEMPLATE OUT: an nginx config template with @WORK@ and the @PORT_*@ of the p_* variables filled in.
render() {
  sed -e "s|@WORK@|$work|g" -e "s|@PORT_STATIC@|${p_static:-0}|g" -e "s|@PORT_OTLP@|${p_otlp:-0}|g" \
      -e "s|@PORT_STREAM_UP@|${p_stream_up:-0}|g" -e "s|@PORT_NGINX_STATIC@|${p_nginx_static:-0}|g" \
      -e "s|@PORT_NGINX_STREAM@|${p_nginx_stream:-0}|g" "$1" > "$2"
}
