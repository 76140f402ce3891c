#!/bin/bash
# deploy/install-deps.sh in a fresh Debian 12 minbase root (issue 20 §8; docs/packages.md):
# names it every package the project's scripts call, or do some arrive only as another
# package's dependency on the development machine? In a copy of the cached debootstrap
# --variant=minbase root (tools/debian_root.sh) it runs install-deps.sh from this source tree
# (bound read-only at /src), then checks every program and Python module the scripts, tests
# and tools call, and configures the project with CMake there (every find_package and
# find_program answered). Nothing on the host changes. By hand (downloads ~1 GB of packages):
#   tools/check_install_deps.sh BUILD [ROOT_CACHE]
# Exit 1 with "FAIL: <check>" lines on any failed check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
# shellcheck source=tools/debian_root.sh
source "$here/debian_root.sh"
root_paths depsroot "$@"

# What the scripts call (deploy/, tools/, tests/, bench/), beyond minbase's own programs.
programs=(cmake ninja g++ ccache pkg-config git protoc mosquitto mosquitto_pub mosquitto_sub
  sqlite3 dbus-daemon systemd-analyze lintian dpkg-deb openssl python3 curl ps pgrep ip nft
  faketime chromium node npm debootstrap qemu-system-x86_64 mkfs.ext4 update-ca-certificates
  aarch64-linux-gnu-g++ qemu-aarch64-static)  # the arm64 hub (tools/arm64.sh)
modules=(jsonschema jwt cryptography)

make_cached_root
prepare_root
mkdir -p "$root/src"
mount_in_root --bind "$src" "$root/src"
mount -o remount,bind,ro "$root/src"
t=$(date +%s)
if ! in_root /src/deploy/install-deps.sh >"$work/install.log" 2>&1; then
  tail -20 "$work/install.log"
  echo "FAIL: deploy/install-deps.sh in a minbase root"
  exit 1
fi
echo "install-deps: $(tail -1 "$work/install.log") in $(($(date +%s) - t)) s"
for p in "${programs[@]}"; do
  check "program $p" in_root sh -c "command -v $p"
done
for m in "${modules[@]}"; do
  check "python3 module $m" in_root python3 -c "import $m"
done
check "PostgreSQL's initdb, pg_ctl, postgres (tests start private clusters)" \
  in_root sh -c 'ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl /usr/lib/postgresql/*/bin/postgres'
check "the CA bundle (TLS tests, curl)" test -s "$root/etc/ssl/certs/ca-certificates.crt"
check "install-deps run again finds everything present" \
  sh -c "chroot '$root' /src/deploy/install-deps.sh | grep -q 'packages present'"
t=$(date +%s)
check "cmake configures the project (every find_package / find_program)" \
  in_root cmake -S /src -B /tmp/kotona-build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "configure: $(($(date +%s) - t)) s"
check "cmake configures the arm64 hub (the :arm64 libraries, cmake/aarch64-linux-gnu.cmake)" \
  in_root cmake -S /src -B /tmp/kotona-arm64 -G Ninja -DKOTONA_HUB_ONLY=ON \
  -DCMAKE_TOOLCHAIN_FILE=/src/cmake/aarch64-linux-gnu.cmake
[ "$fail" = 0 ] || echo "logs: $work/check.log, $work/install.log"
echo "install-deps in a minbase root: checked in $(($(date +%s) - start)) s"
exit "$fail"
