#!/usr/bin/env bash
# Builds the single-host Ceph image used by the e2e tests (libs/testing: startCephCluster).
#
#   tools/ceph/build.sh         # as root, with a running Docker engine (tools/ci/docker.sh)
#
# No container registry is reachable, so nothing is pulled: the base image is a Debian bookworm
# rootfs made with debootstrap (minbase) plus Debian's Ceph 16.2.15 packages, imported with
# `docker import`; the Dockerfile beside this script adds entrypoint.sh on top of it.
#
# Images:
#   glance-ts/ceph-base:<hash of the package list>   the imported rootfs
#   glance-ts/ceph:16.2.15-<hash of tools/ceph/*>     the test image
#   glance-ts/ceph:test                               stable tag the tests use (points at the above)
#
# Caching: when the content-hash tag already exists in the engine, only the stable tag is
# (re)pointed and the script exits at once. The debootstrap rootfs tarball is kept under
# /var/cache/glance-ts/, so a changed Dockerfile or entrypoint.sh does not redo debootstrap, nor
# does a wiped /var/lib/docker. Progress goes to stderr; the image name is the last stdout line.
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), CACHE_DIR.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CACHE_DIR="${CACHE_DIR:-/var/cache/glance-ts}"
CEPH_VERSION=16.2.15
# ceph-mgr is installed but only started when the container gets CEPH_MGR=1 (it costs ~310 MiB).
PACKAGES=(ceph-mon ceph-osd ceph-mgr ceph-common iproute2 procps)
REPO=glance-ts/ceph
STABLE_TAG="$REPO:test"

log() { echo "build.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot need it)"
docker info >/dev/null 2>&1 || die "no Docker engine: run tools/ci/docker.sh first"

content_hash="$(cd "$HERE" && cat build.sh Dockerfile entrypoint.sh | sha256sum | cut -c1-12)"
IMAGE="$REPO:$CEPH_VERSION-$content_hash"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  docker tag "$IMAGE" "$STABLE_TAG"
  log "$IMAGE already built (tagged $STABLE_TAG)"
  echo "$IMAGE"
  exit 0
fi

start=$SECONDS
base_hash="$(printf '%s\n' "$SUITE" "$MIRROR" "${PACKAGES[@]}" | sha256sum | cut -c1-12)"
BASE="glance-ts/ceph-base:$base_hash"
tarball="$CACHE_DIR/ceph-rootfs-$SUITE-$base_hash.tar"

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  if [ ! -s "$tarball" ]; then
    mkdir -p "$CACHE_DIR"
    rootfs="$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")"
    cleanup() {
      for m in dev/pts dev proc sys; do
        mountpoint -q "$rootfs/$m" 2>/dev/null && umount -l "$rootfs/$m"
      done
      rm -rf --one-file-system "$rootfs"
    }
    trap cleanup EXIT
    log "debootstrap $SUITE into $rootfs"
    debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >&2
    mount -t proc proc "$rootfs/proc"
    mount --bind /dev "$rootfs/dev"
    mount --bind /dev/pts "$rootfs/dev/pts"
    # No daemon may start inside the chroot while packages are installed.
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod +x "$rootfs/usr/sbin/policy-rc.d"
    log "installing ${PACKAGES[*]} in the rootfs"
    chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
      sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${PACKAGES[*]} && apt-get clean" >&2
    for m in dev/pts dev proc; do umount -l "$rootfs/$m"; done
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/tmp/* "$rootfs/usr/sbin/policy-rc.d"
    rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    : >"$rootfs/etc/resolv.conf"
    tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    cleanup
    trap - EXIT
    log "rootfs cached in $tarball after $((SECONDS - start)) s"
  fi
  log "importing $tarball as $BASE"
  docker import "$tarball" "$BASE" >/dev/null
fi

log "building $IMAGE"
# The legacy builder: it needs no buildx plugin and the base image is local. Its output is shown
# only when the build fails.
build_log="$(mktemp)"
if ! DOCKER_BUILDKIT=0 docker build --build-arg "BASE=$BASE" \
  --label "glance-ts.ceph.content-hash=$content_hash" -t "$IMAGE" -t "$STABLE_TAG" "$HERE" >"$build_log" 2>&1; then
  cat "$build_log" >&2
  rm -f "$build_log"
  die "docker build failed"
fi
rm -f "$build_log"
# Images of earlier versions of these files are no longer used.
docker images --format '{{.Repository}}:{{.Tag}}' "$REPO" | grep -v -x -F -e "$IMAGE" -e "$STABLE_TAG" |
  xargs -r docker rmi >/dev/null 2>&1 || true
log "$IMAGE built in $((SECONDS - start)) s (tagged $STABLE_TAG)"
echo "$IMAGE"
