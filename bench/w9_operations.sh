#!/usr/bin/env bash
# W9, the cost of watching a run: the same data-heavy cluster as W1
# (4 pgbench databases, scale 8 by default) dumped to a file by ours
# plain, with -P (standard error not a terminal: plain lines), with
# --report, and with both. Each must stay within 1% of the plain run
# (the best of RUNS runs each; runs alternate so that drift hits all).
# Usage: bench/w9_operations.sh [RUNS]   env: SCALE=8
source "$(dirname "$0")/common.sh"
RUNS=${1:-5}
SCALE=${SCALE:-8}
start_cluster
for i in 1 2 3 4; do
  psql_run -c "CREATE DATABASE bench$i"
  "$REFBIN/pgbench" -q -i -s "$SCALE" "${CONN[@]}" "bench$i" >/dev/null 2>&1
done
psql_run -Atc "SELECT 'cluster: ' || pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database"
OUT="$BENCH_DIR/dump.sql"
plain() { "$OURS" "${CONN[@]}" -f "$OUT"; }
progress() { "$OURS" "${CONN[@]}" -f "$OUT" -P 2>/dev/null; }
report() { "$OURS" "${CONN[@]}" -f "$OUT" --report="$BENCH_DIR/r.json"; }
both() { "$OURS" "${CONN[@]}" -f "$OUT" -P --report="$BENCH_DIR/r.json" 2>/dev/null; }
declare -A BEST
for _ in $(seq "$RUNS"); do
  for kind in plain progress report both; do
    t0=$(date +%s.%N); "$kind"; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc)
    if [ -z "${BEST[$kind]:-}" ] || [ "$(echo "$t < ${BEST[$kind]}" | bc)" = 1 ]; then BEST[$kind]=$t; fi
  done
done
echo "dump: $(du -h "$OUT" | cut -f1)"
for kind in plain progress report both; do
  printf '%-10s %8.3f s  (%+.2f%% against plain)\n' "$kind" "${BEST[$kind]}" \
    "$(echo "(${BEST[$kind]} / ${BEST[plain]} - 1) * 100" | bc -l)"
done
