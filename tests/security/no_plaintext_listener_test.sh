#!/usr/bin/env bash
# Issue 7 scan: the production broker and kotona-server, started in a network namespace this
# test creates, expose NO plaintext listener off loopback. Every TCP/UDP listener in the
# namespace is listed (ss) and each one off loopback is probed from a second namespace over a
# veth link: a plaintext MQTT CONNECT and a plaintext HTTP GET must get no protocol answer,
# TLS 1.1 must be refused, TLS 1.2 must present the broker's certificate. A control run adds
# one plaintext listener to the same config and the scan must flag it. Also: kotona-server
# refuses an http_listen off loopback. Needs root (CI runs as root). With KOTONA_TEST_POSTGRES
# set (ctest's "[postgresql]" run) the server's store is a fresh database of that cluster,
# reached over its Unix socket (no TCP listener is added to the namespace).
# Usage: no_plaintext_listener_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
[[ $(id -u) -eq 0 ]] || { echo "FAIL: needs root to create network namespaces"; exit 1; }
tag=ksec$$
nt=$tag-t np=$tag-p
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$nt" 2>/dev/null || true
  ip netns del "$np" 2>/dev/null || true
  [[ -n ${KOTONA_KEEP_TEMP:-} ]] || rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$nt"
ip netns add "$np"
ip link add "$tag-a" type veth peer name "$tag-b"
ip link set "$tag-a" netns "$nt"
ip link set "$tag-b" netns "$np"
ip -n "$nt" addr add 10.233.0.1/24 dev "$tag-a"
ip -n "$np" addr add 10.233.0.2/24 dev "$tag-b"
for ns in "$nt" "$np"; do ip -n "$ns" link set lo up; done
ip -n "$nt" link set "$tag-a" up
ip -n "$np" link set "$tag-b" up

pki=$tmp/pki
P=$src/deploy/provision.sh
$P "$pki" init >/dev/null
$P "$pki" broker localhost 127.0.0.1 10.233.0.1 >/dev/null
$P "$pki" server kotona-ingest-1 >/dev/null

broker_conf() {  # broker_conf DIR PORT: the production config, as shipped
  mkdir -p "$1/data" && chown mosquitto "$1/data" 2>/dev/null || true
  sed -e "s|@PORT@|$2|" -e "s|@PKI_DIR@|$pki|" -e "s|@BROKER_NAME@|localhost|" \
    -e "s|@ACL_FILE@|$src/deploy/mosquitto/acl|" -e "s|@DATA_DIR@|$1/data|" \
    "$src/deploy/mosquitto/production.conf.in" >"$1/mosquitto.conf"
}

wait_port() {  # wait_port PORT LOG: something listens on PORT in the target namespace
  for _ in $(seq 1 100); do
    ip netns exec "$nt" bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "FAIL: nothing listens on $1:"; cat "$2"; return 1
}

wait_log() {  # wait_log FILE TEXT
  for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "FAIL: '$2' not in $1:"; cat "$1"; return 1
}

# Probes one address:port from the probe namespace; prints "plaintext" or "tls-only".
probe() {
  local host=$1 port=$2 answer
  # MQTT 3.1.1 CONNECT, client id "p": a plaintext MQTT listener answers CONNACK (0x20).
  answer=$(ip netns exec "$np" timeout 3 bash -c \
    "exec 3<>/dev/tcp/$host/$port; printf '\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01p' >&3; \
     head -c 1 <&3 | od -An -tx1" 2>/dev/null || true)
  if [[ $answer == *20* ]]; then echo plaintext; return; fi
  answer=$(ip netns exec "$np" timeout 3 bash -c \
    "exec 3<>/dev/tcp/$host/$port; printf 'GET / HTTP/1.0\r\n\r\n' >&3; head -c 5 <&3" \
    2>/dev/null || true)
  if [[ $answer == HTTP* ]]; then echo plaintext; return; fi
  echo tls-only
}

tls_version_ok() {  # tls_version_ok HOST PORT FLAG: did the server present its certificate?
  local out  # s_client exits 1 when the server then asks for a client certificate: ignore it
  out=$(ip netns exec "$np" timeout 5 openssl s_client -connect "$1:$2" "$3" \
    -CAfile "$pki/ca.crt" </dev/null 2>&1 || true)
  grep -q "^Server certificate" <<<"$out"
}

