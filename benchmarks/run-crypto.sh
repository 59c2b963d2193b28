#!/usr/bin/env bash
# Runs every crypto benchmark (BenchmarkDotNet, short job) and then the Umbral reference in Node in
# the same run, and writes benchmarks/results/crypto-<date>.md (plus the ratio table and the raw
# JSON beside it). Needs dotnet, node and npm; takes about 10 minutes on 2 cores. On a shared machine,
# `nice -n -10 benchmarks/run-crypto.sh` (as root) keeps other processes from dominating; the report
# records the niceness and the load average.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
work="$repo/.cache/bench-run"
results="$here/results"
stamp=$(date -u +%Y-%m-%d)
started=$(date +%s)
rm -rf "$work" && mkdir -p "$work" "$results"

load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(load)

dotnet build -c Release "$here/SeSPHR.Benchmarks.csproj" -nologo -v q
dotnet run -c Release --no-build --project "$here/SeSPHR.Benchmarks.csproj" -- \
  --filter "${BENCH_FILTER:-*}" --artifacts "$work/bdn" | tee "$work/benchmarkdotnet.log" | grep -E '^(// \*|\| |Run time|Global total)' || true
"$here/umbral-reference/run.sh" "$work/bdn/results"

node -e '
const [date, cpu, cores, memory, kernel, runtime, node, before, after, wall, niceness] = process.argv.slice(1);
process.stdout.write(JSON.stringify({ date, cpu, cores, memory, kernel, dotnetRuntime: runtime, node, loadBefore: before, loadAfter: after, wallSeconds: wall, niceness }));
' "$stamp" \
  "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)" \
  "$(nproc)" \
  "$(free -h | awk '/^Mem:/ {print $2}')" \
  "$(uname -r)" \
  "$(dotnet --info | sed -n '/^Host:/,/^$/p' | sed -n 's/^[[:space:]]*Version:[[:space:]]*/Microsoft.NETCore.App /p' | head -1)" \
  "$(node --version)" \
  "$load_before" "$(load)" "$(( $(date +%s) - started ))" "$(nice)" > "$work/machine.json"

mkdir -p "$results/raw-$stamp"
cp "$work"/bdn/results/*-report-full.json "$work/machine.json" "$results/raw-$stamp/"
cp "$repo/.cache/umbral-bench/reference.json" "$results/raw-$stamp/umbral-reference.json"
node "$here/report.mjs" "$work/machine.json" "$repo/.cache/umbral-bench/reference.json" "$work/bdn/results" "$results/crypto-$stamp.md"
