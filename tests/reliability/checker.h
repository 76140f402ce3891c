// The reliability checker: compares what the simulated devices say they delivered (their
// independent ledgers) with what the server stored. Pure; no I/O. See README.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kotona::reliability {

struct LedgerEntry {  // one line of a firmware-sim --ledger file
  std::string serial;
  std::string record;
  std::string kind = "bp";
};

struct StoredRow {  // one row of the server's readings table
  std::string reading_uid;
  std::string patient_id;
  std::string gateway_id;
};

struct Score {
  std::int64_t emitted = 0;        // ledger entries (each a reading the device saw delivered)
  std::int64_t stored = 0;         // distinct uids in the server's readings table
  std::int64_t lost = 0;           // in a ledger, not stored
  std::int64_t duplicated = 0;     // stored rows beyond the first for the same uid
  std::int64_t misattributed = 0;  // stored under another patient or gateway than enrolled
  std::int64_t unledgered = 0;     // stored but in no ledger (the device had not seen the ACK
                                   // when it was stopped: allowed, not a failure)
  std::vector<std::string> examples;  // a few offending uids, for the scorecard
  bool ok() const { return lost == 0 && duplicated == 0 && misattributed == 0; }
};

// The uid the gateway gives a ledger entry's reading (core/ids: gateway/serial/r<record>/kind).
std::string expected_uid(const std::string& gateway_id, const LedgerEntry& entry);

// `patient_of_serial`: the enrolment the harness configured.
Score check(const std::string& gateway_id, const std::vector<LedgerEntry>& ledger,
            const std::vector<StoredRow>& stored,
            const std::map<std::string, std::string>& patient_of_serial);

}  // namespace kotona::reliability
