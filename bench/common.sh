# Shared helpers for the benchmark scripts: a throwaway cluster of the
# reference version and a side-by-side timer. Sourced, not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGVER=${PGVER:-18.6}
CACHE=$(bash "$ROOT/scripts/fetch-postgres.sh" "$PGVER" | tail -n 1)
PGBIN="$CACHE/$PGVER/bin"
REFBIN="$CACHE/18.6/bin"
[ -x "$REFBIN/pg_dumpall" ] || bash "$ROOT/scripts/fetch-postgres.sh" 18.6 >/dev/null
OURS="$ROOT/target/release/pgdumpall-rs"
(cd "$ROOT" && cargo build --release --quiet)

# The server's OS user may not reach the cache (e.g. under /root, mode
# 0700): then run the server programs from a hard-linked mirror in /tmp.
server_bin() {
  if [ "$(id -u)" != 0 ]; then echo "$PGBIN"; return; fi
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  if runuser -u postgres -- "$PGBIN/postgres" --version >/dev/null 2>&1; then echo "$PGBIN"; return; fi
  local mirror=/tmp/pgdumpall-rs-bench-toolsets/$PGVER
  if [ ! -x "$mirror/bin/postgres" ]; then
    mkdir -p /tmp/pgdumpall-rs-bench-toolsets && chmod 755 /tmp/pgdumpall-rs-bench-toolsets
    rm -rf "$mirror.tmp" && cp -al "$CACHE/$PGVER" "$mirror.tmp" 2>/dev/null || cp -a "$CACHE/$PGVER" "$mirror.tmp"
    chmod -R a+rX "$mirror.tmp" && mv "$mirror.tmp" "$mirror"
  fi
  echo "$mirror/bin"
}

run_as_server_user() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_cluster() {
  BENCH_DIR=$(mktemp -d /tmp/pgdumpall-rs-bench.XXXXXX)
  chmod 755 "$BENCH_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$BENCH_DIR"
  BENCH_PORT=${BENCH_PORT:-5470}
  SERVER_BIN=$(server_bin)
  run_as_server_user "$SERVER_BIN/initdb" -D "$BENCH_DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
  run_as_server_user "$SERVER_BIN/pg_ctl" -D "$BENCH_DIR/data" -l "$BENCH_DIR/log" -w \
    -o "-p $BENCH_PORT -k $BENCH_DIR -c listen_addresses='' -c fsync=off -c shared_buffers=256MB -c max_locks_per_transaction=256" start >/dev/null
  trap stop_cluster EXIT
  CONN=(-h "$BENCH_DIR" -p "$BENCH_PORT" -U postgres)
}

stop_cluster() {
  run_as_server_user "$SERVER_BIN/pg_ctl" -D "$BENCH_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$BENCH_DIR"
}

psql_run() {
  "$REFBIN/psql" -X -q -v ON_ERROR_STOP=1 "${CONN[@]}" "$@"
}

# server_cpu: CPU seconds the server's exited processes (the backends of
# finished connections) have used so far: the postmaster's cutime +
# cstime.
server_cpu() {
  local pid
  pid=$(head -n 1 "$BENCH_DIR/data/postmaster.pid")
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / hz }' "/proc/$pid/stat"
}

# cpu_note SERVER CLIENT: the CPU a run used, and the shortest wall time
# any run doing that work could take on this machine's cores (server and
# client share them: the server here is on the same machine).
cpu_note() {
  local cores; cores=$(nproc)
  printf 'cpu: server %.2f s + client %.2f s; floor on %s cores %.3f s' \
    "$1" "$2" "$cores" "$(echo "scale=3; ($1 + $2) / $cores" | bc)"
}

# time_best LABEL RUNS CMD...: best wall time of RUNS runs, output
# discarded, with the CPU of that run (server and client).
time_best() {
  local label=$1 runs=$2; shift 2
  local best="" cpu=""
  for _ in $(seq "$runs"); do
    timed_run "$@"
    if [ -z "$best" ] || [ "$(echo "$RUN_TIME < $best" | bc)" = 1 ]; then
      best=$RUN_TIME; cpu=$(cpu_note "$RUN_SERVER_CPU" "$RUN_CLIENT_CPU")
    fi
  done
  printf '%-28s %8.3f s  (%s)\n' "$label" "$best" "$cpu"
  LAST_TIME=$best
}

# peak_rss_kb CMD...: peak resident memory of one run, in KiB.
peak_rss_kb() {
  /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1
}

# time_jobs REF_TIME RUNS JOBS...: for each -j value, checks that ours with
# it writes the same bytes as the reference, then times it (best of RUNS)
# and reports its ratio to REF_TIME and its peak RSS.
time_jobs() {
  local ref_time=$1 runs=$2; shift 2
  "$REFBIN/pg_dumpall" "${CONN[@]}" --restrict-key=K > "$BENCH_DIR/ref-j.sql"
  local j
  for j in "$@"; do
    "$OURS" "${CONN[@]}" --restrict-key=K -j "$j" > "$BENCH_DIR/ours-j.sql"
    if ! cmp -s <(grep -av '^-- Dumped by' "$BENCH_DIR/ref-j.sql") <(grep -av '^-- Dumped by' "$BENCH_DIR/ours-j.sql"); then
      echo "outputs with -j$j: DIFFER" >&2; exit 1
    fi
    rm -f "$BENCH_DIR/ours-j.sql"
    time_best "pgdumpall-rs -j$j" "$runs" "$OURS" "${CONN[@]}" -j "$j"
    echo "ratio -j$j (ours / reference): $(echo "scale=3; $LAST_TIME / $ref_time" | bc), peak RSS $(peak_rss_kb "$OURS" "${CONN[@]}" -j "$j") KiB"
  done
  rm -f "$BENCH_DIR/ref-j.sql"
}

