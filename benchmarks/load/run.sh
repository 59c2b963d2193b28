#!/usr/bin/env bash
# Load run of the FhirServer on loopback, with PostgreSQL's own ceiling measured in the same run.
#
#   benchmarks/load/run.sh        → benchmarks/results/load-<date>.{md,csv,png}
#
# 1. Starts a private throwaway PostgreSQL cluster (scripts/pg.sh) with the production settings
#    of `./sesphr up` (fsync on: durability is part of what is measured), on a free loopback port.
# 2. Builds the FhirServer (Release) and the data generator from a snapshot of the working tree.
# 3. pgbench: single-row jsonb inserts of a ~1 KB Observation into a scratch table.
# 4. The FhirServer twice, one after the other, each on a fresh database: plain configuration
#    (Fhir__ProtectedSections=false), then protected (the default). For each, after a preload of
#    patients and Observations: read, search, create, transaction import and, protected only, the
#    create of sealed Observations (PUT to client ids), each with wrk at every connection count.
# 5. Writes the report (markdown, CSV, PNG) and stops everything it started, also on Ctrl-C.
#
# Everything goes to 127.0.0.1 only. Settings (environment):
#   LOAD_CONNECTIONS ("1 4 16 32 64")  LOAD_DURATION (10 s)  LOAD_WARMUP (3 s)  LOAD_THREADS (2)
#   LOAD_PATIENTS (2000)  LOAD_PER_PATIENT (20)  LOAD_SEALED (40000, size of the sealed pool)
#   LOAD_CONFIGS ("plain protected")  LOAD_BUDGET (1200 s: measurements past it are skipped)
#   LOAD_KEEP=1 keeps the work folder (logs, request files) instead of removing it.
#   LOAD_RESULTS (benchmarks/results) where the report goes.
#   LOAD_POOL_SIZE (16: the FhirServer's Maximum Pool Size, as `./sesphr up` sets it)
#   LOAD_GROWTH ("": the run above). "10000 100000 1000000": the growth run instead: for each
#   configuration one database filled step by step to that many stored Observations, and at each
#   step reads by id and searches by patient (over what is stored by then) and creates, at
#   LOAD_GROWTH_CONNECTIONS ("16"), with the database's size per stored resource
#   → growth.{md,csv,png} (SeSPHR.Benchmarks growth-report).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pg.sh
. "$repo/scripts/pg.sh"
# shellcheck source=../build.sh
. "$repo/benchmarks/build.sh"

CONNECTIONS=${LOAD_CONNECTIONS:-"1 4 16 32 64"}
DURATION=${LOAD_DURATION:-10}
WARMUP=${LOAD_WARMUP:-3}
THREADS=${LOAD_THREADS:-2}
PATIENTS=${LOAD_PATIENTS:-2000}
PER_PATIENT=${LOAD_PER_PATIENT:-20}
GROWTH=${LOAD_GROWTH:-}
GROWTH_CONNECTIONS=${LOAD_GROWTH_CONNECTIONS:-16}
SEALED=${LOAD_SEALED:-40000}
CONFIGS=${LOAD_CONFIGS:-"plain protected"}
BUDGET=${LOAD_BUDGET:-1200}
POOL_SIZE=${LOAD_POOL_SIZE:-16}
HOST=127.0.0.1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'load: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

started=$(date +%s)
stamp=$(date -u +%Y-%m-%d)
results=${LOAD_RESULTS:-"$repo/benchmarks/results"}
if [ "$(id -u)" -eq 0 ]; then
  work=$(mktemp -d /tmp/sesphr-load.XXXXXX)
  chmod 755 "$work"
else
  mkdir -p "$repo/.cache"
  work=$(mktemp -d "$repo/.cache/load.XXXXXX")
fi
# Where the binaries under test are: a snapshot of the tree, or the checkout itself (BENCH_IN_PLACE=1).
tree="$work/tree"
[ "${BENCH_IN_PLACE:-0}" != 1 ] || tree=$repo
csv="$work/results.csv"

