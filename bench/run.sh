#!/usr/bin/env bash
# The benchmark, full size (issue 15): installs what is missing, builds kotona-bench, starts a
# private PostgreSQL cluster for the PostgreSQL points, installs the Node peer (npm), and runs
# every point 3 times (about 30-50 minutes on 2 cores). Results: build/bench/results/bench.{md,json}.
# Usage: bench/run.sh [kotona-bench options], e.g. bench/run.sh --only 1x100000 --repeat 1
#        bench/run.sh --size smoke        (the one-minute run CI does through ctest)
# Run it on an otherwise idle machine: the figures are ratios measured in one run, but a
# compiler beside it moves them by more than the ±15 % the gates allow.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../deploy/lib.sh"

"$KOTONA_ROOT/deploy/install-deps.sh"
kotona_build kotona-bench kotona-server kotona-gateway kotona-firmware-sim
pg_dir="$KOTONA_BUILD/bench/pg"
"$KOTONA_ROOT/tests/support/pg_cluster.sh" start "$pg_dir"
trap '"$KOTONA_ROOT/tests/support/pg_cluster.sh" stop "$pg_dir"' EXIT
# The Node peer (the outside ratio, bench/node_peer): pinned npm packages into the build tree.
# better-sqlite3 compiles from source against the installed node's headers (nodedir) when npm
# may not download its prebuilt binary; without the peer its points are skipped, not failed.
node_dir="$KOTONA_BUILD/bench/node_peer"
mkdir -p "$node_dir"
cp "$KOTONA_ROOT"/bench/node_peer/{package.json,package-lock.json,ingest.js} \
  "$KOTONA_ROOT/proto/kotona/v1/readings.proto" "$node_dir/"
node_args=()
if (cd "$node_dir" && npm_config_nodedir="${npm_config_nodedir:-/usr}" \
      npm ci --no-audit --no-fund >npm.log 2>&1); then
  node_args=(--node "$node_dir")
else
  echo "bench: the Node peer did not install ($node_dir/npm.log); its points are skipped" >&2
fi
"$KOTONA_BUILD/bench/kotona-bench" --size full --pg "$(cat "$pg_dir/uri")" "${node_args[@]}" "$@"
