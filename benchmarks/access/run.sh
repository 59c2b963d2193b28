#!/usr/bin/env bash
# Authorised reads with re-encryption against the same reads by the patient, the re-encryption read benchmark.
#
#   benchmarks/access/run.sh        → benchmarks/results/access-<date>.{md,csv,png}
#
# 1. Starts a private throwaway PostgreSQL cluster (scripts/pg.sh, fsync on) with the two databases
#    and roles of scripts/provision.sql, on a free loopback port.
# 2. Builds the SRS, the FhirServer and the seeder (Release) from a snapshot of the working tree and
#    starts both servers on free loopback ports, wired as tests/System's harness wires them (the
#    FhirServer validates the SRS's tokens and calls its /api/reencrypt with its service secret),
#    with the SRS's login, token and re-encryption limits raised for one loopback client.
# 3. Seeds through the public APIs (AccessData): first admin, a patient, an approved doctor, the
#    patient's sealed vitals Observations, the vitals grant.
# 4. At every connection count, side by side so the machine's noise hits both alike: the patient's
#    reads, the doctor's reads with a warm cfrag cache (a slice the doctor read once before: the
#    FhirServer replays the cfrags the SRS issued), the same warm reads through a second FhirServer
#    that replays nothing (every capsule to the SRS, which answers from its cache), the doctor's reads cold (ids the doctor never read, a fresh part of the pool each run), the
#    patient's reads again, and after each patient run the patient's reads of clear directory
#    Organizations of about the same size (never audited: the audit's cost side by side). Then the same for a search of 20 Observations a page (warm).
#    CPU of the SRS, the FhirServer and each database role's PostgreSQL backends from /proc.
# 5. Writes the report (markdown, CSV, PNG) and stops everything it started, also on Ctrl-C.
#
# Everything goes to 127.0.0.1 only. Settings (environment):
#   ACCESS_CONNECTIONS ("1 4 16 32 64")  ACCESS_DURATION (10 s)  ACCESS_WARMUP (3 s)  ACCESS_THREADS (2)
#   ACCESS_COUNT (20000 Observations)  ACCESS_WARM (1000, the warm slice)  ACCESS_SEARCH (1: also search)
#   ACCESS_SEARCH_CONNECTIONS ("1 16 64")
#   ACCESS_BUDGET (900 s: measurements past it are skipped)  ACCESS_KEEP=1 keeps the work folder.
#   ACCESS_HOLD=1 (profiling): after seeding and priming, waits with the servers up until the file
#   $work/hold (their URLs, pids and the PostgreSQL port and socket) is deleted.
#   ACCESS_RESULTS (benchmarks/results) where the report goes.
#   ACCESS_POOL_SIZE (16: Maximum Pool Size of each service, as `./sesphr up` sets it)
#   ACCESS_READS (1: the wrk reads; 0 skips them and the access report)
#   ACCESS_TURNAROUND_ROUNDS (0: none; N measures the paper's upload and download turnaround N times
#   per size after seeding → paper-turnaround.{md,json,png}, see AccessData/Turnaround.cs)
#   ACCESS_TURNAROUND_SIZES (50,100,200,500,800,1024,1500,2048 KiB)  ACCESS_MODE (default: the mode named in reports)
#   ACCESS_GRANTEES ("": none; "1 10 100": the doctor's search and cold reads as the patient's
#   grantees grow → grants-growth.{md,json,png}, see AccessData/GrantsGrowth.cs)  ACCESS_GRANTS_REQUESTS (400 per point)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pg.sh
. "$repo/scripts/pg.sh"
# shellcheck source=../../scripts/processes.sh
. "$repo/scripts/processes.sh"
# shellcheck source=../build.sh
. "$repo/benchmarks/build.sh"

