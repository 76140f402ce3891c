#!/usr/bin/env bash
# ctest "layering: ...": tools/layering.py refuses what a README does not allow (a scratch tree
# with three planted include violations, a README over 30 lines, and two allowed includes), and passes the repository itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d /tmp/kotona-test-layering.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
mkdir -p core drivers/acme gateway/sub server
printf '# core/\nAllowed deps: std.\n' > core/README.md
printf '# drivers/\nAllowed deps: core/, drivers/api/ (the SDK).\n' > drivers/README.md
printf '# gateway/\nAllowed deps: core/, drivers/api/, Boost.Asio.\n' > gateway/README.md
printf '# server/\nAllowed deps: core/,\nSQLite. Never drivers/.\n' > server/README.md
printf '#include <boost/asio.hpp>\n#include "gateway/sub/a.h"\n#include <vector>\n' \
  > drivers/acme/session.cpp
printf '#include "gateway/sub/a.h"\n#include "drivers/api/s.h"\n#include <boost/asio.hpp>\n' \
  > gateway/ok.cpp
printf '#include "drivers/api/s.h"\n#include <sqlite3.h>\n' > server/store.cpp
printf '#include <boost/json.hpp>\n' > server/store_test.cpp  # tests are not checked
{ echo '# core/sub'; for i in $(seq 30); do echo "line $i"; done; } > core/README.md.long
mkdir -p core/sub && mv core/README.md.long core/sub/README.md  # 31 lines: over the map limit
set +e
out=$(python3 "$root/tools/layering.py" "$scratch" 2>&1)
rc=$?
set -e
echo "$out"
expect() { grep -qF -- "$1" <<<"$out" || { echo "FAIL: no line with: $1"; exit 1; }; }
[[ $rc == 1 ]] || { echo "FAIL: exit $rc, want 1"; exit 1; }
expect 'drivers/acme/session.cpp:1: <boost/asio.hpp> is not in drivers/README.md'
expect 'drivers/acme/session.cpp:2: "gateway/sub/a.h" is not in drivers/README.md'
expect 'server/store.cpp:1: "drivers/api/s.h" is not in server/README.md'
expect 'core/sub/README.md: 31 lines'
expect 'layering: 4 violation(s)'
python3 "$root/tools/layering.py" "$root"
