#!/usr/bin/env bash
# Kotona certificate provisioning (openssl): one CA, the broker's server certificate, one
# client certificate per hub (its identity: CN = gateway_id) and per ingest server, and a
# certificate revocation list. No shared or default credentials: every key is generated here,
# stays 0600 in DIR/private, and names exactly one party.
#
# Usage: deploy/provision.sh DIR COMMAND [ARGS]
#   init                      new CA (DIR must not hold one yet) + empty CRL
#   broker HOST [HOST|IP...]  broker certificate; every HOST/IP becomes a subjectAltName
#   hub GATEWAY_ID            hub client certificate (clientAuth only), CN = GATEWAY_ID
#   server NAME               ingest server client certificate, NAME must start kotona-ingest-
#   revoke NAME               revoke NAME's certificate and rewrite DIR/crl.pem
#   crl                       rewrite DIR/crl.pem (it expires after KOTONA_CRL_DAYS, 30)
# Output: DIR/ca.crt, DIR/crl.pem, DIR/NAME.crt, DIR/private/NAME.key.
# Environment: KOTONA_CERT_DAYS (825), KOTONA_CRL_DAYS (30); tests only: KOTONA_CERT_START /
# KOTONA_CERT_END (YYYYMMDDHHMMSSZ) to make an already expired certificate.
set -euo pipefail

usage() { sed -n '8,14p' "$0" >&2; exit 2; }
die() { echo "provision: $*" >&2; exit 1; }
(($# >= 2)) || usage
dir=$1 cmd=$2
shift 2
days=${KOTONA_CERT_DAYS:-825}
crl_days=${KOTONA_CRL_DAYS:-30}
umask 077
export KOTONA_SAN=DNS:unused  # ext_broker reads it; the broker command sets the real list

ca_conf() {  # the openssl ca configuration, written next to the CA's database
  cat >"$dir/ca/openssl.cnf" <<CONF
[ ca ]
default_ca = kotona
[ kotona ]
dir = $dir/ca
database = \$dir/index.txt
new_certs_dir = \$dir/issued
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/private/ca.key
default_md = sha256
default_days = $days
default_crl_days = $crl_days
policy = policy_cn
unique_subject = yes
copy_extensions = none
[ policy_cn ]
commonName = supplied
[ ext_broker ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = \${ENV::KOTONA_SAN}
[ ext_client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
CONF
}

valid_name() { [[ $1 =~ ^[A-Za-z0-9._-]{1,64}$ ]]; }

issue() {  # issue NAME EXTENSION
  local name=$1 ext=$2
  [[ -f $dir/ca.crt ]] || die "no CA in $dir: run '$0 $dir init' first"
  [[ ! -e $dir/$name.crt ]] || die "$dir/$name.crt exists (revoke it first to reissue)"
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/private/$name.key"
  openssl req -new -key "$dir/private/$name.key" -subj "/CN=$name" -out "$dir/ca/$name.csr"
  local dates=()
  [[ -n ${KOTONA_CERT_START:-} ]] && dates+=(-startdate "$KOTONA_CERT_START")
  [[ -n ${KOTONA_CERT_END:-} ]] && dates+=(-enddate "$KOTONA_CERT_END")
  openssl ca -batch -notext -config "$dir/ca/openssl.cnf" -extensions "$ext" "${dates[@]}" \
    -in "$dir/ca/$name.csr" -out "$dir/$name.crt" 2>"$dir/ca/last.log" ||
    { cat "$dir/ca/last.log" >&2; die "cannot issue $name"; }
  chmod 644 "$dir/$name.crt"
  echo "provision: issued $dir/$name.crt (key $dir/private/$name.key)"
}

write_crl() {
  openssl ca -gencrl -config "$dir/ca/openssl.cnf" -out "$dir/crl.pem" 2>"$dir/ca/last.log" ||
    { cat "$dir/ca/last.log" >&2; die "cannot write the CRL"; }
  chmod 644 "$dir/crl.pem"
}

case $cmd in
  init)
    (($# == 0)) || usage
    [[ ! -e $dir/ca.crt ]] || die "$dir already holds a CA"
    mkdir -p "$dir/private" "$dir/ca/issued"
    chmod 755 "$dir"  # certificates and the CRL are public; keys stay in private/ (0700)
    : >"$dir/ca/index.txt"
    echo 1000 >"$dir/ca/crlnumber"
    openssl rand -hex 16 >"$dir/ca/serial"
    ca_conf
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/private/ca.key"
    openssl req -new -x509 -key "$dir/private/ca.key" -subj "/CN=Kotona CA $(date -u +%Y%m%d%H%M%S)" \
      -days 3650 -sha256 -addext "basicConstraints=critical,CA:true" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.crt"
    chmod 644 "$dir/ca.crt"
    write_crl
    echo "provision: CA in $dir/ca.crt, CRL in $dir/crl.pem"
    ;;
  broker)
    (($# >= 1)) || usage
    san=()
    for h in "$@"; do
      if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+=("IP:$h"); else san+=("DNS:$h"); fi
    done
    valid_name "$1" || die "bad broker name '$1'"
    KOTONA_SAN=$(IFS=,; echo "${san[*]}") issue "$1" ext_broker
    # mosquitto drops root to its own user before reading the key: let that group read it.
    if getent group mosquitto >/dev/null; then
      chgrp mosquitto "$dir/private" "$dir/private/$1.key"
      chmod 710 "$dir/private" && chmod 640 "$dir/private/$1.key"
    fi
    ;;
  hub)
    (($# == 1)) || usage
    valid_name "$1" || die "gateway id '$1' must be 1-64 characters of [A-Za-z0-9._-]"
    [[ $1 != kotona-* ]] || die "'kotona-' names are reserved for servers"
    issue "$1" ext_client
    ;;
  server)
    (($# == 1)) || usage
    [[ $1 == kotona-ingest-* ]] && valid_name "$1" || die "server name must be kotona-ingest-*"
    issue "$1" ext_client
    ;;
  revoke)
    (($# == 1)) || usage
    [[ -f $dir/$1.crt ]] || die "no certificate $dir/$1.crt"
    openssl ca -config "$dir/ca/openssl.cnf" -revoke "$dir/$1.crt" \
      2>"$dir/ca/last.log" || { cat "$dir/ca/last.log" >&2; die "cannot revoke $1"; }
    mv "$dir/$1.crt" "$dir/ca/$1.revoked.$(date -u +%s).crt"
    write_crl
    echo "provision: revoked $1; reload the broker (SIGHUP) to apply $dir/crl.pem"
    ;;
  crl)
    write_crl
    ;;
  *) usage ;;
esac
