#!/usr/bin/env bash
# Times `-g` of ours and of the reference pg_dumpall 18.6, side by side, on
# a cluster with 2,000 roles and about 20,000 memberships (issue: foundation).
# Usage: bench/globals.sh [RUNS]
source "$(dirname "$0")/common.sh"
RUNS=${1:-5}
command -v bc >/dev/null || { echo "bench: needs bc (apt-get install bc)" >&2; exit 1; }
start_cluster
psql_run <<'SQL'
DO $$
BEGIN
  FOR i IN 1..2000 LOOP
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', 'role_' || i, 'pw' || i);
  END LOOP;
  -- 20,000 memberships: roles 1..200 are groups; each of the other
  -- 1,800 roles belongs to 11 or 12 of them (flat, as real clusters are).
  FOR i IN 201..2000 LOOP
    FOR j IN 0..10 LOOP
      EXECUTE format('GRANT %I TO %I', 'role_' || ((i * 7 + j * 13) % 200 + 1), 'role_' || i);
    END LOOP;
  END LOOP;
  FOR i IN 1..200 LOOP
    EXECUTE format('GRANT %I TO %I WITH ADMIN OPTION', 'role_' || i, 'role_' || (2000 - i));
  END LOOP;
END $$;
SQL
echo "roles: $(psql_run -Atc "select count(*) from pg_roles where rolname like 'role\_%'"), memberships: $(psql_run -Atc 'select count(*) from pg_auth_members')"
"$REFBIN/pg_dumpall" "${CONN[@]}" -g --restrict-key=K > "$BENCH_DIR/ref.sql"
"$OURS" "${CONN[@]}" -g --restrict-key=K > "$BENCH_DIR/ours.sql"
if cmp -s "$BENCH_DIR/ref.sql" "$BENCH_DIR/ours.sql"; then echo "outputs: byte-identical"; else echo "outputs: DIFFER" >&2; exit 1; fi
time_best "reference pg_dumpall -g" "$RUNS" "$REFBIN/pg_dumpall" "${CONN[@]}" -g; REF=$LAST_TIME
time_best "pgdumpall-rs -g" "$RUNS" "$OURS" "${CONN[@]}" -g; OURS_T=$LAST_TIME
echo "ratio (ours / reference): $(echo "scale=3; $OURS_T / $REF" | bc)"
echo "peak RSS: reference $(peak_rss_kb "$REFBIN/pg_dumpall" "${CONN[@]}" -g) KiB, ours $(peak_rss_kb "$OURS" "${CONN[@]}" -g) KiB"
