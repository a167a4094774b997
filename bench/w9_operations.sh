#!/usr/bin/env bash
# W9, the cost of watching a run: the same data-heavy cluster as W1
# (4 pgbench databases, scale 8 by default) dumped to a file by ours
# plain, with -P (standard error a file: plain lines), with -P on a
# terminal (script(1)'s pseudo-terminal: the redrawn line), with --report,
# and with -P --report. Each must stay within 1% of the plain run.
# Runs alternate so that drift hits every kind alike. Two figures per kind:
# the best wall time, and the median CPU time (user + system) of our
# process, which a busy machine disturbs far less than wall time: the
# cost of progress and the report is work on the client, so CPU time is
# where it shows.
# With IR=1, each kind also runs once under valgrind's callgrind, which
# counts the instructions our process executes (every thread): a figure
# that no other load on the machine disturbs (the terminal kind is left
# out there: callgrind's slowdown changes how often the line is redrawn).
# Usage: bench/w9_operations.sh [RUNS]   env: SCALE=8 IR=0
source "$(dirname "$0")/common.sh"
RUNS=${1:-7}
SCALE=${SCALE:-8}
start_cluster
fill_data_heavy "$SCALE" 0
psql_run -Atc "SELECT 'cluster: ' || pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database"
OUT="$BENCH_DIR/dump.sql"
TIMES="$BENCH_DIR/times"
KINDS=(plain progress progress_tty report both)
# Each kind: our command line after the connection options.
declare -A ARGS=(
  [plain]=""
  [progress]="-P"
  [progress_tty]="-P"
  [report]="--report=$BENCH_DIR/r.json"
  [both]="-P --report=$BENCH_DIR/r.json"
)
# one KIND: runs it once; prints "wall cpu" in seconds.
one() {
  local cmd=("$OURS" "${CONN[@]}" -f "$OUT")
  # shellcheck disable=SC2206
  cmd+=(${ARGS[$1]})
  if [ "$1" = progress_tty ]; then
    # script(1) gives the command a terminal; time measures the dump alone.
    script -qec "/usr/bin/time -o $TIMES -f '%e %U %S' $(printf '%q ' "${cmd[@]}")" /dev/null >/dev/null
  else
    /usr/bin/time -o "$TIMES" -f '%e %U %S' "${cmd[@]}" 2>/dev/null
  fi
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$TIMES"
}
declare -A WALL CPU
for _ in $(seq "$RUNS"); do
  for kind in "${KINDS[@]}"; do
    read -r wall cpu < <(one "$kind")
    WALL[$kind]="${WALL[$kind]:-} $wall"
    CPU[$kind]="${CPU[$kind]:-} $cpu"
  done
done
best() { tr ' ' '\n' <<<"$1" | grep . | sort -g | head -n 1; }
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "dump: $(du -h "$OUT" | cut -f1), $RUNS runs of each kind, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-13s %10s %9s %14s %9s\n' kind "best wall" "vs plain" "median CPU" "vs plain"
bw=$(best "${WALL[plain]}"); mc=$(median "${CPU[plain]}")
for kind in "${KINDS[@]}"; do
  w=$(best "${WALL[$kind]}"); c=$(median "${CPU[$kind]}")
  printf '%-13s %8.2f s %+8.2f%% %12.2f s %+8.2f%%\n' "$kind" "$w" \
    "$(echo "($w / $bw - 1) * 100" | bc -l)" "$c" "$(echo "($c / $mc - 1) * 100" | bc -l)"
done
if [ "${IR:-0}" = 1 ]; then
  echo "instructions executed by our process (callgrind, one run each):"
  for kind in plain progress report both; do
    # shellcheck disable=SC2086
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$OURS" "${CONN[@]}" -f "$OUT" ${ARGS[$kind]} 2>&1 |
      awk '/Collected :/ {print $NF}' | tail -n 1)
    [ "$kind" = plain ] && base=$ir
    printf '%-13s %16s %+8.3f%%\n' "$kind" "$ir" "$(echo "($ir / $base - 1) * 100" | bc -l)"
  done
fi
