#!/usr/bin/env bash
# A/B load run of the FhirServer's write path: two builds (a git revision "before" and the working
# tree "after"), measured alternately in ONE run on one throwaway PostgreSQL cluster, so that the
# shared machine's noise falls on both alike. Reports each measurement and the after/before ratios.
#
#   benchmarks/load/ab.sh            → $AB_OUT.csv (and the per-round lines on stderr)
#
# Each round, for each configuration and each version (order alternating from round to round):
# a fresh database, the server started, a small preload (so that tables and indexes are not empty),
# then wrk: create (POST Observation) at AB_CREATE_CONN connections, transaction import (Bundles of
# 100) at AB_IMPORT_CONN, and in the protected configuration the sealed create (PUT with a signed
# envelope). pgbench's single-row jsonb insert at AB_CREATE_CONN connections opens every round.
#
# Settings: AB_BEFORE (git revision, default the merge base of HEAD and main)  AB_ROUNDS (3)  AB_DURATION (10 s)  AB_WARMUP (3 s)
#   AB_CONFIGS ("plain protected")  AB_CREATE_CONN (32)  AB_IMPORT_CONN (4)  AB_PATIENTS (300)
#   AB_SEALED (30000)  AB_OUT (benchmarks/results/ab-<date>)  AB_KEEP=1 keeps the work folder.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pg.sh
. "$repo/scripts/pg.sh"

BEFORE=${AB_BEFORE:-$(cd "$repo" && git merge-base HEAD main)}
ROUNDS=${AB_ROUNDS:-3}
DURATION=${AB_DURATION:-10}
WARMUP=${AB_WARMUP:-3}
CONFIGS=${AB_CONFIGS:-"plain protected"}
CREATE_CONN=${AB_CREATE_CONN:-32}
IMPORT_CONN=${AB_IMPORT_CONN:-4}
PATIENTS=${AB_PATIENTS:-300}
SEALED=${AB_SEALED:-30000}
OUT=${AB_OUT:-"$repo/benchmarks/results/ab-history"}
HOST=127.0.0.1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'ab: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  # The cluster then runs as the postgres user, who must be able to walk to its folder.
  work=$(mktemp -d /tmp/sesphr-ab.XXXXXX)
  chmod 755 "$work"
else
  mkdir -p "$repo/.cache"
  work=$(mktemp -d "$repo/.cache/ab.XXXXXX")
fi
server_pid=""
cleanup() {
  trap '' INT TERM
  stop_server
  if [ -n "${PGBIN:-}" ]; then pg_stop "$work/pg/data"; fi
  if [ "${AB_KEEP:-0}" = 1 ]; then say "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# build NAME: the snapshot in $work/NAME/tree (before: git archive of $BEFORE; after: the working tree).
build() {
  local name=$1 tree="$work/$1"
  mkdir -p "$tree"
  if [ "$name" = before ]; then
    (cd "$repo" && git archive "$BEFORE" src Directory.Build.props Directory.Packages.props global.json .editorconfig benchmarks/load/LoadData) | tar -xf - -C "$tree"
  else
    mkdir -p "$tree/benchmarks/load"
    (cd "$repo" && tar -cf - --exclude=bin --exclude=obj src Directory.Build.props Directory.Packages.props global.json .editorconfig benchmarks/load/LoadData) | tar -xf - -C "$tree"
  fi
  dotnet build "$tree/src/FhirServer/SeSPHR.FhirServer.csproj" -c Release -nologo -v q -clp:ErrorsOnly > "$work/build-$name.log" 2>&1 \
    || { tail -20 "$work/build-$name.log" >&2; die "$name does not build"; }
}

ticks_of_pid() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
postgres_ticks() {
  local postmaster
  postmaster=$(head -1 "$work/pg/data/postmaster.pid")
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$postmaster" '
    { pid = $1; sub(/^.*\) /, "") }
    pid == pm { t += $12 + $13 + $14 + $15 }
    $2 == pm { t += $12 + $13 }
    END { print t + 0 }'
}
CLK_TCK=$(getconf CLK_TCK)
cpu_ms_per() { awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * t / hz / n : 0) }'; }

fresh_database() {
  local db=$1
  pg_psql "$work/pg/sock" "$pg_port" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  pg_psql "$work/pg/sock" "$pg_port" -c "CREATE DATABASE $db OWNER sesphr_fhir"
}

