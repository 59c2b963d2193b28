#!/usr/bin/env bash
# Times @nucypher/umbral-pre 0.10.0 (the reference WASM build) in Node on the operations that
# SeSPHR.Benchmarks' Umbral benchmarks time in C#, and writes the ratio table (C# median /
# reference median) as markdown into benchmarks/results/.
#
#   run.sh                      runs the C# Umbral benchmarks too (short job), then the reference
#   run.sh <BDN results dir>    uses C# results of the same run (run-crypto.sh passes them)
#
# npm installs into .cache/umbral-bench/ (git-ignored); nothing is written inside shared/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache="$repo/.cache/umbral-bench"
results=${BENCH_RESULTS:-"$repo/benchmarks/results"}
iterations="${UMBRAL_REFERENCE_ITERATIONS:-200}"
stamp=$(date -u +%Y-%m-%d)
mkdir -p "$cache" "$results"

if [ ! -f "$cache/node_modules/@nucypher/umbral-pre/package.json" ] \
  || ! grep -q '"version": "0.10.0"' "$cache/node_modules/@nucypher/umbral-pre/package.json"; then
  cat > "$cache/package.json" <<'JSON'
{ "name": "sesphr-umbral-bench", "private": true, "type": "module", "dependencies": { "@nucypher/umbral-pre": "0.10.0" } }
JSON
  (cd "$cache" && npm install --no-audit --no-fund --silent)
fi

bdn="${1:-}"
if [ -z "$bdn" ]; then
  bdn="$cache/bdn"
  rm -rf "$bdn"
  dotnet run -c Release --project "$repo/benchmarks/SeSPHR.Benchmarks.csproj" -- --filter '*Umbral*' --artifacts "$bdn" >&2
  bdn="$bdn/results"
fi

reference="$cache/reference.json"
node "$here/reference-bench.mjs" "$cache/node_modules" "$reference" "$iterations"
cp "$reference" "$results/umbral-reference.json"
node "$here/ratio.mjs" "$reference" "$bdn" "$results/umbral-ratios.md"
