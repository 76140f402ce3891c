// What the bench reads about a process from /proc: CPU time, peak resident memory and bytes
// written to storage. Linux only.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace kotona::bench {

// User + system CPU of `pid` in microseconds; 0 when it is gone.
inline double cpu_us(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt: fields 3-13
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A kB line of /proc/<pid>/status ("VmHWM:", "VmRSS:") in MiB; 0 when it is gone.
inline double status_mb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size())) / 1024.0;
  }
  return 0;
}
// Peak resident set (VmHWM) of `pid` in MiB; 0 when it is gone.
inline double peak_rss_mb(pid_t pid) { return status_mb(pid, "VmHWM:"); }
// Resident set now (VmRSS) of `pid` in MiB; 0 when it is gone.
inline double rss_mb(pid_t pid) { return status_mb(pid, "VmRSS:"); }

// Bytes written to storage by `who` ("<pid>", or "thread-self" for the calling thread):
// /proc/<who>/io write_bytes, the page-cache pages it dirtied on a block-device filesystem
// (4 KiB granular; a page written again after its fsync counts again, as flash sees it; tmpfs
// counts nothing; the filesystem's own journal is not charged to the process). -1 when
// unreadable.
inline long long io_write_bytes(const std::string& who) {
  std::ifstream in("/proc/" + who + "/io");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("write_bytes:", 0) == 0) return std::stoll(line.substr(12));
  }
  return -1;
}

}  // namespace kotona::bench
