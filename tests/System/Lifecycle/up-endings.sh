#!/usr/bin/env bash
# Ends one `./sesphr up` in one way and checks that nothing it started outlives it. Run by
# UpEndingsTests.cs with the environment of a private `up`: SESPHR_DATA, SESPHR_PG_PORT,
# SESPHR_FHIR_URL, SESPHR_SRS_URL, SESPHR_CONFIGURATION, SESPHR_BUILD=0, SESPHR_DEMO=0.
#
#   up-endings.sh interrupt | interrupt-piped | terminate | hangup-piped | kill | kill-with-guard
#   up-endings.sh port-taken PORT VARIABLE      (the caller holds PORT open)
#
# `up` runs in a session of its own as a terminal's foreground job would: Ctrl-C and a hang-up
# reach every process of its group (with `| tee`, the reader of its output dies with it).
# Prints what is wrong and exits 1 when something of ours is left or an `up` does not start.
set -uo pipefail

ending=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
run="$SESPHR_DATA/run"
log="$SESPHR_DATA/up-$ending.log"
leader=""

fail() {
  echo "FAIL ($ending): $*"
  echo "--- output of up:"
  cat "$log" 2>/dev/null
  "$root/sesphr" stop >/dev/null 2>&1
  exit 1
}

# Alive and not a zombie.
alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

postmaster_pid() { head -1 "$SESPHR_DATA/pg/data/postmaster.pid" 2>/dev/null; }

# start_up plain|piped: `./sesphr up` as the foreground job of a new session; waits until it runs.
start_up() {
  local command="exec '$root/sesphr' up > '$log' 2>&1"
  [ "$1" = piped ] && command="'$root/sesphr' up 2>&1 | tee '$log' > /dev/null"
  : > "$log"
  # Default dispositions: a background job of a script starts with SIGINT ignored.
  setsid env --default-signal bash -c "$command" &
  leader=$!
  local i
  for i in $(seq 1 360); do
    grep -q 'SeSPHR is running' "$log" 2>/dev/null && break
    alive "$leader" || fail "up ended during start-up"
    sleep 0.5
  done
  grep -q 'SeSPHR is running' "$log" || fail "up did not start within 180 s"
  up=$(cat "$run/up.pid"); fhir=$(cat "$run/fhir.pid"); srs=$(cat "$run/srs.pid")
  guard=$(cat "$run/guard.pid"); postmaster=$(postmaster_pid)
  for pid in "$up" "$fhir" "$srs" "$guard" "$postmaster"; do
    alive "$pid" || fail "process $pid is not running while up says it runs"
  done
}

# Waits until none of the processes of the last start_up is left, nor anything on our ports.
expect_all_stopped() {
  local i pid left
  for i in $(seq 1 60); do
    left=""
    for pid in "$up" "$fhir" "$srs" "$guard" "$postmaster"; do
      alive "$pid" && left="$left $pid"
    done
    [ -z "$left" ] && break
    sleep 0.5
  done
  [ -z "$left" ] || fail "still running 30 s after the end: $(ps -o pid=,args= -p "${left# }" | tr '\n' ';')"
  wait "$leader" 2>/dev/null
  [ ! -e "$run/up.pid" ] || fail "$run/up.pid is left behind"
}

case "$ending" in
  interrupt) start_up plain; kill -INT -- "-$leader" ;;
  interrupt-piped) start_up piped; kill -INT -- "-$leader" ;;
  terminate) start_up plain; kill -TERM "$up" ;;
  hangup-piped) start_up piped; kill -HUP -- "-$leader" ;;
  kill) start_up plain; kill -KILL "$up" ;;
  kill-with-guard)
    # Nothing stops the services now; the next `up` must find them and start anyway.
    start_up plain
    kill -KILL "$guard" "$up"
    wait "$leader" 2>/dev/null
    sleep 1
    alive "$fhir" && alive "$postmaster" || fail "the services did not outlive a SIGKILL of up and its guard"
    stale_fhir=$fhir stale_srs=$srs stale_postmaster=$postmaster
    start_up plain
    for pid in $stale_fhir $stale_srs $stale_postmaster; do
      alive "$pid" && fail "the next up left the earlier process $pid running"
    done
    kill -TERM "$up"
    ;;
  port-taken)
    port=$2 variable=$3
    : > "$log"
    timeout 60 "$root/sesphr" up > "$log" 2>&1 && fail "up started although port $port is taken"
    grep -q "port $port .*already in use.*$variable" "$log" || fail "up did not name port $port and $variable"
    [ -z "$(postmaster_pid)" ] || fail "PostgreSQL was started although a port is taken"
    [ ! -e "$run/up.pid" ] && [ ! -e "$run/fhir.pid" ] || fail "up started something although a port is taken"
    cat "$log"
    exit 0
    ;;
  *) echo "unknown ending $ending"; exit 2 ;;
esac
expect_all_stopped
echo "ok ($ending): up $up, FhirServer $fhir, SRS $srs, guard $guard, postmaster $postmaster all stopped"
