#!/bin/bash
# The boot test (issue 20 part 3; docs/packages.md): the built packages installed with apt into
# a Debian 12 root that then BOOTS in qemu with its own kernel and systemd as PID 1 (software
# emulation; KOTONA_BOOT_ACCEL=kvm where /dev/kvm works). In the guest, on its loopback only: mosquitto, kotona-server and kotona-gateway
# as the packages' units start them, and a simulated blood-pressure monitor (kotona-sim, a
# pseudo-terminal) that the hub reads. tools/boot/boot_check.py drives the guest through a
# test-only agent on a virtio serial port and checks: the units started by systemd, readings
# delivered, the hub killed with SIGKILL and restarted, a stuck hub (SIGSTOP) restarted by the
# watchdog, a reboot, and an upgrade to release 2 with readings waiting in the hub's outbox:
# every reading the meter handed over is stored once (0 lost, 0 duplicated).
# Needs root, debootstrap, qemu-system-x86, e2fsprogs and the host's Debian mirror;
# run tools/build_packages.sh BUILD first. Exit 1 with "FAIL: <check>" lines on any failed check.
# usage: check_boot.sh BUILD [ROOT_CACHE]   (ROOT_CACHE default BUILD/pkgroot-cache)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
cache=${2:-$build/pkgroot-cache}
work=$build/bootroot
root=$work/root
start=$(date +%s)
# shellcheck source=tools/debian_root.sh
source "$here/debian_root.sh"


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

python3 "$here/boot/boot_check.py" "$work" || fail=1
echo "boot test: $(($(date +%s) - start)) s in all"
exit "$fail"
