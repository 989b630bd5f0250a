#!/bin/bash
# Entry point of the glance-ts/ceph test image: creates a fresh single-host Ceph cluster (new
# random fsid) at every container start and keeps it running in the foreground.
#
#   docker run --rm glance-ts/ceph:test                       # memstore OSD, pools "images volumes"
#   docker run --rm -e CEPH_OSD=bluestore -e CEPH_OSD_SIZE_GIB=12 glance-ts/ceph:test
#
# Environment:
#   CEPH_POOLS         pools to create and `rbd pool init` (default "images volumes")
#   CEPH_OSD           memstore (data in RAM, default) or bluestore (sparse file in the container)
#   CEPH_OSD_SIZE_GIB  memstore_device_bytes or bluestore_block_size (default 1 / 10)
#   CEPH_MGR           1 starts a ceph-mgr too (pool statistics in `ceph -s`; ~310 MiB RSS); default 0
#   CEPH_PG_NUM        placement groups per pool (default 8)
#
# One mon (name a, ports 3300 msgr2 and 6789 msgr1) and one OSD (osd.0) bound to the container's
# own IP: the mon advertises that address, so clients outside must reach it on the bridge network
# (mapped ports do not work). cephx is on; /etc/ceph/ceph.conf and
# /etc/ceph/ceph.client.admin.keyring are written for clients. When all pools answer, one line is
# printed to stdout:
#   CEPH READY fsid=<fsid> mon=<ip>:3300
# On SIGTERM/SIGINT the OSD (and mgr) are stopped before the mon (else each waits for a dead mon).
set -euo pipefail

POOLS="${CEPH_POOLS:-images volumes}"
OSD_STORE="${CEPH_OSD:-memstore}"
MGR="${CEPH_MGR:-0}"
PG_NUM="${CEPH_PG_NUM:-8}"
case "$OSD_STORE" in
  memstore) SIZE_GIB="${CEPH_OSD_SIZE_GIB:-1}" ;;
  bluestore) SIZE_GIB="${CEPH_OSD_SIZE_GIB:-10}" ;;
  *)
    echo "ceph-test: CEPH_OSD must be memstore or bluestore, not '$OSD_STORE'" >&2
    exit 2
    ;;
esac
SIZE_BYTES=$((SIZE_GIB * 1024 * 1024 * 1024))

