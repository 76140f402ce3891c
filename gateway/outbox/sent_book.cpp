#include "gateway/outbox/sent_book.h"

#include <algorithm>

namespace kotona::gateway {

void SentBook::mark(std::int64_t seq, const std::string& uid, Time at) {
  auto [it, added] = by_seq_.try_emplace(seq, Sent{uid, at, 0});
  it->second.at = at;
  ++it->second.count;
  if (added) seq_by_uid_[uid] = seq;
  high_water_ = std::max(high_water_, seq);
}

void SentBook::forget(const std::string& uid) {
  auto it = seq_by_uid_.find(uid);
  if (it == seq_by_uid_.end()) return;
  by_seq_.erase(it->second);
  seq_by_uid_.erase(it);
}

void SentBook::clear() {
  by_seq_.clear();
  seq_by_uid_.clear();
  high_water_ = 0;
}

std::vector<std::pair<std::int64_t, std::string>> SentBook::due(
    std::size_t limit, Time now, std::chrono::milliseconds ack_timeout) const {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const auto& [seq, sent] : by_seq_) {
    if (out.size() >= limit) break;
    if (sent.at <= now - ack_timeout || sent.at > now) out.emplace_back(seq, sent.uid);
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
