#!/usr/bin/env bash
# Installs what is missing, builds everything, checks the layering rules and runs every test
# (unit, fuzz corpus replay, integration against real mosquitto / pseudo-terminals).
# Usage: deploy/test.sh [ctest args...], e.g. deploy/test.sh -L integration
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
start=$(date +%s)

# Disk first: a run that fills the disk fails half an hour in with errors far from the cause
# (2026-12-07: the boot test's copy of a Debian root, "No space left on device"). A cold run
# peaks at about 9 GiB (build tree, negative-control tree, arm64 cross tree, the PostgreSQL
# test cluster, the boot test's image) plus /tmp scratch.
need_gib=${KOTONA_TEST_FREE_GIB:-10}
mkdir -p "$KOTONA_BUILD"
free_gib=$(df -Pk "$KOTONA_BUILD" /tmp | awk 'NR > 1 {print int($4 / 1048576)}' | sort -n | head -1)
echo "test: ${free_gib} GiB free for $KOTONA_BUILD and /tmp (needs about ${need_gib})"
if ((free_gib < need_gib)); then
  echo "test: not enough disk: ${free_gib} GiB free, the suite needs about ${need_gib} GiB;" \
    "free some (old build trees, /tmp) or set KOTONA_TEST_FREE_GIB to run anyway" >&2
  exit 1
fi

"$here/install-deps.sh"
kotona_build
"$KOTONA_ROOT/tools/check_layering.sh"

echo "test: running ctest"
cd "$KOTONA_BUILD"
ctest --output-on-failure --timeout 300 -j "${KOTONA_JOBS:-2}" "$@"
echo "test: all passed in $(( $(date +%s) - start )) s;" \
  "$(du -sh "$KOTONA_BUILD" | cut -f1) in $KOTONA_BUILD, $(df -Ph "$KOTONA_BUILD" | awk 'NR == 2 {print $4}') free"
