#!/usr/bin/env bash
# W5, memory against the table count: W4's realistic schema at 50,000
# tables (functions and views as in W4), ours and the reference side
# by side. Compare with W4 to see how peak RSS grows per table.
# Usage: bench/w5_50k_tables.sh [RUNS]
TABLES=${TABLES:-50000} FUNCS=${FUNCS:-2000} VIEWS=${VIEWS:-500} \
  exec bash "$(dirname "$0")/w4_catalog_real.sh" "${1:-1}"
