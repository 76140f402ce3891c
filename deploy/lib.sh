# Shared by deploy/run.sh and deploy/test.sh: configure and build the tree once.
# shellcheck shell=bash
KOTONA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KOTONA_BUILD=${KOTONA_BUILD:-$KOTONA_ROOT/build}

kotona_build() {
  local jobs
  jobs=${KOTONA_JOBS:-$(nproc)}
  if [[ ! -f $KOTONA_BUILD/build.ninja ]]; then
    cmake -S "$KOTONA_ROOT" -B "$KOTONA_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  echo "build: compiling with $jobs jobs into $KOTONA_BUILD (first build takes several minutes)"
  cmake --build "$KOTONA_BUILD" -j "$jobs" ${1:+--target "$@"}
}
