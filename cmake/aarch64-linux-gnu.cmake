# Cross toolchain for the arm64 hub (issue 20 part 4; docs/packages.md "arm64"): Debian 12's
# crossbuild-essential-arm64 and the multiarch :arm64 -dev packages (deploy/install-deps.sh
# --arm64). Used with -DKOTONA_HUB_ONLY=ON: only the hub's targets. ctest runs each arm64 test
# binary under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR) with -L /: the loader and libc of
# libc6:arm64, the same build (with -L /usr/aarch64-linux-gnu the loader came from
# libc6-arm64-cross and libc from libc6:arm64, and the first pthread_create never returned:
# docs/packages.md "arm64"). No binfmt_misc registration is needed. tools/arm64.sh drives it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# KOTONA_QEMU_AARCH64 may name another emulator (the negative control names one that is not
# there: every arm64 test then fails).
if(NOT KOTONA_QEMU_AARCH64)
  set(KOTONA_QEMU_AARCH64 /usr/bin/qemu-aarch64-static)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${KOTONA_QEMU_AARCH64};-L;/")
# Multiarch: arm64 libraries in /usr/lib/aarch64-linux-gnu, headers shared in /usr/include;
# programs (protoc, the code generators) are the build machine's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