failures=0
scan() {  # scan LABEL EXPECT(clean|flagged)
  local label=$1 expect=$2 flagged=0 tls=0 line addr port kind
  echo "== $label"
  while read -r line; do
    addr=${line% *} port=${line##* }
    if [[ $addr == 127.* || $addr == "[::1]" || $addr == "::1" ]]; then
      echo "  $addr:$port loopback (not reachable from outside)"
      continue
    fi
    kind=$(probe 10.233.0.1 "$port")
    if [[ $kind == plaintext ]]; then
      flagged=1
      echo "  $addr:$port PLAINTEXT off loopback"
      continue
    fi
    local v11=refused v12=refused
    tls_version_ok 10.233.0.1 "$port" -tls1_1 && v11=ACCEPTED
    tls_version_ok 10.233.0.1 "$port" -tls1_2 && { v12=ok; tls=1; }
    echo "  $addr:$port no plaintext answer; TLS 1.1 $v11; TLS 1.2 $v12"
    [[ $v11 == refused ]] || flagged=1
  done < <(ip netns exec "$nt" ss -Hltn | awk '{a=$4; p=a; sub(/.*:/, "", p); sub(/:[^:]*$/, "", a); print a, p}')
  local udp
  udp=$(ip netns exec "$nt" ss -Hlun | awk '$4 !~ /^(127\.|\[::1\])/' | wc -l)
  [[ $udp -eq 0 ]] || { echo "  $udp UDP listener(s) off loopback"; flagged=1; }
  if [[ $expect == clean ]]; then
    if ((flagged == 0 && tls == 1)); then echo "  -> PASS (no plaintext, TLS 1.2+ only)"; else
      echo "  -> FAIL"; failures=$((failures + 1)); fi
  else
    if ((flagged == 1)); then echo "  -> PASS (control: the plaintext listener was found)"; else
      echo "  -> FAIL (control: the scan missed a plaintext listener)"; failures=$((failures + 1)); fi
  fi
}

db_path=$tmp/server.db
if [[ -n ${KOTONA_TEST_POSTGRES:-} ]]; then
  db=ksec_$$
  psql "$KOTONA_TEST_POSTGRES" -qc "CREATE DATABASE $db" >/dev/null
  db_path=$(sed "s|///postgres?|///$db?|" <<<"$KOTONA_TEST_POSTGRES")
fi
# 1. Production broker + server, as shipped.
broker_conf "$tmp/b1" 8883
ip netns exec "$nt" mosquitto -c "$tmp/b1/mosquitto.conf" >"$tmp/b1.log" 2>&1 &
pids+=($!)
wait_port 8883 "$tmp/b1.log"
cat >"$tmp/server.conf" <<CONF
mqtt_uri = ssl://localhost:8883
mqtt_client_id = kotona-ingest-1
mqtt_share_group = none
tls_ca = $pki/ca.crt
tls_cert = $pki/kotona-ingest-1.crt
tls_key = $pki/private/kotona-ingest-1.key
db_path = $db_path
http_listen = 127.0.0.1:8080
CONF
ip netns exec "$nt" "$build/server/kotona-server" --config "$tmp/server.conf" >"$tmp/server.log" 2>&1 &
pids+=($!)
wait_log "$tmp/server.log" "ingest subscribed"
backend=$([[ -n ${KOTONA_TEST_POSTGRES:-} ]] && echo postgresql || echo sqlite)
grep -q "store: $backend" "$tmp/server.log" || { echo "FAIL: server store is not $backend"; exit 1; }
scan "production broker (TLS) + kotona-server" clean

# 2. The server refuses to serve its plaintext HTTP API off loopback.
sed -e 's|^http_listen = .*|http_listen = 0.0.0.0:8081|' -e "s|server.db|server2.db|" \
  "$tmp/server.conf" >"$tmp/server2.conf"
rc=0
ip netns exec "$nt" timeout 10 "$build/server/kotona-server" --config "$tmp/server2.conf" \
  >"$tmp/server2.log" 2>&1 || rc=$?
if [[ $rc -eq 2 ]] && grep -q "loopback" "$tmp/server2.log"; then
  echo "== kotona-server with http_listen = 0.0.0.0:8081 -> exit 2 (refused) -> PASS"
else
  echo "== kotona-server with http_listen = 0.0.0.0:8081 -> exit $rc -> FAIL"; cat "$tmp/server2.log"
  failures=$((failures + 1))
fi

# 3. Control: the same config plus one plaintext listener must be flagged.
broker_conf "$tmp/b2" 8884
printf 'listener 1884\n' >>"$tmp/b2/mosquitto.conf"
ip netns exec "$nt" mosquitto -c "$tmp/b2/mosquitto.conf" >"$tmp/b2.log" 2>&1 &
pids+=($!)
wait_port 8884 "$tmp/b2.log"
scan "control: production config + 'listener 1884' (plaintext)" flagged

echo "scan failures: $failures"
exit $((failures > 0))
