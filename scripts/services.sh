#!/usr/bin/env bash
# Starts the local services casefile's tests talk to, when they are not
# already answering: PostgreSQL (the Debian cluster, for the postgres
# store and team accounts) on 127.0.0.1:5432 and NATS with JetStream on
# 127.0.0.1:4222. Idempotent; waits up to 30 s for each and says what it
# did. A service whose program is not installed is reported and skipped
# (its tests skip too).
set -uo pipefail

wait_for() { # name, check command...
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "services: $name did not come up within 30 s" >&2
  return 1
}

tcp_open() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

status=0

# PostgreSQL
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "services: PostgreSQL already running on 127.0.0.1:5432"
elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "services: starting PostgreSQL $version (cluster main)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  if wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "services: PostgreSQL $version is up on 127.0.0.1:5432"
  else
    status=1
  fi
else
  echo "services: PostgreSQL is not installed (apt-get install postgresql); its tests will skip"
fi

# NATS with JetStream
if tcp_open 127.0.0.1 4222; then
  echo "services: NATS already running on 127.0.0.1:4222"
elif [ -x /usr/sbin/nats-server ]; then
  echo "services: starting NATS with JetStream"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  if wait_for NATS tcp_open 127.0.0.1 4222; then
    echo "services: NATS is up on 127.0.0.1:4222"
  else
    status=1
  fi
else
  echo "services: nats-server is not installed (apt-get install nats-server); its tests will skip"
fi

exit $status
