#!/usr/bin/env bash
# The tests use a few Debian tools: openssl (stock signature check of items), poppler-utils
# (pdftoppm, pdftotext, pdfinfo: label PDFs rendered and read back), dmtx-utils (dmtxread: a
# second Data Matrix decoder) and zbar-tools (zbarimg: an independent GS1-128 decoder for the IMpb), and PostgreSQL 15 from Debian (pg_basebackup and friends, which the
# embedded PostgreSQL lacks: the standby failover drill). As root with apt, install what is missing; otherwise say what to do.
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v dmtxread >/dev/null || need+=(dmtx-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
[ -x /usr/lib/postgresql/15/bin/pg_basebackup ] || need+=(postgresql-15)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test tools: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
  exit 0
fi
echo "The tests need: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
exit 1