log() { echo "ceph-test: $*" >&2; }
die() {
  log "$*"
  for f in /var/log/ceph/*.log; do
    [ -s "$f" ] && { log "--- tail of $f"; tail -n 20 "$f" >&2; }
  done
  exit 1
}

IP="$(hostname -i | awk '{ print $1 }')"
[ -n "$IP" ] || die "cannot find the container's IP address"
FSID="$(cat /proc/sys/kernel/random/uuid)"
OSD_UUID="$(cat /proc/sys/kernel/random/uuid)"
MON_ADDRS="[v2:$IP:3300,v1:$IP:6789]"

MON_PID='' OSD_PID='' MGR_PID=''
stop() {
  log "stopping"
  for pid in $OSD_PID $MGR_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $OSD_PID $MGR_PID; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$MON_PID" ]; then
    kill -TERM "$MON_PID" 2>/dev/null || true
    wait "$MON_PID" 2>/dev/null || true
  fi
  exit 0
}
trap stop TERM INT

mkdir -p /etc/ceph /var/lib/ceph/mon/ceph-a /var/lib/ceph/osd/ceph-0 /var/lib/ceph/mgr/ceph-x \
  /var/log/ceph /var/run/ceph /tmp/ceph

cat >/etc/ceph/ceph.conf <<CONF
[global]
fsid = $FSID
mon_initial_members = a
mon_host = $MON_ADDRS
public_addr = $IP
cluster_addr = $IP
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = $PG_NUM
osd_pool_default_pgp_num = $PG_NUM
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_allow_pool_delete = true
osd_crush_chooseleaf_type = 0
paxos_propose_interval = 0.1
mon_data_avail_warn = 5
mon_data_avail_crit = 1
# Clients are 16.2.15 too (patched for CVE-2021-20288): no insecure global_id reclaim, no warning.
auth_allow_insecure_global_id_reclaim = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
# Daemon logs go to files only (a failed start prints their tails).
log_to_stderr = false
err_to_stderr = false
log_file = /var/log/ceph/\$cluster-\$name.log

[mon]
mon_data = /var/lib/ceph/mon/ceph-\$id

[mgr]
mgr_data = /var/lib/ceph/mgr/ceph-\$id

[osd]
osd_data = /var/lib/ceph/osd/ceph-\$id
osd_objectstore = $OSD_STORE
memstore_device_bytes = $SIZE_BYTES
bluestore_block_create = true
bluestore_block_size = $SIZE_BYTES
bluestore_cache_autotune = false
bluestore_cache_size = 134217728
osd_memory_target_autotune = false
CONF

ceph-authtool --create-keyring /tmp/ceph/mon.keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring /etc/ceph/ceph.client.admin.keyring --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
# The OSD's (and mgr's) keys go into the mon's initial keyring: no `ceph auth` round trips later.
ceph-authtool --create-keyring /var/lib/ceph/osd/ceph-0/keyring --gen-key -n osd.0 \
  --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
ceph-authtool --create-keyring /var/lib/ceph/mgr/ceph-x/keyring --gen-key -n mgr.x \
  --cap mon 'allow profile mgr' --cap osd 'allow *' --cap mds 'allow *' >/dev/null
for k in /etc/ceph/ceph.client.admin.keyring /var/lib/ceph/osd/ceph-0/keyring /var/lib/ceph/mgr/ceph-x/keyring; do
  ceph-authtool /tmp/ceph/mon.keyring --import-keyring "$k" >/dev/null
done

monmaptool --create --addv a "$MON_ADDRS" --fsid "$FSID" /tmp/ceph/monmap >/dev/null
ceph-mon --mkfs -i a --monmap /tmp/ceph/monmap --keyring /tmp/ceph/mon.keyring
ceph-mon -f -i a &
MON_PID=$!

# The OSD's store is made while the mon starts.
ceph-osd -i 0 --mkfs --osd-uuid "$OSD_UUID" --no-mon-config >/var/log/ceph/osd-mkfs.log 2>&1 ||
  die "ceph-osd --mkfs failed: $(tail -n 5 /var/log/ceph/osd-mkfs.log)"

c() { timeout 60 ceph --connect-timeout 30 "$@"; }
c osd new "$OSD_UUID" 0 >/dev/null || die "ceph osd new failed"
# Pools are created before the OSD is up: the mon does it at once, PGs peer when the OSD boots.
for pool in $POOLS; do
  c osd pool create "$pool" "$PG_NUM" "$PG_NUM" replicated >/dev/null 2>&1 || die "cannot create pool $pool"
  c osd pool application enable "$pool" rbd >/dev/null 2>&1 || die "cannot enable rbd on pool $pool"
done

ceph-osd -f -i 0 &
OSD_PID=$!
if [ "$MGR" = 1 ]; then
  ceph-mgr -f -i x &
  MGR_PID=$!
fi

for pool in $POOLS; do
  timeout 120 rbd pool init "$pool" || die "rbd pool init $pool failed"
done

# The same line in a file, for clients that exec into the container instead of reading logs.
echo "CEPH READY fsid=$FSID mon=$IP:3300" | tee /etc/ceph/ready

# Runs until SIGTERM (trap above); a daemon that dies ends the container with an error.
while true; do
  for pid in $MON_PID $OSD_PID $MGR_PID; do
    kill -0 "$pid" 2>/dev/null || die "a Ceph daemon (pid $pid) exited"
  done
  sleep 1 &
  wait $! || true
done
