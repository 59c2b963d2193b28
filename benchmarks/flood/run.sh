#!/usr/bin/env bash
# A granted doctor's reads of new resources with and without an anonymous flood of the SRS.
#
#   benchmarks/flood/run.sh        → benchmarks/results/flood-anonymous.md (replaced by each run)
#
# 1. A private throwaway PostgreSQL cluster (scripts/pg.sh) with the databases of scripts/provision.sql.
# 2. The SRS, the FhirServer and the access benchmark's seeder (benchmarks/access/AccessData), built
#    (Release) from a snapshot of the working tree; both servers on free loopback ports. The SRS keeps
#    the FhirServer client's re-encryption limit raised (so the quiet round measures reads, not that
#    limit), and the sign-in, authorize, registration and token limits raised so that the
#    seeder may sign in its users from one address.
# 3. Seeds through the public APIs: a patient's sealed vitals Observations and the doctor's grant.
# 4. Rounds, side by side so the machine's noise hits both alike: the doctor reads (wrk) ids it has
#    never read, so every read makes the FhirServer call the SRS's /api/reencrypt (no cfrag to
#    replay), first alone ("quiet"), then while unauthenticated callers send the SRS
#    /api/reencrypt with {}, KDF look-ups and JWKS requests as fast as they can ("flood",
#    anonymous.lua; not sign-ins or tokens, whose limits are raised here for the seeder).
# 5. Writes the report: per round the doctor's success rate, p50 and p99, and what the flood got.
#
# Everything goes to 127.0.0.1 only. Settings (environment):
#   FLOOD_ROUNDS (2)  FLOOD_DURATION (10 s)  FLOOD_COUNT (6000 Observations)
#   FLOOD_DOCTOR_CONNECTIONS (4)  FLOOD_CONNECTIONS (64, the anonymous callers)  FLOOD_THREADS (2)
#   FLOOD_RESULTS (benchmarks/results)  FLOOD_KEEP=1 keeps the work folder.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pg.sh
. "$repo/scripts/pg.sh"
# shellcheck source=../../scripts/processes.sh
. "$repo/scripts/processes.sh"

ROUNDS=${FLOOD_ROUNDS:-2}
DURATION=${FLOOD_DURATION:-10}
COUNT=${FLOOD_COUNT:-6000}
DOCTOR_CONNECTIONS=${FLOOD_DOCTOR_CONNECTIONS:-4}
CONNECTIONS=${FLOOD_CONNECTIONS:-64}
THREADS=${FLOOD_THREADS:-2}
HOST=127.0.0.1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'flood: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=${FLOOD_RESULTS:-"$repo/benchmarks/results"}
if [ "$(id -u)" -eq 0 ]; then
  work=$(mktemp -d /tmp/sesphr-flood.XXXXXX)
  chmod 755 "$work"
else
  mkdir -p "$repo/.cache"
  work=$(mktemp -d "$repo/.cache/flood.XXXXXX")
fi

srs_pid=""
fhir_pid=""
flood_pid=""
CLEANED=0
cleanup() {
  [ "$CLEANED" -eq 0 ] || return 0
  CLEANED=1
  trap '' INT TERM
  stop_process "$flood_pid"
  stop_process "$fhir_pid"
  stop_process "$srs_pid"
  if [ -n "${PGBIN:-}" ]; then pg_stop "$work/pg/data"; fi
  if [ "${FLOOD_KEEP:-0}" = 1 ]; then
    say "work folder kept: $work (it holds the benchmark users' passwords and tokens)"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
command -v curl >/dev/null || die "curl is missing (apt-get install curl)"

# --- build: a snapshot of the working tree, so that builds by others in the checkout cannot
# overwrite the binaries under test -----------------------------------------------------------------
build() {
  local tree="$work/tree"
  mkdir -p "$tree/benchmarks/access"
  (cd "$repo" && tar -cf - --exclude=bin --exclude=obj src Directory.Build.props Directory.Packages.props global.json .editorconfig) | tar -xf - -C "$tree"
  (cd "$repo/benchmarks/access" && tar -cf - --exclude=bin --exclude=obj AccessData) | tar -xf - -C "$tree/benchmarks/access"
  local project
  for project in src/Srs/SeSPHR.Srs.csproj src/FhirServer/SeSPHR.FhirServer.csproj benchmarks/access/AccessData/SeSPHR.AccessData.csproj; do
    dotnet build "$tree/$project" -c Release -nologo -v q -clp:ErrorsOnly >> "$work/build.log" 2>&1 \
      || { tail -20 "$work/build.log" >&2; die "$project does not build"; }
  done
  (cd "$repo" && echo "$(git rev-parse --short HEAD), $(git status --porcelain -- src | wc -l) files changed") > "$work/tree.txt"
}
accessdata() { dotnet "$work/tree/benchmarks/access/AccessData/bin/Release/net10.0/SeSPHR.AccessData.dll" "$@"; }

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
}

