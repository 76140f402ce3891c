#!/usr/bin/env bash
# Installs every Debian 12 package Kotona builds, tests or runs with. Idempotent: packages
# already present are skipped, so a second run costs one dpkg query and no network.
# The arm64 hub's cross build (tools/arm64.sh, a ctest) needs arm64 as a foreign architecture
# (dpkg --add-architecture, then an apt-get update) and the hub's libraries as :arm64 -dev
# packages beside the amd64 ones (Multi-Arch: same; apt may upgrade an amd64 library to the
# version the :arm64 one has, it removes nothing); `--no-arm64` leaves them out.
set -euo pipefail
arm64=1
[[ ${1:-} == --no-arm64 ]] && arm64=0

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev
  libpaho-mqtt-dev libpaho-mqttpp-dev
  libprotobuf-dev protobuf-compiler
  libsqlite3-dev sqlite3
  libsdbus-c++-dev libsystemd-dev
  doctest-dev
  libpq-dev libssl-dev
  postgresql  # the server store's second backend: tests start private clusters (tests/support)
  mosquitto mosquitto-clients
  dbus
  systemd  # systemd-analyze checks the units in deploy/systemd (service/)
  lintian  # the Debian packages are checked (tools/build_packages.sh)
  debootstrap qemu-system-x86 e2fsprogs  # the boot test boots them in a Debian 12 guest (tools/check_boot.sh)
  openssl ca-certificates  # deploy/provision.sh and run.sh (keys, certificates, passwords)
  python3                  # test scripts (free ports, reading the demo's store)
  curl procps iproute2 nftables faketime
  python3-jsonschema  # FHIR R4 schema validation (tests/fhir)
  python3-jwt python3-cryptography  # the test record system's OAuth2 token endpoint (tests/record)
  chromium            # headless browser for the clinician page test (tests/web, playwright-core)
)
if ((arm64)); then
  packages+=(
    crossbuild-essential-arm64 qemu-user-static  # cross compilers; qemu-user runs the arm64 tests
    # the hub's libraries only (core, proto, drivers, mqtt, service, gateway; no server, no libpq)
    libboost1.81-dev:arm64 libpaho-mqtt-dev:arm64 libpaho-mqttpp-dev:arm64 libprotobuf-dev:arm64
    libsqlite3-dev:arm64 libsdbus-c++-dev:arm64 libsystemd-dev:arm64 libssl-dev:arm64
  )
fi
# npm fetches the pinned FHIR R4 schema (tests/fhir) and playwright-core (tests/web);
# NodeSource's nodejs already provides it.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ((arm64)) && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
