#!/usr/bin/env bash
# The project's test command (README): builds everything with warnings as errors, runs the unit and
# functional suites, publishes the Native AOT binary (failing on any IL/AOT warning), runs the
# functional suite again against that binary, and prints the totals as
# "tests: N passed, N failed, N skipped". Installs what it needs on a fresh Debian machine.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/artifacts/test-results"
aot="$root/artifacts/aot"
rm -rf "$results"
mkdir -p "$results"
status=0
step() { printf '\n== %s\n' "$*"; }

# Native packages the build and the tests use. Installed only when missing (root on CI machines).
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -e /usr/lib/x86_64-linux-gnu/libz.so ] || need+=(zlib1g-dev)
# The AOT binary links SQLite statically (span store).
[ -e /usr/lib/x86_64-linux-gnu/libsqlite3.a ] || need+=(libsqlite3-dev)
# The trace explorer's browser tests (tests/browser): Debian's Chromium, driven from Node.js.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# Shared rate limits (limits_store: redis): the tests start their own redis-server on loopback.
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing packages ${need[*]}: install them (apt-get install ${need[*]})" >&2
  fi
fi

step "build (warnings are errors)"
dotnet build Gateway.sln -c Debug -nologo -v q || status=1

run_tests() { # name project [env...]
  local name=$1 project=$2
  shift 2
  step "tests: $name"
  env "$@" dotnet test "$project" --no-build -c Debug -nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
}

# The MCP functional tests start the reference server and the official SDK client from tests/mcp (issue #13).
step "npm ci (tests/mcp)"
(cd tests/mcp && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in tests/mcp"; status=1; }

run_tests unit tests/Gateway.Tests
run_tests functional tests/Gateway.FunctionalTests

step "publish Native AOT (net10.0)"
rm -rf "$aot"
if dotnet publish src/Gateway/Gateway.csproj -c Release -r linux-x64 -o "$aot" -nologo > "$results/publish.log" 2>&1; then
  if grep -E "warning (IL|AOT|CS)[0-9]+" "$results/publish.log"; then
    echo "AOT publish produced warnings (above)"; status=1
  else
    echo "ok: $(du -h "$aot/gateway" | cut -f1) $aot/gateway, 0 warnings"
  fi
  run_tests functional-aot tests/Gateway.FunctionalTests GATEWAY_BINARY="$aot/gateway"
  # The trace explorer (/ui) in Chromium through playwright-core, against the same binary (~30 s).
  # node --test writes TAP to a file; its "# pass N" / "# fail N" join the totals below.
  step "browser tests: trace explorer in Chromium (tests/browser)"
  if (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error); then
    (cd tests/browser && GATEWAY_BINARY="$aot/gateway" timeout 300 node --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$results/browser.tap" explorer.test.mjs) || status=1
  else
    echo "npm ci failed in tests/browser"; status=1
  fi
  # The load harness end to end in under a minute, on the binary just published, so it never rots.
  step "load harness smoke (bench/load/run.sh --smoke)"
  bash bench/load/run.sh --smoke --gateway "$aot/gateway" || { echo "load harness smoke failed"; status=1; }
else
  cat "$results/publish.log"; status=1
fi

# Hot-path allocation budgets (bench/Gateway.Benchmarks/allocation-budgets.txt), checked on every run.
step "allocation budgets (bench/check-allocations.sh --in-process)"
bash bench/check-allocations.sh --in-process > "$results/allocations.log" 2>&1 \
  && sed -n '/^benchmark /,$p' "$results/allocations.log" \
  || { cat "$results/allocations.log"; echo "allocation budgets exceeded or benchmarks failed"; status=1; }

# Totals over every test run, from the TRX files (dotnet test's own summary is per run).
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
# The browser tests' counts, from node --test's TAP summary.
if [ -e "$results/browser.tap" ]; then
  tap() { grep -o "^# $1 [0-9]*" "$results/browser.tap" | tail -1 | grep -o '[0-9]*$'; }
  bp=$(tap pass); bf=$(tap fail); bc=$(tap cancelled); bs=$(tap skipped)
  passed=$((passed + ${bp:-0})); failed=$((failed + ${bf:-0} + ${bc:-0})); skipped=$((skipped + ${bs:-0}))
  [ -n "$bp" ] || { echo "browser tests wrote no summary"; failed=$((failed + 1)); }
fi
[ "$passed" -gt 0 ] || status=1
# Name every failed test again at the end, where a truncated log still shows it.
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | grep -o 'testName="[^"]*"' \
    | sed "s/^testName=\"\(.*\)\"$/FAILED ($(basename "$trx" .trx)): \1/"
  # and the first lines of why, so a red CI log says which assertion failed without the TRX at hand.
  awk '/<UnitTestResult [^>]*outcome="Failed"/ { failed = 1 }
       failed && /<Message>/ { printing = 1; lines = 0 }
       printing { sub(/^[ \t]*<Message>/, ""); if (sub(/<\/Message>.*/, "")) { printing = 0; failed = 0 }; if (lines++ < 8) print "    " $0 }' "$trx"
done
if [ -e "$results/browser.tap" ]; then grep -E '^\s*not ok ' "$results/browser.tap" | sed 's/^/FAILED (browser): /'; fi
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
