#!/bin/bash
# The out-of-tree driver proof (issue 21 part 4; ctest "acme_thermo: out of tree: ..."), as a
# vendor would do it: installs this build's KotonaDriverSdk package into a scratch prefix,
# configures examples/acme_thermo/ as a project of its own against it (find_package), builds the
# plugin and its tests, runs them (parser, session, conformance kit through --plugin), then the
# end-to-end test in which the real hub loads the plugin from its config. Needs the build's
# kotona-gateway, -server, -firmware-sim, -conformance, -decode, out_of_tree_driver_test and
# kotona_test_plugins built. usage: check_out_of_tree.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
root="$build/out-of-tree"
prefix="$root/prefix"
example="$root/acme_thermo"
start=$(date +%s)
rm -rf "$prefix" "$example"  # a fresh install and configure each run; ccache keeps it cheap
cmake --install "$build" --prefix "$prefix" --component sdk >/dev/null
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# Only the package: nothing of the tree is on the example's include or module path.
cmake -S "$src/examples/acme_thermo" -B "$example" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}" >/dev/null
cmake --build "$example" -j 2 >/dev/null
ctest --test-dir "$example" --output-on-failure
built=$(date +%s)
KOTONA_EXAMPLE_PLUGIN="$example/kotona_driver_acme_thermo.so" \
KOTONA_BROKEN_PLUGIN="$build/drivers/registry/test_plugins/kotona_test_plugin_wrong_abi.so" \
  "$build/tests/integration/out_of_tree_driver_test"
echo "out-of-tree driver: installed, built and tested in $((built - start)) s," \
  "hub end to end in $(($(date +%s) - built)) s"
