#!/usr/bin/env bash
# Makes a local Docker engine ready for the testcontainers-based tests (libs/testing).
#
#   tools/ci/docker.sh          # as root; progress on stderr, exits 0 once `docker info` answers
#
# Idempotent, for Debian (bookworm) as root: installs the docker.io package when dockerd is
# missing, starts dockerd in the background (storage driver overlay2, log in /var/log/dockerd.log)
# when `docker info` fails, and waits until the engine answers. No registry is reachable from
# these machines: images are built locally (tools/ceph/build.sh), never pulled.
set -euo pipefail

WAIT_SECONDS=30
LOG_FILE=/var/log/dockerd.log

log() { echo "docker.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (it may install packages and starts dockerd)"

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends docker.io >&2
fi

if docker info >/dev/null 2>&1; then
  log "Docker engine already running"
  exit 0
fi

# A dockerd of ours may still be starting (e.g. two callers at once): only start one when none runs.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: $LOG_FILE)"
  # setsid + nohup: dockerd outlives this script and the CI shell that called it.
  setsid nohup dockerd --storage-driver overlay2 >>"$LOG_FILE" 2>&1 </dev/null &
fi

for _ in $(seq "$((WAIT_SECONDS * 2))"); do
  if docker info >/dev/null 2>&1; then
    log "Docker engine ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    exit 0
  fi
  sleep 0.5
done
die "dockerd did not answer within ${WAIT_SECONDS} s (see $LOG_FILE)"
