// EnrolmentCodes (enrolment_codes.h): the enrolment_codes table, its audited issue and
// single-use redemption.
#include "server/store/enrolment_codes.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <cctype>
#include <ctime>
#include <memory>

#include "server/store/digest.h"
#include "server/store/manual_binding.h"

namespace kotona::server::store {

namespace {

// 30 symbols a person reads and types without doubt: no 0/O, 1/I/L, U.
constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

std::string normalise(std::string_view code) {
  std::string out;
  for (const char c : code) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string iso(HubTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The serial (upper-case hex, as `openssl x509 -serial` prints it) and end of validity of a
// certificate the CA just signed. Errors: kMalformed (not a PEM certificate: a broken CA).
Result<std::pair<std::string, HubTime>> certificate_facts(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_free);
  if (!cert) return fail(Errc::kMalformed, "the signed certificate cannot be read");
  std::unique_ptr<BIGNUM, decltype(&BN_free)> number(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr), BN_free);
  char* hex = number ? BN_bn2hex(number.get()) : nullptr;
  std::tm tm{};
  if (hex == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) {
    OPENSSL_free(hex);
    return fail(Errc::kMalformed, "the signed certificate has no serial or end of validity");
  }
  std::string serial(hex);
  OPENSSL_free(hex);
  if (serial.size() % 2 == 1) serial.insert(0, "0");  // whole bytes, as openssl prints them
  const auto seconds = std::chrono::seconds(timegm(&tm));
  return std::pair{serial, HubTime{std::chrono::duration_cast<std::chrono::milliseconds>(seconds)}};
}

}  // namespace

std::string_view to_string(CodeRefusal why) {
  switch (why) {
    case CodeRefusal::kUnknown:
      return "unknown";
    case CodeRefusal::kUsed:
      return "used";
    case CodeRefusal::kExpired:
      return "expired";
    case CodeRefusal::kBadCsr:
      return "bad_csr";
  }
  return "unknown";
}

std::string EnrolmentCodes::hash(std::string_view code) {
  const std::string text = normalise(code);
  return sha256_hex(text);
}

Result<IssuedCode> EnrolmentCodes::issue(const GatewayId& gateway, const PatientId& patient,
                                         std::chrono::seconds ttl, const std::string& actor,
                                         HubTime now) {
  // 12 symbols from a 30-symbol alphabet by rejection sampling over random bytes (~58.9 bits).
  std::string code;
  while (code.size() < 14) {
    if (code.size() == 4 || code.size() == 9) {
      code += '-';
      continue;
    }
    unsigned char byte = 0;
    if (RAND_bytes(&byte, 1) != 1) return fail(Errc::kIo, "RAND_bytes failed");
    const std::size_t v = byte & 0x1f;  // 0..31: 30 and 31 are drawn again (no bias)
    if (v >= kAlphabet.size()) continue;
    code += kAlphabet[v];
  }
  IssuedCode out{code, gateway, patient, now + ttl};
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto insert = db_.prepare(
      "INSERT INTO enrolment_codes(code_hash, gateway_id, patient_id, issued_by, "
      "issued_unix_ms, expires_unix_ms) VALUES(?,?,?,?,?,?)");
  if (!insert) return fail(insert.error());
  insert->bind(1, hash(code))
      .bind(2, gateway.value)
      .bind(3, patient.value)
      .bind(4, actor)
      .bind(5, ms(now))
      .bind(6, ms(out.expires));
  if (auto r = insert->step(); !r) return fail(r.error());
  AuditRow audit{0,
                 now,
                 actor,
                 "enrolment_code.issue",
                 AlertId{"gateway/" + gateway.value},
                 "patient=" + patient.value + ", expires=" + iso(out.expires),
                 {},
                 {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return out;
}

Result<CodeRefusal> EnrolmentCodes::refuse(CodeRefusal why, const std::string& subject,
                                           const std::string& client, HubTime now) {
  AuditRow audit{0,
                 now,
                 "hub",
                 "enrolment_code.refused",
                 AlertId{subject},
                 std::string(to_string(why)) + " from " + client,
                 {},
                 {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  return why;
}

Result<std::variant<Redeemed, CodeRefusal>> EnrolmentCodes::redeem(std::string_view code,
                                                                   const std::string& client,
                                                                   const CsrSigner& sign,
                                                                   HubTime now) {
  using Out = std::variant<Redeemed, CodeRefusal>;
  const std::string code_hash = hash(code);
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto find = db_.prepare(
      "SELECT gateway_id, patient_id, expires_unix_ms, used_unix_ms FROM enrolment_codes "
      "WHERE code_hash = ?");
  if (!find) return fail(find.error());
  find->bind(1, code_hash);
  auto row = find->step();
  if (!row) return fail(row.error());
  // The refusal's audit row commits on its own; the code row is never changed by a refusal.
  auto refused = [&](CodeRefusal why, const std::string& subject) -> Result<Out> {
    auto r = refuse(why, subject, client, now);
    if (!r) return fail(r.error());
    if (auto c = transaction.commit(); !c) return fail(c.error());
    return Out{*r};
  };
  if (!*row) return refused(CodeRefusal::kUnknown, "enrolment_code/unknown");
  const GatewayId gateway{find->column_text(0)};
  const PatientId patient{find->column_text(1)};
  const std::string subject = "gateway/" + gateway.value;
  const bool used = !find->column_is_null(3);
  const bool expired = find->column_int(2) <= ms(now);
  if (used) return refused(CodeRefusal::kUsed, subject);
  if (expired) return refused(CodeRefusal::kExpired, subject);
  auto certificate = sign(gateway);
  if (!certificate) return refused(CodeRefusal::kBadCsr, subject);
  auto burn = db_.prepare(
      "UPDATE enrolment_codes SET used_unix_ms = ?, used_from = ? "
      "WHERE code_hash = ? AND used_unix_ms IS NULL");
  if (!burn) return fail(burn.error());
  burn->bind(1, ms(now)).bind(2, client).bind(3, code_hash);
  if (auto r = burn->step(); !r) return fail(r.error());
  if (db_.changes() != 1) return fail(Errc::kIo, "enrolment code changed under the write lock");
  // Kept so the certificate can be revoked (docs/security.md): committed with the code's use.
  auto facts = certificate_facts(*certificate);
  if (!facts) return fail(Errc::kIo, facts.error().detail);
  auto keep = db_.prepare(
      "INSERT INTO hub_certificates(serial, gateway_id, patient_id, issued_unix_ms, "
      "not_after_unix_ms, issued_to) VALUES(?,?,?,?,?,?)");
  if (!keep) return fail(keep.error());
  keep->bind(1, facts->first).bind(2, gateway.value).bind(3, patient.value).bind(4, ms(now));
  keep->bind(5, ms(facts->second)).bind(6, client);
  if (auto r = keep->step(); !r) return fail(r.error());
  AuditRow audit{0,
                 now,
                 "hub",
                 "enrolment_code.use",
                 AlertId{subject},
                 "patient=" + patient.value + ", from " + client + ", serial=" + facts->first,
                 {},
                 {}};
  if (auto r = audit_.append(audit); !r) return fail(r.error());
  // The hub now serves the code's patient: its typed-in values are that patient's when no
  // other patient is enrolled on it (manual_binding.h). A conflict (typed values stored after
  // now) leaves `manual` as it is: the hub is enrolled all the same.
  if (auto typed = follow_hub_patient(db_, &audit_, gateway, now, patient, "hub", now); !typed) {
    return fail(typed.error());
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return Out{Redeemed{gateway, patient, std::move(*certificate), facts->first}};
}

Result<std::vector<HubCertificate>> EnrolmentCodes::certificates(
    const std::optional<GatewayId>& gateway, int limit) {
  auto stmt = db_.prepare(
      "SELECT serial, gateway_id, patient_id, issued_unix_ms, not_after_unix_ms, issued_to, "
      "revoked_unix_ms FROM hub_certificates WHERE (? = '' OR gateway_id = ?) "
      "ORDER BY issued_unix_ms DESC, serial LIMIT ?");
  if (!stmt) return fail(stmt.error());
  const std::string only = gateway ? gateway->value : "";
  stmt->bind(1, only).bind(2, only).bind(3, static_cast<std::int64_t>(limit));
  std::vector<HubCertificate> out;
  auto at = [&](int column) {
    return HubTime{std::chrono::milliseconds{stmt->column_int(column)}};
  };
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    HubCertificate c{stmt->column_text(0),
                     GatewayId{stmt->column_text(1)},
                     PatientId{stmt->column_text(2)},
                     at(3),
                     at(4),
                     stmt->column_text(5),
                     std::nullopt};
    if (!stmt->column_is_null(6)) c.revoked = at(6);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kotona::server::store
