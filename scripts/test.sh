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

cache=$(bash scripts/fetch-postgres.sh "${wanted[@]}" | tail -n 1)
export PGDUMPALL_RS_PG_CACHE="$cache"

echo "PostgreSQL toolsets (cache: $cache):"
for v in "${wanted[@]}"; do
  printf '  %-6s %s\n' "$v" "$("$cache/$v/bin/pg_dumpall" --version)"
done
echo "Server versions under test: ${PGDUMPALL_RS_TEST_VERSIONS:-all}"
echo "Reference: $("$cache/$REFERENCE/bin/pg_dumpall" --version)"
cargo --version

start=$(date +%s)
status=0
cargo test --locked --no-fail-fast "$@" -- --test-threads="${PGDUMPALL_RS_TEST_THREADS:-4}" || status=$?
echo "test.sh: cargo test finished in $(( $(date +%s) - start ))s with status $status"
exit "$status"
