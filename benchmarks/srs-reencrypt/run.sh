#!/usr/bin/env bash
# The SRS's POST /api/reencrypt with a warm cfrag cache, before and after a change, side by side
# in one run (benchmarks/results/srs-reencrypt-*.md).
#
# 1. Builds the SRS twice (Release): from git revision SRS_BEFORE (default a63377c, before the
#    re-encryption path was reworked) and from a snapshot of the working tree; and the seeder.
# 2. A private PostgreSQL 15 (fsync on, as shipped), one database per build; each SRS creates its
#    schema, then the seeder's SQL adds one active grantee and one active kfrag (Patient/p1 vitals).
# 3. Each SRS answers both bodies (1 and 20 capsules) once, so every cfrag is cached; then wrk
#    posts them at SRS_CONNECTIONS, alternating before/after, SRS_ROUNDS times each.
# Measured per run: req/s, p99, non-2xx, SRS CPU ms per call (/proc), its PostgreSQL backends'
# CPU per call, and the database's transactions per call (pg_stat_database.xact_commit).
#
# Loopback only. Settings: SRS_BEFORE (a63377c)  SRS_CONNECTIONS ("1 16")  SRS_DURATION (8 s)
# SRS_ROUNDS (2)  SRS_POOL_SIZE (40)  SRS_KEEP=1 keeps the work folder  SRS_RESULTS (benchmarks/results).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pg.sh
. "$repo/scripts/pg.sh"

BEFORE=${SRS_BEFORE:-a63377c}
CONNECTIONS=${SRS_CONNECTIONS:-"1 16"}
DURATION=${SRS_DURATION:-8}
ROUNDS=${SRS_ROUNDS:-2}
POOL_SIZE=${SRS_POOL_SIZE:-40}
RESULTS=${SRS_RESULTS:-$repo/benchmarks/results}
HOST=127.0.0.1
say() { echo "srs-reencrypt: $*" >&2; }
die() { say "$*"; exit 1; }
command -v wrk >/dev/null || die "wrk is required"

if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL runs as the postgres user, who must reach its data folder.
  work=$(mktemp -d /tmp/sesphr-srs-reencrypt.XXXXXX)
  chmod 755 "$work"
else
  mkdir -p "$repo/.cache"
  work=$(mktemp -d "$repo/.cache/srs-reencrypt.XXXXXX")
