#!/bin/bash
# The arm64 hub (issue 20 part 4; docs/packages.md "arm64"): cross-builds the hub's targets into
# BUILD/arm64 (cmake/aarch64-linux-gnu.cmake, -DKOTONA_HUB_ONLY=ON), runs their unit tests under
# qemu-user, runs one serial end-to-end test of the native tree with the arm64 kotona-gateway,
# and builds and checks the arm64 kotona-gateway package.
# usage: arm64.sh BUILD ci|all|e2e|bench
#   ci     what the ctest "arm64: ..." runs: the CI subset of the hub's unit tests (below) and
#          the package (lintian clean, arm64, shlibs, the binary runs under qemu)
#   all    the same with every unit test of the hub's tree (gateway, drivers, core, mqtt, proto),
#          then the serial e2e
#   e2e    the serial e2e with the arm64 hub under qemu-user (ctest "arm64: serial e2e ...")
#   bench  sizes of the stripped binary and its package; the hub's RSS with every device kind
#          attached, native and the arm64 hub under qemu-user (bench/hub_rss.cpp)
# BUILD is the native tree (built: the e2e and bench use its server, simulator, test binaries).
# KOTONA_QEMU_AARCH64 names another emulator (the negative control: one that is not there).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
mode=${2:-ci}
cross=${KOTONA_ARM64_BUILD:-$build/arm64}  # the cross tree (another one: by hand)
qemu=${KOTONA_QEMU_AARCH64:-/usr/bin/qemu-aarch64-static}
jobs=${KOTONA_JOBS:-2}
start=$(date +%s)
step() { echo "arm64: $* ($(($(date +%s) - start)) s)"; }

# The CI subset: the gateway's own tests (config, devices, discovery, plugins), its serial and
# HID transports, the outbox, and the shared ASTM and GATT decoders under the drivers. `all`
# adds each driver's session tests, the registry, decode/conformance, core, mqtt and the
# uplink/BLE tests (a private mosquitto / dbus-daemon and the native simulator).
ci_targets=(kotona-gateway gateway_test gateway_transport_serial_test gateway_transport_hid_test
  gateway_outbox_test drivers_astm_test drivers_gatt_test)
# Not run here: the test binaries not built (doctest's "<target>_NOT_BUILT"), the systemd unit
# checks (systemd-analyze reads the unit files: nothing arm64), the _template copy (the build
# machine's compiler), and service_test's runs of the built hub and server (no server here;
# the hub under qemu-user: see e2e).
exclude='_NOT_BUILT$|^systemd unit|^_template|^service notify: kotona-'

cmake -S "$src" -B "$cross" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_TOOLCHAIN_FILE="$src/cmake/aarch64-linux-gnu.cmake" -DKOTONA_HUB_ONLY=ON \
  -DKOTONA_QEMU_AARCH64="$qemu" >"$build/arm64-configure.log" 2>&1 ||
  { cat "$build/arm64-configure.log"; exit 1; }
if [ "$mode" = ci ]; then
  cmake --build "$cross" -j "$jobs" --target "${ci_targets[@]}" kotona_test_plugins
elif [ "$mode" = e2e ]; then
  cmake --build "$cross" -j "$jobs" --target kotona-gateway
else
  cmake --build "$cross" -j "$jobs"
fi
step "cross build done"

# qemu-user runs the arm64 hub for tests and tools that start it by path (tests/support's bin():
# KOTONA_TEST_BIN_KOTONA_GATEWAY); each start is logged so a check sees the arm64 hub ran.
wrapper="$cross/kotona-gateway-qemu"
cat >"$wrapper" <<EOF
#!/bin/sh
echo "\$\$ \$*" >>"$cross/kotona-gateway-qemu.runs"
exec "$qemu" -L / "$cross/gateway/kotona-gateway" "\$@"
EOF
chmod +x "$wrapper"

if [ "$mode" = bench ]; then
  cmake --build "$build" -j "$jobs" --target kotona-hub-rss
  strip_dir=$(mktemp -d)
  aarch64-linux-gnu-strip -o "$strip_dir/arm64" "$cross/gateway/kotona-gateway"
  strip -o "$strip_dir/amd64" "$build/gateway/kotona-gateway"
  (cd "$cross" && cpack >"$cross/cpack.log" 2>&1) || { cat "$cross/cpack.log"; exit 1; }
  deb=$(ls "$cross"/packages/kotona-gateway_*_arm64.deb)
  echo "kotona-gateway stripped: arm64 $(stat -c %s "$strip_dir/arm64") bytes (text" \
    "$(size "$strip_dir/arm64" | awk 'NR==2{print $1}')), amd64 $(stat -c %s "$strip_dir/amd64")" \
    "bytes (text $(size "$strip_dir/amd64" | awk 'NR==2{print $1}'))"
  echo "arm64 package: $(stat -c %s "$deb") bytes, installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
  rm -rf "$strip_dir"
  echo "native amd64 hub:"
  "$build/bench/kotona-hub-rss" 20
  echo "arm64 hub under qemu-user (the RSS is qemu's: guest pages + translator):"
  KOTONA_TEST_BIN_KOTONA_GATEWAY="$wrapper" "$build/bench/kotona-hub-rss" 20 ||
    echo "arm64 hub under qemu-user: not measured (it did not deliver)"
  exit 0