CONNECTIONS=${ACCESS_CONNECTIONS:-"1 4 16 32 64"}
DURATION=${ACCESS_DURATION:-10}
WARMUP=${ACCESS_WARMUP:-3}
THREADS=${ACCESS_THREADS:-2}
COUNT=${ACCESS_COUNT:-20000}
WARM=${ACCESS_WARM:-1000}
SEARCH=${ACCESS_SEARCH:-1}
SEARCH_CONNECTIONS=${ACCESS_SEARCH_CONNECTIONS:-"1 16 64"}
BUDGET=${ACCESS_BUDGET:-900}
POOL_SIZE=${ACCESS_POOL_SIZE:-16}
HOST=127.0.0.1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'access: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

started=$(date +%s)
stamp=$(date -u +%Y-%m-%d)
results=${ACCESS_RESULTS:-"$repo/benchmarks/results"}
if [ "$(id -u)" -eq 0 ]; then
  work=$(mktemp -d /tmp/sesphr-access.XXXXXX)
  chmod 755 "$work"
else
  mkdir -p "$repo/.cache"
  work=$(mktemp -d "$repo/.cache/access.XXXXXX")
fi
# Where the binaries under test are: a snapshot of the tree, or the checkout itself (BENCH_IN_PLACE=1).
tree="$work/tree"
[ "${BENCH_IN_PLACE:-0}" != 1 ] || tree=$repo
csv="$work/results.csv"

# --- stopping everything, whatever happens --------------------------------------------------------
srs_pid=""
fhir_pid=""
fhir2_pid=""
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
  stop_process "$fhir_pid"
  stop_process "$fhir2_pid"
  stop_process "$srs_pid"
  if [ -n "${PGBIN:-}" ]; then pg_stop "$work/pg/data"; fi
  if [ "${ACCESS_KEEP:-0}" = 1 ]; then
    say "work folder kept: $work (it holds the benchmark users' passwords and tokens)"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

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
    in_place_build "$repo/src/Srs/SeSPHR.Srs.csproj" "$repo/src/FhirServer/SeSPHR.FhirServer.csproj" "$repo/benchmarks/access/AccessData/SeSPHR.AccessData.csproj"
    return
  fi
  for attempt in 1 2 3; do
    rm -rf "$work/tree" && mkdir -p "$work/tree/benchmarks/access"
    (cd "$repo" && tar -cf - --exclude=bin --exclude=obj src Directory.Build.props Directory.Packages.props global.json .editorconfig) | tar -xf - -C "$tree"
    (cd "$repo/benchmarks/access" && tar -cf - --exclude=bin --exclude=obj AccessData) | tar -xf - -C "$tree/benchmarks/access"
    if dotnet build "$tree/src/Srs/SeSPHR.Srs.csproj" -c Release -nologo -v q -clp:ErrorsOnly > "$work/build.log" 2>&1 \
      && dotnet build "$tree/src/FhirServer/SeSPHR.FhirServer.csproj" -c Release -nologo -v q -clp:ErrorsOnly >> "$work/build.log" 2>&1 \
      && dotnet build "$tree/benchmarks/access/AccessData/SeSPHR.AccessData.csproj" -c Release -nologo -v q -clp:ErrorsOnly >> "$work/build.log" 2>&1; then
      (cd "$repo" && git rev-parse --short HEAD && git status --porcelain -- src | wc -l) > "$work/tree.txt"
      return 0
    fi
    tail -20 "$work/build.log" >&2
    say "build failed (attempt $attempt of 3); the working tree may be mid-change, retrying in 60 s"
    sleep 60
  done
  die "the servers do not build"
}
accessdata() { dotnet "$tree/benchmarks/access/AccessData/bin/Release/net10.0/SeSPHR.AccessData.dll" "$@"; }

