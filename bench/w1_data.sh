#!/usr/bin/env bash
# W1, data-heavy: 4 databases of pgbench data (scale 15 each by default), one
# with an extra bytea table and jsonb table (100 MB each by default). Times a
# full dump to /dev/null with ours and the reference side by side, and
# reports peak RSS (ours must stay flat: data streams).
# Usage: bench/w1_data.sh [RUNS]   env: SCALE=15 EXTRA_MB=100
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
SCALE=${SCALE:-15}
EXTRA_MB=${EXTRA_MB:-100}
start_cluster
fill_data_heavy "$SCALE" "$EXTRA_MB"
psql_run -Atc "SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database"
"$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ref.sql"
"$OURS" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ours.sql"
if cmp -s <(grep -av '^-- Dumped by' "$BENCH_DIR/ref.sql") <(grep -av '^-- Dumped by' "$BENCH_DIR/ours.sql"); then
  echo "outputs: byte-identical ($(du -h "$BENCH_DIR/ref.sql" | cut -f1))"
else echo "outputs: DIFFER" >&2; exit 1; fi
rm -f "$BENCH_DIR/ref.sql" "$BENCH_DIR/ours.sql"
time_best "reference pg_dumpall" "$RUNS" "$REFBIN/pg_dumpall" "${CONN[@]}"; REF=$LAST_TIME
time_best "pgdumpall-rs" "$RUNS" "$OURS" "${CONN[@]}"; OURS_T=$LAST_TIME
echo "ratio (ours / reference): $(echo "scale=3; $OURS_T / $REF" | bc)"
echo "peak RSS: reference $(peak_rss_kb "$REFBIN/pg_dumpall" "${CONN[@]}") KiB (plus one pg_dump per database), ours $(peak_rss_kb "$OURS" "${CONN[@]}") KiB"
time_jobs "$REF" "$RUNS" 2 4   # -j variants: same bytes, then timed
