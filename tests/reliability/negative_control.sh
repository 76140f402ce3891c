#!/usr/bin/env bash
# negative_control.sh BROKEN SOURCE_DIR WORK_DIR HARNESS SCENARIO [ARGS...]
#   Builds kotona-gateway and kotona-server with -DKOTONA_BROKEN=BROKEN and runs the harness
#   against them with --expect-failures: exit 0 only if the harness reports the failure.
# negative_control.sh BROKEN SOURCE_DIR WORK_DIR HARNESS --test BINARY [DOCTEST ARGS...]
#   For a switch whose failing test is a doctest binary (BINARY: its path in the build tree,
#   e.g. tests/integration/integration_test; the target is its file name): builds it (and what
#   it starts) with the switch, runs it with DOCTEST ARGS (a --test-case filter): exit 0 only
#   if it FAILS.
# Every control shares ONE broken build tree, WORK_DIR/build, reconfigured with the control's
# switch: KOTONA_BROKEN is a compile definition of the one library it breaks, so ninja
# recompiles only that library's changed objects and relinks. The first control pays for a
# build of the targets it needs, the others for a few objects (one tree per switch cost a full
# build each: 14 of them took ~45 of CI's ~78 minutes, 2026-12-07). A lock on the tree makes a
# control wait for another one (ctest runs them RUN_SERIAL anyway; this covers two ctests).
set -euo pipefail
broken=$1 src=$2 work=$3 harness=$4
shift 4
build="$work/build"
mkdir -p "$work"
exec 9>"$work/build.lock"
flock 9
targets=(kotona-gateway kotona-server)
mode=harness
if [[ ${1:-} == --test ]]; then
  mode=test binary=$2
  shift 2
  targets=("$(basename "$binary")")
fi
echo "negative control: building ${targets[*]} with KOTONA_BROKEN=$broken in $build"
started=$(date +%s)
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKOTONA_BROKEN="$broken" >"$work/$broken-configure.log" 2>&1 ||
  { cat "$work/$broken-configure.log"; exit 1; }
cmake --build "$build" -j "${KOTONA_JOBS:-2}" --target "${targets[@]}" \
  >"$work/$broken-build.log" 2>&1 || { tail -n 40 "$work/$broken-build.log"; exit 1; }
echo "negative control: built in $(( $(date +%s) - started )) s" \
  "($(grep -c 'Building' "$work/$broken-build.log" || true) objects compiled)"
if [[ $mode == harness ]]; then
  # exec keeps descriptor 9, so the lock is held until the harness ends.
  exec "$harness" "$@" --gateway-bin "$build/gateway/kotona-gateway" \
    --server-bin "$build/server/kotona-server" --expect-failures
fi
log="$work/$broken-$(basename "$binary")-run.log"
set +e
"$build/$binary" "$@" >"$log" 2>&1
rc=$?
set -e
grep -m 8 -E 'ERROR|CHECK|REQUIRE' "$log" || true
tail -n 4 "$log"
if ((rc == 0)); then
  echo "negative control: $binary with KOTONA_BROKEN=$broken PASSED (the test proves nothing!)"
  exit 1
fi
# Failed checks, not a crash or a missing binary: doctest's own verdict.
if ! grep -q 'Status: FAILURE!' "$log"; then
  echo "negative control: $binary did not run to a test failure (exit $rc): see $log"
  exit 1
fi
echo "negative control: $binary with KOTONA_BROKEN=$broken failed, as it must"
