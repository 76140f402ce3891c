#!/usr/bin/env bash
# Checks every #include against the allow-list in the README of the folder that governs it
# (tools/layering.py: each README's "Allowed deps:" line), plus two rules of the whole tree.
# CMake links cannot enforce this (every target sees /usr/include), so this script does, in
# CI. Exit 1 on a violation.
set -uo pipefail
cd "$(dirname "$0")/.."

violations=0
report() { echo "layering: $1: $2"; violations=$((violations + 1)); }

python3 tools/layering.py || violations=$((violations + 1))

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
