// LD_PRELOAD shim loaded BEFORE libfaketime for the gateway in the clock-faults scenario:
// timerfd_settime/timerfd_gettime go straight to the kernel.
//
// Why: libfaketime 0.9.10 (Debian 12) translates every TFD_TIMER_ABSTIME deadline as if it
// were a CLOCK_REALTIME time, also on CLOCK_MONOTONIC timerfds. Boost.Asio arms its monotonic
// timerfd with the absolute deadline "1 ns" when a timer is already due; libfaketime turns that
// into 1 ns - offset: negative for a hub clock ahead (EINVAL, the timerfd is never armed) or
// years away for a clock behind. From then on no asio timer of the process fires: the gateway
// never reconnected after the next broker restart and its outbox never drained (CI failure of
// 2026-11-23, 1 run in 5 locally). A real hub's monotonic timers do not move when its wall
// clock is stepped, so the harness keeps them real. tests "faketime timer probe" show both.
//
// Not declared via <sys/timerfd.h>: its declarations carry __THROW, these definitions are the
// C ABI symbols the dynamic linker binds first.
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

extern "C" {

__attribute__((visibility("default"))) int timerfd_settime(int fd, int flags,
                                                           const struct itimerspec* new_value,
                                                           struct itimerspec* old_value) {
  return static_cast<int>(::syscall(SYS_timerfd_settime, fd, flags, new_value, old_value));
}

__attribute__((visibility("default"))) int timerfd_gettime(int fd, struct itimerspec* value) {
  return static_cast<int>(::syscall(SYS_timerfd_gettime, fd, value));
}

}  // extern "C"
