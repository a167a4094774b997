#!/usr/bin/env bash
# Runs the whole test suite: fetches the PostgreSQL toolsets (14 to 18,
# scripts/fetch-postgres.sh; a no-op when they are cached), then
# `cargo test --locked` over every test target.
#
# Usage: bash scripts/test.sh [CARGO TEST ARGS...]
#   e.g. bash scripts/test.sh --test harness
# Environment:
#   PGDUMPALL_RS_TEST_VERSIONS  test only these server versions ("14 17");
#                               only those (and the 18.6 reference) are fetched
#   PGDUMPALL_RS_TEST_THREADS   parallel tests per test binary (default 4:
#                               the tests mostly wait on PostgreSQL)
#   PGDUMPALL_RS_PG_CACHE       toolset cache (see scripts/fetch-postgres.sh)
#   PGDUMPALL_RS_SKIP_CLUSTER_TESTS=1
#                               skip every test that needs a PostgreSQL
#                               toolset (nothing is fetched); each skipped
#                               test says so, and the count is printed last
# See CONTRIBUTING.md for every variable.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(14.23 15.19 16.15 17.11 18.6)
REFERENCE=18.6

full_version() {
  local v
  for v in "${ALL[@]}"; do
    if [ "$1" = "$v" ] || [ "$1" = "${v%%.*}" ]; then echo "$v"; return; fi
  done
  echo "test.sh: unknown PostgreSQL version '$1' in PGDUMPALL_RS_TEST_VERSIONS" >&2
  exit 2
}

wanted=("${ALL[@]}")
if [ -n "${PGDUMPALL_RS_TEST_VERSIONS:-}" ]; then
  wanted=()
  for v in ${PGDUMPALL_RS_TEST_VERSIONS//,/ }; do wanted+=("$(full_version "$v")"); done
  case " ${wanted[*]} " in *" $REFERENCE "*) ;; *) wanted+=("$REFERENCE") ;; esac
fi

skip_requested=
case "${PGDUMPALL_RS_SKIP_CLUSTER_TESTS:-}" in
  ""|0|false|no|FALSE|NO) ;;
  *) skip_requested=1 ;;
esac

if [ -n "$skip_requested" ]; then
  echo "PGDUMPALL_RS_SKIP_CLUSTER_TESTS is set: the tests that need PostgreSQL are skipped"
else
  cache=$(bash scripts/fetch-postgres.sh "${wanted[@]}" | tail -n 1)
  export PGDUMPALL_RS_PG_CACHE="$cache"

  echo "PostgreSQL toolsets (cache: $cache):"
  for v in "${wanted[@]}"; do
    printf '  %-6s %s\n' "$v" "$("$cache/$v/bin/pg_dumpall" --version)"
  done
  echo "Server versions under test: ${PGDUMPALL_RS_TEST_VERSIONS:-all}"
  echo "Reference: $("$cache/$REFERENCE/bin/pg_dumpall" --version)"
fi
cargo --version

# Every skipped test appends a "SKIPPED name: reason" line here
# (tests/support: record_skip); the summary below counts them.
skip_log=$(mktemp "${TMPDIR:-/tmp}/pgdumpall-rs-skips.XXXXXX")
trap 'rm -f "$skip_log"' EXIT
export PGDUMPALL_RS_SKIP_LOG="$skip_log"

start=$(date +%s)
status=0
# The thread count goes to the test binaries: after the caller's own `--`
# if there is one (a second `--` would turn it into a name filter).
threads=(-- --test-threads="${PGDUMPALL_RS_TEST_THREADS:-4}")
for arg in "$@"; do
  if [ "$arg" = -- ]; then threads=("${threads[@]:1}"); break; fi
done
cargo test --locked --no-fail-fast "$@" "${threads[@]}" || status=$?
echo "test.sh: cargo test finished in $(( $(date +%s) - start ))s with status $status"
skipped=$(wc -l < "$skip_log")
if [ "$skipped" -gt 0 ]; then
  echo "test.sh: $skipped tests SKIPPED (they did not run; counted as passed by cargo):"
  sed 's/^SKIPPED [^ ]*: //' "$skip_log" | sort | uniq -c | sort -rn | sed 's/^/  /'
else
  echo "test.sh: no test skipped"
fi
exit "$status"
