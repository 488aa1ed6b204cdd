#!/usr/bin/env bash
# Runs the micro benchmarks (bench/Gateway.Benchmarks) in BenchmarkDotNet's short job and compares
# each one's "Allocated" bytes per operation with bench/Gateway.Benchmarks/allocation-budgets.txt.
# Exits 1 when a benchmark allocates more than its budget, has no budget, or a budget names a
# benchmark that did not run; 2 on usage or build errors.
#
#   bench/check-allocations.sh                 # all benchmarks, ~2 minutes on 2 cores
#   bench/check-allocations.sh --in-process    # same, without the per-benchmark child process (faster)
#   bench/check-allocations.sh --filter '*Sse*'  # a subset (only those budgets are checked)
#   bench/check-allocations.sh --no-run        # only check the CSVs of the last run
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$here/Gateway.Benchmarks"
budgets="$project/allocation-budgets.txt"
artifacts="$project/BenchmarkDotNet.Artifacts"
filter='*'
run=1
# BenchmarkDotNet counts the bytes every thread allocates during the measured iterations, so a
# background allocation shows up as a byte or two per op. No object is smaller than 24 B, so a 16 B
# tolerance never hides a new allocation per operation.
tolerance=16
extra=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --filter) filter="$2"; shift 2 ;;
    --in-process) extra+=(--inProcess); shift ;;
    --no-run) run=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "check-allocations: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ $run -eq 1 ]]; then
  rm -rf "$artifacts/results"
  dotnet build -c Release "$project" -nologo -v quiet || { echo "check-allocations: build failed" >&2; exit 2; }
  # --job short: 3 warmups, 3 iterations. Allocation counts do not need more: they are exact.
  if ! dotnet run -c Release --no-build --project "$project" -- \
      --filter "$filter" --job short --artifacts "$artifacts" "${extra[@]}"; then
    echo "check-allocations: a benchmark failed to run" >&2
    exit 1
  fi
fi

shopt -s nullglob
reports=("$artifacts"/results/*-report.csv)
if [[ ${#reports[@]} -eq 0 ]]; then
  echo "check-allocations: no results in $artifacts/results" >&2
  exit 2
fi

# One "Type.Method bytes" line per benchmark that ran. The CSV is ';'-separated; numbers over 999
# come quoted with ',' thousands separators.
measured="$(
  for csv in "${reports[@]}"; do
    type="$(basename "$csv" -report.csv)"
    type="${type##*.}"
    awk -F';' -v type="$type" '
      NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "Method") m = i; if ($i == "Allocated [B]") a = i }
                if (!m || !a) { print "BADHEADER " FILENAME; exit } next }
      { v = $a; gsub(/[",]/, "", v); print type "." $m, v }' "$csv"
  done
)"

status=0
printf '%-55s %12s %12s  %s\n' "benchmark" "allocated" "budget" "result"
while read -r name bytes; do
  if [[ "$name" == BADHEADER ]]; then
    echo "check-allocations: no Method / 'Allocated [B]' column in $bytes (was MemoryDiagnoser on?)" >&2
    exit 2
  fi
  budget="$(awk -v n="$name" '!/^#/ && $1 == n { print $2; exit }' "$budgets")"
  if [[ -z "$budget" ]]; then
    result="FAIL: no budget in allocation-budgets.txt"; status=1
  elif ! [[ "$bytes" =~ ^[0-9]+$ ]]; then
    result="FAIL: no measurement ('$bytes')"; status=1
  elif (( bytes > budget + tolerance )); then
    result="FAIL: $((bytes - budget)) B over"; status=1
  elif (( bytes > budget )); then
    result="ok (+$((bytes - budget)) B: background noise, under the ${tolerance} B tolerance)"
  elif (( bytes < budget )); then
    result="ok ($((budget - bytes)) B under: lower the budget?)"
  else
    result="ok"
  fi
  printf '%-55s %12s %12s  %s\n' "$name" "$bytes" "${budget:--}" "$result"
done <<< "$measured"

# Budgets whose benchmark did not run (only meaningful for a full run).
if [[ "$filter" == '*' ]]; then
  while read -r name _; do
    if ! grep -q -- "^$name " <<< "$measured"; then
      printf '%-55s %12s %12s  %s\n' "$name" "-" "" "FAIL: budgeted but did not run"
      status=1
    fi
  done < <(grep -v '^#' "$budgets" | awk 'NF >= 2')
fi

if [[ $status -eq 0 ]]; then echo "check-allocations: all within budget"; else echo "check-allocations: FAILED" >&2; fi
exit $status
