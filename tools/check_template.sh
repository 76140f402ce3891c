#!/usr/bin/env bash
# Follows drivers/_template/README.md step 1 in a scratch tree (copy, rename every `_template`)
# and compiles each .cpp of the copy against the tree's core/ and drivers/: the recipe a vendor
# follows yields a driver folder that compiles. Usage: check_template.sh SOURCE_ROOT [CXX]
set -euo pipefail
root=$1
cxx=${2:-c++}
name=acme_thermo
work=$(mktemp -d /tmp/kotona-test-template.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/drivers"
ln -s "$root/core" "$work/core"
for dep in api gatt; do ln -s "$root/drivers/$dep" "$work/drivers/$dep"; done
cp -r "$root/drivers/_template" "$work/drivers/$name"
# The README's command, word for word but for the name.
(cd "$work" && grep -rl _template "drivers/$name" | xargs sed -i "s/_template/$name/g")
if grep -rn _template "$work/drivers/$name"; then
  echo "check_template: '_template' left in the renamed copy" >&2
  exit 1
fi
for f in "$work/drivers/$name"/*.cpp; do
  "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Wshadow -Wconversion -Werror -I "$work" "$f"
done
grep -q "namespace kotona::drivers::$name" "$work/drivers/$name/session.h" ||
  { echo "check_template: namespace not kotona::drivers::$name after the rename" >&2; exit 1; }
grep -q "kotona_test(drivers_${name}_test" "$work/drivers/$name/CMakeLists.txt" ||
  { echo "check_template: test target not drivers_${name}_test after the rename" >&2; exit 1; }
echo "check_template: drivers/$name compiles"