start_server() {
  local version=$1 config=$2 db=$3 protected=true attempt
  [ "$config" = plain ] && protected=false
  # A free port can be taken by another process before the server binds it (the machine is shared):
  # then another port is tried.
  for attempt in 1 2 3 4 5; do
    fhir_port=$(pg_free_port)
    base="http://$HOST:$fhir_port"
    (cd "$work/$version/src/FhirServer/bin/Release/net10.0" && exec env \
      ConnectionStrings__Fhir="Host=$HOST;Port=$pg_port;Database=$db;Username=sesphr_fhir;Password=$password" \
      Fhir__ProtectedSections=$protected Fhir__Auth__Required=false Fhir__Access__ConsentCheck=false Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
      dotnet SeSPHR.FhirServer.dll --urls "$base") > "$work/fhir-$version-$config.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 240); do
      curl -fsS --max-time 2 -o /dev/null "$base/healthz" 2>/dev/null && return 0
      if ! kill -0 "$server_pid" 2>/dev/null; then
        grep -q 'address already in use' "$work/fhir-$version-$config.log" && { say "port $fhir_port taken (attempt $attempt); another"; continue 2; }
        tail -30 "$work/fhir-$version-$config.log" >&2; die "server exited"
      fi
      sleep 0.5
    done
    die "server not healthy"
  done
  die "no free port after 5 attempts"
}

# wrk_run ROUND VERSION CONFIG OP FILE CONN PER_REQUEST OFFSET → appends a CSV row, prints requests sent
wrk_run() {
  local round=$1 version=$2 config=$3 op=$4 file=$5 c=$6 per=$7 offset=$8 threads=2 out
  [ "$c" -lt 2 ] && threads=1
  out="$work/wrk-$round-$version-$config-$op"
  wrk -t "$threads" -c "$c" -d "${WARMUP}s" --timeout 30s -s "$here/requests.lua" "$base" -- "$file" "$offset" "$threads" > "$out.warm" 2>&1
  offset=$(( offset + $(sed -n 's/.* requests=\([0-9]*\).*/\1/p' "$out.warm") + c ))
  local s0 p0 s1 p1
  s0=$(ticks_of_pid "$server_pid"); p0=$(postgres_ticks)
  wrk -t "$threads" -c "$c" -d "${DURATION}s" --timeout 30s --latency -s "$here/requests.lua" "$base" -- "$file" "$offset" "$threads" > "$out" 2>&1
  s1=$(ticks_of_pid "$server_pid"); p1=$(postgres_ticks)
  local result requests
  result=$(grep '^RESULT ' "$out") || { cat "$out" >&2; die "no wrk result"; }
  requests=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<< "$result")
  local row
  row=$(awk -v r="$result" -v per="$per" 'BEGIN {
    n = split(r, kv, " "); for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
    s = v["duration_us"] / 1e6; rps = v["requests"] / s;
    printf "%.1f,%.1f,%.2f,%.2f,%d", rps, rps * per, v["p50_us"] / 1000, v["p99_us"] / 1000, v["status"] + v["non2xx"] + v["connect"] + v["read"] + v["write"] + v["timeout"] }')
  local resources=$(( requests * per ))
  echo "$round,$version,$config,$op,$c,$row,$(cpu_ms_per $((s1 - s0)) $resources),$(cpu_ms_per $((p1 - p0)) $resources),$(cut -d' ' -f1 /proc/loadavg)" >> "$csv"
  say "round $round $version $config $op c=$c: $(cut -d, -f1,2 <<< "$row") (req/s, resources/s), p99 $(cut -d, -f4 <<< "$row") ms, errors $(cut -d, -f5 <<< "$row")"
  echo $(( offset + requests + c ))
}

# --- the run ------------------------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "work folder $work; building $BEFORE (before) and the working tree (after)"
build before
build after
dotnet build "$work/after/benchmarks/load/LoadData/SeSPHR.LoadData.csproj" -c Release -nologo -v q -clp:ErrorsOnly >> "$work/build-after.log" 2>&1 || die "LoadData does not build"
for config in $CONFIGS; do
  extra=()
  [ "$config" = protected ] && extra=(--sealed "$SEALED")
  dotnet "$work/after/benchmarks/load/LoadData/bin/Release/net10.0/SeSPHR.LoadData.dll" "$work/data/$config" "$config" --patients "$PATIENTS" --per-patient 20 "${extra[@]}" >&2
done

pg_install_if_missing
pg_port=$(pg_free_port)
pg_init "$work/pg/data" "$work/pg/sock"
pg_start "$work/pg/data" "$work/pg/sock" "$pg_port" "$work/postgresql.log"
password=$(pg_random_password)
pg_psql "$work/pg/sock" "$pg_port" -c "CREATE ROLE sesphr_fhir LOGIN PASSWORD '$password'"
pg_psql "$work/pg/sock" "$pg_port" -c "CREATE DATABASE sesphr_bench OWNER sesphr_fhir"
export PGPASSWORD=$password
"$PGBIN/psql" -X -q -h "$HOST" -p "$pg_port" -U sesphr_fhir -d sesphr_bench -c 'CREATE TABLE scratch (id bigserial PRIMARY KEY, doc jsonb NOT NULL)'
payload=$(sed "s/'/''/g" "$work/data/$(set -- $CONFIGS; echo "$1")/payload.json")
printf "INSERT INTO scratch (doc) VALUES ('%s'::jsonb);\n" "$payload" > "$work/insert.sql"

