# Private PostgreSQL clusters for SeSPHR: sourced by ./sesphr, never run on its own.
#
# PostgreSQL refuses to run as root. When we are root, the cluster runs as the `postgres` OS
# user (created by Debian's package). That user must be able to walk every folder above the data
# directory; a checkout under a 0700 home (CI's fresh clone may be one) is not walkable, so then
# the data lives under /var/lib/sesphr/<hash of the checkout path> and .data/pg points there.

PG_VERSION_WANTED=15

pg_find_bin() {
  local d
  for d in "/usr/lib/postgresql/${PG_VERSION_WANTED}/bin" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

pg_install_if_missing() {
  if PGBIN=$(pg_find_bin); then
    export PGBIN
    return 0
  fi
  echo "sesphr: no PostgreSQL binaries under /usr/lib/postgresql; installing Debian's postgresql package" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "sesphr: need root or sudo to install postgresql" >&2; return 1; }
    sudo="sudo"
  fi
  # The package starts a system cluster of its own; we never touch it (our cluster is private).
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql postgresql-contrib >/dev/null
  PGBIN=$(pg_find_bin) || { echo "sesphr: postgresql installed but no binaries found" >&2; return 1; }
  export PGBIN
}

# Runs a command as the OS user that owns the cluster.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True when the cluster owner can reach and write into folder $1.
pg_owner_can_use() {
  pg_as_owner test -x "$1" -a -w "$1" 2>/dev/null
}

# Prepares an (empty or existing) directory $1 for the cluster owner.
pg_prepare_dir() {
  mkdir -p "$1"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$1"
  fi
  chmod 700 "$1"
}

pg_free_port() {
  local port tries=0
  while [ $tries -lt 200 ]; do
    port=$(( 20000 + (RANDOM % 20000) ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    tries=$((tries + 1))
  done
  return 1
}

# pg_init DATA_DIR SOCKET_DIR [extra postgresql.conf lines]
pg_init() {
  local data=$1 sock=$2 extra=${3:-}
  if [ -f "$data/PG_VERSION" ]; then
    return 0
  fi
  pg_prepare_dir "$data"
  pg_as_owner "$PGBIN/initdb" -D "$data" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --no-instructions >/dev/null
  # Loopback only, our own socket folder, never the system's /var/run/postgresql.
  pg_as_owner bash -c "cat >> '$data/postgresql.conf'" <<EOF

# --- SeSPHR private cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
logging_collector = off
log_destination = 'stderr'
password_encryption = 'scram-sha-256'
$extra
EOF
  pg_as_owner bash -c "cat > '$data/pg_hba.conf'" <<'EOF'
# SeSPHR private cluster: the OS owner over the socket; everyone else by password on loopback.
local   all   all                 peer
host    all   all   127.0.0.1/32  scram-sha-256
EOF
}

# pg_start DATA_DIR SOCKET_DIR PORT LOGFILE
pg_start() {
  local data=$1 sock=$2 port=$3 log=$4
  pg_prepare_dir "$sock"
  if pg_as_owner "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    return 0
  fi
  touch "$log"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$log"; fi
  pg_as_owner "$PGBIN/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null
}

pg_stop() {
  local data=$1
  if [ -f "$data/PG_VERSION" ]; then
    pg_as_owner "$PGBIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
}

# pg_psql SOCKET_DIR PORT [psql args...]: as the cluster superuser over the private socket.
pg_psql() {
  local sock=$1 port=$2
  shift 2
  pg_as_owner "$PGBIN/psql" -X -q -h "$sock" -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"
}

# The cluster superuser's role name (the OS owner's name).
pg_superuser() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

pg_random_password() {
  head -c 24 /dev/urandom | base64 | tr -d '/+=\n' | head -c 32
}