fi
declare -A pid_of url_of token_of
CLEANED=0
cleanup() {
  [ "$CLEANED" -eq 0 ] || return 0
  CLEANED=1
  local v p
  for v in before after; do
    p=${pid_of[$v]:-}
    [ -n "$p" ] || continue
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$p" 2>/dev/null || true
  done
  if [ -n "${PGBIN:-}" ]; then pg_stop "$work/pg/data"; fi
  if [ "${SRS_KEEP:-0}" = 1 ]; then say "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

snapshot_files="src Directory.Build.props Directory.Packages.props global.json .editorconfig"
say "building before ($BEFORE) and after (working tree)"
mkdir -p "$work/before" "$work/after/benchmarks/srs-reencrypt"
# shellcheck disable=SC2086
git -C "$repo" archive "$BEFORE" $snapshot_files | tar -xf - -C "$work/before"
# shellcheck disable=SC2086
(cd "$repo" && tar -cf - --exclude=bin --exclude=obj $snapshot_files) | tar -xf - -C "$work/after"
(cd "$here" && tar -cf - --exclude=bin --exclude=obj ReencryptData) | tar -xf - -C "$work/after/benchmarks/srs-reencrypt"
tree_state="$(git -C "$repo" rev-parse --short HEAD) $(git -C "$repo" status --porcelain -- src benchmarks/srs-reencrypt | wc -l)"
for v in before after; do
  dotnet build "$work/$v/src/Srs/SeSPHR.Srs.csproj" -c Release -nologo -v q -clp:ErrorsOnly > "$work/build-$v.log" 2>&1 \
    || { cat "$work/build-$v.log" >&2; die "build of $v failed"; }
done
dotnet build "$work/after/benchmarks/srs-reencrypt/ReencryptData" -c Release -nologo -v q -clp:ErrorsOnly > "$work/build-seed.log" 2>&1 \
  || { cat "$work/build-seed.log" >&2; die "seeder build failed"; }
dotnet "$work/after/benchmarks/srs-reencrypt/ReencryptData/bin/Release/net10.0/SeSPHR.ReencryptData.dll" "$work/data" >&2

pg_install_if_missing
pg_port=$(pg_free_port)
pg_init "$work/pg/data" "$work/pg/sock"
pg_start "$work/pg/data" "$work/pg/sock" "$pg_port" "$work/postgresql.log"
password=$(pg_random_password)
for v in before after; do
  pg_psql "$work/pg/sock" "$pg_port" -v fhir_role=sesphr_fhir -v fhir_db=sesphr_fhir -v fhir_password="$password" \
    -v srs_role=sesphr_srs -v srs_db="srs_$v" -v srs_password="$password" < "$repo/scripts/provision.sql"
done
say "PostgreSQL on $HOST:$pg_port (fsync $(pg_psql "$work/pg/sock" "$pg_port" -tAc 'show fsync'), synchronous_commit $(pg_psql "$work/pg/sock" "$pg_port" -tAc 'show synchronous_commit'))"

secret=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
kek=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
for v in before after; do
  port=$(pg_free_port)
  url_of[$v]="http://$HOST:$port"
  mkdir -p "$work/data-$v" && chmod 700 "$work/data-$v"
  (cd "$work/$v/src/Srs/bin/Release/net10.0" && exec env \
    ConnectionStrings__Srs="Host=$HOST;Port=$pg_port;Database=srs_$v;Username=sesphr_srs;Password=$password;Maximum Pool Size=$POOL_SIZE" \
    Srs__FhirServiceSecret="$secret" Srs__KeyEncryptionKey="$kek" Srs__DataDirectory="$work/data-$v" Srs__FhirBaseUrl="http://$HOST:1/fhir" \
    Srs__RateLimits__Token__PermitLimit=10000 Srs__ReencryptRequestsPerSecond=1000000 \
    Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
    dotnet SeSPHR.Srs.dll --urls "${url_of[$v]}") > "$work/srs-$v.log" 2>&1 &
  pid_of[$v]=$!
done
for v in before after; do
  for i in $(seq 1 240); do
    curl -fsS --max-time 2 -o /dev/null "${url_of[$v]}/healthz" 2>/dev/null && break
    kill -0 "${pid_of[$v]}" 2>/dev/null || { tail -30 "$work/srs-$v.log" >&2; die "SRS $v exited"; }
    sleep 0.5
    [ "$i" -lt 240 ] || die "SRS $v did not become healthy"
  done
  pg_psql "$work/pg/sock" "$pg_port" -d "srs_$v" -f "$work/data/seed.sql" >/dev/null
  token_of[$v]=$(curl -fsS "${url_of[$v]}/connect/token" -d grant_type=client_credentials -d client_id=sesphr-fhir \
    --data-urlencode "client_secret=$secret" -d scope=srs.reencrypt | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  for n in 1 20; do
    answer=$(curl -fsS "${url_of[$v]}/api/reencrypt" -H "Authorization: Bearer ${token_of[$v]}" -H 'Content-Type: application/json' --data-binary "@$work/data/body-$n.json")
    granted=$(echo "$answer" | python3 -c 'import json,sys; print(sum(1 for i in json.load(sys.stdin)["items"] if i.get("cfrag")))')
    [ "$granted" = "$n" ] || die "SRS $v granted $granted of $n: $answer"
  done
  say "SRS $v on ${url_of[$v]} (pid ${pid_of[$v]}), cache warm"
done

cat > "$work/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {  # CPU ticks of the PostgreSQL backends serving database $1
  local total=0 pid t
  for pid in $(pgrep -f "postgres: sesphr_srs $1 " || true); do
    t=$(ticks "$pid"); total=$((total + t))
  done
  echo "$total"
}
commits() { pg_psql "$work/pg/sock" "$pg_port" -tAc "SELECT pg_stat_force_next_flush(); SELECT xact_commit FROM pg_stat_database WHERE datname = '$1'" | tail -1; }
hz=$(getconf CLK_TCK)

csv="$work/results.csv"
echo "capsules,connections,round,version,rps,p99_ms,non2xx,srs_ms_per_call,pg_ms_per_call,commits_per_call" > "$csv"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M:%S')
for n in 1 20; do
  for c in $CONNECTIONS; do
    for round in $(seq 1 "$ROUNDS"); do
      for v in before after; do
        db="srs_$v"
        # 2 s warm-up at this count, not measured.
        BODY_FILE="$work/data/body-$n.json" TOKEN="${token_of[$v]}" wrk -t "$(( c < 2 ? c : 2 ))" -c "$c" -d 2s -s "$work/post.lua" "${url_of[$v]}/api/reencrypt" >/dev/null
        sleep 1
        c0=$(commits "$db"); s0=$(ticks "${pid_of[$v]}"); p0=$(pg_ticks "$db")
        out=$(BODY_FILE="$work/data/body-$n.json" TOKEN="${token_of[$v]}" wrk -t "$(( c < 2 ? c : 2 ))" -c "$c" -d "${DURATION}s" --latency -s "$work/post.lua" "${url_of[$v]}/api/reencrypt")
        s1=$(ticks "${pid_of[$v]}"); p1=$(pg_ticks "$db")
        sleep 1
        c1=$(commits "$db")
        requests=$(echo "$out" | awk '/requests in/ { print $1 }')
        rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
        p99=$(echo "$out" | awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }')
        non2xx=$(echo "$out" | awk '/Non-2xx/ { print $5 }'); non2xx=${non2xx:-0}
        python3 - "$n" "$c" "$round" "$v" "$rps" "$p99" "$non2xx" "$requests" "$s0" "$s1" "$p0" "$p1" "$c0" "$c1" "$hz" >> "$csv" <<'PY'
import sys
n, c, rnd, v, rps, p99, non2xx, req, s0, s1, p0, p1, c0, c1, hz = sys.argv[1:]
req = max(1, int(req)); hz = int(hz)
ms = lambda a, b: (int(b) - int(a)) * 1000 / hz / req
print(f"{n},{c},{rnd},{v},{float(rps):.0f},{float(p99):.2f},{non2xx},{ms(s0, s1):.3f},{ms(p0, p1):.3f},{(int(c1) - int(c0)) / req:.2f}")
PY
        say "$(tail -1 "$csv")"
      done
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$RESULTS"
stamp=${SRS_STAMP:-$(date -u +%Y-%m-%d)}
cp "$csv" "$RESULTS/srs-reencrypt.csv"
python3 - "$csv" "$RESULTS/srs-reencrypt.md" "$BEFORE" "$tree_state" "$load_before" "$load_after" "$started" "$DURATION" "$ROUNDS" <<'PY'
import csv, sys, statistics, platform, subprocess
src, dst, before, tree, lb, la, started, duration, rounds = sys.argv[1:]
rows = list(csv.DictReader(open(src)))
def mean(n, c, v, k):
    vals = [float(r[k]) for r in rows if r["capsules"] == n and r["connections"] == c and r["version"] == v]
    return statistics.mean(vals) if vals else float("nan")
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
pg = subprocess.run(["sh", "-c", "ls /usr/lib/postgresql 2>/dev/null | tail -1"], capture_output=True, text=True).stdout.strip()
out = [f"# SRS `POST /api/reencrypt`, warm cfrag cache: before and after — {started[:10]}", "",
       "Produced by `benchmarks/srs-reencrypt/run.sh`; raw figures in the `.csv` next to this file.", "",
       "## Machine and run", "",
       f"- {cpu}, **{cores} cores**, kernel {platform.release()}; PostgreSQL {pg} with fsync on, synchronous_commit on.",
       f"- Load average before the run {lb}, after {la} (the machine may be shared with other builds and tests: absolute figures are noisy; the before/after ratios come from runs alternated side by side).",
       f"- Started {started} UTC; wrk, 2 threads, {duration} s per measured run after a 2 s warm-up, {rounds} rounds per cell alternating before/after; means below.",
       f"- **Before**: git `{before}`. **After**: tree `{tree}` (commit, uncommitted files under src). One SRS process each, own database, `Maximum Pool Size=40`, the FhirServer's service token, one active kfrag; every cfrag cached before measuring (each body answered once).",
       "- Columns: SRS ms = SRS process CPU per call; pg ms = CPU of its PostgreSQL backends per call; commits = `pg_stat_database.xact_commit` per call (read-only statements count too).", "",
       "| capsules | connections | before req/s | after req/s | throughput × | before p99 ms | after p99 ms | before SRS ms | after SRS ms | before pg ms | after pg ms | before commits | after commits | non-2xx (b/a) |",
       "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--:|"]
cells = sorted({(r["capsules"], r["connections"]) for r in rows}, key=lambda t: (int(t[0]), int(t[1])))
for n, c in cells:
    b, a = mean(n, c, "before", "rps"), mean(n, c, "after", "rps")
    nb = sum(int(r["non2xx"]) for r in rows if (r["capsules"], r["connections"], r["version"]) == (n, c, "before"))
    na = sum(int(r["non2xx"]) for r in rows if (r["capsules"], r["connections"], r["version"]) == (n, c, "after"))
    out.append(f"| {n} | {c} | {b:,.0f} | {a:,.0f} | {a / b:.2f}× | {mean(n, c, 'before', 'p99_ms'):.2f} | {mean(n, c, 'after', 'p99_ms'):.2f} | "
               f"{mean(n, c, 'before', 'srs_ms_per_call'):.3f} | {mean(n, c, 'after', 'srs_ms_per_call'):.3f} | "
               f"{mean(n, c, 'before', 'pg_ms_per_call'):.3f} | {mean(n, c, 'after', 'pg_ms_per_call'):.3f} | "
               f"{mean(n, c, 'before', 'commits_per_call'):.2f} | {mean(n, c, 'after', 'commits_per_call'):.2f} | {nb}/{na} |")
open(dst, "w").write("\n".join(out) + "\n")
PY
say "report: $RESULTS/srs-reencrypt.md"
