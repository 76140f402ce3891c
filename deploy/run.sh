#!/usr/bin/env bash
# Runs the whole Kotona system on this machine until Ctrl-C: mosquitto (loopback, plaintext —
# demo only), the ingest server with its clinician feed, simulated home devices on
# pseudo-terminals, a private dbus-daemon where a simulated BLE glucose meter plays BlueZ, and
# the home hub (gateway) reading them all. Installs and builds first.
# Environment: KOTONA_HTTP_PORT (8080), KOTONA_MQTT_PORT (18830), KOTONA_RUN_DIR (./run),
# KOTONA_HUB_PAGE_PORT (the hub's own page on loopback; default: a free port, printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

http_port=${KOTONA_HTTP_PORT:-8080}
mqtt_port=${KOTONA_MQTT_PORT:-18830}
run_dir=${KOTONA_RUN_DIR:-$KOTONA_ROOT/run}

"$here/install-deps.sh" --no-arm64  # the arm64 cross build is for the tests (deploy/test.sh)
kotona_build kotona-server kotona-gateway kotona-firmware-sim kotona-admin

# Each demo starts from empty state: the simulators number their records from 1 again, so an
# old database would hold different readings under the same ids (the server would quarantine
# them as conflicts). The previous run is kept in $run_dir.prev for a look after the fact.
if [[ -d $run_dir ]]; then rm -rf "$run_dir.prev" && mv "$run_dir" "$run_dir.prev"; fi
mkdir -p "$run_dir/mosquitto" "$run_dir/dev" "$run_dir/logs"
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "run: stopping everything"
  # Newest first, each gone before the next is told: the hub stops before its devices and
  # their D-Bus, the server before its broker (all at once, the hub saw its bus vanish
  # mid-shutdown and logged an error).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_one "${pids[i]}"; done
  wait 2>/dev/null || true
  echo "run: stopped; logs in $run_dir/logs"
  exit 0
}
trap cleanup INT TERM EXIT

stop_one() {  # stop_one PID: SIGTERM, then wait for it (SIGKILL after 10 s)
  kill -TERM "$1" 2>/dev/null || return 0
  (sleep 10 && kill -KILL "$1" 2>/dev/null) &
  local guard=$!
  wait "$1" 2>/dev/null || true
  kill "$guard" 2>/dev/null || true
}

start() {  # start NAME CMD... : run in the background, log to logs/NAME.log
  local name=$1; shift
  "$@" >"$run_dir/logs/$name.log" 2>&1 &
  pids+=($!)
}

wait_for() {  # wait_for LOGNAME TEXT
  for _ in $(seq 1 100); do
    grep -q "$2" "$run_dir/logs/$1.log" 2>/dev/null && return 0
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "run: $1 did not start; its log:" >&2
  tail -n 20 "$run_dir/logs/$1.log" >&2
  exit 1
}

sed -e "s|@PORT@|$mqtt_port|" -e "s|@DATA_DIR@|$run_dir/mosquitto|" -e "s|@USER@|$(id -un)|" \
  "$here/mosquitto/local.conf.in" >"$run_dir/mosquitto/mosquitto.conf"
start mosquitto mosquitto -c "$run_dir/mosquitto/mosquitto.conf"
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$mqtt_port") 2>/dev/null && break
  sleep 0.1
done

# DEMO ONLY: one clinician whose password is new every run (there is no default credential).
demo_password=$(openssl rand -hex 12)
demo_hash=$(printf '%s\n' "$demo_password" | "$KOTONA_BUILD/server/kotona-server" --hash-password)
# DEMO ONLY: an admin for the patient register and enrolment (kotona-admin), new password too.
admin_password=$(openssl rand -hex 12)
admin_hash=$(printf '%s\n' "$admin_password" | "$KOTONA_BUILD/server/kotona-server" --hash-password)

cat >"$run_dir/server.conf" <<CONF
mqtt_uri = tcp://127.0.0.1:$mqtt_port
mqtt_client_id = kotona-ingest-1
db_path = $run_dir/server.db
http_listen = 127.0.0.1:$http_port
enrol = gw-demo-0001 BPSIM0001 patient-0001
enrol = gw-demo-0001 BPSIM0002 patient-0002
enrol = gw-demo-0001 INRSIM0001 patient-0001
enrol = gw-demo-0001 GLUSIM0001 patient-0002
enrol = gw-demo-0001 ICDSIM0001 patient-0001
enrol = gw-demo-0001 GLU-BLE-0001 patient-0002
# patient-0001 has a mechanical mitral valve: INR target 2.5-3.5 (server/alerts/README.md)
rule = patient-0001 inr_target_low=2.5 inr_target_high=3.5
# Clinician access (docs/security.md): the demo clinician sees the demo care team's patients.
team = demo-team patient-0001 patient-0002
user = demo clinician demo-team $demo_hash
user = demo-admin admin - $admin_hash
CONF
start server "$KOTONA_BUILD/server/kotona-server" --config "$run_dir/server.conf"
wait_for server "clinician feed at"

# The demo patients in the patient register, through the API as an operator would (kotona-admin;
# the `enrol` lines above bind their devices).
admin_cli="$KOTONA_BUILD/admin/kotona-admin"
export KOTONA_URL="http://127.0.0.1:$http_port"
admin_token=$(printf '%s\n' "$admin_password" | "$admin_cli" --user demo-admin login)
# Made-up henkilötunnus codes (individual numbers 900-999 are never given to a person) so the
# page shows each patient's age as a real register would (born 12.3.1951 and 5.9.1948).
hetu=(unused 120351-912R 050948-923M)
for n in 1 2; do
  KOTONA_TOKEN=$admin_token "$admin_cli" patient add "patient-000$n" --team demo-team \
    --name "Demo Patient $n" --hetu "${hetu[$n]}" >/dev/null
