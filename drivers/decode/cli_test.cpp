#include "drivers/decode/cli.h"

#include <doctest/doctest.h>

#include <sstream>

namespace kotona::drivers::decode {
namespace {

using namespace std::chrono;

const HubTime kNow{sys_days{2026y / 11 / 22} + 10h + 16min};

struct Run {
  int code;
  std::string out, err;
};

Run decode(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = run_decode(args, kNow, out, err);
  return Run{code, out.str(), err.str()};
}

TEST_CASE("kotona-decode: unknown driver -> exit 2 listing the known drivers") {
  const Run r = decode({"acme_bp", "05"});
  CHECK(r.code == 2);
  CHECK(r.err.find("astm_bp") != std::string::npos);
  CHECK(r.err.find("astm_inr") != std::string::npos);
  CHECK(r.err.find("astm_glucose") != std::string::npos);
}

TEST_CASE("kotona-decode: usage errors -> exit 2") {
  CHECK(decode({}).code == 2);
  CHECK(decode({"astm_inr"}).code == 2);
  CHECK(decode({"astm_inr", "0g"}).code == 2);
  CHECK(decode({"astm_inr", "--hub-time", "yesterday", "05"}).code == 2);
  CHECK(decode({"astm_inr", "--file"}).code == 2);
  CHECK(decode({"astm_inr", "--file", "/nonexistent/x.hex"}).code == 2);
  CHECK(decode({"astm_inr", "--file", "testdata/x.hex", "05"}).code == 2);
  CHECK(decode({"astm_inr", "--what", "05"}).code == 2);
}

TEST_CASE("kotona-decode: ENQ and EOT only -> exit 0, nothing printed") {
  const Run r = decode({"astm_inr", "05", "04"});
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("kotona-decode: stray bytes -> exit 1 with error line naming code and byte") {
  const Run r = decode({"astm_glucose", "--hub-time", "2026-11-22T10:16:00Z", "41 42"});
  CHECK(r.code == 1);
  CHECK(r.err == "error: malformed at byte 0: 2 byte(s) outside any frame ignored\n");
}

TEST_CASE("kotona-conformance: bad arguments -> exit 2, empty dir -> exit 1") {
  std::ostringstream out, err;
  CHECK(run_conformance({"astm_inr"}, out, err) == 2);
  CHECK(run_conformance({"nope", "."}, out, err) == 2);
  CHECK(run_conformance({"astm_inr", "/nonexistent"}, out, err) == 1);
}

TEST_CASE(
    "ble_bp: kotona-decode: BLE --characteristic 2A35 HEX -> one reading, serial from the "
    "address") {
  const Run r = decode({"ble_bp", "--hub-time", "2026-11-22T10:16:00Z", "--characteristic", "2A35",
                        "1E B6 00 70 00 87 00 EA 07 0B 16 0A 0F 00 47 00 FF 00 00"});
  CHECK(r.code == 0);
  CHECK(r.out.find("\"systolic\":{\"value\":182") != std::string::npos);
  CHECK(r.out.find("\"serial\":\"ble-000000000000\"") != std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("ble_bp: kotona-decode: BLE value with systolic NaN -> exit 1, error names the field") {
  const Run r = decode({"ble_bp", "--characteristic", "2A35", "00 FF 07 70 00 87 00"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("out_of_range on line 1 at byte 1: systolic is NaN") != std::string::npos);
}

TEST_CASE("kotona-decode: BLE usage errors -> exit 2") {
  CHECK(decode({"ble_bp", "--characteristic", "2A3", "00"}).code == 2);
  CHECK(decode({"ble_bp", "--characteristic", "2A35", "0g"}).code == 2);
  CHECK(decode({"ble_bp", "1E B6"}).code == 2);  // neither a capture nor --characteristic
  CHECK(decode({"astm_bp", "--characteristic", "2A35", "05"}).code == 2);
}

}  // namespace
}  // namespace kotona::drivers::decode
