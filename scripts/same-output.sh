#!/usr/bin/env bash
# Shows that a change kept the output: builds pgdumpall-rs at another
# revision (a baseline) and checks that this checkout's dumps of every test
# fixture's cluster are byte-identical to the baseline's, on every server
# version, with the option sets that change the output
# (tests/same_output.rs).
#
# Usage: bash scripts/same-output.sh REV      e.g. main, HEAD~5, a commit
# Environment: PGDUMPALL_RS_TEST_VERSIONS narrows the server versions.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bash scripts/same-output.sh REV}
work=$(mktemp -d /tmp/pgdumpall-rs-baseline.XXXXXX)
cleanup() { git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
echo "same-output: building the baseline $rev ($(git rev-parse --short "$rev"))"
git worktree add --detach "$work/tree" "$rev" >/dev/null
(cd "$work/tree" && CARGO_TARGET_DIR="$work/target" cargo build --locked --quiet --bin pgdumpall-rs)
cache=$(bash scripts/fetch-postgres.sh 14.23 15.19 16.15 17.11 18.6 | tail -n 1)
echo "same-output: comparing this checkout's dumps with the baseline's"
PGDUMPALL_RS_PG_CACHE="$cache" PGDUMPALL_RS_BASELINE_BIN="$work/target/debug/pgdumpall-rs" \
  cargo test --locked --test same_output -- --ignored --nocapture
