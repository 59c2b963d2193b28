#!/usr/bin/env bash
# The CLI's sealed import of the Synthea bundles against the plain configuration's transaction
# import of the same bundles, in one run on one machine.
#
#   benchmarks/import/run.sh   → benchmarks/results/cli-import.{md,json} (overwritten each run)
#
# 1. Starts a private throwaway PostgreSQL cluster (scripts/pg.sh, the settings of ./sesphr up)
#    on a free loopback port, and builds the SRS, the FhirServer and the CLI (Release).
# 2. Sealed: the SRS and the FhirServer in the production configuration (tokens, sealed sections,
#    Consent check); a patient registered with `sesphr register`, then `sesphr import` of every
#    bundle into that patient's record (sealed per section, transactions of PUTs, chunks of 100).
# 3. Plain: a FhirServer with Fhir__ProtectedSections=false, Fhir__Auth__Required=false and
#    Fhir__Access__ConsentCheck=false on a fresh database; each bundle POSTed as it is
#    (a transaction of POSTs, Prefer: return=minimal), one after the other.
# 4. Resources per second both ways, their ratio (target: sealed at least half of plain), machine,
#    date and commit to the results files. Everything stops on exit, also on Ctrl-C.
#
# Settings: IMPORT_BUNDLES (../shared/data/synthea/bundles), IMPORT_CHUNK (100),
#   IMPORT_RESULTS (benchmarks/results), IMPORT_KEEP=1 keeps the work folder (logs),
#   IMPORT_NOTE (a line about this run's circumstances, added to the report),
#   IMPORT_TRACE=FOLDER writes EventPipe sampling traces of the CLI's import and the FhirServer
#   (cli.nettrace, fhir.nettrace) there, for `dotnet-trace convert` (times then include tracing).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pg.sh
. "$repo/scripts/pg.sh"
# shellcheck source=../../scripts/processes.sh
. "$repo/scripts/processes.sh"

BUNDLES=$(cd "${IMPORT_BUNDLES:-$repo/../shared/data/synthea/bundles}" && pwd)
CHUNK=${IMPORT_CHUNK:-100}
RESULTS=${IMPORT_RESULTS:-$repo/benchmarks/results}
HOST=127.0.0.1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'import: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  work=$(mktemp -d /tmp/sesphr-import.XXXXXX)
  chmod 755 "$work"
else
  mkdir -p "$repo/.cache"
  work=$(mktemp -d "$repo/.cache/import.XXXXXX")
fi

