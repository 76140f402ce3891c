#!/bin/bash
# Runs the packages' maintainer scripts for real (issue 20, between parts 1 and 3;
# docs/packages.md): installs BUILD/packages/kotona-{gateway,server}_*.deb with apt in a
# scratch Debian 12 root (debootstrap minbase, made once into ROOT_CACHE and copied per run),
# upgrades them to a release-2 build with readings waiting and the conffile edited, removes and
# purges. Nothing on the host changes: everything happens under chroot in BUILD/pkgroot/.
# Without systemd as PID 1 in the root the scripts skip daemon-reload/restart (they test
# /run/systemd/system), so this does not start the units: that is the boot test (part 3).
# Needs root, debootstrap and the host's Debian mirror (/etc/apt sources); run
# tools/build_packages.sh BUILD first. Exit 1 with "FAIL: <check>" lines on any failed check.
# usage: check_packages_in_root.sh BUILD [ROOT_CACHE]   (ROOT_CACHE default BUILD/pkgroot-cache)
set -euo pipefail
# shellcheck source=tools/debian_root.sh
source "$(dirname "$0")/debian_root.sh"
root_paths pkgroot "$@"

as_user() {  # as_user USER COMMAND...: the command in the root as USER, no network but loopback
  local user=$1
  shift
  unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
    chroot --userspec="$user:$user" "$root" "$@"
}
# as_user_for SECONDS USER COMMAND...: as as_user, sent SIGTERM after SECONDS (each exec
# replaces the last, so the signal reaches the service itself); its exit status is returned.
as_user_for() {
  local seconds=$1 user=$2
  shift 2
  timeout --preserve-status -s TERM "$seconds" unshare -n \
    sh -c 'ip link set lo up && exec "$@"' sh chroot --userspec="$user:$user" "$root" "$@"
}
copy_debs() {  # copy_debs DIR NAME: the gateway and server packages into the root's /tmp/NAME
  mkdir -p "$root/tmp/$2"
  cp "$1"/kotona-gateway_*.deb "$1"/kotona-server_*.deb "$root/tmp/$2/"
}
install_debs() {  # install_debs NAME
  apt_in_root install $(cd "$root" && ls tmp/"$1"/*.deb | sed 's|^|/|')
}

mode_of() { in_root stat -c '%U:%G %a' "$1"; }
is_system_user() {
  local uid
  uid=$(in_root id -u "$1") && [ "$uid" -lt 1000 ] && [ "$uid" -gt 0 ] &&
    in_root getent passwd "$1" | grep -q ':/usr/sbin/nologin$'
}
conf_is() { test "$(mode_of "$1")" = "$2"; }

check_users_and_conffiles() {
  local u
  for u in kotona-gateway kotona-server; do
    check "$u is a system user (uid < 1000, nologin)" is_system_user "$u"
    check "/etc/kotona/${u#kotona-}.conf is root:$u 0640" \
      conf_is "/etc/kotona/${u#kotona-}.conf" "root:$u 640"
  done
  check "kotona-gateway cannot read server.conf" \
    eval '! as_user kotona-gateway cat /etc/kotona/server.conf'
}

# refuses USER BINARY KEY: the packaged config is refused with exit 2 naming KEY.
refuses() {
  local rc=0
  as_user "$1" "/usr/bin/$2" --config "/etc/kotona/${2#kotona-}.conf" >"$work/$2.log" 2>&1 ||
    rc=$?
  cat "$work/$2.log"
  [ "$rc" = 2 ] && grep -q "missing key '$3'" "$work/$2.log"
}

# The server with a minimal complete config (SQLite in its state directory, a broker that is not
# there) starts, opens its store, serves, logs the missing broker (and retries) and stops cleanly
# on SIGTERM after 5 s.
server_starts() {
  local rc=0
  printf 'mqtt_uri = tcp://127.0.0.1:1883\ndb_path = %s\nhttp_listen = 127.0.0.1:8080\n' \
    /var/lib/kotona-server/server.db >"$root/tmp/server-min.conf"
  chmod 0644 "$root/tmp/server-min.conf"
  state_dir kotona-server /var/lib/kotona-server
  as_user_for 5 kotona-server /usr/bin/kotona-server --config /tmp/server-min.conf \
    >"$work/server-min.log" 2>&1 || rc=$?
  cat "$work/server-min.log"
  [ "$rc" = 0 ] && grep -q 'store: sqlite' "$work/server-min.log" &&
    grep -q 'clinician feed at' "$work/server-min.log" &&
    grep -q 'connect to tcp://127.0.0.1:1883 failed' "$work/server-min.log" &&
    grep -q ' stopped' "$work/server-min.log" &&
    test "$(mode_of /var/lib/kotona-server/server.db | cut -d' ' -f1)" = \
      kotona-server:kotona-server
}

check_binaries_run() {
  check "kotona-gateway (as its user) refuses the packaged gateway.conf: exit 2, gateway_id" \
    refuses kotona-gateway kotona-gateway gateway_id
  check "kotona-server (as its user) refuses the packaged server.conf: exit 2, mqtt_uri" \
    refuses kotona-server kotona-server mqtt_uri
  check "kotona-server starts on a minimal config with SQLite in /var/lib/kotona-server" \
    server_starts
}

# state_dir USER DIR: what systemd's StateDirectory= would make at the first start.
state_dir() { install -d -m 0750 "$root$2" && in_root chown "$1:$1" "$2"; }

readings_and_edit() {  # readings waiting in the outbox, the admin's edit in the conffile
  state_dir kotona-gateway /var/lib/kotona
  head -c 65536 /dev/urandom >"$root/var/lib/kotona/outbox.db"
  in_root chown kotona-gateway:kotona-gateway /var/lib/kotona/outbox.db
  outbox_sum=$(sha256sum <"$root/var/lib/kotona/outbox.db")
  echo "gateway_id = gw-edited-by-check" >>"$root/etc/kotona/gateway.conf"
}
outbox_kept() { test "$(sha256sum <"$root/var/lib/kotona/outbox.db")" = "$outbox_sum"; }
edit_kept() { grep -qx 'gateway_id = gw-edited-by-check' "$root/etc/kotona/gateway.conf"; }
version_is() { in_root dpkg-query -W -f '${Version}' "$1" | grep -q -- "-$2\$"; }
status_is() { test "$(in_root dpkg-query -W -f '${db:Status-Abbrev}' "$1")" = "$2"; }

release2() { package_release 2 "$work/r2" "gateway;server"; }

check_upgrade() {
  readings_and_edit
  release2
  copy_debs "$work/r2" r2
  check "upgrade to release 2 installs without a prompt" install_debs r2
  check "kotona-gateway is now release 2" version_is kotona-gateway 2
  check "upgrade kept the outbox (same sha256)" outbox_kept
  check "upgrade kept the conffile edit" edit_kept
  check "upgrade kept gateway.conf root:kotona-gateway 0640" \
    conf_is /etc/kotona/gateway.conf "root:kotona-gateway 640"
}

check_remove_purge() {
  check "apt-get remove kotona-gateway" apt_in_root remove kotona-gateway
  check "remove left config-files state" status_is kotona-gateway "rc "
  check "remove kept the outbox" outbox_kept
  check "remove kept the conffile and its edit" edit_kept
  check "apt-get purge kotona-gateway" apt_in_root purge kotona-gateway
  check "purge deleted /var/lib/kotona" test ! -e "$root/var/lib/kotona"
  check "purge deleted /etc/kotona/gateway.conf" test ! -e "$root/etc/kotona/gateway.conf"
  check "purge of the hub left the server's conffile" test -f "$root/etc/kotona/server.conf"
  check "apt-get purge kotona-server" apt_in_root purge kotona-server
  check "purge deleted /var/lib/kotona-server" test ! -e "$root/var/lib/kotona-server"
}

ls "$build"/packages/kotona-gateway_*.deb "$build"/packages/kotona-server_*.deb >/dev/null ||
  { echo "FAIL: no packages in $build/packages (run tools/build_packages.sh $build)"; exit 1; }
make_cached_root
prepare_root
copy_debs "$build/packages" r1
t=$(date +%s)
if ! install_debs r1; then
  tail -30 "$work/apt.log"
  echo "FAIL: apt-get install of the release-1 packages"
  exit 1
fi
echo "install: kotona-gateway and kotona-server with their dependencies in $(($(date +%s) - t)) s"
test -d "$root/run/systemd/system" && { echo "FAIL: the root claims systemd is running"; exit 1; }
echo "note: no systemd as PID 1 in the root: the scripts skip daemon-reload and restart"
check_users_and_conffiles
check_binaries_run
check_upgrade
check_remove_purge
[ "$fail" = 0 ] || echo "logs: $work/check.log, $work/apt.log"
echo "packages in a Debian 12 root: checked in $(($(date +%s) - start)) s"
exit "$fail"
