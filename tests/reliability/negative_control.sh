#!/usr/bin/env bash
# negative_control.sh BROKEN SOURCE_DIR WORK_DIR HARNESS SCENARIO [ARGS...]
# Builds kotona-gateway and kotona-server with -DKOTONA_BROKEN=BROKEN in WORK_DIR/BROKEN and
# runs the harness against them with --expect-failures: exit 0 only if the harness reports
# the failure.
set -euo pipefail
broken=$1 src=$2 work=$3 harness=$4
shift 4
build="$work/$broken"
mkdir -p "$work"
echo "negative control: building kotona-gateway and kotona-server with KOTONA_BROKEN=$broken in $build"
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKOTONA_BROKEN="$broken" >"$work/$broken-configure.log" 2>&1 ||
    { cat "$work/$broken-configure.log"; exit 1; }
fi
cmake --build "$build" -j "${KOTONA_JOBS:-2}" --target kotona-gateway kotona-server \
  >"$work/$broken-build.log" 2>&1 || { tail -n 40 "$work/$broken-build.log"; exit 1; }
exec "$harness" "$@" --gateway-bin "$build/gateway/kotona-gateway" \
  --server-bin "$build/server/kotona-server" --expect-failures
