// Record Access Control Point (characteristic 0x2A52) as the Glucose Service uses it: the
// requests the hub writes and the indications the device answers with. Glucose Service
// (GLS) v1.0.1 §3.4 "Record Access Control Point" (op codes, operators, operands, response
// codes) and Glucose Profile (GLP) v1.0.1 §4.9 (collector procedures). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace kotona::drivers::gatt::racp {

// Op codes (GLS §3.4).
inline constexpr std::uint8_t kReportStoredRecords = 0x01;
inline constexpr std::uint8_t kDeleteStoredRecords = 0x02;
inline constexpr std::uint8_t kAbortOperation = 0x03;
inline constexpr std::uint8_t kReportNumberOfRecords = 0x04;
inline constexpr std::uint8_t kNumberOfRecordsResponse = 0x05;
inline constexpr std::uint8_t kResponseCode = 0x06;
// Operators (GLS §3.4).
inline constexpr std::uint8_t kNull = 0x00;
inline constexpr std::uint8_t kAllRecords = 0x01;
inline constexpr std::uint8_t kLessOrEqual = 0x02;
inline constexpr std::uint8_t kGreaterOrEqual = 0x03;
inline constexpr std::uint8_t kWithinRange = 0x04;
inline constexpr std::uint8_t kFirstRecord = 0x05;
inline constexpr std::uint8_t kLastRecord = 0x06;
// Filter type of the operand (GLS §3.4).
inline constexpr std::uint8_t kFilterSequenceNumber = 0x01;

// Response code values (GLS §3.4).
enum class ResponseCode : std::uint8_t {
  kSuccess = 0x01,
  kOpCodeNotSupported = 0x02,
  kInvalidOperator = 0x03,
  kOperatorNotSupported = 0x04,
  kInvalidOperand = 0x05,
  kNoRecordsFound = 0x06,
  kAbortUnsuccessful = 0x07,
  kProcedureNotCompleted = 0x08,
  kOperandNotSupported = 0x09,
};
// "success", "no records found", ...; "unknown response code" for other values.
std::string_view to_string(ResponseCode code);

// Requests, as the bytes to write (op code, operator, operand):
//   report all                      01 01
//   report seq >= N                 01 03 01 <N u16le>
//   report last record              01 06
//   report seq N only               01 04 01 <N u16le> <N u16le>   (within range N..N)
//   number of records, all          04 01
//   number of records, seq >= N     04 03 01 <N u16le>
//   abort                           03 00
std::vector<std::uint8_t> report_all();
std::vector<std::uint8_t> report_from(std::uint16_t first_sequence);
std::vector<std::uint8_t> report_last();
std::vector<std::uint8_t> report_one(std::uint16_t sequence);
std::vector<std::uint8_t> count_all();
std::vector<std::uint8_t> count_from(std::uint16_t first_sequence);
std::vector<std::uint8_t> abort_operation();

// Indications the device sends:
//   05 00 <count u16le>                         number of stored records
//   06 00 <request op code> <response code>     response to a request
struct NumberOfRecords {
  std::uint16_t count = 0;
  friend bool operator==(const NumberOfRecords&, const NumberOfRecords&) = default;
};
struct Response {
  std::uint8_t request_op_code = 0;
  ResponseCode code = ResponseCode::kSuccess;  // any value the device sent, known or not
  friend bool operator==(const Response&, const Response&) = default;
};
using Indication = std::variant<NumberOfRecords, Response>;

// Errors: kTruncated; kMalformed (op code other than 05/06, operator not Null, trailing bytes);
// an unknown response code value is returned as is (to_string says "unknown").
[[nodiscard]] Result<Indication> parse_indication(std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::gatt::racp
