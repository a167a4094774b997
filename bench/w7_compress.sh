#!/usr/bin/env bash
# W7, compressed plain output: the W1 data (pgbench databases plus a bytea
# and a jsonb table) dumped compressed by ours (-Z gzip / zstd / lz4, -f
# FILE) side by side with `pg_dumpall | gzip` and `pg_dumpall | zstd`.
# Reports wall time (best of RUNS), output size and peak RSS (for a pipe:
# its largest process), and checks every output decompresses to the same
# script as the reference's.
# Then the directory format against pg_dump -Fd per database (below).
# Usage: bench/w7_compress.sh [RUNS]   env: SCALE=15 EXTRA_MB=100
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
SCALE=${SCALE:-15}
EXTRA_MB=${EXTRA_MB:-100}
for tool in gzip zstd lz4; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
start_cluster
fill_data_heavy "$SCALE" "$EXTRA_MB"
OUT=$BENCH_DIR/out
REF="$REFBIN/pg_dumpall ${CONN[*]} --restrict-key=K"
MINE="$OURS ${CONN[*]} --restrict-key=K"
"$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/plain.sql"
echo "plain script: $(stat -c %s "$BENCH_DIR/plain.sql") bytes"
printf '%-34s %9s %12s %10s\n' "command" "time (s)" "size (B)" "RSS (KiB)"
# row LABEL DECOMPRESSOR SHELL-COMMAND (writes $OUT)
row() {
  local label=$1 unpack=$2 cmd=$3
  time_best "$label" "$RUNS" bash -c "$cmd" >/dev/null
  local t=$LAST_TIME
  local rss
  rss=$(/usr/bin/time -f '%M' bash -c "$cmd" 2>&1 >/dev/null | tail -n 1)
  if ! cmp -s <($unpack < "$OUT" | grep -av '^-- Dumped by') <(grep -av '^-- Dumped by' "$BENCH_DIR/plain.sql"); then
    echo "$label: output differs from the reference's script" >&2; exit 1
  fi
  printf '%-34s %9.3f %12s %10s\n' "$label" "$t" "$(stat -c %s "$OUT")" "$rss"
}
row "pg_dumpall | gzip" "gzip -dc" "$REF | gzip > $OUT"
row "pg_dumpall | zstd" "zstd -dc" "$REF | zstd -q > $OUT"
row "pgdumpall-rs | gzip" "gzip -dc" "$MINE | gzip > $OUT"
row "pgdumpall-rs -Z gzip -f" "gzip -dc" "$MINE -Z gzip -f $OUT"
row "pgdumpall-rs -Z zstd -f" "zstd -dc" "$MINE -Z zstd -f $OUT"
row "pgdumpall-rs -Z lz4 -f" "lz4 -dc" "$MINE -Z lz4 -f $OUT"
row "pgdumpall-rs -Z zstd -j2 -f" "zstd -dc" "$MINE -Z zstd -j 2 -f $OUT"

# Directory archives: ours (-F d, -j1 and -j2, uncompressed and zstd)
# against what tools that wrap pg_dump run: pg_dumpall -g, then
# pg_dump -Fd per database, one after another. Checked first: pg_restore
# of bench1's archive prints the same script for ours as for pg_dump's.
DBS=$(psql_run -At -c "SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1")
DIR=$BENCH_DIR/dir
per_db() {  # the pg_dump -Fd-per-database command line, with -Z $1
  local cmd="rm -rf $DIR && mkdir $DIR && $REFBIN/pg_dumpall ${CONN[*]} -g > $DIR/globals.sql" d
  for d in $DBS; do cmd+=" && $REFBIN/pg_dump ${CONN[*]} -Fd -Z $1 -f $DIR/$d $d"; done
  echo "$cmd"
}
ours_dir() {  # ours -F d with -Z $1 -j $2
  echo "rm -rf $DIR && $MINE -F d -Z $1 -j $2 -f $DIR"
}
restored() {  # pg_restore's script of bench1's archive in $DIR
  local path=$DIR/bench1
  [ -f "$DIR/map.dat" ] && path=$DIR/databases/$(awk '$2 == "bench1" {print $1}' "$DIR/map.dat")
  "$REFBIN/pg_restore" --restrict-key=K -f - "$path"
}
bash -c "$(per_db none)"; restored > "$BENCH_DIR/ref-restored.sql"
bash -c "$(ours_dir none 1)"
if ! cmp -s <(restored | grep -av '^-- Dumped by') <(grep -av '^-- Dumped by' "$BENCH_DIR/ref-restored.sql"); then
  echo "directory archives: pg_restore prints different scripts for ours and pg_dump's" >&2; exit 1
fi
echo "directory archives: pg_restore prints the same script for bench1 (ours and pg_dump -Fd)"
dir_row() {
  local label=$1 cmd=$2
  time_best "$label" "$RUNS" bash -c "$cmd" >/dev/null
  local t=$LAST_TIME rss
  rss=$(/usr/bin/time -f '%M' bash -c "$cmd" 2>&1 >/dev/null | tail -n 1)
  printf '%-34s %9.3f %12s %10s\n' "$label" "$t" "$(du -sb "$DIR" | cut -f1)" "$rss"
}
printf '%-34s %9s %12s %10s\n' "command" "time (s)" "size (B)" "RSS (KiB)"
dir_row "pg_dump -Fd per database" "$(per_db none)"
dir_row "pgdumpall-rs -F d" "$(ours_dir none 1)"
dir_row "pgdumpall-rs -F d -j2" "$(ours_dir none 2)"
dir_row "pg_dump -Fd -Z zstd per database" "$(per_db zstd)"
dir_row "pgdumpall-rs -F d -Z zstd" "$(ours_dir zstd 1)"
dir_row "pgdumpall-rs -F d -Z zstd -j2" "$(ours_dir zstd 2)"
