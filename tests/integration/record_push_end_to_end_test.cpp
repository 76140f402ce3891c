// Issue 19: the real kotona-server turning the push to the record system on from its config
// file (record_endpoint and OAuth2 / SMART Backend Services keys), with the whole chain: a
// simulated blood-pressure meter, kotona-gateway, mosquitto, kotona-server and a FHIR record
// system (tests/record/fhir_receiver.py, conditional create, a token endpoint checking the
// signed assertion) that is killed once mid-run and restarted. Then every reading the meter
// delivered is in the record system exactly once.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>

#include "tests/integration/system.h"
#include "tests/support/key_pair.h"

using namespace kotona::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// Observations per reading uid in the receiver's journal (one JSON line per transaction).
std::map<std::string, int> observations(const std::filesystem::path& state) {
  std::map<std::string, int> out;
  std::ifstream in(state);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto record = json::parse(line);
    for (const auto& r : record.at("created").as_array()) {
      if (r.at("resourceType").as_string() != "Observation") continue;
      for (const auto& id : r.at("identifier").as_array()) {
        if (id.at("system").as_string() == "urn:kotona:reading-uid") {
          ++out[std::string(id.at("value").as_string())];
        }
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "record push e2e: kotona-server with record_endpoint and OAuth2 in its config, receiver "
    "killed and restarted -> each delivered reading in the record system exactly once") {
  SystemUnderTest sys;
  const auto key = sys.dir() / "record-client.key";
  const auto pub = sys.dir() / "record-client.pub";
  write_key_pair(key, pub, "P-384");
  const auto state = sys.dir() / "record-state.json";
  const int port = free_port();
  const std::vector<std::string> receiver_argv{"/usr/bin/python3",
                                               KOTONA_SOURCE_DIR "/tests/record/fhir_receiver.py",
                                               "--port",
                                               std::to_string(port),
                                               "--state",
                                               state.string(),
                                               "--oauth-public-key",
                                               pub.string(),
                                               "--client-id",
                                               "kotona-e2e",
                                               "--kid",
                                               "e2e-key-1"};
  auto receiver = std::make_unique<Child>(receiver_argv, sys.dir() / "receiver-1.log");
  REQUIRE(wait_for_port(port, 10s));

  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  sys.extra_server_config = "record_endpoint = " + base + "/fhir\n" +
                            "record_token_endpoint = " + base + "/token\n" +
                            "record_client_id = kotona-e2e\n" + "record_jwt_key = " + key.string() +
                            "\n" + "record_jwt_kid = e2e-key-1\n" +
                            "record_scope = system/Observation.write\n"
                            "record_poll_ms = 100\nrecord_backoff_min_ms = 100\n"
                            "record_backoff_max_s = 1\n";
  sys.start_broker();
  sys.start_server({"BPSIM0001"});
  std::vector<std::string> script;
  constexpr int kReadings = 14;
  for (int i = 0; i < kReadings; ++i) {
    script.insert(script.end(), {"measure",
                                 std::to_string(120 + i) + "/" + std::to_string(75 + i % 9) + "/" +
                                     std::to_string(60 + i),
                                 "wait", "300"});
  }
  sys.start_device({"BPSIM0001", script, {}});
  sys.start_gateway();

  // Some readings in the record system, then it dies (kill -9) and comes back 1.5 s later.
  REQUIRE_MESSAGE(eventually([&] { return observations(state).size() >= 3; }, 60s),
                  sys.diagnostics());
  receiver->kill9();
  std::this_thread::sleep_for(1500ms);
  receiver = std::make_unique<Child>(receiver_argv, sys.dir() / "receiver-2.log");
  REQUIRE(wait_for_port(port, 10s));

  REQUIRE_MESSAGE(eventually([&] { return sys.ledger_uids().size() == kReadings; }, 60s),
                  sys.diagnostics());
  const auto ledger = sys.ledger_uids();
  REQUIRE_MESSAGE(eventually([&] { return observations(state).size() >= ledger.size(); }, 60s),
                  sys.diagnostics() << "\nreceiver: " << receiver->log_text());
  const auto got = observations(state);
  std::size_t lost = 0, duplicated = 0;
  for (const auto& uid : ledger) {
    auto it = got.find(uid);
    if (it == got.end()) {
      ++lost;
      MESSAGE("lost " << uid);
    } else if (it->second != 1) {
      ++duplicated;
      MESSAGE("duplicated " << uid << " x" << it->second);
    }
  }
  MESSAGE(ledger.size() << " readings delivered by the meter, " << got.size()
                        << " Observations in the record system");
  CHECK(lost == 0);
  CHECK(duplicated == 0);
  CHECK(got.size() == ledger.size());  // nothing it was not sent
  // The server authenticated with its signed assertion: tokens granted, none refused; the
  // restarted receiver forgot the first token, so at least two.
  std::ifstream auth_file(state.string() + ".auth");
  std::stringstream auth_text;
  auth_text << auth_file.rdbuf();
  const auto auth = json::parse(auth_text.str()).as_object();
  CHECK(auth.at("granted").as_int64() >= 2);
  CHECK(auth.at("refused").as_int64() == 0);
  CHECK(sys.server_counter(sys.http_port(), "record_token_refused") == 0);
  CHECK(sys.server_counter(sys.http_port(), "record_observations_pushed") >=
        static_cast<long>(ledger.size()));
}