fi

# One serial end-to-end test: INR, glucose and implant relay meters (native simulator on ptys),
# native mosquitto and server, the arm64 hub under qemu-user in between (~95 s).
serial_e2e() {
  rm -f "$cross/kotona-gateway-qemu.runs"
  KOTONA_TEST_BIN_KOTONA_GATEWAY="$wrapper" "$build/tests/integration/integration_test" \
    "--test-case=astm_inr astm_glucose implant_relay e2e: INR*"
  runs=$(wc -l <"$cross/kotona-gateway-qemu.runs" 2>/dev/null || echo 0)
  if [ "$runs" -lt 1 ]; then
    echo "FAIL: the e2e test did not start the arm64 hub"
    exit 1
  fi
  step "serial e2e with the arm64 hub passed ($runs hub start)"
}
if [ "$mode" = e2e ]; then
  serial_e2e
  exit 0
fi

# Both modes name the native simulator and the wrapper: `ci` runs every unit test the cross
# tree has built, and after an `all` that is every one (the BLE transport's tests need them).
export KOTONA_TEST_BIN_KOTONA_FIRMWARE_SIM="$build/firmware-sim/kotona-firmware-sim"
export KOTONA_TEST_BIN_KOTONA_GATEWAY="$wrapper"
if [ "$mode" = ci ]; then
  (cd "$cross" && ctest --output-on-failure --timeout 300 -j "$jobs" -L unit \
    -E "$exclude|: conformance$|_fuzz: corpus replay$")
else
  (cd "$cross" && ctest --output-on-failure --timeout 300 -j "$jobs" -E "$exclude")
fi
step "unit tests under qemu-user passed"

# The arm64 package: cpack from the cross tree, dpkg-shlibdeps over the arm64 libraries.
rm -rf "$cross/packages"
(cd "$cross" && cpack >"$cross/cpack.log" 2>&1) || { cat "$cross/cpack.log"; exit 1; }
deb=$(ls "$cross"/packages/kotona-gateway_*_arm64.deb 2>/dev/null || true)
[ -n "$deb" ] || { echo "FAIL: no kotona-gateway_*_arm64.deb"; ls "$cross/packages"; exit 1; }
fail=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if ! "$@" >/dev/null 2>&1; then
    echo "FAIL: $what"
    fail=1
  fi
}
depends=$(dpkg-deb -f "$deb" Depends)
check "Architecture: arm64" test "$(dpkg-deb -f "$deb" Architecture)" = arm64
for lib in libc6 libstdc++6 libsqlite3-0 libsdbus-c++1 libpaho-mqttpp3-1 libprotobuf32; do
  check "shlibs: depends on $lib ($depends)" grep -q "$lib" <<<"$depends"
done
root=$(mktemp -d)
dpkg-deb -x "$deb" "$root"
check "usr/bin/kotona-gateway is an AArch64 executable" \
  sh -c "readelf -h '$root/usr/bin/kotona-gateway' | grep -q 'Machine:.*AArch64'"
check "unit and conffile" test -f "$root/lib/systemd/system/kotona-gateway.service" -a \
  -f "$root/etc/kotona/gateway.conf"
set +e
"$qemu" -L / "$root/usr/bin/kotona-gateway" --config "$root/missing.conf" \
  >"$root/run.log" 2>&1
rc=$?
set -e
check "the packaged arm64 binary exits 2 on a missing config (was $rc)" test "$rc" = 2
check "it names the missing file" grep -q missing.conf "$root/run.log"
rm -rf "$root"
if ! lintian --fail-on error,warning "$deb" >"$cross/lintian.log" 2>&1; then
  echo "FAIL: lintian"
  grep -v 'root privileges' "$cross/lintian.log"
  fail=1
fi
[ "$fail" = 0 ] || exit 1
step "package $(basename "$deb") $(stat -c %s "$deb") bytes, depends: $depends; lintian clean"
[ "$mode" = all ] && serial_e2e  # in CI its own ctest, after this one (one core, not two)
exit 0
