#include "gateway/outbox/sent_book.h"

#include <algorithm>

namespace kotona::gateway {

void SentBook::mark(std::int64_t seq, const std::string& uid, Time at) {
  auto [it, added] = by_seq_.try_emplace(seq, Sent{uid, at, 0});
  if (!added) by_time_.erase({it->second.at, seq});
  by_time_.emplace(at, seq);
  it->second.at = at;
  ++it->second.count;
  if (added) seq_by_uid_[it->second.uid] = seq;  // the view of the node's own copy
  high_water_ = std::max(high_water_, seq);
}

void SentBook::forget(const std::string& uid) {
  auto it = seq_by_uid_.find(uid);
  if (it == seq_by_uid_.end()) return;
  const std::int64_t seq = it->second;
  seq_by_uid_.erase(it);  // before the node its key views
  if (auto sent = by_seq_.find(seq); sent != by_seq_.end()) {
    by_time_.erase({sent->second.at, seq});
    by_seq_.erase(sent);
  }
}

void SentBook::clear() {
  seq_by_uid_.clear();  // before the nodes its keys view
  by_seq_.clear();
  by_time_.clear();
  high_water_ = 0;
}

std::vector<std::pair<std::int64_t, std::string>> SentBook::due(
    std::size_t limit, Time now, std::chrono::milliseconds ack_timeout) const {
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto take = [&](std::int64_t seq) { out.emplace_back(seq, by_seq_.at(seq).uid); };
  for (auto it = by_time_.begin(); it != by_time_.end() && out.size() < limit; ++it) {
    if (it->first > now - ack_timeout) break;
    take(it->second);
  }
  for (auto it = by_time_.rbegin(); it != by_time_.rend() && out.size() < limit; ++it) {
    if (it->first <= now) break;
    take(it->second);
  }
  return out;
}

std::int64_t SentBook::seq_of(const std::string& uid) const {
  auto it = seq_by_uid_.find(uid);
  return it == seq_by_uid_.end() ? -1 : it->second;
}

std::int64_t SentBook::send_count(std::int64_t seq) const {
  auto it = by_seq_.find(seq);
  return it == by_seq_.end() ? 0 : it->second.count;
}

}  // namespace kotona::gateway
