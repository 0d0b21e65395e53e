#!/usr/bin/env bash
# Makes sure the Redis and PostgreSQL the scale-out tests use are up, starting them with the
# machine's own commands when they are not (development and CI machines run both as services;
# see the README, "Tests"), and prints the two environment variables that point the tests at
# them. Source it or eval its output:   eval "$(bash scripts/test-services.sh)"
# A machine without them gets a message on stderr and no variables: those tests are skipped.
set -uo pipefail

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! redis_up && command -v redis-server >/dev/null; then
  echo "starting Redis on 127.0.0.1:6379" >&2
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
fi
if ! pg_up && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  echo "starting PostgreSQL on 127.0.0.1:5432" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >&2
  for _ in $(seq 100); do pg_up && break; sleep 0.1; done
fi

if redis_up; then
  echo "export ASSAY_TEST_REDIS_URL=redis://127.0.0.1:6379"
else
  echo "Redis is not available on 127.0.0.1:6379: the BullMQ tests will be skipped" >&2
fi
if pg_up; then
  echo "export ASSAY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test"
else
  echo "PostgreSQL is not available on 127.0.0.1:5432: the PostgreSQL tests will be skipped" >&2
fi
