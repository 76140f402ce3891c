#!/usr/bin/env bash
# libFuzzer run of every parser's fuzz target (clang, ASan + UBSan, coverage-guided).
# The normal test run only replays each target's corpus under GCC; this finds new inputs.
# Usage: tools/fuzz.sh [SECONDS_PER_TARGET (default 60)] [NAME_REGEX (default: all)]
# Build dir: build-fuzz/ (override with KOTONA_FUZZ_BUILD). Crashes land in build-fuzz/crashes/
# and the script exits 1; inputs the fuzzer found stay in build-fuzz/corpus/<target>/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KOTONA_FUZZ_BUILD:-$root/build-fuzz}
seconds=${1:-60}
filter=${2:-.}
command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang)" >&2; exit 2; }

if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKOTONA_LIBFUZZER=ON >/dev/null
fi
echo "fuzz: building every fuzz target with clang into $build"
cmake --build "$build" -j "${KOTONA_JOBS:-$(nproc)}" --target kotona_fuzzers

mkdir -p "$build/corpus" "$build/crashes"
passed=0 failed=0
printf '%-32s %12s %8s %8s  %s\n' target runs exec/s corpus result
for spec in "$build"/fuzz-targets/*; do
  name=$(basename "$spec")
  [[ $name =~ $filter ]] || continue
  seed=$(head -n 1 "$spec")
  bin=$(find "$build" -type f -name "$name" -perm -u+x | head -n 1)
  work=$build/corpus/$name
  mkdir -p "$work"
  log=$build/corpus/$name.log
  set +e
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/crashes/$name-" "$work" "$seed" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  size=$(find "$work" -type f | wc -l)
  if [[ $rc -eq 0 ]]; then
    result=ok; passed=$((passed + 1))
  else
    result="FAILED (exit $rc, log $log)"; failed=$((failed + 1))
    grep -m 3 -E 'ERROR: |SUMMARY: |runtime error' "$log" | sed 's/^/    /' || true
  fi
  printf '%-32s %12s %8s %8s  %s\n' "$name" "${runs:-?}" "${rate:-?}" "$size" "$result"
done
echo "fuzz: $passed passed, $failed failed ($seconds s each)"
[[ $failed -eq 0 ]]
