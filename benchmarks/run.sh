#!/usr/bin/env bash
# The whole evaluation in one command (`./sesphr bench` runs this):
#
#   ./sesphr bench            every benchmark at its default size → benchmarks/results/ (overwrites
#                             each benchmark's report: git keeps the old runs), then the index
#   ./sesphr bench --quick    every benchmark that can run in a few seconds, at a tiny size, into
#                             .cache/bench-quick/ (never over the committed reports): CI's smoke test,
#                             which fails when a run breaks and never on a figure
#   ./sesphr bench --full     the default set at full size, plus the micro-benchmarks of the
#                             primitives against the Node reference, the flood and the SRS batch run
#   ./sesphr bench NAME...    only the named benchmarks (names below), at the mode given
#   ./sesphr bench --index    only rewrite results/README.md from the reports there
#
# Each benchmark writes <name>.md (machine, date, commit, load average, the figures and what limits
# them), a CSV or JSON, and its plots. This script times each and writes results/README.md's table
# of current reports with the headline line of each (the line starting "Headline:" in a report).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

mode=default
names=()
index_only=0
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    --index) index_only=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench: unknown option $arg" >&2; exit 2 ;;
    *) names+=("$arg") ;;
  esac
done

results="$here/results"
if [ "$mode" = quick ]; then
  results="$repo/.cache/bench-quick"
  # A smoke run measures nothing worth a snapshot: the checkout's binaries will do.
  export BENCH_IN_PLACE=1
fi
mkdir -p "$results"
say() { printf 'bench: %s\n' "$*" >&2; }

benchmarks_dll="$here/bin/Release/net10.0/SeSPHR.Benchmarks.dll"
build_benchmarks() { dotnet build "$here/SeSPHR.Benchmarks.csproj" -c Release -nologo -v q -clp:ErrorsOnly; }

# --- the benchmarks: each a function run_<name>, sized by $mode ---------------------------------
run_paper-crypto() {
  build_benchmarks
  (cd "$repo" && dotnet "$benchmarks_dll" paper "--$mode" --out "$results")
}

run_access-read() {
  case "$mode" in
    quick) ACCESS_CONNECTIONS="4" ACCESS_DURATION=2 ACCESS_WARMUP=1 ACCESS_COUNT=400 ACCESS_WARM=50 ACCESS_SEARCH=0 ;;
    default) ACCESS_CONNECTIONS="1 16 32" ACCESS_DURATION=6 ACCESS_WARMUP=2 ACCESS_COUNT=10000 ACCESS_WARM=500 ACCESS_SEARCH_CONNECTIONS="16" ;;
    full) ACCESS_CONNECTIONS="1 4 16 32 64" ACCESS_DURATION=10 ACCESS_WARMUP=3 ACCESS_COUNT=20000 ACCESS_WARM=1000 ACCESS_SEARCH_CONNECTIONS="1 16 64" ;;
  esac
  ACCESS_CONNECTIONS=$ACCESS_CONNECTIONS ACCESS_DURATION=$ACCESS_DURATION ACCESS_WARMUP=$ACCESS_WARMUP \
    ACCESS_COUNT=$ACCESS_COUNT ACCESS_WARM=$ACCESS_WARM ACCESS_SEARCH=${ACCESS_SEARCH:-1} \
    ACCESS_SEARCH_CONNECTIONS=${ACCESS_SEARCH_CONNECTIONS:-16} ACCESS_RESULTS="$results" "$here/access/run.sh"
}

# The turnaround and the grants run share one system (start-up and seeding take a minute or two on
# two cores): asked together, one access run measures both.
access_sizes() {
  turnaround_rounds=5 turnaround_sizes="" grantees="1 10 100" grants_requests=400
  case "$mode" in
    quick) turnaround_rounds=1 turnaround_sizes="50,2048" grantees="1 3" grants_requests=40 ;;
    full) turnaround_rounds=15 grants_requests=1000 ;;
  esac
}

run_paper-turnaround() {
  access_sizes
  local with_grants=0
  [[ " ${names[*]} " == *" grants-growth "* ]] && with_grants=1 && grants_done=1
  ACCESS_READS=0 ACCESS_SEARCH=0 ACCESS_COUNT=$(( grants_requests * 5 + 200 )) ACCESS_WARM=50 \
    ACCESS_TURNAROUND_ROUNDS=$turnaround_rounds ACCESS_TURNAROUND_SIZES=$turnaround_sizes \
    ACCESS_GRANTEES=$([ "$with_grants" = 1 ] && echo "$grantees") ACCESS_GRANTS_REQUESTS=$grants_requests \
    ACCESS_MODE=$mode ACCESS_RESULTS="$results" "$here/access/run.sh"
}