# --- stopping everything, whatever happens --------------------------------------------------------
server_pid=""
load_pid=""
CLEANED=0
cleanup() {
  [ "$CLEANED" -eq 0 ] || return 0
  CLEANED=1
  trap '' INT TERM
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then
    # The generator is the wrapper shell's child: stop it by its parent's pid, then the wrapper.
    pkill -TERM -P "$load_pid" 2>/dev/null || true
    kill -TERM "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
  fi
  stop_server
  if [ -n "${PGBIN:-}" ]; then pg_stop "$work/pg/data"; fi
  if [ "${LOAD_KEEP:-0}" = 1 ]; then
    say "work folder kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

over_budget() { [ $(( $(date +%s) - started )) -ge "$BUDGET" ]; }

# --- tools --------------------------------------------------------------------------------------
install_missing() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  /usr/bin/python3 -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (apt-get install ${missing[*]})"
  say "installing ${missing[*]} (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# --- build: a snapshot of the working tree, so that builds by others in the checkout cannot
# overwrite the binaries under test; retried while someone's in-progress change breaks it ------
build() {
  local attempt
  if [ "${BENCH_IN_PLACE:-0}" = 1 ]; then
    in_place_build "$repo/src/FhirServer/SeSPHR.FhirServer.csproj" "$repo/benchmarks/load/LoadData/SeSPHR.LoadData.csproj"
    return
  fi
  for attempt in 1 2 3 4 5; do
    rm -rf "$work/tree" && mkdir -p "$work/tree/benchmarks/load"
    (cd "$repo" && tar -cf - --exclude=bin --exclude=obj src Directory.Build.props Directory.Packages.props global.json .editorconfig) | tar -xf - -C "$tree"
    (cd "$repo/benchmarks/load" && tar -cf - --exclude=bin --exclude=obj LoadData) | tar -xf - -C "$tree/benchmarks/load"
    if dotnet build "$tree/src/FhirServer/SeSPHR.FhirServer.csproj" -c Release -nologo -v q -clp:ErrorsOnly > "$work/build.log" 2>&1 \
      && dotnet build "$tree/benchmarks/load/LoadData/SeSPHR.LoadData.csproj" -c Release -nologo -v q -clp:ErrorsOnly >> "$work/build.log" 2>&1; then
      (cd "$repo" && git rev-parse --short HEAD && git status --porcelain -- src | wc -l) > "$work/tree.txt"
      return 0
    fi
    tail -20 "$work/build.log" >&2
    say "build failed (attempt $attempt of 5); the working tree may be mid-change, retrying in 60 s"
    sleep 60
  done
  die "the FhirServer does not build"
}
server_dir() { echo "$tree/src/FhirServer/bin/Release/net10.0"; }
loaddata() { dotnet "$tree/benchmarks/load/LoadData/bin/Release/net10.0/SeSPHR.LoadData.dll" "$@"; }

# --- CPU accounting: ticks of a process tree and of the whole machine ---------------------------
ticks_of_pid() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The postmaster's own ticks, those of the backends it has reaped, and those of the live ones.
postgres_ticks() {
  local postmaster
  postmaster=$(head -1 "$work/pg/data/postmaster.pid")
  # Processes come and go while cat reads: its complaint about a vanished one is not a failure.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$postmaster" '
    { pid = $1; sub(/^.*\) /, "") }
    pid == pm { t += $12 + $13 + $14 + $15 }
    $2 == pm { t += $12 + $13 }
    END { print t + 0 }'
}
machine_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat; }
CLK_TCK=$(getconf CLK_TCK)

