#!/usr/bin/env bash
# W8, restore time: the W1 data restored into a fresh cluster by psql from
# the plain script, against `pgdumpall-rs restore -j2` from our own
# directory dump (`-F d -Z lz4 -j 2`), each into its own fresh cluster; the
# restored clusters must dump as the original. Reports wall times and the
# ratio.
# Usage: bench/w8_restore.sh   env: SCALE=15 EXTRA_MB=100
source "$(dirname "$0")/common.sh"
SCALE=${SCALE:-15}
EXTRA_MB=${EXTRA_MB:-100}
start_cluster
fill_data_heavy "$SCALE" "$EXTRA_MB"
"$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/plain.sql"
DIR=$BENCH_DIR/dir
"$OURS" "${CONN[@]}" --restrict-key=K -F d -Z lz4 -j 2 -f "$DIR"

# A second and third cluster, beside the first.
fresh() {
  local d=$BENCH_DIR/$1 port=$2
  mkdir -p "$d" && chmod 755 "$d"; [ "$(id -u)" = 0 ] && chown postgres "$d"
  run_as_server_user "$SERVER_BIN/initdb" -D "$d/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
  run_as_server_user "$SERVER_BIN/pg_ctl" -D "$d/data" -l "$d/log" -w \
    -o "-p $port -k $d -c listen_addresses='' -c fsync=off -c shared_buffers=256MB" start >/dev/null
}
fresh psqltarget $((BENCH_PORT + 1))
fresh ourtarget $((BENCH_PORT + 2))
trap 'for c in psqltarget ourtarget; do run_as_server_user "$SERVER_BIN/pg_ctl" -D "$BENCH_DIR/$c/data" -m fast -w stop >/dev/null 2>&1 || true; done; stop_cluster' EXIT

t0=$(date +%s.%N)
"$REFBIN/psql" -X -q -h "$BENCH_DIR/psqltarget" -p $((BENCH_PORT + 1)) -U postgres -d postgres -f "$BENCH_DIR/plain.sql" >/dev/null 2>&1
t1=$(date +%s.%N)
"$OURS" restore --no-verify -j 2 --jobs-per-database 1 --bindir "$REFBIN" -h "$BENCH_DIR/ourtarget" -p $((BENCH_PORT + 2)) -U postgres "$DIR"
t2=$(date +%s.%N)
PSQL_T=$(echo "$t1 - $t0" | bc); OURS_T=$(echo "$t2 - $t1" | bc)
for c in psqltarget ourtarget; do
  port=$BENCH_PORT; [ $c = psqltarget ] && port=$((BENCH_PORT + 1)); [ $c = ourtarget ] && port=$((BENCH_PORT + 2))
  "$REFBIN/pg_dumpall" -h "$BENCH_DIR/$c" -p "$port" -U postgres --restrict-key=K > "$BENCH_DIR/$c.sql"
  cmp -s "$BENCH_DIR/plain.sql" "$BENCH_DIR/$c.sql" || { echo "$c: restored cluster dumps differently" >&2; exit 1; }
done
printf 'psql -f plain script:            %8.3f s\n' "$PSQL_T"
printf 'pgdumpall-rs restore -j2:        %8.3f s\n' "$OURS_T"
echo "ratio (restore -j2 / psql): $(echo "scale=3; $OURS_T / $PSQL_T" | bc)"
