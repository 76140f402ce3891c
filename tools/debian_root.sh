# A scratch Debian 12 root for the package checks (sourced by check_packages_in_root.sh,
# check_boot.sh and check_install_deps.sh; docs/packages.md): debootstrap minbase made once
# into $cache and copied to $root for each run, /proc, /dev and apt's archive cache mounted
# into it, and a trap that leaves no process in the root and nothing mounted on any exit.
# The sourcing script calls root_paths first; it may add cleanup steps to cleanup_extra.
mounted=()
fail=0
cleanup_extra=()

# root_paths SCRATCH BUILD [ROOT_CACHE]: sets build (the build tree BUILD), cache (ROOT_CACHE,
# default BUILD/pkgroot-cache), work (BUILD/SCRATCH, emptied per run), root (= $work/root) and
# start (the run's start, seconds since the epoch).
root_paths() {
  build=$(cd "$2" && pwd)
  cache=${3:-$build/pkgroot-cache}
  work=$build/$1
  root=$work/root
  start=$(date +%s)
}

root_cleanup() {  # every exit path: no process left in the root, nothing left mounted
  local p i
  for p in "${cleanup_extra[@]}"; do eval "$p" || true; done
  # Before root_paths (a bad BUILD argument) there is no root: kill nothing.
  [ -n "${root:-}" ] || return 0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
  done
  mounted=()
}
trap root_cleanup EXIT
trap 'exit 130' INT TERM

mount_in_root() {  # mount_in_root MOUNT-ARGS... TARGET: remembered for cleanup
  mount "$@"
  mounted+=("${*: -1}")
}
in_root() { chroot "$root" "$@"; }
apt_in_root() {
  in_root env DEBIAN_FRONTEND=noninteractive apt-get -y -q \
    -o Dpkg::Options::=--force-confold "$@" >>"$work/apt.log" 2>&1
}
check() {  # check NAME COMMAND...: prints ok or FAIL, the command's output goes to check.log
  local what=$1
  shift
  if "$@" >>"$work/check.log" 2>&1; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    fail=1
  fi
}
mirror() {  # the host's configured Debian mirror (deb822 or one-line sources)
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '$2 !~ /security/ {print $2}' |
    head -1)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | head -1)
  echo "${uri:-http://deb.debian.org/debian}"
}

make_cached_root() {  # debootstrap once; apt lists fetched once too
  [ -f "$cache/root/.kotona-ready" ] && return 0
  local t=$(date +%s)
  rm -rf "$cache/root.new"
  mkdir -p "$cache/archives/partial"
  debootstrap --variant=minbase bookworm "$cache/root.new" "$(mirror)" >"$cache/debootstrap.log"
  cp /etc/resolv.conf "$cache/root.new/etc/resolv.conf"
  chroot "$cache/root.new" apt-get -q update >>"$cache/debootstrap.log"
  touch "$cache/root.new/.kotona-ready"
  mv "$cache/root.new" "$cache/root"
  echo "root: debootstrap minbase bookworm from $(mirror) in $(($(date +%s) - t)) s"
}

prepare_root() {  # a fresh copy of the cached root, /proc and /dev, the apt archive cache
  local t=$(date +%s)
  rm -rf "$work"
  mkdir -p "$work"
  cp -a "$cache/root" "$root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount_in_root -t proc proc "$root/proc"
  mount_in_root --bind /dev "$root/dev"
  mount_in_root --bind "$cache/archives" "$root/var/cache/apt/archives"
  echo "root: copied and mounted in $(($(date +%s) - t)) s"
}

# package_release N DIR COMPONENTS: the built tree packaged again as release N into DIR (an
# upgrade dpkg accepts; the content is the same tree).
package_release() {
  local t=$(date +%s)
  (cd "$build" && cpack -D CPACK_DEBIAN_PACKAGE_RELEASE="$1" -D CPACK_PACKAGE_DIRECTORY="$2" \
    -D "CPACK_COMPONENTS_ALL=$3" >"$work/cpack-r$1.log" 2>&1) ||
    { cat "$work/cpack-r$1.log"; return 1; }
  echo "release $1: packaged in $(($(date +%s) - t)) s"
}