# run_generator TICKS_FILE OUT_FILE COMMAND...: runs a load generator (wrk, pgbench) in its own
# shell, in the background so that an interrupt can stop it, and writes the CPU ticks it used
# (that shell's cutime + cstime once the generator has been waited for) to TICKS_FILE.
run_generator() {
  local ticks=$1 out=$2 rc=0
  shift 2
  bash -c 'ticks=$1 out=$2; shift 2; "$@" > "$out" 2>&1; rc=$?
    read -r stat < /proc/$$/stat; stat=${stat##*) }; set -- $stat; echo $(( ${14} + ${15} )) > "$ticks"; exit $rc' \
    _ "$ticks" "$out" "$@" &
  load_pid=$!
  wait "$load_pid" || rc=$?
  load_pid=""
  return $rc
}

# --- PostgreSQL ---------------------------------------------------------------------------------
start_postgres() {
  pg_install_if_missing
  pg_port=$(pg_free_port)
  # The settings of ./sesphr up: nothing beyond pg.sh's loopback-only defaults.
  pg_init "$work/pg/data" "$work/pg/sock"
  pg_start "$work/pg/data" "$work/pg/sock" "$pg_port" "$work/postgresql.log"
  password=$(pg_random_password)
  local config
  for config in $CONFIGS; do
    pg_psql "$work/pg/sock" "$pg_port" \
      -v fhir_role=sesphr_fhir -v fhir_db="sesphr_fhir_$config" -v fhir_password="$password" \
      -v srs_role=sesphr_srs -v srs_db=sesphr_srs -v srs_password="$(pg_random_password)" \
      < "$repo/scripts/provision.sql"
  done
  pg_psql "$work/pg/sock" "$pg_port" <<SQL
CREATE ROLE sesphr_bench LOGIN PASSWORD '$password';
CREATE DATABASE sesphr_bench OWNER sesphr_bench;
SQL
  export PGPASSWORD=$password
  "$PGBIN/psql" -X -q -h "$HOST" -p "$pg_port" -U sesphr_bench -d sesphr_bench -v ON_ERROR_STOP=1 \
    -c 'CREATE TABLE scratch (id bigserial PRIMARY KEY, doc jsonb NOT NULL)'
  say "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on $HOST:$pg_port (fsync $(pg_psql "$work/pg/sock" "$pg_port" -tAc 'show fsync'), synchronous_commit $(pg_psql "$work/pg/sock" "$pg_port" -tAc 'show synchronous_commit'))"
}

csv_row() { echo "$*" >> "$csv"; }

# measure_pgbench CONNECTIONS: single-row jsonb inserts, as many clients as the server gets connections.
measure_pgbench() {
  local c=$1 jobs=$THREADS phase cpu
  [ "$c" -lt "$jobs" ] && jobs=$c
  local dir="$work/pgbench/c$c"
  mkdir -p "$dir"
  for phase in warmup measure; do
    local seconds=$WARMUP
    [ "$phase" = measure ] && seconds=$DURATION
    local log_args=()
    [ "$phase" = measure ] && log_args=(-l "--log-prefix=$dir/tx")
    local pg_before m_before_busy m_before_total
    pg_before=$(postgres_ticks)
    read -r m_before_busy m_before_total < <(machine_ticks)
    run_generator "$dir/$phase.ticks" "$dir/$phase.out" "$PGBIN/pgbench" -h "$HOST" -p "$pg_port" -U sesphr_bench -n -M prepared \
      -f "$work/insert.sql" -c "$c" -j "$jobs" -T "$seconds" "${log_args[@]}" sesphr_bench \
      || { cat "$dir/$phase.out" >&2; die "pgbench failed"; }
    cpu=$(cat "$dir/$phase.ticks")
    if [ "$phase" = measure ]; then
      local pg_after m_after_busy m_after_total tps count
      pg_after=$(postgres_ticks)
      read -r m_after_busy m_after_total < <(machine_ticks)
      tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$dir/measure.out" | head -1)
      count=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$dir/measure.out")
      # pgbench -l: the third field is the transaction's latency in microseconds.
      local percentiles
      percentiles=$(cat "$dir"/tx* | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END {
        i50 = int(NR * 0.50); i90 = int(NR * 0.90); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1; if (i90 < 1) i90 = 1; if (i99 < 1) i99 = 1;
        printf "%.3f,%.3f,%.3f,%.3f", v[i50] / 1000, v[i90] / 1000, v[i99] / 1000, v[NR] / 1000 }')
      rm -f "$dir"/tx*
      csv_row "postgres,pgbench-insert,$c,$count,$seconds,$tps,$tps,$percentiles,0,0,,$(cpu_pct $((pg_after - pg_before)) "$seconds"),$(cpu_pct "$cpu" "$seconds"),$(busy_pct $((m_after_busy - m_before_busy)) $((m_after_total - m_before_total)))"
      say "pgbench insert  c=$c: $tps tx/s"
    fi
  done
}

cpu_pct() { awk -v t="$1" -v s="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", 100 * t / hz / s }'; }
busy_pct() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? 200 * b / t : 0) }'; }

# --- FhirServer -----------------------------------------------------------------------------------
start_server() {
  local config=$1 protected=true
  [ "$config" = plain ] && protected=false
  fhir_port=$(pg_free_port)
  base="http://$HOST:$fhir_port"
  (cd "$(server_dir)" && exec env \
    ConnectionStrings__Fhir="Host=$HOST;Port=$pg_port;Database=sesphr_fhir_$config;Username=sesphr_fhir;Password=$password;Maximum Pool Size=$POOL_SIZE" \
    Fhir__ProtectedSections=$protected \
    Fhir__Auth__Required=false \
    Fhir__Access__ConsentCheck=false \
    Logging__LogLevel__Default=Warning \
    ASPNETCORE_ENVIRONMENT=Production \
    dotnet SeSPHR.FhirServer.dll --urls "$base") > "$work/fhir-$config.log" 2>&1 &
  server_pid=$!
  local i
  for i in $(seq 1 240); do
    if curl -fsS --max-time 2 -o /dev/null "$base/healthz" 2>/dev/null; then
      say "FhirServer ($config) on $base, pid $server_pid"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || { tail -30 "$work/fhir-$config.log" >&2; die "the FhirServer exited during start-up"; }
    sleep 0.5
  done
  die "the FhirServer did not become healthy"
}

