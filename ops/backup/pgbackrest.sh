#!/usr/bin/env bash
# Backups of the PostgreSQL server with pgBackRest (Debian's `pgbackrest`): continuous WAL archiving, full and
# differential backups, and restores to the latest state or to a point in time on a fresh instance
# (docs/operations.md, « Sauvegardes et restauration »).
#
#   ops/backup/pgbackrest.sh configure           writes the configuration (BACKUP_DIR/pgbackrest.conf) and prints the
#                                                PostgreSQL settings to add (archive_mode, archive_command, archive_timeout)
#   ops/backup/pgbackrest.sh stanza-create       creates the stanza in the repository, then checks that archiving works
#   ops/backup/pgbackrest.sh check               forces a WAL switch and waits until that segment is in the repository
#   ops/backup/pgbackrest.sh backup [full|diff]  takes a backup (full by default), while the server runs
#   ops/backup/pgbackrest.sh info                lists the backups and the archived WAL range (JSON with INFO_JSON=1)
#   ops/backup/pgbackrest.sh restore DIR [TIME]  restores into the empty folder DIR: to the end of the archive, or to
#                                                TIME (« 2026-12-05 01:02:03.456+00 »); the instance started on DIR
#                                                replays the archive up to there and is promoted. pgBackRest picks
#                                                the newest backup that ended before TIME (to the second); BACKUP_SET
#                                                names one (a label of `info`) for a TIME within a second of its end
#
# Settings (environment):
#   BACKUP_DIR   the configuration, the logs and the lock files; the repository too when no object store is set
#                (BACKUP_DIR/repo). Default /var/lib/messagerie-pro/backup.
#   PG_DATA      the data folder of the instance backed up; PG_PORT its port (default 5432); PG_SOCKET its Unix
#                socket folder (default /var/run/postgresql).
#   STANZA       the name of the backed up cluster in the repository (default messagerie).
#   RETENTION_FULL  full backups kept (default 2: with a weekly full backup, two weeks of point-in-time recovery).
#   S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: the repository is put in that bucket
#                (prefix /pgbackrest, path-style addressing). pgBackRest speaks to S3 over TLS only: the endpoint must
#                be HTTPS (https://host[:port]); S3_CA_FILE names the certificate authority that signed its certificate
#                when it is not one of the system's (a TLS terminator in front of Swift's S3 API, for instance).
# Run as root, pgBackRest runs as the `postgres` user, the owner of the data folder.
set -euo pipefail

BACKUP_DIR="${BACKUP_DIR:-/var/lib/messagerie-pro/backup}"
PG_DATA="${PG_DATA:-}"
PG_PORT="${PG_PORT:-5432}"
PG_SOCKET="${PG_SOCKET:-/var/run/postgresql}"
STANZA="${STANZA:-messagerie}"
RETENTION_FULL="${RETENTION_FULL:-2}"
CONF="$BACKUP_DIR/pgbackrest.conf"

die() { printf '[backup] %s\n' "$*" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pgbr() { as_owner pgbackrest --config="$CONF" --stanza="$STANZA" "$@"; }
# The instance named by PG_DATA, PG_PORT and PG_SOCKET now, over the configuration: with Patroni, the primary of the
# moment (ops/ha/cluster.sh primary) — a backup is taken from it, and a failover changes which node that is.
pgbr_on() {
  if [ -n "$PG_DATA" ]; then pgbr --pg1-path="$PG_DATA" --pg1-port="$PG_PORT" --pg1-socket-path="$PG_SOCKET" "$@"; else pgbr "$@"; fi
}

command -v pgbackrest >/dev/null 2>&1 || die "missing pgbackrest: apt-get install pgbackrest"

configure() {
  [ -n "$PG_DATA" ] || die "PG_DATA: the data folder of the instance to back up"
  mkdir -p "$BACKUP_DIR/log" "$BACKUP_DIR/lock" "$BACKUP_DIR/spool"
  local repo
  if [ -n "${S3_ENDPOINT:-}" ]; then
    case "$S3_ENDPOINT" in https://*) ;; *) die "S3_ENDPOINT: pgBackRest needs an HTTPS endpoint, not $S3_ENDPOINT" ;; esac
    local host="${S3_ENDPOINT#https://}"
    host="${host%%/*}"
    local port=443
    if [ "${host##*:}" != "$host" ]; then port="${host##*:}"; host="${host%:*}"; fi
    repo="repo1-type=s3
repo1-path=/pgbackrest
repo1-s3-endpoint=$host
repo1-storage-port=$port${S3_CA_FILE:+
repo1-storage-ca-file=$S3_CA_FILE}
repo1-s3-bucket=${S3_BUCKET:?S3_BUCKET}
repo1-s3-region=${S3_REGION:-us-east-1}
repo1-s3-key=${S3_ACCESS_KEY_ID:?S3_ACCESS_KEY_ID}
repo1-s3-key-secret=${S3_SECRET_ACCESS_KEY:?S3_SECRET_ACCESS_KEY}
repo1-s3-uri-style=path"
  else
    mkdir -p "$BACKUP_DIR/repo"
    repo="repo1-path=$BACKUP_DIR/repo"
  fi
  cat >"$CONF" <<CONF
[global]
$repo
repo1-retention-full=$RETENTION_FULL
# Small files bundled into larger objects: a few requests to the store instead of one per relation file.
repo1-bundle=y
process-max=2
log-path=$BACKUP_DIR/log
lock-path=$BACKUP_DIR/lock
spool-path=$BACKUP_DIR/spool
log-level-console=warn
log-level-file=info
start-fast=y
compress-type=lz4
archive-async=n

[$STANZA]
pg1-path=$PG_DATA
pg1-port=$PG_PORT
pg1-socket-path=$PG_SOCKET
CONF
  chmod 600 "$CONF"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$BACKUP_DIR"; fi
  # What the instance needs: every WAL segment pushed to the repository, at least once a minute (the recovery point).
  printf "archive_mode = on\narchive_command = 'pgbackrest --config=%s --stanza=%s archive-push %%p'\narchive_timeout = 60\nwal_level = replica\n" "$CONF" "$STANZA"
}

case "${1:-}" in
  configure) configure ;;
  stanza-create) pgbr_on stanza-create && pgbr_on check ;;
  check) pgbr_on check ;;
  backup) pgbr_on backup --type="${2:-full}" ;;
  info)
    if [ "${INFO_JSON:-0}" = 1 ]; then pgbr info --output=json; else pgbr info; fi
    ;;
  restore)
    target_dir="${2:-}"
    [ -n "$target_dir" ] || die "restore DIR [TIME]: the empty folder to restore into"
    if [ -d "$target_dir" ] && [ -n "$(ls -A "$target_dir")" ]; then die "restore: $target_dir is not empty"; fi
    mkdir -p "$target_dir"
    chmod 700 "$target_dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$target_dir"; fi
    set_option=()
    if [ -n "${BACKUP_SET:-}" ]; then set_option=(--set="$BACKUP_SET"); fi
    if [ -n "${3:-}" ]; then
      pgbr restore --pg1-path="$target_dir" "${set_option[@]}" --type=time --target="$3" --target-action=promote
    else
      pgbr restore --pg1-path="$target_dir" "${set_option[@]}" --type=default
    fi
    ;;
  *)
    sed -n '2,27p' "$0" >&2
    exit 2
    ;;
esac
