#!/bin/bash
# The boot test (issue 20 part 3; docs/packages.md): the built packages installed with apt into
# a Debian 12 root that then BOOTS in qemu with its own kernel and systemd as PID 1 (software
# emulation; KOTONA_BOOT_ACCEL=kvm where /dev/kvm works). In the guest, on its loopback only: mosquitto, kotona-server and kotona-gateway
# as the packages' units start them, and a simulated blood-pressure monitor (kotona-sim, a
# pseudo-terminal) that the hub reads. tools/boot/boot_check.py drives the guest through a
# test-only agent on a virtio serial port and checks: the units started by systemd, readings
# delivered, the hub killed with SIGKILL and restarted, a stuck hub (SIGSTOP) restarted by the
# watchdog, a reboot, an upgrade to release 2 with readings waiting in the hub's outbox, and
# the hub's updater (kotona-gateway-update) against signed repositories in the image: release
# 3 with readings in flight, a broken release 4 rolled back, a bad signature and a tampered
# package refused: every reading the meter handed over is stored once (0 lost, 0 duplicated).
# Needs root, debootstrap, qemu-system-x86, e2fsprogs and the host's Debian mirror;
# run tools/build_packages.sh BUILD first. Exit 1 with "FAIL: <check>" lines on any failed check.
# usage: check_boot.sh BUILD [ROOT_CACHE]   (ROOT_CACHE default BUILD/pkgroot-cache)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/debian_root.sh
source "$here/debian_root.sh"
root_paths bootroot "$@"

# repack DEB RELEASE OUT [broken]: the package again as another release (dpkg-deb, seconds;
# the same content) or, with "broken", a hub binary that exits at start.
repack() {
  local dir=$work/repack
  rm -rf "$dir"
  dpkg-deb -R "$1" "$dir"
  sed -i "s/^Version: \(.*\)-[0-9]*$/Version: \1-$2/" "$dir/DEBIAN/control"
  if [ "${4:-}" = broken ]; then
    printf '#!/bin/sh\necho "kotona-gateway: broken release (boot test)" >&2\nexit 1\n' \
      >"$dir/usr/bin/kotona-gateway"
    (cd "$dir" && find usr lib etc -type f -exec md5sum {} + >DEBIAN/md5sums)
  fi
  dpkg-deb -Zgzip -b "$dir" "$3" >/dev/null
}
# repo DIR KEY DEB...: a flat apt repository (Packages, Release, InRelease signed with KEY).
repo() {
  local dir=$1 key=$2 f
  shift 2
  mkdir -p "$dir"
  cp "$@" "$dir/"
  (
    cd "$dir"
    dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null
    gzip -9nk Packages
    {
      echo "Origin: Kotona"
      echo "Label: Kotona boot test"
      echo "Date: $(LC_ALL=C date -u -R)"
      echo "Architectures: amd64"
      echo "SHA256:"
      for f in Packages Packages.gz; do echo " $(sha256sum "$f" | cut -d' ' -f1) $(stat -c %s "$f") $f"; done
    } >Release
    gpg --batch -q -u "$key" --clearsign -o InRelease Release
  )
}
# make_update_repos R2-GATEWAY-DEB OUT: the update test's repositories (boot_check.py):
# r3 = releases 2 and 3; r4 = 3 and a broken 4; badkey = 3 and 5 signed with a key the hub does
# not trust; tampered = 3 and 5 correctly signed, 5's .deb then swapped for another.
make_update_repos() {
  local t=$(date +%s) d=$work/updates
  mkdir -p "$d" && chmod 0700 "$d"
  export GNUPGHOME=$d/gnupg
  mkdir -p -m 0700 "$GNUPGHOME"
  gpg --batch -q --passphrase '' --quick-gen-key "Kotona boot test repository" ed25519 sign never
  gpg --batch -q --passphrase '' --quick-gen-key "Kotona boot test other key" ed25519 sign never
  gpg --batch -q --export "Kotona boot test repository" >"$work/repo-key.gpg"
  local v=$(dpkg-deb -f "$1" Version) ; v=${v%-*}
  repack "$1" 3 "$d/kotona-gateway_${v}-3_amd64.deb"
  repack "$1" 4 "$d/kotona-gateway_${v}-4_amd64.deb" broken
  repack "$1" 5 "$d/kotona-gateway_${v}-5_amd64.deb"
  repo "$2/r3" "Kotona boot test repository" "$1" "$d/kotona-gateway_${v}-3_amd64.deb"
  repo "$2/r4" "Kotona boot test repository" "$d"/kotona-gateway_"${v}"-[34]_amd64.deb
  repo "$2/badkey" "Kotona boot test other key" "$d"/kotona-gateway_"${v}"-[35]_amd64.deb
  repo "$2/tampered" "Kotona boot test repository" "$d"/kotona-gateway_"${v}"-[35]_amd64.deb
  cp "$d/kotona-gateway_${v}-4_amd64.deb" "$2/tampered/kotona-gateway_${v}-5_amd64.deb"
  unset GNUPGHOME
  echo "updates: releases 3, 4 (broken), 5 and four signed repositories in $(($(date +%s) - t)) s"
}

