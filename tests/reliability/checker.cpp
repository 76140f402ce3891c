#include "tests/reliability/checker.h"

#include <set>

namespace kotona::reliability {

namespace {

constexpr std::size_t kMaxExamples = 5;

void example(Score& score, const std::string& what, const std::string& uid) {
  if (score.examples.size() < kMaxExamples) score.examples.push_back(what + " " + uid);
}

// ".../<serial>/r<record>/<kind>" -> serial (empty if the uid has another shape).
std::string serial_of(const std::string& uid) {
  auto last = uid.rfind('/');
  if (last == std::string::npos) return {};
  auto record = uid.rfind('/', last - 1);
  if (record == std::string::npos || record == 0) return {};
  auto serial = uid.rfind('/', record - 1);
  if (serial == std::string::npos) return {};
  return uid.substr(serial + 1, record - serial - 1);
}

}  // namespace

std::string expected_uid(const std::string& gateway_id, const LedgerEntry& entry) {
  return gateway_id + "/" + entry.serial + "/r" + entry.record + "/" + entry.kind;
}

Score check(const std::string& gateway_id, const std::vector<LedgerEntry>& ledger,
            const std::vector<StoredRow>& stored,
            const std::map<std::string, std::string>& patient_of_serial) {
  Score score;
  std::map<std::string, int> copies;
  for (const auto& row : stored) {
    if (++copies[row.reading_uid] > 1) {
      ++score.duplicated;
      example(score, "duplicated", row.reading_uid);
    }
    auto patient = patient_of_serial.find(serial_of(row.reading_uid));
    if (row.gateway_id != gateway_id || patient == patient_of_serial.end() ||
        patient->second != row.patient_id) {
      ++score.misattributed;
      example(score, "misattributed", row.reading_uid + " -> " + row.patient_id);
    }
  }
  score.stored = static_cast<std::int64_t>(copies.size());
  std::set<std::string> ledgered;
  for (const auto& entry : ledger) {
    auto uid = expected_uid(gateway_id, entry);
    ++score.emitted;
    ledgered.insert(uid);
    if (!copies.contains(uid)) {
      ++score.lost;
      example(score, "lost", uid);
    }
  }
  for (const auto& [uid, n] : copies) {
    if (!ledgered.contains(uid)) ++score.unledgered;
  }
  return score;
}

}  // namespace kotona::reliability
