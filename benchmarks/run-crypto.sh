#!/usr/bin/env bash
# Runs every crypto benchmark (BenchmarkDotNet, short job) and then the Umbral reference in Node in
# the same run, and writes benchmarks/results/crypto.md (plus the ratio table beside it).
# Needs dotnet, node and npm; takes about 10 minutes on 2 cores. The report records
# how busy the machine was with other work during the run (load average, and the CPU time the run's own
# processes used against all CPU time used), since a shared machine makes every figure slower.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
work="$repo/.cache/bench-run"
results=${BENCH_RESULTS:-"$here/results"}
stamp=$(date -u +%Y-%m-%d)
started=$(date +%s)
rm -rf "$work" && mkdir -p "$work" "$results"

load() { cut -d' ' -f1-3 /proc/loadavg; }
# busy and total jiffies of all CPUs, from /proc/stat (user nice system idle iowait irq softirq steal)
cpu_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat; }
load_before=$(load)
read -r busy_before total_before < <(cpu_ticks)

dotnet build -c Release "$here/SeSPHR.Benchmarks.csproj" -nologo -v q
dotnet run -c Release --no-build --project "$here/SeSPHR.Benchmarks.csproj" -- \
  --filter "${BENCH_FILTER:-*}" --artifacts "$work/bdn" | tee "$work/benchmarkdotnet.log" | grep -E '^(// \*|\| |Run time|Global total)' || true
"$here/umbral-reference/run.sh" "$work/bdn/results"

read -r busy_after total_after < <(cpu_ticks)
ticks=$(getconf CLK_TCK)
# CPU seconds used by this script's finished children (dotnet, node, npm), from bash's `times`.
# (`times` must run in this shell, not in a pipeline's subshell, to see them.)
times > "$work/times.txt"
own_cpu=$(tail -1 "$work/times.txt" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
node -e '
const [date, cpu, cores, memory, kernel, runtime, node, before, after, wall, autogroup, busy, total, own] = process.argv.slice(1);
process.stdout.write(JSON.stringify({ date, cpu, cores, memory, kernel, dotnetRuntime: runtime, node, loadBefore: before, loadAfter: after,
  wallSeconds: wall, schedAutogroup: autogroup, busyCpuSeconds: Number(busy), totalCpuSeconds: Number(total), ownCpuSeconds: Number(own) }));
' "$stamp" \
  "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)" \
  "$(nproc)" \
  "$(free -h | awk '/^Mem:/ {print $2}')" \
  "$(uname -r)" \
  "$(dotnet --info | sed -n '/^Host:/,/^$/p' | sed -n 's/^[[:space:]]*Version:[[:space:]]*/Microsoft.NETCore.App /p' | head -1)" \
  "$(node --version)" \
  "$load_before" "$(load)" "$(( $(date +%s) - started ))" "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo n/a)" \
  "$(( (busy_after - busy_before) / ticks ))" "$(( (total_after - total_before) / ticks ))" "$own_cpu" > "$work/machine.json"

node "$here/report.mjs" "$work/machine.json" "$repo/.cache/umbral-bench/reference.json" "$work/bdn/results" "$results/crypto.md"