run_grants-growth() {
  [ "${grants_done:-0}" = 0 ] || { say "grants-growth measured with paper-turnaround"; return 0; }
  access_sizes
  ACCESS_READS=0 ACCESS_SEARCH=0 ACCESS_COUNT=$(( grants_requests * 5 + 200 )) ACCESS_WARM=50 ACCESS_GRANTEES=$grantees \
    ACCESS_GRANTS_REQUESTS=$grants_requests ACCESS_MODE=$mode ACCESS_RESULTS="$results" "$here/access/run.sh"
}

run_load() {
  case "$mode" in
    quick) set -- LOAD_CONNECTIONS="4" LOAD_DURATION=2 LOAD_WARMUP=1 LOAD_PATIENTS=50 LOAD_SEALED=500 ;;
    default) set -- LOAD_CONNECTIONS="1 16 32" LOAD_DURATION=6 LOAD_WARMUP=2 LOAD_PATIENTS=1000 LOAD_SEALED=20000 ;;
    full) set -- LOAD_CONNECTIONS="1 4 16 32 64" ;;
  esac
  env "$@" LOAD_RESULTS="$results" "$here/load/run.sh"
}

run_growth() {
  case "$mode" in
    quick) set -- LOAD_GROWTH="200 1000" LOAD_GROWTH_CONNECTIONS=4 LOAD_DURATION=2 LOAD_WARMUP=1 LOAD_CONFIGS=protected ;;
    default) set -- LOAD_GROWTH="10000 100000" LOAD_DURATION=6 LOAD_WARMUP=2 ;;
    full) set -- LOAD_GROWTH="10000 100000 1000000" LOAD_DURATION=10 LOAD_WARMUP=3 ;;
  esac
  env "$@" LOAD_MODE="$mode" LOAD_RESULTS="$results" "$here/load/run.sh"
}

run_cli-import() {
  IMPORT_RESULTS="$results" "$here/import/run.sh"
}

run_gateway-read() {
  case "$mode" in
    quick) GATEWAY_ROUNDS=1 GATEWAY_READS=10 GATEWAY_RESULTS="$results" "$here/gateway/run.sh" ;;
    *) GATEWAY_RESULTS="$results" "$here/gateway/run.sh" ;;
  esac
}

run_crypto() { BENCH_RESULTS="$results" "$here/run-crypto.sh"; }

run_flood-anonymous() { FLOOD_RESULTS="$results" "$here/flood/run.sh"; }

run_srs-reencrypt() { SRS_RESULTS="$results" "$here/srs-reencrypt/run.sh"; }

case "$mode" in
  quick) default_names=(paper-crypto paper-turnaround growth grants-growth) ;;
  default) default_names=(paper-crypto paper-turnaround growth grants-growth access-read load cli-import gateway-read) ;;
  full) default_names=(paper-crypto paper-turnaround growth grants-growth access-read load cli-import gateway-read crypto flood-anonymous srs-reencrypt) ;;
esac
[ ${#names[@]} -gt 0 ] || [ "$index_only" = 1 ] || names=("${default_names[@]}")

# --- run them, each timed; one failure fails the run but the others still run ------------------
[ "$index_only" = 0 ] || names=()
started=$(date +%s)
failed=()
timings=()
for name in "${names[@]+"${names[@]}"}"; do
  declare -F "run_$name" >/dev/null || { say "no benchmark named $name"; exit 2; }
  say "$name ($mode)"
  t0=$(date +%s)
  if "run_$name"; then
    timings+=("$name $(( $(date +%s) - t0 ))")
  else
    say "$name FAILED"
    failed+=("$name")
    timings+=("$name failed")
  fi
done

# --- the index of current reports: results/README.md ------------------------------------------
index() {
  local report title headline
  printf '# Benchmark results\n\n'
  printf 'The current report of every benchmark, written by `./sesphr bench` (see `benchmarks/README.md`);\n'
  printf 'each report names its machine, date, commit and how busy the machine was. A run overwrites its\n'
  printf 'report; earlier runs are in git history. Figures from a noisy machine are compared as ratios taken in one run.\n\n'
  printf '| report | what it measures | headline |\n| --- | --- | --- |\n'
  for report in "$results"/*.md; do
    [ "$(basename "$report")" != README.md ] || continue
    title=$(head -1 "$report" | sed 's/^# *//')
    headline=$(grep -m1 '^Headline:' "$report" | sed 's/^Headline: *//' || true)
    printf '| [`%s`](%s) | %s | %s |\n' "$(basename "$report")" "$(basename "$report")" "$title" "${headline:-see the report}"
  done
}
index > "$results/README.md"

say "done in $(( $(date +%s) - started )) s: ${timings[*]/%/ s;}"
[ ${#failed[@]} -eq 0 ] || { say "failed: ${failed[*]}"; exit 1; }
