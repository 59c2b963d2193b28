# Process helpers for the scripts that start the services themselves (sourced, not run).

# stop_process PID: SIGTERM, up to 10 s for a clean exit, then SIGKILL; an empty or gone PID is fine.
stop_process() {
  local pid=$1
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
