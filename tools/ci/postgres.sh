#!/usr/bin/env bash
# Makes a local PostgreSQL ready for the database tests and prints their connection URL.
#
#   tools/ci/postgres.sh                           # progress on stderr, the URL as the last stdout line
#   export GLANCE_TEST_POSTGRES_URL="$(tools/ci/postgres.sh | tail -n 1)"
#
# Idempotent, for Debian (bookworm) as root: installs the postgresql package when pg_ctlcluster is
# missing, starts the newest installed cluster named "main", and creates (or re-grants) the role
# glance_test with LOGIN CREATEDB: each test file creates its own database and drops it afterwards.
# The role's password is fixed and public: this is a throw-away test server on loopback only.
set -euo pipefail

ROLE=glance_test
PASSWORD=glance_test
HOST=127.0.0.1
CLUSTER=main
WAIT_SECONDS=60

log() { echo "postgres.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (it may install packages and starts the cluster as the postgres user)"

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

# The newest major version that has a "main" cluster; Debian's package creates one on install.
version="$(pg_lsclusters --no-header | awk -v name="$CLUSTER" '$2 == name { print $1 }' | sort -V | tail -n 1)"
if [ -z "$version" ]; then
  # Installed without a cluster (create_main_cluster = false in createcluster.conf): make one.
  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  [ -n "$version" ] || die "no PostgreSQL server under /usr/lib/postgresql"
  log "creating cluster $version $CLUSTER"
  pg_createcluster "$version" "$CLUSTER" >&2
fi

cluster_field() { pg_lsclusters --no-header "$version" "$CLUSTER" | awk -v field="$1" '{ print $field }'; }
port="$(cluster_field 3)"
if [ "$(cluster_field 4)" != "online" ]; then
  log "starting cluster $version $CLUSTER"
  pg_ctlcluster "$version" "$CLUSTER" start >&2
fi

# psql as the postgres superuser over the local socket (peer authentication); `cd /` because the
# postgres user cannot read root's working directory.
as_postgres_psql() {
  (cd / && runuser -u postgres -- psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -p "$port" "$@")
}

for _ in $(seq "$WAIT_SECONDS"); do
  as_postgres_psql -tAc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 1
done

# Create the role, or bring an existing one back to the attributes the tests rely on.
as_postgres_psql >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL

# Ready means: accepts TCP on loopback and the role logs in with its password (pg_hba allows it).
ready=false
for _ in $(seq "$WAIT_SECONDS"); do
  if PGPASSWORD="$PASSWORD" PGCONNECT_TIMEOUT=2 psql --no-psqlrc -h "$HOST" -p "$port" -U "$ROLE" -d postgres \
    -tAc 'SELECT 1' >/dev/null 2>&1; then
    ready=true
    break
  fi
  sleep 1
done
$ready || die "PostgreSQL $version does not accept password logins for $ROLE on $HOST:$port (see /var/log/postgresql/postgresql-$version-$CLUSTER.log)"

log "PostgreSQL $version ready on $HOST:$port"
echo "postgresql://$ROLE:$PASSWORD@$HOST:$port/postgres"
