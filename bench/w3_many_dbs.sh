#!/usr/bin/env bash
# W3, many databases: 200 databases of 10 small tables each. Times a full
# dump with ours and the reference side by side.
# Usage: bench/w3_many_dbs.sh [RUNS]   env: DBS=200 TABLES=10
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
DBS=${DBS:-200}; TABLES=${TABLES:-10}
start_cluster
psql_run -d template1 <<SQL
DO \$\$
BEGIN
  FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE small%s (id int PRIMARY KEY, v text)', i);
    EXECUTE format('INSERT INTO small%s SELECT g, md5(g::text) FROM generate_series(1, 100) g', i);
  END LOOP;
END \$\$;
SQL
for i in $(seq "$DBS"); do echo "CREATE DATABASE db$i;"; done | psql_run >/dev/null
# template1 itself holds the tables too; that is part of the workload.
"$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ref.sql"
"$OURS" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ours.sql"
if cmp -s <(grep -av '^-- Dumped by' "$BENCH_DIR/ref.sql") <(grep -av '^-- Dumped by' "$BENCH_DIR/ours.sql"); then
  echo "outputs: byte-identical"
else echo "outputs: DIFFER" >&2; exit 1; fi
time_best "reference pg_dumpall" "$RUNS" "$REFBIN/pg_dumpall" "${CONN[@]}"; REF=$LAST_TIME
time_best "pgdumpall-rs" "$RUNS" "$OURS" "${CONN[@]}"; OURS_T=$LAST_TIME
echo "ratio (ours / reference): $(echo "scale=3; $OURS_T / $REF" | bc)"
time_jobs "$REF" "$RUNS" 2 4   # -j variants: same bytes, then timed
