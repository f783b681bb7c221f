#!/usr/bin/env bash
# A real high-availability PostgreSQL cluster on one machine, from Debian's packages (docs/operations.md):
# etcd (the consensus store), Patroni managing three PostgreSQL 15 instances with a synchronous standby, and HAProxy
# routing to whichever instance is the primary now (Patroni's REST check GET /primary).
#
#   ops/ha/cluster.sh start            starts the cluster (idempotent) and prints the application's DATABASE_URL
#   ops/ha/cluster.sh stop             stops HAProxy, every Patroni (which stops its PostgreSQL), then etcd
#   ops/ha/cluster.sh status           the members, their roles and lags (patronictl list)
#   ops/ha/cluster.sh primary          the name of the current primary (pg1, pg2 or pg3)
#   ops/ha/cluster.sh wait-healthy     waits for a primary, a synchronous standby and HAProxy routing writes
#   ops/ha/cluster.sh kill-primary     kill -9 of the primary's postmaster (Patroni fails over at once)
#   ops/ha/cluster.sh stop-patroni NODE   stops Patroni on NODE (SIGTERM: it stops PostgreSQL, leaves the leader key)
#   ops/ha/cluster.sh start-patroni NODE  starts Patroni on NODE again (it rejoins as a standby)
#   ops/ha/cluster.sh destroy          stop, then delete the cluster's folder
#
# Settings (environment): HA_DIR (folder of data, configurations and logs; default /tmp/messagerie-pro-ha),
# HA_PORT (HAProxy's port for the application, default 5440; the nodes use HA_PORT+1…+3 for PostgreSQL and
# HA_PORT+3001…+3003 for Patroni's REST API, etcd HA_PORT-3000 and HA_PORT-2999), HA_DATABASE (default messagerie);
# BACKUP_CONF and BACKUP_STANZA to archive the WAL with pgBackRest (ops/backup/pgbackrest.sh).
# Everything listens on 127.0.0.1 only. Run as root, the processes run as the `postgres` user (PostgreSQL refuses
# to run as root).
set -euo pipefail

HA_DIR="${HA_DIR:-/tmp/messagerie-pro-ha}"
HA_PORT="${HA_PORT:-5440}"
HA_DATABASE="${HA_DATABASE:-messagerie}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
NODES=(pg1 pg2 pg3)
ETCD_CLIENT=$((HA_PORT - 3000))
ETCD_PEER=$((HA_PORT - 2999))
SCOPE="messagerie-pro"

