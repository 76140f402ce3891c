#!/usr/bin/env bash
# The hub's local page in a browser (hub_page.cjs): a blank hub (setup page) and an enrolled
# hub (status page, BLE on a private bus with nothing on it, two serial meters never read:
# a BP monitor and a pacemaker relay), and a blank hub whose care centre throttles it (429),
# all kotona-gateway processes. Usage: hub_page_test.sh BUILD_DIR PLAYWRIGHT_CORE SHOT_DIR.
set -euo pipefail
build=$1 playwright=$2 shots=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$shots"
# The private bus: the hub has BLE (the pairing button) but nothing plays BlueZ on it.
dbus-daemon --session --nofork --print-address=3 --address="unix:path=$tmp/bus" 3>"$tmp/bus.addr" &
pids+=($!)
cat >"$tmp/blank.conf" <<CONF
outbox_path = $tmp/blank.db
enrol_url = https://localhost:9/api/v1/hub/enrol
state_dir = $tmp/state
local_page_listen = 127.0.0.1:0
CONF
cat >"$tmp/hub.conf" <<CONF
gateway_id = gw-page
mqtt_uri = tcp://127.0.0.1:9
outbox_path = $tmp/hub.db
local_page_listen = 127.0.0.1:0
device = astm_bp $tmp/no-such-tty
device = implant_relay $tmp/no-such-relay
ble_adapter = hci0
ble_bus = unix:path=$tmp/bus
CONF
# A care centre that throttles this hub (the server's 429 after too many refused codes,
# server/http/hub_enrolment_routes.cpp): every enrolment POST gets 429 Retry-After: 600 over
# HTTPS; each POST it gets is one line in centre.posts.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$tmp/centre.key" -out "$tmp/centre.pem" 2>/dev/null
python3 - "$tmp" <<'PY' &
import http.server, ssl, sys
d = sys.argv[1]
class Centre(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(d + "/centre.posts", "a") as f:
            f.write(self.path + "\n")
        body = b'{"error":"too many refused attempts from this address; try again later"}'
        self.send_response(429)
        self.send_header("Retry-After", "600")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Centre)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(d + "/centre.pem", d + "/centre.key")
server.socket = tls.wrap_socket(server.socket, server_side=True)
with open(d + "/centre.port.tmp", "w") as f:
    f.write(str(server.server_address[1]))
__import__("os").rename(d + "/centre.port.tmp", d + "/centre.port")
server.serve_forever()
PY
pids+=($!)
for _ in $(seq 100); do [[ -s $tmp/centre.port ]] && break; sleep 0.1; done
touch "$tmp/centre.posts"
cat >"$tmp/throttled.conf" <<CONF
outbox_path = $tmp/throttled.db
enrol_url = https://localhost:$(cat "$tmp/centre.port")/api/v1/hub/enrol
enrol_ca = $tmp/centre.pem
state_dir = $tmp/throttled-state
local_page_listen = 127.0.0.1:0
CONF
start() {  # start NAME: a gateway in the background (in this shell, so cleanup can stop it)
  "$build/gateway/kotona-gateway" --config "$tmp/$1.conf" >"$tmp/$1.log" 2>&1 &
  pids+=($!)
}
url_of() {  # url_of NAME: the gateway's local page URL, from its log
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening (loopback) on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$1.log")
    [[ -n $port ]] && { echo "http://127.0.0.1:$port/"; return; }
    sleep 0.1
  done
  cat "$tmp/$1.log" >&2; exit 1
}
# Not `url=$(start ...)`: in a command substitution the pid lands in a subshell's pids and the
# gateways outlived the test (found 2026-12-07: two kotona-gateway left running after a CI run).
start blank
start hub
start throttled
setup_url=$(url_of blank)
status_url=$(url_of hub)
throttled_url=$(url_of throttled)
node "$here/hub_page.cjs" "$playwright" "$setup_url" "$status_url" "$shots" "$throttled_url" \
  "$tmp/centre.posts"
