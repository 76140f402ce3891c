#include "drivers/gatt/racp.h"

#include <string>

#include "drivers/gatt/byte_reader.h"

namespace kotona::drivers::gatt::racp {

namespace {

std::vector<std::uint8_t> with_sequence(std::uint8_t op, std::uint16_t first) {
  return {op, kGreaterOrEqual, kFilterSequenceNumber, static_cast<std::uint8_t>(first & 0xFFu),
          static_cast<std::uint8_t>(first >> 8u)};
}

}  // namespace

std::string_view to_string(ResponseCode code) {
  switch (code) {
    case ResponseCode::kSuccess: return "success";
    case ResponseCode::kOpCodeNotSupported: return "op code not supported";
    case ResponseCode::kInvalidOperator: return "invalid operator";
    case ResponseCode::kOperatorNotSupported: return "operator not supported";
    case ResponseCode::kInvalidOperand: return "invalid operand";
    case ResponseCode::kNoRecordsFound: return "no records found";
    case ResponseCode::kAbortUnsuccessful: return "abort unsuccessful";
    case ResponseCode::kProcedureNotCompleted: return "procedure not completed";
    case ResponseCode::kOperandNotSupported: return "operand not supported";
  }
  return "unknown response code";
}

std::vector<std::uint8_t> report_all() { return {kReportStoredRecords, kAllRecords}; }
std::vector<std::uint8_t> report_from(std::uint16_t first) {
  return with_sequence(kReportStoredRecords, first);
}
std::vector<std::uint8_t> report_last() { return {kReportStoredRecords, kLastRecord}; }
std::vector<std::uint8_t> report_one(std::uint16_t sequence) {
  const auto lo = static_cast<std::uint8_t>(sequence & 0xFFu);
  const auto hi = static_cast<std::uint8_t>(sequence >> 8);
  return {kReportStoredRecords, kWithinRange, kFilterSequenceNumber, lo, hi, lo, hi};
}
std::vector<std::uint8_t> count_all() { return {kReportNumberOfRecords, kAllRecords}; }
std::vector<std::uint8_t> count_from(std::uint16_t first) {
  return with_sequence(kReportNumberOfRecords, first);
}
std::vector<std::uint8_t> abort_operation() { return {kAbortOperation, kNull}; }

Result<Indication> parse_indication(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto op = r.u8("RACP op code");
  if (!op) return fail(op.error());
  if (*op != kNumberOfRecordsResponse && *op != kResponseCode) {
    return fail(Errc::kMalformed, 0,
                "RACP op code " + std::to_string(*op) + " is not a response (5 or 6)");
  }
  auto oper = r.u8("RACP operator");
  if (!oper) return fail(oper.error());
  if (*oper != kNull) {
    return fail(Errc::kMalformed, 1, "RACP response operator " + std::to_string(*oper) +
                                         " is not Null (0)");
  }
  Indication out;
  if (*op == kNumberOfRecordsResponse) {
    auto count = r.u16le("number of records");
    if (!count) return fail(count.error());
    out = NumberOfRecords{*count};
  } else {
    auto request = r.u8("request op code");
    if (!request) return fail(request.error());
    auto code = r.u8("response code value");
    if (!code) return fail(code.error());
    out = Response{*request, static_cast<ResponseCode>(*code)};
  }
  if (auto end = r.expect_end("the RACP response"); !end) return fail(end.error());
  return out;
}

}  // namespace kotona::drivers::gatt::racp