# probe FILE: sends the first request of a request file once and insists on a 2xx answer, so that
# a refused request never passes for a fast one.
probe() {
  local file=$1 method path body status
  IFS=$'\t' read -r method path body < "$file"
  if [ -n "$body" ]; then
    printf '%s' "$body" > "$work/probe-body.json"
    status=$(curl -sS --max-time 60 -o "$work/probe-answer.json" -w '%{http_code}' -X "$method" -H 'Content-Type: application/fhir+json' \
      --data-binary @"$work/probe-body.json" "$base$path")
  else
    status=$(curl -sS --max-time 60 -o "$work/probe-answer.json" -w '%{http_code}' -X "$method" "$base$path")
  fi
  case "$status" in
    2??) ;;
    *) head -c 2000 "$work/probe-answer.json" >&2; echo >&2; die "probe of $(basename "$file") answered $status" ;;
  esac
}

preload() {
  local config=$1 data=$2 t0 t1 codes
  t0=$(date +%s.%N)
  codes=$(find "$data/preload" -name '*.json' | sort | xargs -P 2 -I{} curl -sS --max-time 120 -o /dev/null -w '%{http_code}\n' \
    -X POST -H 'Content-Type: application/fhir+json' -H 'Prefer: return=minimal' --data-binary @{} "$base/fhir" | sort | uniq -c)
  t1=$(date +%s.%N)
  echo "$codes" | grep -qv ' 200$' && { echo "$codes" >&2; die "preload failed ($config)"; }
  local resources=$(( PATIENTS * (PER_PATIENT + 1) ))
  awk -v c="$config" -v n="$resources" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%s,%d,%.1f,%.0f\n", c, n, t1 - t0, n / (t1 - t0) }' >> "$work/preload.csv"
  say "preloaded $resources resources ($config) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
  # What autovacuum would do within a minute or so of a bulk load: without statistics the planner
  # takes the search tables for empty and walks a whole token index for every candidate row.
  pg_psql "$work/pg/sock" "$pg_port" -d "sesphr_fhir_$config" -c 'VACUUM ANALYZE'
}

# measure CONFIG OPERATION FILE RESOURCES_PER_REQUEST: wrk at every connection count, each a
# warm-up then a measured run. The offset into the file goes on from run to run.
measure() {
  local config=$1 op=$2 file=$3 per_request=$4 c offset=0 phase
  probe "$file"
  for c in $CONNECTIONS; do
    if over_budget; then
      say "over the time budget ($BUDGET s): $config $op c=$c skipped"
      continue
    fi
    local threads=$THREADS
    [ "$c" -lt "$threads" ] && threads=$c
    for phase in warmup measure; do
      local seconds=$WARMUP
      [ "$phase" = measure ] && seconds=$DURATION
      local out="$work/wrk/$config-$op-c$c-$phase.out"
      mkdir -p "$work/wrk"
      local s_before pg_before m_before_busy m_before_total cpu
      s_before=$(ticks_of_pid "$server_pid")
      pg_before=$(postgres_ticks)
      read -r m_before_busy m_before_total < <(machine_ticks)
      run_generator "$out.ticks" "$out" wrk -t "$threads" -c "$c" -d "${seconds}s" --timeout 30s --latency \
        -s "$here/requests.lua" "$base" -- "$file" "$offset" "$threads" || { cat "$out" >&2; die "wrk failed"; }
      cpu=$(cat "$out.ticks")
      local s_after pg_after m_after_busy m_after_total
      s_after=$(ticks_of_pid "$server_pid")
      pg_after=$(postgres_ticks)
      read -r m_after_busy m_after_total < <(machine_ticks)
      kill -0 "$server_pid" 2>/dev/null || { tail -30 "$work/fhir-$config.log" >&2; die "the FhirServer died during $op"; }
      local result
      result=$(grep '^RESULT ' "$out") || { cat "$out" >&2; die "no result from wrk"; }
      local requests
      requests=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<< "$result")
      offset=$(( offset + requests + c ))
      [ "$phase" = measure ] || continue
      local row
      row=$(awk -v r="$result" -v per="$per_request" 'BEGIN {
        n = split(r, kv, " "); for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
        s = v["duration_us"] / 1e6; rps = v["requests"] / s;
        printf "%d,%.2f,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%d,%d",
          v["requests"], s, rps, rps * per, v["p50_us"] / 1000, v["p90_us"] / 1000, v["p99_us"] / 1000, v["max_us"] / 1000,
          v["non2xx"], v["connect"] + v["read"] + v["write"] + v["timeout"] }')
      csv_row "$config,$op,$c,$row,$(cpu_pct $((s_after - s_before)) "$seconds"),$(cpu_pct $((pg_after - pg_before)) "$seconds"),$(cpu_pct "$cpu" "$seconds"),$(busy_pct $((m_after_busy - m_before_busy)) $((m_after_total - m_before_total)))"
      say "$config $op c=$c: $(cut -d, -f3 <<< "$row") req/s, p99 $(cut -d, -f7 <<< "$row") ms, non-2xx $(cut -d, -f9 <<< "$row")"
    done
  done
  if [ "$op" = create-sealed ]; then
    echo "$config,$op,$offset,$(wc -l < "$file")" >> "$work/pools.csv"
  fi
}

