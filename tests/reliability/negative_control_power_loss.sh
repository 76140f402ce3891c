#!/usr/bin/env bash
# negative_control_power_loss.sh SOURCE_DIR WORK_DIR
# Builds the power-loss test with -DKOTONA_BROKEN=sync_off (outbox PRAGMA synchronous=OFF) in
# WORK_DIR/sync_off and runs its "every sync point" case: exit 0 only if that case FAILS,
# i.e. the shim's power cuts really cost readings the device was told were safe.
set -euo pipefail
src=$1 work=$2
build="$work/sync_off"
mkdir -p "$work"
echo "negative control: building the power-loss test with KOTONA_BROKEN=sync_off in $build"
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKOTONA_BROKEN=sync_off >"$work/sync_off-configure.log" 2>&1 ||
    { cat "$work/sync_off-configure.log"; exit 1; }
fi
cmake --build "$build" -j "${KOTONA_JOBS:-2}" --target tests_reliability_power_loss_test \
  >"$work/sync_off-build.log" 2>&1 || { tail -n 40 "$work/sync_off-build.log"; exit 1; }
set +e
"$build/tests/reliability/tests_reliability_power_loss_test" \
  --test-case='power loss*' >"$work/sync_off-run.log" 2>&1
rc=$?
set -e
grep -m 3 -E 'missing|lost' "$work/sync_off-run.log" || true
tail -n 3 "$work/sync_off-run.log"
if ((rc == 0)); then
  echo "negative control: power loss with synchronous=OFF PASSED (harness proves nothing!)"
  exit 1
fi
echo "negative control: power loss with synchronous=OFF failed, as it must"