csv="$work/ab.csv"
echo "round,version,config,operation,connections,requests_per_s,resources_per_s,p50_ms,p99_ms,errors,server_cpu_ms_per_resource,postgres_cpu_ms_per_resource,load1" > "$csv"
declare -A sealed_offset=([before]=0 [after]=0)
for round in $(seq 1 "$ROUNDS"); do
  tps=$("$PGBIN/pgbench" -h "$HOST" -p "$pg_port" -U sesphr_fhir -n -M prepared -f "$work/insert.sql" -c "$CREATE_CONN" -j 2 -T "$DURATION" sesphr_bench 2>&1 | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -1)
  echo "$round,postgres,postgres,pgbench-insert,$CREATE_CONN,$tps,$tps,,,0,,,$(cut -d' ' -f1 /proc/loadavg)" >> "$csv"
  say "round $round pgbench insert c=$CREATE_CONN: $tps tx/s"
  order="before after"
  [ $((round % 2)) -eq 0 ] && order="after before"
  # Configuration outside, version inside: the two versions of a pair run back to back.
  for config in $CONFIGS; do
    for version in $order; do
      db="ab_${version}_${config}"
      fresh_database "$db"
      start_server "$version" "$config" "$db"
      find "$work/data/$config/preload" -name '*.json' | sort | xargs -P 2 -I{} curl -sS --max-time 120 -o /dev/null \
        -X POST -H 'Content-Type: application/fhir+json' -H 'Prefer: return=minimal' --data-binary @{} "$base/fhir"
      pg_psql "$work/pg/sock" "$pg_port" -d "$db" -c 'VACUUM ANALYZE' 2>/dev/null
      wrk_run "$round" "$version" "$config" create "$work/data/$config/create.txt" "$CREATE_CONN" 1 0 > /dev/null
      wrk_run "$round" "$version" "$config" import "$work/data/$config/import.txt" "$IMPORT_CONN" 100 0 > /dev/null
      if [ "$config" = protected ] && [ "$SEALED" -gt 0 ]; then
        # Sealed PUTs go to new ids: each version's database is fresh each round, so the pool restarts.
        wrk_run "$round" "$version" "$config" create-sealed "$work/data/$config/sealed.txt" "$CREATE_CONN" 1 0 > /dev/null
      fi
      stop_server
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$(dirname "$OUT")"
cp "$csv" "$OUT.csv"
/usr/bin/python3 - "$csv" "$load_before" "$load_after" "$BEFORE" <<'PY'
import csv, sys, statistics
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"load average before / after: {sys.argv[2]} / {sys.argv[3]}; before = {sys.argv[4]}")
keys = sorted({(r["config"], r["operation"]) for r in rows if r["version"] != "postgres"})
print("| configuration | operation | before resources/s (rounds) | after resources/s (rounds) | after/before (median of per-round ratios) | PostgreSQL ms/resource before → after | server ms/resource before → after |")
print("| --- | --- | --- | --- | ---: | --- | --- |")
for config, op in keys:
    def pick(v): return {r["round"]: r for r in rows if r["version"] == v and r["config"] == config and r["operation"] == op}
    b, a = pick("before"), pick("after")
    ratios = [float(a[k]["resources_per_s"]) / float(b[k]["resources_per_s"]) for k in b if k in a and float(b[k]["resources_per_s"]) > 0]
    med = lambda d, f: statistics.median(float(x[f]) for x in d.values())
    fmt = lambda d: ", ".join("{:,.0f}".format(float(x["resources_per_s"])) for x in d.values())
    print(f"| {config} | {op} | {fmt(b)} | {fmt(a)} | "
          f"{statistics.median(ratios):.2f} | {med(b, 'postgres_cpu_ms_per_resource'):.3f} → {med(a, 'postgres_cpu_ms_per_resource'):.3f} | {med(b, 'server_cpu_ms_per_resource'):.3f} → {med(a, 'server_cpu_ms_per_resource'):.3f} |")
pg = [float(r["resources_per_s"]) for r in rows if r["version"] == "postgres"]
print("\npgbench insert ceiling per round: " + ", ".join("{:,.0f}".format(x) for x in pg) + " /s")
PY
say "wrote $OUT.csv"
