#!/usr/bin/env bash
# W4, catalog-heavy like a real schema: one database with 5,000 tables
# (`id serial PRIMARY KEY, name text NOT NULL, qty int CHECK (qty >= 0),
# price numeric(10,2), created timestamptz`, an index on name, a comment
# and a grant, 3 rows each), 2,000 plpgsql functions and 500 views.
# Checks byte identity, then times ours and the reference side by side
# (best of RUNS) with the peak RSS of each whole process tree.
# Usage: bench/w4_catalog_real.sh [RUNS]   env: TABLES=5000 FUNCS=2000 VIEWS=500
#   JOBS="4" (the -j values run after -j1, each checked for byte identity
#   first; JOBS="" for -j1 alone)
# (bench/w5_50k_tables.sh runs it with TABLES=50000.)
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
TABLES=${TABLES:-5000}; FUNCS=${FUNCS:-2000}; VIEWS=${VIEWS:-500}
JOBS=${JOBS-4}
start_cluster
psql_run -c "CREATE ROLE reader" -c "CREATE DATABASE cat"
# One transaction per 1,000 tables keeps the lock table small.
for start in $(seq 1 1000 "$TABLES"); do
  end=$((start + 999)); [ "$end" -gt "$TABLES" ] && end=$TABLES
  psql_run -d cat <<SQL
DO \$\$
BEGIN
  FOR i IN $start..$end LOOP
    EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, name text NOT NULL, qty int CHECK (qty >= 0), price numeric(10,2), created timestamptz)', i);
    EXECUTE format('CREATE INDEX t%s_name ON t%s (name)', i, i);
    EXECUTE format('COMMENT ON TABLE t%s IS %L', i, 'table ' || i);
    EXECUTE format('GRANT SELECT ON t%s TO reader', i);
    EXECUTE format('INSERT INTO t%s (name, qty, price, created) SELECT %L || g, g, g * 1.5, %L::timestamptz + g * interval %L FROM generate_series(1, 3) g',
                   i, 'item ', '2024-01-01 00:00:00+00', '1 hour');
  END LOOP;
END \$\$;
SQL
done
psql_run -d cat <<SQL
DO \$\$
BEGIN
  FOR i IN 1..$FUNCS LOOP
    EXECUTE format('CREATE FUNCTION f%s(a int) RETURNS int LANGUAGE plpgsql AS %L', i, 'BEGIN RETURN a + ' || i || '; END');
  END LOOP;
  FOR i IN 1..$VIEWS LOOP
    EXECUTE format('CREATE VIEW v%s AS SELECT id, name, price FROM t%s WHERE qty > %s', i, i, i);
  END LOOP;
END \$\$;
SQL
psql_run -d cat -c "VACUUM ANALYZE" >/dev/null
"$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ref.sql"
"$OURS" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ours.sql"
check_identical "$BENCH_DIR/ref.sql" "$BENCH_DIR/ours.sql"
REF_CMD=("$REFBIN/pg_dumpall" "${CONN[@]}")
OURS_CMD=("$OURS" "${CONN[@]}")
side_by_side "W4 $TABLES tables, $FUNCS functions, $VIEWS views, -j1" "$RUNS"
for j in $JOBS; do
  "$OURS" "${CONN[@]}" --restrict-key=K -j "$j" > "$BENCH_DIR/ours.sql"
  check_identical "$BENCH_DIR/ref.sql" "$BENCH_DIR/ours.sql"
  OURS_CMD=("$OURS" "${CONN[@]}" -j "$j")
  side_by_side "W4 $TABLES tables, $FUNCS functions, $VIEWS views, ours -j$j" "$RUNS"
done
