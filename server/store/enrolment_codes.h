// EnrolmentCodes: one-time codes that let a blank hub get its certificate (issue 20 part 5),
// table enrolment_codes. A code is issued by an admin for one gateway id and patient, lives
// for a short time, is stored only as its SHA-256, and is burned by its first use in the same
// transaction that signs the hub's CSR. Issue, use and every refusal (unknown, used, expired,
// bad CSR) are audit rows (action enrolment_code.*). Borrows a Database and an AuditLog on
// it: the server gives it a connection of its own to the store (as RecordOutbox has), the
// write lock keeps the audit chain in order across connections. io thread only.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/store/audit.h"
#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

struct IssuedCode {
  std::string code;  // shown once to the admin; the store keeps only its hash
  GatewayId gateway;
  PatientId patient;
  HubTime expires{};
};

// Why a code gets nothing. The API answers every one the same (refused, nothing in it).
enum class CodeRefusal { kUnknown, kUsed, kExpired, kBadCsr };
std::string_view to_string(CodeRefusal why);

struct Redeemed {
  GatewayId gateway;
  PatientId patient;
  std::string certificate_pem;  // what sign() made
  std::string serial;           // its serial number, upper-case hex (as `openssl x509 -serial`)
};

// A certificate the enrolment issued (table hub_certificates), kept so it can be revoked.
struct HubCertificate {
  std::string serial;  // upper-case hex
  GatewayId gateway;
  PatientId patient;
  HubTime issued{};
  HubTime not_after{};
  std::string issued_to;  // the client address that redeemed the code
  std::optional<HubTime> revoked;
};

// Signs the CSR for `gateway` (CN must be the gateway id): the certificate PEM, or an error
// (then the code stays unused and the refusal kBadCsr is audited).
using CsrSigner = std::function<Result<std::string>(const GatewayId& gateway)>;

class EnrolmentCodes {
 public:
  EnrolmentCodes(Database& db, AuditLog& audit) : db_(db), audit_(audit) {}
  EnrolmentCodes(const EnrolmentCodes&) = delete;
  EnrolmentCodes& operator=(const EnrolmentCodes&) = delete;

  // A new random code (14 characters "XXXX-XXXX-XXXX", 12 of 30 symbols: 59 bits, no 0/O/1/I/L) for
  // `gateway` and `patient`, valid for `ttl`, with audit row enrolment_code.issue (actor `actor`,
  // subject gateway/<id>, detail the patient and expiry, never the code). Errors: kIo.
  [[nodiscard]] Result<IssuedCode> issue(const GatewayId& gateway, const PatientId& patient,
                                         std::chrono::seconds ttl, const std::string& actor,
                                         HubTime now);

  // Redeems `code` (case and dashes ignored) from `client` (an address, for the audit):
  // in ONE transaction looks the code up, calls sign(), marks the code used and writes audit
  // row enrolment_code.use (naming the certificate's serial), and records the certificate in
  // hub_certificates. A code that is unknown, used or expired, or whose CSR sign()
  // refuses, is not changed: the refusal is one audit row enrolment_code.refused (detail the
  // reason and the client) and comes back as the CodeRefusal. Errors: kIo.
  [[nodiscard]] Result<std::variant<Redeemed, CodeRefusal>> redeem(std::string_view code,
                                                                   const std::string& client,
                                                                   const CsrSigner& sign,
                                                                   HubTime now);

  // The certificates issued, newest first, at most `limit`; only `gateway`'s when given.
  // Errors: kIo.
  [[nodiscard]] Result<std::vector<HubCertificate>> certificates(
      const std::optional<GatewayId>& gateway, int limit);

  // The code as stored: lower-case hex SHA-256 of its normalised form (upper case, no dashes).
  static std::string hash(std::string_view code);

 private:
  [[nodiscard]] Result<CodeRefusal> refuse(CodeRefusal why, const std::string& subject,
                                           const std::string& client, HubTime now);
  Database& db_;
  AuditLog& audit_;
};

}  // namespace kotona::server::store
