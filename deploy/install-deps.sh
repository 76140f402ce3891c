#!/usr/bin/env bash
# Installs every Debian 12 package Kotona builds, tests or runs with. Idempotent: packages
# already present are skipped, so a second run costs one dpkg query and no network.
set -euo pipefail

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
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
