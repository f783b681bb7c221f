#!/usr/bin/env bash
# Stops the object store of ops/object-store/start.sh (the same OBJECT_STORE_DIR) and deletes its folder.
set -euo pipefail

DIR="${OBJECT_STORE_DIR:-/tmp/messagerie-pro-s3}"
[ -d "$DIR" ] || exit 0
for name in proxy object container account memcached; do
  pidfile="$DIR/$name.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  # The servers run in a session of their own (setsid): their workers go with them.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
done
for name in proxy object container account memcached; do
  pidfile="$DIR/$name.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
done
rm -rf "$DIR"