# preload_files CONFIG DATA FROM TO: the preload bundles FROM (inclusive) to TO (exclusive), in order.
preload_files() {
  local config=$1 data=$2 from=$3 to=$4 codes
  [ "$to" -gt "$from" ] || return 0
  codes=$(find "$data/preload" -name '*.json' | sort | sed -n "$((from + 1)),${to}p" \
    | xargs -P 2 -I{} curl -sS --max-time 120 -o /dev/null -w '%{http_code}\n' \
      -X POST -H 'Content-Type: application/fhir+json' -H 'Prefer: return=minimal' --data-binary @{} "$base/fhir" | sort | uniq -c)
  echo "$codes" | grep -qv ' 200$' && { echo "$codes" >&2; die "preload failed ($config)"; }
  pg_psql "$work/pg/sock" "$pg_port" -d "sesphr_fhir_$config" -c 'VACUUM ANALYZE' >/dev/null
}

# The growth run (LOAD_GROWTH): one database per configuration, filled step by step.
growth_run() {
  local largest config data step stored files loaded bytes resources
  largest=$(tr ' ' '\n' <<< "$GROWTH" | sort -n | tail -1)
  CONNECTIONS=$GROWTH_CONNECTIONS
  echo "config,step,stored_observations,database_bytes,resources" > "$work/sizes.csv"
  for config in $CONFIGS; do
    data="$work/data/$config"
    say "generating requests ($config, up to $largest Observations)"
    loaddata "$data" "$config" --patients $(( (largest + PER_PATIENT - 1) / PER_PATIENT )) --per-patient "$PER_PATIENT" \
      --steps "$(tr ' ' ',' <<< "$GROWTH")" $([ "$config" = protected ] && echo --preload-sealed) >&2
    start_server "$config"
    loaded=0
    # The empty database's own size: each step's bytes per resource are counted from the step before.
    echo "$config,0,0,$(pg_psql "$work/pg/sock" "$pg_port" -d "sesphr_fhir_$config" -tAc "select pg_database_size(current_database())"),0" >> "$work/sizes.csv"
    while read -r stored files; do
      step=$stored
      say "growth ($config): filling to $stored Observations"
      preload_files "$config" "$data" "$loaded" "$files"
      loaded=$files
      resources=$(( stored + stored / PER_PATIENT ))
      bytes=$(pg_psql "$work/pg/sock" "$pg_port" -d "sesphr_fhir_$config" -tAc "select pg_database_size(current_database())")
      echo "$config,$step,$stored,$bytes,$resources" >> "$work/sizes.csv"
      measure "$config" "read:$stored" "$data/read-$(step_name "$data" "$stored").txt" 1
      measure "$config" "search:$stored" "$data/search-$(step_name "$data" "$stored").txt" 1
      measure "$config" "create:$stored" "$data/create.txt" 1
    done < "$data/steps.txt"
    stop_server
  done
}

