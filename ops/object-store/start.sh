#!/usr/bin/env bash
# A real S3 object store on one machine, for the tests and for trying the S3 configuration (docs/operations.md):
# OpenStack Swift from Debian's packages (one account, one container and one object server, one replica) behind its
# proxy with the S3 API (s3api before tempauth), and memcached for the proxy's tokens and caches.
#
#   eval "$(ops/object-store/start.sh)"   starts it (idempotent) and prints the S3_* and AWS_* variables to export
#   ops/object-store/stop.sh              stops it and deletes its folder
#
# Settings (environment): OBJECT_STORE_DIR (folder of data, configurations, logs; default /tmp/messagerie-pro-s3),
# OBJECT_STORE_PORT (the S3 endpoint's port, default 8470; the account, container and object servers use +1…+3,
# memcached +4), S3_BUCKET (printed back, default messagerie-pro). Everything listens on 127.0.0.1 only. Run as
# root, the servers run as the `swift` user that Debian's packages create. Credentials: test:tester / testing.
# Needs: apt-get install swift swift-proxy swift-account swift-container swift-object python3-swift memcached
set -euo pipefail

DIR="${OBJECT_STORE_DIR:-/tmp/messagerie-pro-s3}"
PORT="${OBJECT_STORE_PORT:-8470}"
BUCKET="${S3_BUCKET:-messagerie-pro}"
ACCOUNT_PORT=$((PORT + 1))
CONTAINER_PORT=$((PORT + 2))
OBJECT_PORT=$((PORT + 3))
MEMCACHED_PORT=$((PORT + 4))

log() { printf '[object-store] %s\n' "$*" >&2; }
die() { printf '[object-store] %s\n' "$*" >&2; exit 1; }

for bin in swift-proxy-server swift-account-server swift-container-server swift-object-server memcached /usr/bin/python3 curl; do
  command -v "$bin" >/dev/null 2>&1 || die "missing $bin: apt-get install swift swift-proxy swift-account swift-container swift-object python3-swift memcached curl"
done

if [ "$(id -u)" = 0 ]; then
  OWNER=swift
  id -u swift >/dev/null 2>&1 || die "the swift user is missing (Debian's swift package creates it)"
else
  OWNER="$(id -un)"
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$OWNER" -- "$@"; else "$@"; fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

print_env() {
  cat <<ENV
export S3_ENDPOINT=http://127.0.0.1:$PORT
export S3_BUCKET=$BUCKET
export S3_REGION=us-east-1
export S3_FORCE_PATH_STYLE=true
export AWS_ACCESS_KEY_ID=test:tester
export AWS_SECRET_ACCESS_KEY=testing
ENV
}

if alive "$DIR/proxy.pid" && [ "$(curl -fsS "http://127.0.0.1:$PORT/healthcheck" 2>/dev/null)" = OK ]; then
  log "already running on 127.0.0.1:$PORT ($DIR)"
  print_env
  exit 0
fi

# Another process on one of our ports would answer in our place: refuse rather than test against it.
for p in "$PORT" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT" "$MEMCACHED_PORT"; do
  if listening "$p"; then die "127.0.0.1:$p is in use (another object store?): stop it, or choose OBJECT_STORE_PORT"; fi
done

mkdir -p "$DIR/srv/d1" "$DIR/log"
[ "$(id -u)" = 0 ] && chown -R "$OWNER:" "$DIR"

# Every configuration names this folder as its swift_dir: swift.conf and the rings are read from here, not /etc/swift.
cat >"$DIR/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = messagerie-pro-test
swift_hash_path_prefix = messagerie-pro-test
[storage-policy:0]
name = Policy-0
default = yes
[swift-constraints]
CONF

common() {
  cat <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
user = $OWNER
swift_dir = $DIR
devices = $DIR/srv
mount_check = false
workers = 0
log_level = WARNING
log_address = /nonexistent
log_udp_host =
CONF
}
for server in account container object; do
  case $server in
    account) p=$ACCOUNT_PORT ;;
    container) p=$CONTAINER_PORT ;;
    object) p=$OBJECT_PORT ;;
  esac
  {
    common "$p"
    printf '\n[pipeline:main]\npipeline = %s-server\n\n[app:%s-server]\nuse = egg:swift#%s\n' "$server" "$server" "$server"
  } >"$DIR/$server-server.conf"
done

{
  common "$PORT"
  cat <<CONF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
} >"$DIR/proxy-server.conf"

# The three rings in one Python run (the ring builder's start-up is most of the time): one device, one replica.
# Debian's Python, where python3-swift is (not another python3 that may come first in PATH).
if [ ! -f "$DIR/object.ring.gz" ]; then
  /usr/bin/python3 - "$DIR" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT" <<'PY'
import sys
from swift.common.ring import RingBuilder
folder, ports = sys.argv[1], dict(zip(("account", "container", "object"), map(int, sys.argv[2:5])))
for name, port in ports.items():
    builder = RingBuilder(8, 1, 1)
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port, "device": "d1", "weight": 100, "meta": ""})
    builder.rebalance()
    builder.save(f"{folder}/{name}.builder")
    builder.get_ring().save(f"{folder}/{name}.ring.gz")
PY
  [ "$(id -u)" = 0 ] && chown "$OWNER:" "$DIR"/*.ring.gz "$DIR"/*.builder
fi

# Starts a command in the background as the owner, detached from this shell, its PID in a file.
spawn() {
  local name="$1"
  shift
  alive "$DIR/$name.pid" && return 0
  as_owner bash -c 'log="$1" pid="$2"; shift 2; setsid "$@" >>"$log" 2>&1 </dev/null & echo $! >"$pid"' spawn "$DIR/log/$name.log" "$DIR/$name.pid" "$@"
}

spawn memcached memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64
for server in account container object proxy; do
  spawn "$server" "swift-$server-server" "$DIR/$server-server.conf"
done

end=$((SECONDS + 30))
for p in "$MEMCACHED_PORT" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT"; do
  until listening "$p"; do
    [ $SECONDS -lt $end ] || die "nothing listens on 127.0.0.1:$p after 30 s: see $DIR/log"
    sleep 0.2
  done
done
until [ "$(curl -fsS "http://127.0.0.1:$PORT/healthcheck" 2>/dev/null)" = OK ]; do
  [ $SECONDS -lt $end ] || die "the proxy does not answer on 127.0.0.1:$PORT after 30 s: see $DIR/log/proxy.log"
  sleep 0.2
done
log "Swift's S3 API on http://127.0.0.1:$PORT ($DIR)"
print_env
