#include "core/counters.h"

namespace kotona {

void Counters::add(std::string_view name, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  if (it == values_.end()) {
    values_.emplace(std::string(name), n);
  } else {
    it->second += n;
  }
}

std::uint64_t Counters::get(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(name);
  return it == values_.end() ? 0 : it->second;
}

std::map<std::string, std::uint64_t> Counters::snapshot() const {
  std::lock_guard lock(mutex_);
  return {values_.begin(), values_.end()};
}

}  // namespace kotona
