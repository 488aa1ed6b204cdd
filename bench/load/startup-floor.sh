#!/usr/bin/env bash
# The startup floor of the gateway's stack next to the gateway itself (issue #11, "first response <= 50 ms after
# exec"): StartupFloor/ published three ways (the slim WebApplication host, Kestrel constructed without a host, and
# that plus the OpenTelemetry providers), each started --runs times by the stream client's startup mode, then the
# gateway on bench/load/startup.yaml. One line per binary: first response p50, CPU to it, idle RSS, binary size.
#
#   bench/load/startup-floor.sh --gateway /tmp/aot/gateway [--runs 8]
#
# Needs the .NET SDK (AOT publish) and the stream client (run.sh builds it under .work/client). Port 27498.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gateway=""
runs=8
port=27498
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gateway) gateway="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "startup-floor.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -x "$gateway" ]] || { echo "startup-floor.sh: --gateway PATH (a published AOT binary) is required" >&2; exit 2; }
work="$here/.work/startup-floor"
source "$here/lib.sh"   # kv
client="$here/.work/client/stream-client"
[[ -x "$client" ]] || dotnet publish "$here/StreamClient/StreamClient.csproj" -c Release -o "$here/.work/client" -nologo -v q
mkdir -p "$work"

row() { # row NAME EXE ARGS...
  local name="$1" exe="$2"; shift 2
  local line
  line="$("$client" startup --exe "$exe" --url "http://127.0.0.1:$port" --model mock/echo --runs "$runs" --idle-ms 500 -- "$@" | grep '^RESULT')"
  printf '%-10s first response p50 %6s ms, CPU to it %4s ms, idle RSS %5s MB, binary %5.1f MB\n' "$name" \
    "$(kv "$line" first_response_ms_p50)" "$(kv "$line" first_response_cpu_ms_p50)" "$(kv "$line" idle_rss_mb_p50)" \
    "$(awk "BEGIN { print $(stat -c %s "$exe") / 1048576 }")"
}
for variant in host bare bare-otel; do
  dotnet publish "$here/StartupFloor/StartupFloor.csproj" -c Release -r linux-x64 -p:Variant="$variant" -o "$work/$variant" -nologo -v q >/dev/null
done
for variant in host bare bare-otel; do row "$variant" "$work/$variant/StartupFloor" --urls "http://127.0.0.1:$port"; done
row gateway "$gateway" serve --config "$here/startup.yaml" --urls "http://127.0.0.1:$port"