srs_pid="" fhir_pid="" plain_pid=""
CLEANED=0
cleanup() {
  [ "$CLEANED" -eq 0 ] || return 0
  CLEANED=1
  trap '' INT TERM
  stop_process "$plain_pid"
  stop_process "$fhir_pid"
  stop_process "$srs_pid"
  if [ -n "${PGBIN:-}" ]; then pg_stop "$work/pg/data"; fi
  if [ "${IMPORT_KEEP:-0}" = 1 ]; then say "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

wait_healthy() {
  local name=$1 url=$2 pid=$3
  for _ in $(seq 1 240); do
    curl -fsS --max-time 2 -o /dev/null "$url/healthz" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { tail -30 "$work/$name.log" >&2; die "$name exited during start-up"; }
    sleep 0.5
  done
  die "$name did not become healthy"
}

now() { date +%s.%N; }

say "building the SRS, the FhirServer and the CLI (Release)"
for project in src/Srs/SeSPHR.Srs.csproj src/FhirServer/SeSPHR.FhirServer.csproj src/Cli/SeSPHR.Cli.csproj; do
  dotnet build "$repo/$project" -c Release -nologo -v q -clp:ErrorsOnly > "$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; die "build failed"; }
done

pg_install_if_missing
pg_port=$(pg_free_port)
pg_init "$work/pg/data" "$work/pg/sock"
pg_start "$work/pg/data" "$work/pg/sock" "$pg_port" "$work/postgresql.log"
fhir_password=$(pg_random_password)
srs_password=$(pg_random_password)
for db in sesphr_fhir sesphr_fhir_plain; do
  pg_psql "$work/pg/sock" "$pg_port" \
    -v fhir_role=sesphr_fhir -v fhir_db="$db" -v fhir_password="$fhir_password" \
    -v srs_role=sesphr_srs -v srs_db=sesphr_srs -v srs_password="$srs_password" \
    < "$repo/scripts/provision.sql"
done
pool="Maximum Pool Size=16"

# --- sealed: the production configuration and the CLI --------------------------------------------
srs_url="http://$HOST:$(pg_free_port)"
fhir_url="http://$HOST:$(pg_free_port)"
service_secret=$(pg_random_password)
mkdir -p "$work/srs" && chmod 700 "$work/srs"
(cd "$repo/src/Srs/bin/Release/net10.0" && exec env \
  ConnectionStrings__Srs="Host=$HOST;Port=$pg_port;Database=sesphr_srs;Username=sesphr_srs;Password=$srs_password;$pool" \
  Srs__FhirServiceSecret="$service_secret" Srs__FhirBaseUrl="$fhir_url/fhir" \
  Srs__KeyEncryptionKey="$(head -c 32 /dev/urandom | base64 | tr -d '\n')" Srs__DataDirectory="$work/srs" \
  Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
  dotnet SeSPHR.Srs.dll --urls "$srs_url") > "$work/srs.log" 2>&1 &
srs_pid=$!
trace_env() { if [ -n "${IMPORT_TRACE:-}" ]; then echo "DOTNET_EnableEventPipe=1 DOTNET_EventPipeOutputPath=$IMPORT_TRACE/$1.nettrace DOTNET_EventPipeConfig=Microsoft-DotNETCore-SampleProfiler:0:5,Microsoft-Windows-DotNETRuntime:0x4c14fccbd:4"; fi; }
[ -z "${IMPORT_TRACE:-}" ] || mkdir -p "$IMPORT_TRACE"
(cd "$repo/src/FhirServer/bin/Release/net10.0" && exec env $(trace_env fhir) \
  ConnectionStrings__Fhir="Host=$HOST;Port=$pg_port;Database=sesphr_fhir;Username=sesphr_fhir;Password=$fhir_password;$pool" \
  Fhir__Auth__Authority="$srs_url" Fhir__Auth__RequireHttpsMetadata=false \
  Fhir__Srs__BaseUrl="$srs_url" Fhir__Srs__ClientSecret="$service_secret" \
  Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
  dotnet SeSPHR.FhirServer.dll --urls "$fhir_url") > "$work/fhir.log" 2>&1 &
fhir_pid=$!
wait_healthy srs "$srs_url" "$srs_pid"
wait_healthy fhir "$fhir_url" "$fhir_pid"

cli() { SESPHR_HOME="$work/cli" dotnet "$repo/src/Cli/bin/Release/net10.0/sesphr.dll" "$@"; }
password=$(pg_random_password)
echo "$password" | cli register "bench-$(date +%s)" --password-stdin --srs "$srs_url" --fhir "$fhir_url" > "$work/register.log" 2>&1 \
  || { cat "$work/register.log" >&2; die "registration failed"; }
say "sealed import with the CLI"
# Where the CPU goes: each process's user+system seconds over the import (the CLI's own from bash's
# time, the servers' and PostgreSQL's as the change in their /proc counters, children included).
cpu_seconds() {
  local pid total=0 ticks
  ticks=$(getconf CLK_TCK)
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$(( total + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat") ))
  done
  python3 -c "print(round($total / $ticks, 2))"
}
# The postmaster and its children (backends, writers): a backend's own time, and the time of those
# that exited, which the postmaster's child counters hold.
pg_pids() { local pm; pm=$(head -1 "$work/pg/data/postmaster.pid"); echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"; }
cpu_before="$(cpu_seconds "$fhir_pid") $(cpu_seconds "$srs_pid")"
pg_before=$(cpu_seconds $(pg_pids))
TIMEFORMAT='%U %S'
{ time (echo "$password" | env $(trace_env cli) SESPHR_HOME="$work/cli" dotnet "$repo/src/Cli/bin/Release/net10.0/sesphr.dll" import "$BUNDLES" --chunk "$CHUNK" --password-stdin --json > "$work/sealed.json" 2> "$work/sealed.log") ; } 2> "$work/cli-cpu.txt" \
  || { tail -5 "$work/sealed.log" >&2; die "the CLI's import failed"; }
cpu_after="$(cpu_seconds "$fhir_pid") $(cpu_seconds "$srs_pid")"
pg_after=$(cpu_seconds $(pg_pids))
python3 - "$cpu_before" "$cpu_after" "$pg_before" "$pg_after" "$(cat "$work/cli-cpu.txt")" > "$work/cpu.json" <<'PY'
import json, sys
before, after = [float(x) for x in sys.argv[1].split()], [float(x) for x in sys.argv[2].split()]
user, system = [float(x) for x in sys.argv[5].split()]
print(json.dumps({"cli": round(user + system, 2), "fhirServer": round(after[0] - before[0], 2),
                  "srs": round(after[1] - before[1], 2), "postgres": round(float(sys.argv[4]) - float(sys.argv[3]), 2)}))
PY
stop_process "$fhir_pid"; fhir_pid=""
stop_process "$srs_pid"; srs_pid=""

# --- plain: the same bundles as transactions -----------------------------------------------------
plain_url="http://$HOST:$(pg_free_port)"
(cd "$repo/src/FhirServer/bin/Release/net10.0" && exec env \
  ConnectionStrings__Fhir="Host=$HOST;Port=$pg_port;Database=sesphr_fhir_plain;Username=sesphr_fhir;Password=$fhir_password;$pool" \
  Fhir__ProtectedSections=false Fhir__Auth__Required=false Fhir__Access__ConsentCheck=false \
  Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
  dotnet SeSPHR.FhirServer.dll --urls "$plain_url") > "$work/plain.log" 2>&1 &
plain_pid=$!
wait_healthy plain "$plain_url" "$plain_pid"
say "plain transaction import"
plain_start=$(now)
for bundle in "$BUNDLES"/*.json; do
  status=$(curl -sS -o "$work/plain-response.json" -w '%{http_code}' -X POST "$plain_url/fhir" \
    -H 'Content-Type: application/fhir+json' -H 'Prefer: return=minimal' --data-binary "@$bundle")
  [ "$status" = 200 ] || die "plain import of $(basename "$bundle") answered $status"
done
plain_end=$(now)

# --- results -------------------------------------------------------------------------------------
mkdir -p "$RESULTS"
python3 - "$work/sealed.json" "$work/cpu.json" "$BUNDLES" "$plain_start" "$plain_end" "$RESULTS" "$CHUNK" \
  "$(cd "$repo" && git rev-parse --short HEAD)$( [ -z "$(cd "$repo" && git status --porcelain -- src benchmarks/import)" ] || echo '+changes')" <<'PY'
import glob, json, os, platform, sys, datetime
sealed_file, cpu_file, bundles, start, end, results, chunk, commit = sys.argv[1:]
sealed = json.load(open(sealed_file))
cpu_split = json.load(open(cpu_file))
plain_resources = sum(len(json.load(open(f))["entry"]) for f in sorted(glob.glob(os.path.join(bundles, "*.json"))))
plain_seconds = float(end) - float(start)
plain_rate = plain_resources / plain_seconds
sealed_rate = sealed["resourcesPerSecond"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
out = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "commit": commit,
    "machine": {"cpu": cpu, "cores": os.cpu_count(), "memoryMiB": mem, "os": platform.platform()},
    "bundles": len(glob.glob(os.path.join(bundles, "*.json"))),
    "chunk": int(chunk),
    "sealed": {"resources": sealed["written"], "leftOut": sealed["skipped"], "seconds": sealed["seconds"], "resourcesPerSecond": sealed_rate},
    "plain": {"resources": plain_resources, "seconds": round(plain_seconds, 3), "resourcesPerSecond": round(plain_rate, 1)},
    "sealedCpuSeconds": cpu_split,
    "ratio": round(sealed_rate / plain_rate, 3),
    "target": 0.5,
}
out["metTarget"] = out["ratio"] >= out["target"]
json.dump(out, open(os.path.join(results, "cli-import.json"), "w"), indent=2)
md = f"""# Sealed import with the CLI against the plain transaction import

{out['date']}, commit `{commit}`, {cpu} ({os.cpu_count()} cores), {mem} MiB, {out['machine']['os']}.
Written by `benchmarks/import/run.sh` (overwritten each run).

Headline: the CLI's sealed import runs at {out['ratio']} of the plain transaction import ({sealed_rate} against {round(plain_rate, 1)} resources/s; target {out['target']}: {'met' if out['metTarget'] else 'not met'}).

| | resources | seconds | resources/s |
|---|---:|---:|---:|
| sealed: `sesphr import`, production configuration, chunks of {chunk} | {sealed['written']} | {sealed['seconds']} | {sealed_rate} |
| plain: each bundle POSTed as a transaction, plain configuration | {plain_resources} | {round(plain_seconds, 3)} | {round(plain_rate, 1)} |

Ratio sealed/plain: **{out['ratio']}** (target at least {out['target']}: {'met' if out['metTarget'] else 'not met'}).

Where the sealed import's CPU went (user+system seconds over the import, {os.cpu_count()} cores shared):

| the CLI (sign-in, parse, split, seal, sign) | FhirServer (verify, store) | SRS | PostgreSQL |
|---:|---:|---:|---:|
| {cpu_split['cli']} | {cpu_split['fhirServer']} | {cpu_split['srs']} | {cpu_split['postgres']} |

What limits each figure: the sealed figure is timed from the end of the CLI's sign-in (one
Argon2id run, outside the timing) to its last committed chunk: reading and parsing the
{out['bundles']} bundles, sealing every section with Umbral and a signature on this machine's cores,
which the servers and PostgreSQL share, and the FhirServer's checks of every envelope; it leaves
out the {sealed['skipped']} directory entries
(Practitioner, Organization: not the patient's to write) that the plain import writes. The plain
figure is the server alone, one bundle after the other from curl, with no client work at all; both
ran on a private PostgreSQL cluster with fsync on, against the same machine, one after the other.
{os.environ.get("IMPORT_NOTE", "")}
"""
open(os.path.join(results, "cli-import.md"), "w").write(md)
print(md)
PY