done

sim="$KOTONA_BUILD/firmware-sim/kotona-firmware-sim"
start sim-bp1 "$sim" astm-bp --link "$run_dir/dev/bp1" --serial BPSIM0001 \
  --ledger "$run_dir/ledger.jsonl" loop 7000
wait_for sim-bp1 "device ready on"
start sim-bp2 "$sim" astm-bp --link "$run_dir/dev/bp2" --serial BPSIM0002 \
  --ledger "$run_dir/ledger.jsonl" --clock-offset-s -94608000 loop 11000
wait_for sim-bp2 "device ready on"
start sim-inr "$sim" astm-inr --link "$run_dir/dev/inr1" --ledger "$run_dir/ledger.jsonl" loop 13000
wait_for sim-inr "device ready on"
start sim-glucose "$sim" astm-glucose --link "$run_dir/dev/glu1" --ledger "$run_dir/ledger.jsonl" \
  --meal BEFORE loop 9000
wait_for sim-glucose "device ready on"
start sim-relay "$sim" implant-relay --link "$run_dir/dev/relay1" --ledger "$run_dir/ledger.jsonl" \
  loop 15000
wait_for sim-relay "device ready on"
# BLE: a private D-Bus where firmware-sim is org.bluez (the gateway's code path is the one it
# runs against real BlueZ on the system bus). A glucose meter with RACP: four stored records
# now (one hypoglycaemic), a new one every 20 s after that; it advertises while it has news.
start dbus "dbus-daemon" --session --nofork --nopidfile --address="unix:path=$run_dir/bus" \
  --print-address=1
wait_for dbus "unix:path="
ble_script=(measure 6.2 measure 2.7 measure 8.9 measure 5.1)
for v in 7.4 5.8 11.6 4.9 6.3 2.9 6.0 9.2; do ble_script+=(wait 20000 measure "$v"); done
start sim-ble-glucose "$sim" ble-glucose --bus "unix:path=$run_dir/bus" --serial GLU-BLE-0001 \
  --ledger "$run_dir/ledger.jsonl" --idle-disconnect-ms 2000 "${ble_script[@]}"
wait_for sim-ble-glucose "device ready on"

cat >"$run_dir/gateway.conf" <<CONF
gateway_id = gw-demo-0001
mqtt_uri = tcp://127.0.0.1:$mqtt_port
outbox_path = $run_dir/outbox.db
device = astm_bp $run_dir/dev/bp1 9600
device = astm_bp $run_dir/dev/bp2 9600
device = astm_inr $run_dir/dev/inr1 9600
device = astm_glucose $run_dir/dev/glu1 9600
device = implant_relay $run_dir/dev/relay1 115200
ble_adapter = hci0
ble_bus = unix:path=$run_dir/bus
status_interval_ms = 10000
local_page_listen = 127.0.0.1:${KOTONA_HUB_PAGE_PORT:-0}
CONF
start gateway "$KOTONA_BUILD/gateway/kotona-gateway" --config "$run_dir/gateway.conf"
wait_for gateway "uplink connected"
wait_for gateway "listening (loopback)"
hub_page=$(sed -n 's/.*listening (loopback) on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$run_dir/logs/gateway.log" |
  head -n 1)

cat <<MSG

  Kotona is running (DEMO mode: plaintext MQTT on loopback only; production: docs/security.md).
    Clinician feed:  http://127.0.0.1:$http_port/
    Hub's own page:  http://$hub_page/  (what the patient sees: fi, sv, ru; /manual types a value in;
                     this hub serves two patients, so a typed value waits in quarantine for a
                     person to say whose it is: docs/enrolment.md)
    Demo login:      user demo, password $demo_password  (new every run)
    API token:       TOKEN=\$(curl -s -H 'Content-Type: application/json' -d '{"user":"demo","password":"$demo_password"}' \\
                       http://127.0.0.1:$http_port/api/v1/login | sed 's/.*"token":"\\([0-9a-f]*\\)".*/\\1/')
    Alerts (JSON):   curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$http_port/api/v1/alerts
    Readings (JSON): curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$http_port/api/v1/readings
    Live stream:     curl -N -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$http_port/api/v1/stream
    Admin CLI:       export KOTONA_URL=$KOTONA_URL KOTONA_TOKEN=$admin_token  (user demo-admin)
                     $admin_cli patient list    (then: --help; enrol, enrolment list|end)
    Logs:            $run_dir/logs/
  Two simulated blood-pressure monitors measure every 7 s and 11 s (the second one's clock is
  three years wrong: its readings arrive flagged, not dropped). Every 4th reading is a
  hypertensive crisis and raises a high alert. An INR meter (every 13 s) and a glucose meter
  (every 9 s) send too, and a pacemaker / ICD home relay forwards an implant summary every
  15 s (AF burden and a delivered shock among them); their readings are stored and listed.
  A Bluetooth glucose meter (simulated BlueZ on a private D-Bus) syncs its stored records
  over RACP, one of them hypoglycaemic (2.7 mmol/L), then a new record every 20 s.
  Every emitted reading is also written to $run_dir/ledger.jsonl.
  Press Ctrl-C to stop everything.

MSG
wait -n "${pids[@]}" || true
echo "run: a component exited unexpectedly; see $run_dir/logs" >&2