# --- CPU accounting -----------------------------------------------------------------------------
ticks_of_pid() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# "srs fhir other": CPU ticks of the live PostgreSQL backends of each service role (the servers'
# connection pools keep their backends), told apart by the role in the backend's process title.
postgres_role_ticks() {
  local postmaster pid title srs=0 fhir=0 other=0 t
  postmaster=$(head -1 "$work/pg/data/postmaster.pid")
  for pid in $(pgrep -P "$postmaster" 2>/dev/null); do
    t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || continue
    title=$( { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null) || continue
    case "$title" in
      "postgres: sesphr_srs "*) srs=$((srs + t)) ;;
      "postgres: sesphr_fhir "*) fhir=$((fhir + t)) ;;
      *) other=$((other + t)) ;;
    esac
  done
  echo "$srs $fhir $other"
}
machine_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat; }
CLK_TCK=$(getconf CLK_TCK)
cpu_pct() { awk -v t="$1" -v s="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", 100 * t / hz / s }'; }
busy_pct() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? 200 * b / t : 0) }'; }

# run_generator TICKS_FILE OUT_FILE COMMAND...: wrk in its own shell, in the background so that an
# interrupt can stop it; writes the CPU ticks it used to TICKS_FILE.
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
  pg_init "$work/pg/data" "$work/pg/sock"
  pg_start "$work/pg/data" "$work/pg/sock" "$pg_port" "$work/postgresql.log"
  fhir_password=$(pg_random_password)
  srs_password=$(pg_random_password)
  pg_psql "$work/pg/sock" "$pg_port" \
    -v fhir_role=sesphr_fhir -v fhir_db=sesphr_fhir -v fhir_password="$fhir_password" \
    -v srs_role=sesphr_srs -v srs_db=sesphr_srs -v srs_password="$srs_password" \
    < "$repo/scripts/provision.sql"
  say "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on $HOST:$pg_port (fsync $(pg_psql "$work/pg/sock" "$pg_port" -tAc 'show fsync'), synchronous_commit $(pg_psql "$work/pg/sock" "$pg_port" -tAc 'show synchronous_commit'))"
}

# --- the two servers, wired as tests/System/Infrastructure/SesphrSystem.cs wires them -----------
wait_healthy() {
  local name=$1 pid=$2 url=$3 log=$4 i
  for i in $(seq 1 240); do
    if curl -fsS --max-time 2 -o /dev/null "$url/healthz" 2>/dev/null; then
      say "$name on $url, pid $pid"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -30 "$log" >&2; die "$name exited during start-up"; }
    sleep 0.5
  done
  die "$name did not become healthy"
}

# start_fhirserver URL LOG [NAME=VALUE...]: a FhirServer in the background, wired to the SRS ($! is its pid).
start_fhirserver() {
  local url=$1 log=$2
  shift 2
  (cd "$tree/src/FhirServer/bin/Release/net10.0" && exec env \
    ConnectionStrings__Fhir="Host=$HOST;Port=$pg_port;Database=sesphr_fhir;Username=sesphr_fhir;Password=$fhir_password;Maximum Pool Size=$POOL_SIZE" \
    Fhir__Auth__RequireHttpsMetadata=false \
    Fhir__Auth__Authority="$srs_url" \
    Fhir__Srs__BaseUrl="$srs_url" \
    Fhir__Srs__ClientSecret="$service_secret" \
    Logging__LogLevel__Default=Warning \
    ASPNETCORE_ENVIRONMENT=Production \
    "$@" \
    dotnet SeSPHR.FhirServer.dll --urls "$url") > "$log" 2>&1 &
}

