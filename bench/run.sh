#!/usr/bin/env bash
# The benchmark, full size (issue 15): installs what is missing, builds kotona-bench, starts a
# private PostgreSQL cluster for the PostgreSQL points, and runs every point 3 times (about
# 20-40 minutes on 2 cores). Results: build/bench/results/bench.{md,json}.
# Usage: bench/run.sh [kotona-bench options], e.g. bench/run.sh --only 1x100000 --repeat 1
#        bench/run.sh --size smoke        (the one-minute run CI does through ctest)
# Run it on an otherwise idle machine: the figures are ratios measured in one run, but a
# compiler beside it moves them by more than the ±15 % the gates allow.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../deploy/lib.sh"

"$KOTONA_ROOT/deploy/install-deps.sh"
kotona_build kotona-bench kotona-server kotona-gateway
pg_dir="$KOTONA_BUILD/bench/pg"
"$KOTONA_ROOT/tests/support/pg_cluster.sh" start "$pg_dir"
trap '"$KOTONA_ROOT/tests/support/pg_cluster.sh" stop "$pg_dir"' EXIT
"$KOTONA_BUILD/bench/kotona-bench" --size full --pg "$(cat "$pg_dir/uri")" "$@"
