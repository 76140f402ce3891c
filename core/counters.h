// Counters: named monotonically increasing event counts ("bad_frames", "mqtt_bad_payload"),
// exported by each process (gateway status message, server /metrics). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace kotona {

class Counters {
 public:
  void add(std::string_view name, std::uint64_t n = 1);
  std::uint64_t get(std::string_view name) const;
  std::map<std::string, std::uint64_t> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> values_;
};

}  // namespace kotona