start_servers() {
  srs_port=$(pg_free_port)
  fhir_port=$(pg_free_port)
  while [ "$fhir_port" = "$srs_port" ]; do fhir_port=$(pg_free_port); done
  srs_url="http://$HOST:$srs_port"
  fhir_url="http://$HOST:$fhir_port"
  service_secret=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  # The SRS's key-encryption key: made once, so a restart on the same database opens its keys.
  kek=${kek:-$(head -c 32 /dev/urandom | base64 | tr -d '\n')}
  mkdir -p "$work/srs-data" && chmod 700 "$work/srs-data"
  # Limits raised for one loopback client: the SRS's own are for the internet. The cfrag cache holds
  # every resource of the run, so a warm read never misses for lack of room.
  (cd "$tree/src/Srs/bin/Release/net10.0" && exec env \
    ConnectionStrings__Srs="Host=$HOST;Port=$pg_port;Database=sesphr_srs;Username=sesphr_srs;Password=$srs_password;Maximum Pool Size=$POOL_SIZE" \
    Srs__FhirServiceSecret="$service_secret" \
    Srs__KeyEncryptionKey="$kek" \
    Srs__DataDirectory="$work/srs-data" \
    Srs__FhirBaseUrl="$fhir_url/fhir" \
    Srs__RateLimits__Login__PermitLimit=10000 \
    Srs__RateLimits__Authorize__PermitLimit=10000 \
    Srs__RateLimits__Caller__PermitLimit=1000000 \
    Srs__RateLimits__Registration__PermitLimit=10000 \
    Srs__RateLimits__Token__PermitLimit=10000 \
    Srs__ReencryptRequestsPerSecond=1000000 \
    Srs__CfragCacheEntries=$(( COUNT * 2 )) \
    Logging__LogLevel__Default=Warning \
    ASPNETCORE_ENVIRONMENT=Production \
    dotnet SeSPHR.Srs.dll --urls "$srs_url") > "$work/srs.log" 2>&1 &
  srs_pid=$!
  wait_healthy SRS "$srs_pid" "$srs_url" "$work/srs.log"
  start_fhirserver "$fhir_url" "$work/fhir.log"
  fhir_pid=$!
  wait_healthy FhirServer "$fhir_pid" "$fhir_url" "$work/fhir.log"
  # A second FhirServer on the same database and SRS that replays no cfrag (IssuedCfragEntries=0):
  # its warm reads ("srs-warm") ask the SRS every time, which answers from its own cfrag cache.
  # Idle except during those runs; the two measured side by side show what the replay saves.
  fhir2_port=$(pg_free_port)
  while [ "$fhir2_port" = "$srs_port" ] || [ "$fhir2_port" = "$fhir_port" ]; do fhir2_port=$(pg_free_port); done
  fhir2_url="http://$HOST:$fhir2_port"
  start_fhirserver "$fhir2_url" "$work/fhir2.log" Fhir__Srs__IssuedCfragEntries=0
  fhir2_pid=$!
  wait_healthy "FhirServer without replay" "$fhir2_pid" "$fhir2_url" "$work/fhir2.log"
}

token_of() { cat "$work/data/$1.token"; }
# A curl header file (0600) per user, so the token is on no command line.
header_of() {
  local file="$work/data/$1.header"
  ( umask 077; printf 'Authorization: Bearer %s\n' "$(token_of "$1")" > "$file" )
  echo "$file"
}

# New access tokens for both users (they live 15 minutes): signs in again through the real flows.
refresh_tokens() { accessdata tokens "$work/data" >> "$work/seed.log" 2>&1 || { tail -20 "$work/seed.log" >&2; die "sign-in failed"; }; }

# probe USER FILE: the first request of FILE once as USER; a refused request never passes for a fast one.
probe() {
  local user=$1 file=$2 method path body status
  IFS=$'\t' read -r method path body < "$file"
  status=$(curl -sS --max-time 60 -o "$work/probe-answer.json" -w '%{http_code}' -X "$method" \
    -H @"$(header_of "$user")" -H 'Accept: application/fhir+json' "$fhir_url$path")
  case "$status" in
    2??) ;;
    *) head -c 2000 "$work/probe-answer.json" >&2; echo >&2; die "probe of $(basename "$file") as $user answered $status" ;;
  esac
}

# prime FILE: the doctor reads every line of FILE once (four at a time), so the SRS caches their cfrags.
prime() {
  local file=$1 codes header
  header=$(header_of doctor)
  codes=$(cut -f2 "$file" | sed "s|^|$fhir_url|" | xargs -P 4 -n 1 curl -sS --max-time 60 -o /dev/null -w '%{http_code}\n' \
    -H @"$header" -H 'Accept: application/fhir+json' | sort | uniq -c)
  echo "$codes" | grep -qv ' 200$' && { echo "$codes" >&2; die "priming the warm slice failed"; }
  say "warm slice primed: $(wc -l < "$file") reads by the doctor"
}

