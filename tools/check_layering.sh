#!/usr/bin/env bash
# Checks every #include against the folder table in STYLE.md §1. CMake links cannot enforce
# this (every target sees /usr/include), so this script does, in CI. Exit 1 on a violation.
set -uo pipefail
cd "$(dirname "$0")/.."

violations=0
report() { echo "layering: $1: $2"; violations=$((violations + 1)); }

# check FOLDER FORBIDDEN_REGEX WHY
check() {
  local folder=$1 regex=$2 why=$3
  [[ -d $folder ]] || return 0
  while IFS= read -r hit; do
    report "$hit" "$why"
  done < <(grep -rnE --include='*.h' --include='*.cpp' "^#include [<\"]($regex)" "$folder" \
             | grep -vE '_(test|fuzz)\.cpp:' 2>/dev/null)
}

io_libs='boost/|mqtt/|google/|sqlite3|sdbus-c\+\+|libpq|openssl/|asio'
check core "$io_libs|drivers/|gateway/|server/|firmware-sim/|proto/|kotona/v1" "core/ is std only"
# Tests and fuzz targets (*_test.cpp, *_fuzz.cpp) may include tests/support (STYLE.md §10).
check drivers "$io_libs|gateway/|server/|firmware-sim/|proto/|kotona/v1|tests/" \
  "drivers know nothing of MQTT, SQLite, protobuf, Asio, D-Bus"
check firmware-sim "drivers/|gateway/|server/|kotona/v1" "firmware-sim writes its own encoders"
check mqtt "drivers/|gateway/|server/|firmware-sim/" "mqtt/ is shared by both wings: it knows neither"
check gateway "server/|firmware-sim/" "the gateway never includes server/"
check server "drivers/|gateway/|firmware-sim/|sdbus" "the server knows nothing of devices"
check admin "server/|gateway/|drivers/|firmware-sim/|proto/|kotona/v1|sqlite3|libpq|mqtt/" \
  "kotona-admin talks to the server only through its HTTP API"

# Paho only in mqtt/ (issue 16: one MQTT session for both wings); tests may drive a broker.
while IFS= read -r hit; do
  report "$hit" "Paho (<mqtt/...>) only in mqtt/: use mqtt/session.h"
done < <(grep -rnE --include='*.h' --include='*.cpp' '^#include <mqtt/' gateway server core \
           drivers 2>/dev/null | grep -vE '_(test|fuzz)\.cpp:')

# Generated protobuf headers in exactly one file: the wire codec's proto/codec/messages.h
# (issue 16 step 2: one codec for both wings and every test).
while IFS= read -r hit; do
  file=${hit%%:*}
  case $file in
    proto/codec/messages.h) ;;
    *) report "$hit" "*.pb.h only in proto/codec/messages.h: use proto/codec/wire.h" ;;
  esac
done < <(grep -rnE --include='*.h' --include='*.cpp' '^#include [<"].*\.pb\.h' \
           core drivers gateway server firmware-sim mqtt proto tests bench admin 2>/dev/null)

if ((violations > 0)); then
  echo "layering: $violations violation(s)"
  exit 1
fi
echo "layering: ok"