debs=()
for p in kotona-gateway kotona-server kotona-sim; do
  deb=$(ls "$build"/packages/${p}_*-1_*.deb 2>/dev/null || true)
  [ -n "$deb" ] || { echo "FAIL: no $p release 1 in $build/packages (run tools/build_packages.sh)"; exit 1; }
  debs+=("$deb")
done
make_cached_root
prepare_root

# The guest: a kernel and systemd, the broker, sqlite3 for the checks, and release 1.
mkdir -p "$root/opt/kotona-boot/r1"
cp "${debs[@]}" "$root/opt/kotona-boot/r1/"
# The initramfs holds only what finds the root disk (virtio, ext4): a third of the default's
# size, made and unpacked faster under emulation.
mkdir -p "$root/etc/initramfs-tools/conf.d"
echo "MODULES=list" >"$root/etc/initramfs-tools/conf.d/kotona-boot"
printf 'virtio_pci\nvirtio_blk\next4\n' >"$root/etc/initramfs-tools/modules"
t=$(date +%s)
if ! apt_in_root install --no-install-recommends linux-image-amd64 systemd-sysv udev dbus kmod \
  mosquitto sqlite3 $(cd "$root" && ls opt/kotona-boot/r1/*.deb | sed 's|^|/|'); then
  tail -30 "$work/apt.log"
  echo "FAIL: apt-get install of the guest's packages"
  exit 1
fi
echo "guest: kernel, systemd, mosquitto and release 1 installed in $(($(date +%s) - t)) s"
package_release 2 "$work/r2" "gateway;server"
mkdir -p "$root/opt/kotona-boot/r2"
cp "$work"/r2/*.deb "$root/opt/kotona-boot/r2/"
make_update_repos "$work/r2/kotona-gateway_"*-2_*.deb "$root/opt/kotona-boot/repos"

# Configuration as a service centre would write it (the packages' conffiles, edited).
cp "$here/boot/server.conf" "$root/etc/kotona/server.conf"
cp "$here/boot/gateway.conf" "$root/etc/kotona/gateway.conf"
echo "kotona-boot" >"$root/etc/hostname"
echo "LABEL=kotona-root / ext4 rw 0 1" >"$root/etc/fstab"
# Test only: the agent the host drives the guest through, and the meter's pseudo-terminal for
# the hub (a home's meters are ttyUSB / ttyACM, which the unit allows; a pty is not one).
install -m 0755 "$here/boot/agent" "$root/usr/local/sbin/kotona-boot-agent"
cp "$here/boot/kotona-boot-agent.service" "$root/etc/systemd/system/"
ln -sf /etc/systemd/system/kotona-boot-agent.service \
  "$root/etc/systemd/system/multi-user.target.wants/kotona-boot-agent.service"
# The hub's update source (docs/packages.md "Updates"): the test's signed repository, in the
# image (no network card); boot_check.py points /srv/kotona-repo at one version of it and runs
# the updater itself: the timer's nightly run is moved out of the test's way.
install -m 0644 "$work/repo-key.gpg" "$root/usr/share/keyrings/kotona-boot-test.gpg"
echo "deb [signed-by=/usr/share/keyrings/kotona-boot-test.gpg] file:/srv/kotona-repo ./" \
  >"$root/etc/apt/sources.list.d/kotona.list"
printf 'KOTONA_UPDATE_HEALTH_S=40\nKOTONA_UPDATE_SETTLE_S=6\n' \
  >"$root/etc/default/kotona-gateway-update"
mkdir -p "$root/etc/systemd/system/kotona-gateway-update.timer.d"
printf '[Timer]\nOnCalendar=\nOnCalendar=2000-01-01\nPersistent=false\nRandomizedDelaySec=0\n' \
  >"$root/etc/systemd/system/kotona-gateway-update.timer.d/boot-check.conf"
mkdir -p "$root/etc/systemd/system/kotona-gateway.service.d"
printf '[Service]\nDeviceAllow=char-pts rw\n' \
  >"$root/etc/systemd/system/kotona-gateway.service.d/boot-check-meter.conf"
in_root systemctl is-enabled kotona-gateway kotona-server mosquitto >"$work/enabled.txt" 2>&1 || true
kernel=$(ls "$root"/boot/vmlinuz-* | head -1)
initrd=$(ls "$root"/boot/initrd.img-* | head -1)
cp "$kernel" "$work/vmlinuz" && cp "$initrd" "$work/initrd.img"

root_cleanup  # nothing mounted in the root while it becomes an image
t=$(date +%s)
rm -f "$root/etc/resolv.conf"
mkfs.ext4 -q -L kotona-root -d "$root" "$work/root.img" 3G
echo "guest: image made in $(($(date +%s) - t)) s ($(du -sh "$work/root.img" | cut -f1) used)"
echo "enabled at install: $(tr '\n' ' ' <"$work/enabled.txt")"
# The image holds the guest now; the ~0.8 GiB tree it was made from goes (CI's disk).
rm -rf "$root"

python3 "$here/boot/boot_check.py" "$work" || fail=1
# A passed run keeps its logs, not its 1 GiB image; a failed one keeps it for a look.
[ "$fail" -ne 0 ] || rm -f "$work/root.img"
echo "boot test: $(($(date +%s) - start)) s in all, $(du -sh "$work" | cut -f1) left in $work"
exit "$fail"