csv_row() { echo "$*" >> "$csv"; }

# wrk_run OPERATION USER KIND FILE OFFSET CONNECTIONS SECONDS MEASURED → sets $requests
wrk_run() {
  local op=$1 user=$2 kind=$3 file=$4 offset=$5 c=$6 seconds=$7 measured=$8
  local threads=$THREADS
  [ "$c" -lt "$threads" ] && threads=$c
  local out="$work/wrk/$op-$kind-c$c-$(date +%s%N).out"
  mkdir -p "$work/wrk"
  local srs_before fhir_before pg_before m_before_busy m_before_total cpu
  # srs-warm runs go to the FhirServer that replays nothing; its CPU is what the columns show then.
  local target_url=$fhir_url target_pid=$fhir_pid
  [ "$kind" = srs-warm ] && { target_url=$fhir2_url; target_pid=$fhir2_pid; }
  srs_before=$(ticks_of_pid "$srs_pid")
  fhir_before=$(ticks_of_pid "$target_pid")
  pg_before=$(postgres_role_ticks)
  read -r m_before_busy m_before_total < <(machine_ticks)
  WRK_BEARER_TOKEN=$(token_of "$user") run_generator "$out.ticks" "$out" wrk -t "$threads" -c "$c" -d "${seconds}s" --timeout 30s --latency \
    -s "$repo/benchmarks/load/requests.lua" "$target_url" -- "$file" "$offset" "$threads" || { cat "$out" >&2; die "wrk failed"; }
  cpu=$(cat "$out.ticks")
  local srs_after fhir_after pg_after m_after_busy m_after_total
  srs_after=$(ticks_of_pid "$srs_pid")
  fhir_after=$(ticks_of_pid "$target_pid")
  pg_after=$(postgres_role_ticks)
  read -r m_after_busy m_after_total < <(machine_ticks)
  kill -0 "$srs_pid" 2>/dev/null || { tail -30 "$work/srs.log" >&2; die "the SRS died during $op $kind"; }
  kill -0 "$fhir_pid" 2>/dev/null || { tail -30 "$work/fhir.log" >&2; die "the FhirServer died during $op $kind"; }
  kill -0 "$fhir2_pid" 2>/dev/null || { tail -30 "$work/fhir2.log" >&2; die "the FhirServer without replay died during $op $kind"; }
  local result
  result=$(grep '^RESULT ' "$out") || { cat "$out" >&2; die "no result from wrk"; }
  requests=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<< "$result")
  [ "$measured" = 1 ] || return 0
  local pool wrapped=0
  pool=$(wc -l < "$file")
  # A cold run that went past the end of its pool re-read ids: part of it was warm.
  [ "$kind" = cold ] && [ $(( offset + requests + c )) -gt "$pool" ] && wrapped=1
  local row pg_srs pg_fhir
  read -r pg_srs_b pg_fhir_b _ <<< "$pg_before"
  read -r pg_srs_a pg_fhir_a _ <<< "$pg_after"
  row=$(awk -v r="$result" 'BEGIN {
    n = split(r, kv, " "); for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
    s = v["duration_us"] / 1e6; rps = v["requests"] / s;
    printf "%d,%.2f,%.1f,%.3f,%.3f,%.3f,%.3f,%d,%d",
      v["requests"], s, rps, v["p50_us"] / 1000, v["p90_us"] / 1000, v["p99_us"] / 1000, v["max_us"] / 1000,
      v["non2xx"], v["connect"] + v["read"] + v["write"] + v["timeout"] }')
  csv_row "$op,$user,$kind,$c,$row,$(cpu_pct $((fhir_after - fhir_before)) "$seconds"),$(cpu_pct $((srs_after - srs_before)) "$seconds"),$(cpu_pct $((pg_fhir_a - pg_fhir_b)) "$seconds"),$(cpu_pct $((pg_srs_a - pg_srs_b)) "$seconds"),$(cpu_pct "$cpu" "$seconds"),$(busy_pct $((m_after_busy - m_before_busy)) $((m_after_total - m_before_total))),$wrapped"
  say "$op $user $kind c=$c: $(cut -d, -f3 <<< "$row") req/s, p50 $(cut -d, -f4 <<< "$row") ms, p99 $(cut -d, -f6 <<< "$row") ms, non-2xx $(cut -d, -f8 <<< "$row"), CPU fhir $(cpu_pct $((fhir_after - fhir_before)) "$seconds")% srs $(cpu_pct $((srs_after - srs_before)) "$seconds")%$([ "$wrapped" = 1 ] && echo ', POOL WRAPPED')"
}

