#!/usr/bin/env bash
# W6, large objects: LOBS small large objects (a few bytes each) in one
# database, dumped by ours and the reference side by side: byte identity,
# best time of RUNS, peak RSS of each whole process tree.
# Usage: bench/w6_large_objects.sh [RUNS]   env: LOBS="100000 500000"
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
LOBS=${LOBS:-100000 500000}
start_cluster
psql_run -c "CREATE DATABASE lobs"
have=0
for n in $LOBS; do
  # Add objects up to n in batches (one transaction each keeps locks few).
  while [ "$have" -lt "$n" ]; do
    step=$((n - have)); [ "$step" -gt 50000 ] && step=50000
    psql_run -d lobs -c "SELECT count(lo_from_bytea(0, convert_to('large object ' || g, 'UTF8'))) FROM generate_series($((have + 1)), $((have + step))) g" >/dev/null
    have=$((have + step))
  done
  "$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ref.sql"
  "$OURS" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ours.sql"
  check_identical "$BENCH_DIR/ref.sql" "$BENCH_DIR/ours.sql"
  REF_CMD=("$REFBIN/pg_dumpall" "${CONN[@]}")
  OURS_CMD=("$OURS" "${CONN[@]}")
  side_by_side "W6 $n large objects, -j1" "$RUNS"
done
