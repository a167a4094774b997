#!/usr/bin/env bash
# W2, catalog-heavy: one database with 5,000 tables (primary key, check
# constraint, index, comment, grant each), 2,000 plpgsql functions and 500
# views. Times a full dump and counts the statements each tool sends
# (log_statement = all).
# Usage: bench/w2_catalog.sh [RUNS]   env: TABLES=5000 FUNCS=2000 VIEWS=500
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
TABLES=${TABLES:-5000}; FUNCS=${FUNCS:-2000}; VIEWS=${VIEWS:-500}
start_cluster
psql_run -c "CREATE ROLE reader" -c "CREATE DATABASE cat"
psql_run -d cat <<SQL
DO \$\$
BEGIN
  FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, v text CHECK (v <> %L), n int)', i, 'x');
    EXECUTE format('CREATE INDEX t%s_n ON t%s (n)', i, i);
    EXECUTE format('COMMENT ON TABLE t%s IS %L', i, 'table ' || i);
    EXECUTE format('GRANT SELECT ON t%s TO reader', i);
  END LOOP;
  FOR i IN 1..$FUNCS LOOP
    EXECUTE format('CREATE FUNCTION f%s(a int) RETURNS int LANGUAGE plpgsql AS %L', i, 'BEGIN RETURN a + ' || i || '; END');
  END LOOP;
  FOR i IN 1..$VIEWS LOOP
    EXECUTE format('CREATE VIEW v%s AS SELECT id, v FROM t%s WHERE n > %s', i, i, i);
  END LOOP;
END \$\$;
SQL
"$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ref.sql"
"$OURS" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ours.sql"
if cmp -s <(grep -av '^-- Dumped by' "$BENCH_DIR/ref.sql") <(grep -av '^-- Dumped by' "$BENCH_DIR/ours.sql"); then
  echo "outputs: byte-identical ($(wc -l < "$BENCH_DIR/ref.sql") lines)"
else echo "outputs: DIFFER" >&2; exit 1; fi
count_statements() {
  psql_run -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  local before; before=$(wc -l < "$BENCH_DIR/log")
  "$@" >/dev/null
  sleep 0.5
  local n; n=$(tail -n +"$((before + 1))" "$BENCH_DIR/log" | grep -c 'LOG:  \(statement\|execute\)')
  psql_run -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
  echo "$n"
}
echo "statements sent: reference $(count_statements "$REFBIN/pg_dumpall" "${CONN[@]}"), ours $(count_statements "$OURS" "${CONN[@]}")"
time_best "reference pg_dumpall" "$RUNS" "$REFBIN/pg_dumpall" "${CONN[@]}"; REF=$LAST_TIME
time_best "pgdumpall-rs" "$RUNS" "$OURS" "${CONN[@]}"; OURS_T=$LAST_TIME
echo "ratio (ours / reference): $(echo "scale=3; $OURS_T / $REF" | bc)"
time_jobs "$REF" "$RUNS" 2 4   # -j variants: same bytes, then timed
