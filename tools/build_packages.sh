#!/bin/bash
# Builds the Debian packages from a built tree and checks them (issue 20 part 1; ctest
# "packages: ..."; docs/packages.md): cpack (cmake/packaging.cmake) writes BUILD/packages/*.deb,
# lintian must find nothing (errors or warnings), each package holds what docs/packages.md
# says, the service packages declare their conffile and maintainer scripts, and the packaged
# binaries run (extracted, not installed: nothing on this machine changes).
# usage: build_packages.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
out="$build/packages"
rm -rf "$out"
start=$(date +%s)
(cd "$build" && cpack >"$build/cpack.log" 2>&1) || { cat "$build/cpack.log"; exit 1; }
fail=0
check() {  # check DESCRIPTION COMMAND...: runs the command, says which check failed
  local what=$1
  shift
  if ! "$@" >/dev/null 2>&1; then
    echo "FAIL: $what"
    fail=1
  fi
}
for pkg in kotona-gateway kotona-server kotona-sim kotona-driver-sdk-dev; do
  deb=$(ls "$out/${pkg}"_*.deb 2>/dev/null || true)
  if [ -z "$deb" ]; then
    echo "FAIL: no package $pkg"
    fail=1
    continue
  fi
  echo "$pkg: $(stat -c %s "$deb") bytes, installed $(dpkg-deb -f "$deb" Installed-Size) KiB," \
    "depends: $(dpkg-deb -f "$deb" Depends)"
done
[ "$fail" = 0 ] || exit 1
contents() { dpkg-deb -c "$out/$1"_*.deb | awk '{print $6}'; }
has() { contents "$1" | grep -qx "$2"; }
check "hub binary" has kotona-gateway ./usr/bin/kotona-gateway
check "hub unit" has kotona-gateway ./lib/systemd/system/kotona-gateway.service
check "hub conffile" has kotona-gateway ./etc/kotona/gateway.conf
check "hub updater" has kotona-gateway ./usr/sbin/kotona-gateway-update
check "hub updater timer" has kotona-gateway ./lib/systemd/system/kotona-gateway-update.timer
check "server and admin" has kotona-server ./usr/bin/kotona-admin
check "server unit" has kotona-server ./lib/systemd/system/kotona-server.service
check "server conffile" has kotona-server ./etc/kotona/server.conf
check "simulator" has kotona-sim ./usr/bin/kotona-firmware-sim
check "SDK CMake package" has kotona-driver-sdk-dev \
  ./usr/lib/cmake/KotonaDriverSdk/KotonaDriverSdkConfig.cmake
check "SDK driver API header" has kotona-driver-sdk-dev ./usr/include/drivers/api/session.h
check "SDK conformance kit" has kotona-driver-sdk-dev ./usr/bin/kotona-conformance
for pkg in kotona-gateway kotona-server; do
  control=$(mktemp -d)
  dpkg-deb -e "$out/$pkg"_*.deb "$control"
  check "$pkg conffiles" grep -qx "/etc/kotona/${pkg#kotona-}.conf" "$control/conffiles"
  for script in postinst prerm postrm; do
    check "$pkg $script" test -x "$control/$script"
    check "$pkg $script is valid sh" sh -n "$control/$script"
  done
  # The purge line must be a command, not a comment or a no-op (': rm -rf' passed a bare grep).
  case $pkg in kotona-gateway) state=/var/lib/kotona ;; *) state=/var/lib/kotona-server ;; esac
  check "$pkg purge deletes its state $state" grep -qE "^[[:space:]]*rm -rf $state\$" \
    "$control/postrm"
  rm -rf "$control"
done
# The packaged (stripped) binaries run: a missing config is a clear error, exit 2.
root=$(mktemp -d)
for pkg in kotona-gateway kotona-server; do dpkg-deb -x "$out/$pkg"_*.deb "$root"; done
for bin in kotona-gateway kotona-server; do
  set +e
  "$root/usr/bin/$bin" --config "$root/missing.conf" >"$root/$bin.log" 2>&1
  rc=$?
  set -e
  check "$bin exits 2 on a missing config (was $rc)" test "$rc" = 2
  check "$bin names the missing file" grep -q "missing.conf" "$root/$bin.log"
done
rm -rf "$root"
if ! lintian --fail-on error,warning "$out"/*.deb >"$build/lintian.log" 2>&1; then
  echo "FAIL: lintian"
  grep -v 'root privileges' "$build/lintian.log"
  fail=1
fi
echo "packages: built and checked in $(($(date +%s) - start)) s (lintian: $(grep -cE '^[EW]:' \
  "$build/lintian.log" || true) findings)"
exit "$fail"