wait_healthy() {
  local name=$1 pid=$2 url=$3 log=$4
  for _ in $(seq 1 240); do
    curl -fsS --max-time 2 -o /dev/null "$url/healthz" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { tail -30 "$log" >&2; die "$name exited during start-up"; }
    sleep 0.5
  done
  die "$name did not become healthy"
}

# The two servers wired as tests/System/Infrastructure/SesphrSystem.cs wires them.
start_servers() {
  local srs_port fhir_port
  srs_port=$(pg_free_port)
  fhir_port=$(pg_free_port)
  while [ "$fhir_port" = "$srs_port" ]; do fhir_port=$(pg_free_port); done
  srs_url="http://$HOST:$srs_port"
  fhir_url="http://$HOST:$fhir_port"
  service_secret=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  mkdir -p "$work/srs-data" && chmod 700 "$work/srs-data"
  (cd "$work/tree/src/Srs/bin/Release/net10.0" && exec env \
    ConnectionStrings__Srs="Host=$HOST;Port=$pg_port;Database=sesphr_srs;Username=sesphr_srs;Password=$srs_password;Maximum Pool Size=16" \
    Srs__FhirServiceSecret="$service_secret" \
    Srs__KeyEncryptionKey="$(head -c 32 /dev/urandom | base64 | tr -d '\n')" \
    Srs__DataDirectory="$work/srs-data" \
    Srs__FhirBaseUrl="$fhir_url/fhir" \
    Srs__RateLimits__Login__PermitLimit=10000 \
    Srs__RateLimits__Authorize__PermitLimit=10000 \
    Srs__RateLimits__Caller__PermitLimit=1000000 \
    Srs__ReencryptRequestsPerSecond=100000 \
    Srs__RateLimits__Registration__PermitLimit=10000 \
    Srs__RateLimits__Token__PermitLimit=10000 \
    Logging__LogLevel__Default=Warning \
    ASPNETCORE_ENVIRONMENT=Production \
    dotnet SeSPHR.Srs.dll --urls "$srs_url") > "$work/srs.log" 2>&1 &
  srs_pid=$!
  wait_healthy SRS "$srs_pid" "$srs_url" "$work/srs.log"
  (cd "$work/tree/src/FhirServer/bin/Release/net10.0" && exec env \
    ConnectionStrings__Fhir="Host=$HOST;Port=$pg_port;Database=sesphr_fhir;Username=sesphr_fhir;Password=$fhir_password;Maximum Pool Size=16" \
    Fhir__Auth__RequireHttpsMetadata=false \
    Fhir__Auth__Authority="$srs_url" \
    Fhir__Srs__BaseUrl="$srs_url" \
    Fhir__Srs__ClientSecret="$service_secret" \
    Logging__LogLevel__Default=Warning \
    ASPNETCORE_ENVIRONMENT=Production \
    dotnet SeSPHR.FhirServer.dll --urls "$fhir_url") > "$work/fhir.log" 2>&1 &
  fhir_pid=$!
  wait_healthy FhirServer "$fhir_pid" "$fhir_url" "$work/fhir.log"
}

# result FIELD FILE: one field of wrk's RESULT line.
result() { sed -n "s/^RESULT .*\\b$1=\\([0-9]*\\).*/\\1/p" "$2"; }