# step_name DATA STORED: the step as asked (the file names use it), from the order of steps.txt.
step_name() {
  local data=$1 stored=$2 i=0 line
  while read -r line; do
    i=$((i + 1))
    [ "${line%% *}" = "$stored" ] && { tr ' ' '\n' <<< "$GROWTH" | sort -n | sed -n "${i}p"; return; }
  done < "$data/steps.txt"
}

# --- the run ------------------------------------------------------------------------------------
install_missing
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
read -r busy_start total_start < <(machine_ticks)
say "work folder $work"
start_postgres
say "building (Release, snapshot of the working tree)"
build

echo "config,operation,connections,requests,seconds,requests_per_s,resources_per_s,p50_ms,p90_ms,p99_ms,max_ms,non2xx,socket_errors,server_cpu_pct,postgres_cpu_pct,generator_cpu_pct,machine_busy_pct" > "$csv"
echo "config,resources,seconds,resources_per_s" > "$work/preload.csv"
echo "config,operation,requests_sent,pool" > "$work/pools.csv"

if [ -n "$GROWTH" ]; then
  growth_run
  mkdir -p "$results"
  cp "$csv" "$results/growth.csv"
  dotnet build "$repo/benchmarks/SeSPHR.Benchmarks.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
  (cd "$repo" && dotnet benchmarks/bin/Release/net10.0/SeSPHR.Benchmarks.dll growth-report "$csv" "$work/sizes.csv" "${LOAD_MODE:-default}" --out "$results") \
    || die "the growth report failed"
  say "wrote $results/growth.md in $(( $(date +%s) - started )) s"
  exit 0
fi

for config in $CONFIGS; do
  data="$work/data/$config"
  extra=()
  [ "$config" = protected ] && extra=(--sealed "$SEALED")
  say "generating requests ($config)"
  loaddata "$data" "$config" --patients "$PATIENTS" --per-patient "$PER_PATIENT" "${extra[@]}" >&2
done

# PostgreSQL's ceiling: the same ~1 KB Observation the plain configuration creates, one row a transaction.
payload=$(sed "s/'/''/g" "$work/data/plain/payload.json" 2>/dev/null || sed "s/'/''/g" "$work/data/protected/payload.json")
printf "INSERT INTO scratch (doc) VALUES ('%s'::jsonb);\n" "$payload" > "$work/insert.sql"
for c in $CONNECTIONS; do measure_pgbench "$c"; done

for config in $CONFIGS; do
  data="$work/data/$config"
  start_server "$config"
  preload "$config" "$data"
  # Reads and searches first, on the preloaded data alone (8 heart rates per patient), then writes.
  measure "$config" read "$data/read.txt" 1
  measure "$config" search "$data/search.txt" 1
  measure "$config" create "$data/create.txt" 1
  measure "$config" import "$data/import.txt" 100
  if [ "$config" = protected ]; then
    measure "$config" create-sealed "$data/sealed.txt" 1
  fi
  stop_server
done

read -r busy_end total_end < <(machine_ticks)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
pg_version=$("$PGBIN/postgres" --version)
dotnet_runtime=$(dotnet --list-runtimes | awk '/^Microsoft.NETCore.App/ { v = $2 } END { print "Microsoft.NETCore.App " v }')
/usr/bin/python3 - "$work/machine.json" <<PY
import json, sys
json.dump({
  "date": "$stamp",
  "started_utc": "$(date -u -d "@$started" '+%Y-%m-%d %H:%M:%S')",
  "wall_seconds": $(( $(date +%s) - started )),
  "cpu": """$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)""",
  "cores": $(nproc),
  "memory": "$(free -h | awk '/^Mem:/ {print $2}')",
  "kernel": "$(uname -r)",
  "dotnet": "$dotnet_runtime",
  "postgres": "$pg_version",
  "wrk": "$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')",
  "load_before": "$load_before",
  "load_after": "$load_after",
  "machine_busy_pct": round(200 * ($busy_end - $busy_start) / max(1, $total_end - $total_start)),
  "connections": "$CONNECTIONS", "duration": $DURATION, "warmup": $WARMUP, "threads": $THREADS,
  "patients": $PATIENTS, "per_patient": $PER_PATIENT, "sealed_pool": $SEALED,
  "tree": """$(tr '\n' ' ' < "$work/tree.txt")""",
}, open(sys.argv[1], "w"), indent=1)
PY

mkdir -p "$results"
cp "$csv" "$results/load.csv"
/usr/bin/python3 "$here/report.py" "$work" "$results/load"
say "wrote $results/load.md, .csv and .png in $(( $(date +%s) - started )) s"