# --- the run ------------------------------------------------------------------------------------
install_missing
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
read -r busy_start total_start < <(machine_ticks)
say "work folder $work"
start_postgres
say "building (Release, snapshot of the working tree)"
build
start_servers

say "seeding $COUNT sealed Observations through the public APIs"
seed_start=$(date +%s)
accessdata seed "$work/data" "$srs_url" "$fhir_url/fhir" "$work/srs-data/enrolment-code" --count "$COUNT" --warm "$WARM" 2> >(tee "$work/seed.log" >&2) \
  || die "seeding failed"
seed_seconds=$(( $(date +%s) - seed_start ))
# What autovacuum would do soon after a bulk load; without statistics the planner guesses badly.
pg_psql "$work/pg/sock" "$pg_port" -d sesphr_fhir -c 'VACUUM ANALYZE'
pg_psql "$work/pg/sock" "$pg_port" -d sesphr_srs -c 'VACUUM ANALYZE'

data="$work/data"
echo "operation,user,kind,connections,requests,seconds,requests_per_s,p50_ms,p90_ms,p99_ms,max_ms,non2xx,socket_errors,fhir_cpu_pct,srs_cpu_pct,pg_fhir_cpu_pct,pg_srs_cpu_pct,wrk_cpu_pct,machine_busy_pct,cold_pool_wrapped" > "$csv"
probe patient "$data/read-patient.txt"
probe doctor "$data/read-warm.txt"
prime "$data/read-warm.txt"
if [ "${ACCESS_HOLD:-0}" = 1 ]; then
  # For profiling: the servers stay up, seeded and warm, until the hold file is deleted.
  printf 'fhir_url=%s\nfhir2_url=%s\nsrs_url=%s\nfhir_pid=%s\nfhir2_pid=%s\nsrs_pid=%s\npg_port=%s\npg_sock=%s\ndata=%s\ntree=%s\n' \
    "$fhir_url" "$fhir2_url" "$srs_url" "$fhir_pid" "$fhir2_pid" "$srs_pid" "$pg_port" "$work/pg/sock" "$data" "$tree" > "$work/hold"
  say "holding: servers up as described in $work/hold; delete it to go on"
  while [ -e "$work/hold" ]; do sleep 2; done
fi

if [ "${ACCESS_TURNAROUND_ROUNDS:-0}" -gt 0 ]; then
  say "turnaround: ${ACCESS_TURNAROUND_ROUNDS} rounds at ${ACCESS_TURNAROUND_SIZES:-every paper size} KiB"
  accessdata turnaround "$data" "$work/turnaround.json" --rounds "$ACCESS_TURNAROUND_ROUNDS" \
    ${ACCESS_TURNAROUND_SIZES:+--sizes "$ACCESS_TURNAROUND_SIZES"} 2> >(tee -a "$work/seed.log" >&2) || die "turnaround failed"
  dotnet build "$repo/benchmarks/SeSPHR.Benchmarks.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
  (cd "$repo" && dotnet benchmarks/bin/Release/net10.0/SeSPHR.Benchmarks.dll turnaround-report "$work/turnaround.json" "${ACCESS_MODE:-default}" --out "$results") \
    || die "the turnaround report failed"