# doctor_run NAME OFFSET: the doctor's reads of never-read ids from OFFSET, with the flood or not.
doctor_run() {
  local name=$1 offset=$2 out="$work/$1-$2.out" flood_out="$work/$1-$2.flood"
  accessdata tokens "$work/data" >> "$work/seed.log" 2>&1 || die "sign-in failed (see $work/seed.log)"
  if [ "$name" = flood ]; then
    # The flood starts first and outlasts the doctor's run by a second at each end.
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "$((DURATION + 2))s" --timeout 30s -s "$here/anonymous.lua" "$srs_url" > "$flood_out" 2>&1 &
    flood_pid=$!
    sleep 1
  fi
  WRK_BEARER_TOKEN=$(cat "$work/data/doctor.token") wrk -t "$THREADS" -c "$DOCTOR_CONNECTIONS" -d "${DURATION}s" --timeout 30s --latency \
    -s "$repo/benchmarks/load/requests.lua" "$fhir_url" -- "$work/data/read-cold.txt" "$offset" "$THREADS" > "$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed"; }
  if [ -n "$flood_pid" ]; then
    wait "$flood_pid" || { cat "$flood_out" >&2; die "the flood's wrk failed"; }
    flood_pid=""
    # The flood and the seeder share 127.0.0.1, so the flood has spent the per-address KDF and
    # sign-in windows the seeder's next sign-in needs; a real attacker's address is not the
    # doctor's. Wait for those windows to pass.
    sleep 61
  fi
  kill -0 "$srs_pid" 2>/dev/null || die "the SRS died during the $name run"
  kill -0 "$fhir_pid" 2>/dev/null || die "the FhirServer died during the $name run"
  local requests non2xx errors flood_rate="" flood_statuses=""
  requests=$(result requests "$out")
  non2xx=$(result non2xx "$out")
  errors=$(( $(result connect "$out") + $(result read "$out") + $(result write "$out") + $(result timeout "$out") ))
  if [ -f "$flood_out" ]; then
    flood_rate=$(awk -v r="$(result requests "$flood_out")" -v d="$(result duration_us "$flood_out")" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    flood_statuses=$(sed -n 's/^STATUSES //p' "$flood_out")
  fi
  awk -v name="$name" -v requests="$requests" -v non2xx="$non2xx" -v errors="$errors" \
    -v p50="$(result p50_us "$out")" -v p99="$(result p99_us "$out")" -v seconds="$(result duration_us "$out")" \
    -v flood_rate="$flood_rate" -v flood_statuses="$flood_statuses" 'BEGIN {
      success = requests > 0 ? sprintf("%.1f%%", 100 * (requests - non2xx) / requests) : "none finished"
      latency = requests > 0 ? sprintf("%.1f | %.1f", p50 / 1000, p99 / 1000) : "- | -"
      printf "| %s | %d | %.1f | %d | %s | %s | %s | %s |\n", name, requests, requests / (seconds / 1e6), non2xx + errors,
        success, latency, (flood_rate == "" ? "none" : flood_rate), flood_statuses }' >> "$work/rows.md"
  say "$(tail -1 "$work/rows.md")"
  next_offset=$(( offset + requests + DOCTOR_CONNECTIONS ))
}

say "work folder $work"
start_postgres
say "building (Release, snapshot of the working tree)"
build
start_servers
say "seeding $COUNT sealed Observations and the doctor's grant through the public APIs"
accessdata seed "$work/data" "$srs_url" "$fhir_url/fhir" "$work/srs-data/enrolment-code" --count "$COUNT" --warm 1 > "$work/seed.log" 2>&1 \
  || { tail -20 "$work/seed.log" >&2; die "seeding failed"; }
pg_psql "$work/pg/sock" "$pg_port" -d sesphr_fhir -c 'VACUUM ANALYZE'

: > "$work/rows.md"
next_offset=0
for round in $(seq 1 "$ROUNDS"); do
  doctor_run quiet "$next_offset"
  doctor_run flood "$next_offset"
done
pool=$(wc -l < "$work/data/read-cold.txt")
[ "$next_offset" -le "$pool" ] || say "the doctor read past the $pool new ids: some reads were replays (raise FLOOD_COUNT)"

mkdir -p "$results"
report="$results/flood-anonymous.md"
{
  echo "# A granted doctor's reads of new resources, with and without an anonymous flood of the SRS"
  echo
  echo "Written by \`benchmarks/flood/run.sh\` (replaced by its next run)."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M') UTC; tree: $(cat "$work/tree.txt")"
  echo "- machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') memory, kernel $(uname -r); load average $load_before before the run, $(cut -d' ' -f1-3 /proc/loadavg) after"
  echo "- $("$PGBIN/postgres" --version), $(dotnet --list-runtimes | awk '/^Microsoft.NETCore.App/ { v = $2 } END { print "Microsoft.NETCore.App " v }'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
  echo "- the doctor: $DOCTOR_CONNECTIONS connections for $DURATION s a round, each read of an Observation it never read ($pool new ids, $next_offset used), so every read needs a call to the SRS's /api/reencrypt"
  echo "- the flood: $CONNECTIONS connections without a token to the SRS, in turn POST /api/reencrypt {} (six in eight), GET /api/accounts/kdf, GET /.well-known/jwks; the FhirServer client's re-encryption limit raised, every other SRS limit as configured"
  echo
  echo "Latencies are wrk's over all the doctor's answers; a refused read (503) or a socket error counts as"
  echo "a failure. A read still waiting when its round ends is not counted at all: a round in which the"
  echo "doctor's reads wait behind the flood shows few reads, or none finished."
  echo
  echo "| run | doctor's reads | reads/s | failed | success | p50 ms | p99 ms | flood calls/s | flood answers (status:count) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
  cat "$work/rows.md"
} > "$report"
say "wrote $report in $(( $(date +%s) - started )) s"
