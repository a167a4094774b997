#!/usr/bin/env bash
# W10, one big table: nothing for -j to split (one database, one table), so
# -j2 must be no slower than -j1. Times a full dump to /dev/null with the
# reference, ours and ours -j2 side by side, after checking the bytes.
# Usage: bench/w10_big_table.sh [RUNS]   env: ROWS=3000000
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
ROWS=${ROWS:-3000000}
start_cluster
psql_run -c "CREATE DATABASE big"
psql_run -d big <<SQL
CREATE TABLE big (id int PRIMARY KEY, name text, price float8, at timestamptz);
INSERT INTO big SELECT g, md5(g::text), g / 7.0, timestamptz '2024-01-01' + g * interval '1 s'
  FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE big;
SQL
psql_run -Atc "SELECT pg_size_pretty(pg_database_size('big'))"
"$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ref.sql"
"$OURS" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ours.sql"
check_identical "$BENCH_DIR/ref.sql" "$BENCH_DIR/ours.sql"
rm -f "$BENCH_DIR/ref.sql" "$BENCH_DIR/ours.sql"
time_best "reference pg_dumpall" "$RUNS" "$REFBIN/pg_dumpall" "${CONN[@]}"; REF=$LAST_TIME
time_best "pgdumpall-rs" "$RUNS" "$OURS" "${CONN[@]}"; OURS_T=$LAST_TIME
echo "ratio (ours / reference): $(echo "scale=3; $OURS_T / $REF" | bc)"
time_jobs "$REF" "$RUNS" 2
