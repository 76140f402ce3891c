// SentBook: which outbox rows the uplink has sent and when, kept in memory only. Sending then
// never writes to the disk, so a full disk cannot stop delivery (issue 22). Losing it (a
// restart) costs only an earlier re-send of everything, as after every reconnect; the server
// deduplicates by reading_uid (invariant 2). Not thread-safe: one owner (the Outbox).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kotona::gateway {

class SentBook {
 public:
  using Time = std::chrono::sys_time<std::chrono::milliseconds>;

  // Records that row `seq` (`uid`) was sent at `at`. Rows are marked in the order
  // next_to_send() offers them, so every row with a lower seq has been marked or deleted.
  void mark(std::int64_t seq, const std::string& uid, Time at);
  // The row was deleted (acked): forget it.
  void forget(const std::string& uid);
  // Forget every send (after a reconnect: everything goes out again).
  void clear();
  // Sent rows due again, at most `limit`, longest unacked first: sent at or before
  // now - ack_timeout, then those sent "after now" (the hub clock was stepped back). Costs
  // O(limit log n): a 100k backlog must not walk every unacked row per call (issue 15).
  std::vector<std::pair<std::int64_t, std::string>> due(
      std::size_t limit, Time now, std::chrono::milliseconds ack_timeout) const;
  // Rows with seq above this were never sent since the last clear().
  std::int64_t high_water() const { return high_water_; }
  // -1 when the uid is not in the book.
  std::int64_t seq_of(const std::string& uid) const;
  std::int64_t send_count(std::int64_t seq) const;
  std::size_t size() const { return by_seq_.size(); }

 private:
  struct Sent {
    std::string uid;
    Time at;
    std::int64_t count = 0;
  };
  std::map<std::int64_t, Sent> by_seq_;
  std::set<std::pair<Time, std::int64_t>> by_time_;  // (sent at, seq) of every row in by_seq_
  // Keys view the uid held in by_seq_'s node (a map node never moves), so a row's uid is kept
  // once: a hub holds max_inflight_readings (4000) of them while it drains (issue 15: the
  // hub's RSS gate, < 16 MB).
  std::unordered_map<std::string_view, std::int64_t> seq_by_uid_;
  std::int64_t high_water_ = 0;
};

}  // namespace kotona::gateway
