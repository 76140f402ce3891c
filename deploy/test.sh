#!/usr/bin/env bash
# Installs what is missing, builds everything, checks the layering rules and runs every test
# (unit, fuzz corpus replay, integration against real mosquitto / pseudo-terminals).
# Usage: deploy/test.sh [ctest args...], e.g. deploy/test.sh -L integration
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
start=$(date +%s)

"$here/install-deps.sh"
kotona_build
"$KOTONA_ROOT/tools/check_layering.sh"

echo "test: running ctest"
cd "$KOTONA_BUILD"
ctest --output-on-failure --timeout 300 -j "${KOTONA_JOBS:-2}" "$@"
echo "test: all passed in $(( $(date +%s) - start )) s"
