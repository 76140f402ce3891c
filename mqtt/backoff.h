// Backoff: the delays between reconnect attempts, exponential from `min` to `max` with full
// jitter over the upper half so a fleet of hubs that lost the broker together does not come
// back in step. reset() after a success.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace kotona::mqtt_link {

class Backoff {
 public:
  using ms = std::chrono::milliseconds;
  Backoff(ms min, ms max)
      : min_(std::max<ms::rep>(1, min.count())),
        max_(std::max(min_, max.count())),
        rng_(std::random_device{}()) {}

  ms next() {
    auto delay = min_;
    for (int i = 0; i < attempt_ && delay < max_; ++i) delay *= 2;
    delay = std::min(delay, max_);
    attempt_ = std::min(attempt_ + 1, 30);
    std::uniform_int_distribution<ms::rep> jitter(delay / 2, delay);
    return ms(jitter(rng_));
  }
  void reset() { attempt_ = 0; }

 private:
  ms::rep min_;
  ms::rep max_;
  int attempt_ = 0;
  std::mt19937 rng_;
};

}  // namespace kotona::mqtt_link