pg_port() { echo $((HA_PORT + ${1#pg})); }
api_port() { echo $((HA_PORT + 3000 + ${1#pg})); }
log() { printf '[ha] %s\n' "$*" >&2; }
die() { printf '[ha] %s\n' "$*" >&2; exit 1; }

# Runs a command as the owner of the cluster's files (postgres when we are root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

need() {
  for bin in etcd patroni patronictl haproxy "$PG_BIN/postgres" curl psql; do
    command -v "$bin" >/dev/null 2>&1 || die "missing $bin: apt-get install etcd-server patroni haproxy postgresql-15 curl"
  done
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Starts a command in the background as the owner, detached from this shell, its PID in a file.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  as_owner bash -c 'log="$1" pid="$2"; shift 2; setsid "$@" >>"$log" 2>&1 </dev/null & echo $! >"$pid"' spawn "$logfile" "$pidfile" "$@"
}

wait_for() {
  local what="$1" seconds="$2"
  shift 2
  local end=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || die "timed out after ${seconds}s waiting for $what (logs in $HA_DIR)"
    sleep 0.5
  done
}

# With BACKUP_CONF (the pgbackrest.conf of ops/backup/pgbackrest.sh configure) and BACKUP_STANZA: every node archives
# its WAL to pgBackRest while it is the primary (a standby does not archive with archive_mode on), at least once a
# minute; the segment names its own data folder, so that the archive follows a failover.
archive_parameters() {
  [ -n "${BACKUP_CONF:-}" ] || return 0
  printf "    archive_mode: \"on\"\n    archive_timeout: 60\n    archive_command: \"pgbackrest --config=%s --stanza=%s --pg1-path=%s archive-push %%p\"\n" \
    "$BACKUP_CONF" "${BACKUP_STANZA:-messagerie}" "$HA_DIR/$1/data"
}

write_configs() {
  mkdir -p "$HA_DIR"
  chmod 755 "$HA_DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$HA_DIR"
  for node in "${NODES[@]}"; do
    cat >"$HA_DIR/$node.yml" <<YAML
scope: $SCOPE
namespace: /messagerie-pro/
name: $node
restapi:
  listen: 127.0.0.1:$(api_port "$node")
  connect_address: 127.0.0.1:$(api_port "$node")
etcd3:
  hosts: 127.0.0.1:$ETCD_CLIENT
bootstrap:
  dcs:
    # Failure detection: the loop runs every 2 s; the leader key lives 20 s when its holder stops renewing it.
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    # A crashed primary is not restarted in place: its synchronous standby is promoted at once.
    primary_start_timeout: 0
    maximum_lag_on_failover: 1048576
    # Only the synchronous standby may be promoted, and a commit returns once it is on that standby's disk.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        synchronous_commit: "on"
        fsync: "on"
        full_page_writes: "on"
        wal_level: replica
        wal_log_hints: "on"
        hot_standby: "on"
        max_connections: 200
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
postgresql:
  listen: 127.0.0.1:$(pg_port "$node")
  connect_address: 127.0.0.1:$(pg_port "$node")
  data_dir: $HA_DIR/$node/data
  bin_dir: $PG_BIN
  pgpass: $HA_DIR/$node/pgpass
  # Loopback only; a deployment over machines uses scram-sha-256 passwords and TLS here (docs/operations.md).
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
    rewind:
      username: postgres
      password: postgres
  parameters:
    unix_socket_directories: $HA_DIR/$node
$(archive_parameters "$node")
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
YAML
    mkdir -p "$HA_DIR/$node"
  done
  # HAProxy: one frontend for the application; a server is in rotation only while Patroni says it is the primary.
  # A server that leaves the rotation has its connections cut at once (on-marked-down shutdown-sessions), so no
  # client keeps writing to a demoted primary.
  {
    cat <<CFG
global
  maxconn 2000
  pidfile $HA_DIR/haproxy.pid
defaults
  mode tcp
  log global
  retries 2
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  timeout check 1s
listen primary
  bind 127.0.0.1:$HA_PORT
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 500ms fastinter 250ms fall 2 rise 1 on-marked-down shutdown-sessions
CFG
    for node in "${NODES[@]}"; do
      echo "  server $node 127.0.0.1:$(pg_port "$node") maxconn 300 check port $(api_port "$node")"
    done
  } >"$HA_DIR/haproxy.cfg"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$HA_DIR"
  return 0
}

start_etcd() {
  alive "$HA_DIR/etcd.pid" && return 0
  log "starting etcd on 127.0.0.1:$ETCD_CLIENT"
  spawn "$HA_DIR/etcd.pid" "$HA_DIR/etcd.log" etcd --name ha --data-dir "$HA_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "ha=http://127.0.0.1:$ETCD_PEER" --initial-cluster-state new
  wait_for "etcd" 30 curl -sf "http://127.0.0.1:$ETCD_CLIENT/health"
}

start_patroni() {
  local node="$1"
  alive "$HA_DIR/$node.pid" && return 0
  log "starting Patroni $node (PostgreSQL on 127.0.0.1:$(pg_port "$node"), REST on 127.0.0.1:$(api_port "$node"))"
  spawn "$HA_DIR/$node.pid" "$HA_DIR/$node.log" patroni "$HA_DIR/$node.yml"
}

start_haproxy() {
  alive "$HA_DIR/haproxy.pid" && return 0
  log "starting HAProxy on 127.0.0.1:$HA_PORT"
  as_owner haproxy -D -f "$HA_DIR/haproxy.cfg"
}

api() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$(api_port "$1")$2" 2>/dev/null || true; }

primary() {
  for node in "${NODES[@]}"; do
    [ "$(api "$node" /primary)" = 200 ] && { echo "$node"; return 0; }
  done
  return 1
}

has_sync_standby() {
  for node in "${NODES[@]}"; do
    [ "$(api "$node" /sync)" = 200 ] && return 0
  done
  return 1
}

writable_through_haproxy() {
  [ "$(psql "postgres://postgres@127.0.0.1:$HA_PORT/postgres?connect_timeout=2" -Atqc 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ]
}

wait_healthy() {
  wait_for "a primary" "${1:-90}" primary
  wait_for "a synchronous standby" "${1:-90}" has_sync_standby
  wait_for "HAProxy routing to the primary" "${1:-90}" writable_through_haproxy
}

start() {
  need
  write_configs
  start_etcd
  for node in "${NODES[@]}"; do start_patroni "$node"; done
  start_haproxy
  wait_healthy 120
  local url="postgres://postgres@127.0.0.1:$HA_PORT"
  if [ "$(psql "$url/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$HA_DATABASE'")" != 1 ]; then
    psql "$url/postgres" -qc "CREATE DATABASE $HA_DATABASE"
  fi
  log "cluster ready: primary $(primary)"
  echo "DATABASE_URL=$url/$HA_DATABASE"
}

stop_pid() {
  local pidfile="$1" seconds="${2:-30}"
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  local end=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $end ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
    sleep 0.2
  done
  rm -f "$pidfile"
}

stop() {
  [ -d "$HA_DIR" ] || return 0
  log "stopping HAProxy, Patroni (and PostgreSQL), etcd"
  stop_pid "$HA_DIR/haproxy.pid" 5
  for node in "${NODES[@]}"; do stop_pid "$HA_DIR/$node.pid" 60 & done
  wait
  # A PostgreSQL left behind by a Patroni killed abruptly.
  for node in "${NODES[@]}"; do
    if [ -f "$HA_DIR/$node/data/postmaster.pid" ]; then
      as_owner "$PG_BIN/pg_ctl" -D "$HA_DIR/$node/data" -m immediate stop >/dev/null 2>&1 || true
    fi
  done
  stop_pid "$HA_DIR/etcd.pid" 10
}

postmaster_pid() { head -1 "$HA_DIR/$1/data/postmaster.pid"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$HA_DIR" ;;
  status) PATRONICTL_CONFIG_FILE="$HA_DIR/pg1.yml" patronictl list ;;
  primary) primary || die "no primary" ;;
  wait-healthy) wait_healthy "${2:-90}" ;;
  kill-primary)
    node="$(primary)" || die "no primary to kill"
    pid="$(postmaster_pid "$node")"
    log "kill -9 of the primary $node's PostgreSQL (postmaster $pid)"
    kill -KILL "$pid"
    echo "$node" ;;
  stop-patroni) [ -n "${2:-}" ] || die "which node?"; log "stopping Patroni on $2"; stop_pid "$HA_DIR/$2.pid" 60 ;;
  start-patroni) [ -n "${2:-}" ] || die "which node?"; start_patroni "$2" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
