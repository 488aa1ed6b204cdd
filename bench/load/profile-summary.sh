#!/usr/bin/env bash
# Summarises a `perf record` of the gateway: self time bucketed by component (from the symbol's
# namespace as NativeAOT names it), then the top symbols. Used by run.sh --profile.
#   bench/load/profile-summary.sh PERF_DATA [TOP_N]
set -uo pipefail
data="$1"
top="${2:-25}"
report="$(perf report -i "$data" --stdio --no-children --sort dso,symbol --percent-limit 0 2>/dev/null | grep -E '^ +[0-9.]+%')"
echo "self time by component (% of the gateway's samples):"
awk '
  {
    pct = $1; sub(/%/, "", pct)
    dso = $2; sym = $4
    if ($3 == "[k]") c = "kernel (TCP loopback, epoll, scheduler)"
    else if (sym ~ /^WKS::|^SVR::|^Rhp?Gc|GCHeap|gc_heap/) c = "GC"
    else if (sym ~ /^RhSpinWait|^PalSwitchToThread/) c = "thread pool, locks, spinning"
    else if (sym ~ /^Rh|^__GenericLookup|^Pal/) c = "runtime helpers (allocation, write barriers, casts, dispatch)"
    else if (sym ~ /^Microsoft_AspNetCore_Server_Kestrel/) c = "Kestrel (server HTTP/1.1)"
    else if (sym ~ /^Microsoft_AspNetCore|^Microsoft_Extensions/) c = "ASP.NET Core hosting, middleware, logging"
    else if (sym ~ /^System_Net_Http/) c = "HttpClient (SocketsHttpHandler)"
    else if (sym ~ /^System_Net_Sockets/) c = "System.Net.Sockets"
    else if (sym ~ /^System_IO_Pipelines/) c = "System.IO.Pipelines"
    else if (sym ~ /^System_Text_Json/) c = "System.Text.Json"
    else if (sym ~ /^OpenTelemetry/) c = "OpenTelemetry SDK, OTLP serializer and exporter"
    else if (sym ~ /^System_Diagnostics_DiagnosticSource/) c = "System.Diagnostics (Activity, metrics)"
    else if (sym ~ /^Gateway_Core|^gateway_/) c = "gateway code (Gateway.Core, Gateway)"
    else if (sym ~ /Threading_(PortableThreadPool|ThreadPool|LowLevel|Thread__|WaitSubsystem|Monitor|SpinWait|Lock)|^RhSpinWait|Semaphore|sched_yield|futex/) c = "thread pool, locks, spinning"
    else if (sym ~ /^S_P_CoreLib/) c = "CoreLib (async machinery, tasks, strings, other)"
    else if (dso ~ /libc|vdso/) c = "libc / vdso (syscall stubs, clock)"
    else c = "other: " dso
    total[c] += pct
  }
  END { for (c in total) printf "  %6.2f%%  %s\n", total[c], c }' <<< "$report" | sort -rn
echo
(( top > 0 )) || exit 0
echo "top $top symbols (self):"
head -n "$top" <<< "$report" | awk '{ printf "  %7s  %s %s\n", $1, $3, $4 }' | cut -c1-160
