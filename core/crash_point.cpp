#include "core/crash_point.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace kotona {

namespace {

struct CrashSpec {
  std::string name;
  long target = 0;  // 0: disabled
  std::atomic<long> passes{0};
};

CrashSpec& spec() {
  static CrashSpec* s = [] {
    auto* out = new CrashSpec;  // never freed: used until the process dies
    const char* env = std::getenv("KOTONA_CRASH_AT");
    if (env == nullptr) return out;
    std::string text(env);
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return out;
    char* end = nullptr;
    long n = std::strtol(text.c_str() + colon + 1, &end, 10);
    if (end == nullptr || *end != '\0' || n <= 0) return out;
    out->name = text.substr(0, colon);
    out->target = n;
    return out;
  }();
  return *s;
}

}  // namespace

void crash_point(const char* name) {
  CrashSpec& s = spec();
  if (s.target == 0 || s.name != name) return;
  if (s.passes.fetch_add(1) + 1 == s.target) {
    static const char kMsg[] = "crash_point: SIGKILL at the named point\n";
    (void)!write(2, kMsg, sizeof kMsg - 1);
    ::kill(::getpid(), SIGKILL);
  }
}

}  // namespace kotona