fi
if [ -n "${ACCESS_GRANTEES:-}" ]; then
  say "grants: the doctor's search and cold reads at $ACCESS_GRANTEES grantees"
  accessdata grants-growth "$data" "$work/grants.json" --steps "$(tr ' ' ',' <<< "$ACCESS_GRANTEES")" \
    --requests "${ACCESS_GRANTS_REQUESTS:-400}" 2> >(tee -a "$work/seed.log" >&2) || die "grants growth failed"
  dotnet build "$repo/benchmarks/SeSPHR.Benchmarks.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
  (cd "$repo" && dotnet benchmarks/bin/Release/net10.0/SeSPHR.Benchmarks.dll grants-report "$work/grants.json" "${ACCESS_MODE:-default}" --out "$results") \
    || die "the grants report failed"
fi
if [ "${ACCESS_READS:-1}" = 0 ]; then
  say "reads skipped (ACCESS_READS=0)"
  exit 0
fi

patient_offset=0
warm_offset=0
cold_offset=0
for c in $CONNECTIONS; do
  if over_budget; then say "over the time budget ($BUDGET s): reads at c=$c skipped"; continue; fi
  refresh_tokens
  wrk_run read patient warmup "$data/read-patient.txt" "$patient_offset" "$c" "$WARMUP" 0; patient_offset=$(( patient_offset + requests + c ))
  wrk_run read doctor warmup "$data/read-warm.txt" "$warm_offset" "$c" "$WARMUP" 0; warm_offset=$(( warm_offset + requests + c ))
  wrk_run read doctor srs-warm "$data/read-warm.txt" "$warm_offset" "$c" "$WARMUP" 0; warm_offset=$(( warm_offset + requests + c ))
  wrk_run read patient own "$data/read-patient.txt" "$patient_offset" "$c" "$DURATION" 1; patient_offset=$(( patient_offset + requests + c ))
  wrk_run read patient directory "$data/read-directory.txt" 0 "$c" "$DURATION" 1
  wrk_run read doctor warm "$data/read-warm.txt" "$warm_offset" "$c" "$DURATION" 1; warm_offset=$(( warm_offset + requests + c ))
  wrk_run read doctor srs-warm "$data/read-warm.txt" "$warm_offset" "$c" "$DURATION" 1; warm_offset=$(( warm_offset + requests + c ))
  wrk_run read doctor cold "$data/read-cold.txt" "$cold_offset" "$c" "$DURATION" 1; cold_offset=$(( cold_offset + requests + c ))
  wrk_run read patient own "$data/read-patient.txt" "$patient_offset" "$c" "$DURATION" 1; patient_offset=$(( patient_offset + requests + c ))
  wrk_run read patient directory "$data/read-directory.txt" 0 "$c" "$DURATION" 1
done

if [ "$SEARCH" = 1 ]; then
  probe patient "$data/search.txt"
  probe doctor "$data/search.txt"   # this read fills the cache for the page: the doctor's search runs warm
  for c in $SEARCH_CONNECTIONS; do
    if over_budget; then say "over the time budget ($BUDGET s): searches at c=$c skipped"; continue; fi
    refresh_tokens
    wrk_run search patient warmup "$data/search.txt" 0 "$c" "$WARMUP" 0
    wrk_run search patient own "$data/search.txt" 0 "$c" "$DURATION" 1
    wrk_run search doctor warm "$data/search.txt" 0 "$c" "$DURATION" 1
    wrk_run search patient own "$data/search.txt" 0 "$c" "$DURATION" 1
  done
fi

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
  "seed_seconds": $seed_seconds,
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
  "count": $COUNT, "warm_slice": $WARM, "cold_pool": $(wc -l < "$data/read-cold.txt"), "cold_used": $cold_offset,
  "tree": """$(tr '\n' ' ' < "$work/tree.txt")""",
}, open(sys.argv[1], "w"), indent=1)
PY

mkdir -p "$results"
cp "$csv" "$results/access-read.csv"
/usr/bin/python3 "$here/report.py" "$work" "$results/access-read"
say "wrote $results/access-read.md, .csv and .png in $(( $(date +%s) - started )) s"