# check_identical REF_FILE OURS_FILE: byte identity apart from the version
# line; exits when they differ.
check_identical() {
  if cmp -s <(grep -av '^-- Dumped by' "$1") <(grep -av '^-- Dumped by' "$2"); then
    echo "outputs: byte-identical ($(wc -c < "$1") bytes, $(wc -l < "$1") lines)"
  else
    echo "outputs: DIFFER" >&2; diff <(grep -av '^-- Dumped by' "$1") <(grep -av '^-- Dumped by' "$2") | head -20 >&2; exit 1
  fi
}

# timed_run CMD...: one run, output discarded; sets RUN_TIME (wall
# seconds), RUN_RSS (peak resident KiB: ru_maxrss over the process and
# every child it waited for, i.e. pg_dumpall and its pg_dumps),
# RUN_CLIENT_CPU (user + system seconds of the same) and RUN_SERVER_CPU
# (of the backends the run used, counted once they have exited).
timed_run() {
  local t0 t1 stats cpu0 cpu1
  cpu0=$(server_cpu)
  t0=$(date +%s.%N)
  stats=$(/usr/bin/time -f '%M %U %S' "$@" 2>&1 >/dev/null | tail -n 1)
  t1=$(date +%s.%N)
  sleep 0.3 # the last backends exit after the client is gone
  cpu1=$(server_cpu)
  RUN_TIME=$(echo "$t1 - $t0" | bc)
  read -r RUN_RSS user sys <<< "$stats"
  RUN_CLIENT_CPU=$(echo "$user + $sys" | bc)
  RUN_SERVER_CPU=$(echo "$cpu1 - $cpu0" | bc)
}

# side_by_side LABEL RUNS: runs REF_CMD and OURS_CMD (arrays) alternately,
# RUNS times each; prints the best time, peak RSS, and ours / reference.
side_by_side() {
  local label=$1 runs=$2 best_ref="" best_ours="" rss_ref=0 rss_ours=0 cpu_ref="" cpu_ours=""
  for _ in $(seq "$runs"); do
    timed_run "${REF_CMD[@]}"
    if [ -z "$best_ref" ] || [ "$(echo "$RUN_TIME < $best_ref" | bc)" = 1 ]; then
      best_ref=$RUN_TIME; cpu_ref=$(cpu_note "$RUN_SERVER_CPU" "$RUN_CLIENT_CPU")
    fi
    [ "$RUN_RSS" -gt "$rss_ref" ] && rss_ref=$RUN_RSS
    timed_run "${OURS_CMD[@]}"
    if [ -z "$best_ours" ] || [ "$(echo "$RUN_TIME < $best_ours" | bc)" = 1 ]; then
      best_ours=$RUN_TIME; cpu_ours=$(cpu_note "$RUN_SERVER_CPU" "$RUN_CLIENT_CPU")
    fi
    [ "$RUN_RSS" -gt "$rss_ours" ] && rss_ours=$RUN_RSS
  done
  printf '%s (best of %s)\n' "$label" "$runs"
  printf '  %-22s %8.3f s  peak RSS %6.1f MiB  (%s)\n' "reference pg_dumpall" "$best_ref" "$(echo "scale=1; $rss_ref / 1024" | bc)" "$cpu_ref"
  printf '  %-22s %8.3f s  peak RSS %6.1f MiB  (%s)\n' "pgdumpall-rs" "$best_ours" "$(echo "scale=1; $rss_ours / 1024" | bc)" "$cpu_ours"
  printf '  ours / reference: time %s, peak RSS %s\n' \
    "$(echo "scale=3; $best_ours / $best_ref" | bc)" "$(echo "scale=3; $rss_ours / $rss_ref" | bc)"
}

# fill_data_heavy SCALE EXTRA_MB: W1's data in the started cluster: four
# pgbench databases (bench1..bench4) at SCALE, and in bench1 a bytea table
# and a jsonb table of about EXTRA_MB each (none when EXTRA_MB is 0).
fill_data_heavy() {
  local scale=$1 extra_mb=$2 i
  for i in 1 2 3 4; do
    psql_run -c "CREATE DATABASE bench$i"
    "$REFBIN/pgbench" -q -i -s "$scale" "${CONN[@]}" "bench$i" >/dev/null 2>&1
  done
  [ "$extra_mb" -gt 0 ] || return 0
  psql_run -d bench1 <<SQL
CREATE TABLE blobs (id int PRIMARY KEY, b bytea);
INSERT INTO blobs SELECT g, decode(repeat(md5(g::text), 64), 'hex') FROM generate_series(1, $extra_mb * 1024) g;
CREATE TABLE docs (id int PRIMARY KEY, j jsonb);
INSERT INTO docs SELECT g, jsonb_build_object('id', g, 'name', md5(g::text), 'tags', jsonb_build_array(md5((g+1)::text), md5((g+2)::text)), 'pad', repeat('x', 900)) FROM generate_series(1, $extra_mb * 1024) g;
ANALYZE;
SQL
}
