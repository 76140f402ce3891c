// Issue 13 section 3, "quarantine is invisible": what ingest does with a batch it cannot store
// (not enrolled, identity mismatch, undecodable, forged ids): one escaped log line per batch,
// a technical alert, and (not_enrolled) a release after enrolment. Messages go through
// Ingest::handle_message_for_test, the store is real (SQLite, or PostgreSQL in the
// "[postgresql]" run). stderr is captured to read the log lines.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "proto/codec/wire.h"
#include "server/ingest/ingest.h"
#include "tests/support/process.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server;
namespace asio = boost::asio;

namespace {

const GatewayId kGw{"gw-q"};
const std::string kTopic = "kotona/v1/gw/gw-q/readings";

HubTime now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Reading bp(const std::string& serial, const std::string& record, double systolic,
           const GatewayId& gateway = kGw) {
  Reading r;
  r.device.serial = DeviceSerial{serial};
  r.record_id = record;
  r.hub_time = now_ms();
  r.measurement = BloodPressure{systolic, 115, std::nullopt, 60.0};
  finalize_reading(gateway, r);
  return r;
}

// stderr of everything `fn` does, as text (fd 2 redirected to a file meanwhile).
template <typename F>
std::string captured_stderr(const std::filesystem::path& file, F fn) {
  std::fflush(stderr);
  int saved = ::dup(2);
  std::FILE* out = std::fopen(file.c_str(), "w");
  REQUIRE(out != nullptr);
  ::dup2(::fileno(out), 2);
  fn();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(out);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Every line the logger writes starts "YYYY-MM-DDTHH:MM:SS.mmmZ LEVEL component: ".
bool is_log_line(const std::string& line) {
  return line.size() > 25 && line[4] == '-' && line[10] == 'T' && line[23] == 'Z' &&
         line[24] == ' ';
}

int count_containing(const std::vector<std::string>& lines, const std::string& needle) {
  int n = 0;
  for (const auto& l : lines) n += l.find(needle) != std::string::npos ? 1 : 0;
  return n;
}

struct Rig : test::StoreFixture {
  asio::io_context io;
  Counters counters;
  std::vector<store::StoredAlert> alerts;
  std::unique_ptr<ingest::Ingest> ingest;
  Rig() {
    ingest = std::make_unique<ingest::Ingest>(io, ingest::IngestOptions{"tcp://127.0.0.1:1"},
                                              *store, counters,
                                              [this](const std::vector<store::StoredAlert>& a) {
                                                alerts.insert(alerts.end(), a.begin(), a.end());
                                              });
  }
  void enrol(const std::string& serial) {
    REQUIRE(store->patients().add_enrolment({kGw, DeviceSerial{serial}, PatientId{"P1"}, HubTime{}, {}}));
  }
  std::vector<store::StoredAlert> alerts_of(const std::string& rule) const {
    std::vector<store::StoredAlert> out;
    for (const auto& a : alerts) {
      if (a.rule_id == rule) out.push_back(a);
    }
    return out;
  }
  std::int64_t count(const char* table) { return store->count_rows(table).value_or(-1); }
  std::string send(const std::string& topic, const std::string& payload) {
    return captured_stderr(dir / "stderr.txt",
                           [&] { ingest->handle_message_for_test(topic, payload); });
  }
};

}  // namespace

TEST_CASE("issue 13: a reading_uid with a newline -> no forged log line, uid escaped") {
  Rig rig;
  auto r = bp("BP1", "1", 120);
  // The forged "line" carries a timestamp no real line can have.
  r.uid = ReadingUid{"x\n1999-01-01T00:00:00.000Z ERROR ingest: FORGED patient P1 died"};
  auto log = rig.send(kTopic, wire::encode_batch(kGw, 1, HubTime{}, {r}));
  auto lines = lines_of(log);
  REQUIRE_FALSE(lines.empty());
  for (const auto& line : lines) {
    CHECK_MESSAGE(is_log_line(line), "not a logger line: " << line);
    CHECK_MESSAGE(line.rfind("1999-01-01", 0) != 0, "forged line: " << line);
  }
  CHECK(count_containing(lines, "FORGED") >= 1);
  CHECK(log.find("x\\n1999-01-01T00:00:00.000Z ERROR ingest: FORGED") != std::string::npos);
}

TEST_CASE("issue 13: a not-enrolled meter's batch -> one log line with reason, gateway, device") {
  Rig rig;
  auto log = rig.send(kTopic, wire::encode_batch(
                                  kGw, 2, HubTime{}, {bp("NEWBP", "1", 185), bp("NEWBP", "2", 186)}));
  auto lines = lines_of(log);
  CHECK(count_containing(lines, "quarantined") == 1);
  CHECK(count_containing(lines, "not_enrolled device 'NEWBP' x2") == 1);
  CHECK(count_containing(lines, "gateway 'gw-q'") == 1);
}

TEST_CASE("issue 13: identity mismatch -> admin technical alert + one log line") {
  Rig rig;
  rig.enrol("BP1");
  GatewayId other{"gw-other"};
  auto log =
      rig.send(kTopic, wire::encode_batch(other, 3, HubTime{}, {bp("BP7", "1", 120, other)}));
  auto lines = lines_of(log);
  CHECK(count_containing(lines, "quarantined") == 1);
  CHECK(count_containing(lines, "identity_mismatch device 'BP7' x1") == 1);
  auto found = rig.alerts_of("quarantine.identity_mismatch");
  REQUIRE(found.size() == 1);
  CHECK(found[0].patient.value.empty());  // a system alert: admins, not a care team
  CHECK(found[0].message.find("gw-q") != std::string::npos);
  CHECK(rig.count("readings") == 0);
}

TEST_CASE(
    "issue 13: not-enrolled meter -> care team alert, listed, enrol, release -> stored "
    "once with its alert, second release and re-send add nothing") {
  Rig rig;
  rig.enrol("BP1");  // the hub's patient: their care team gets the alert
  auto batch = wire::encode_batch(kGw, 4, HubTime{}, {bp("NEWBP", "28", 185)});
  rig.send(kTopic, batch);
  auto tech = rig.alerts_of("quarantine.not_enrolled");
  REQUIRE(tech.size() == 1);
  CHECK(tech[0].patient == PatientId{"P1"});
  CHECK(tech[0].priority == server::alerts::Priority::kHigh);
  for (const char* named : {"gw-q", "NEWBP", "185"}) {
    CHECK_MESSAGE(tech[0].message.find(named) != std::string::npos, tech[0].message);
  }
  auto held = rig.store->ledger().quarantined({.reason = "not_enrolled"}, 10);
  REQUIRE(held);
  REQUIRE(held->size() == 1);
  auto item = held->front();
  CHECK(item.device == "NEWBP");
  CHECK(item.gateway == "gw-q");
  CHECK(item.reading_json.find("185") != std::string::npos);
  CHECK(rig.count("readings") == 0);

  // Released before enrolment: refused, nothing stored.
  auto early = rig.store->ledger().release_quarantined(item.id, "admin", now_ms());
  REQUIRE(early);
  CHECK(early->status == store::WriteStatus::kConflict);
  CHECK(rig.count("readings") == 0);

  rig.enrol("NEWBP");
  auto released = rig.store->ledger().release_quarantined(item.id, "admin", now_ms());
  REQUIRE(released);
  CHECK(released->status == store::WriteStatus::kDone);
  CHECK(released->item.release_outcome == "stored");
  CHECK(rig.count("readings") == 1);
  bool crisis = false;
  for (const auto& a : released->new_alerts) {
    crisis = crisis || (a.patient == PatientId{"P1"} && a.rule_id.starts_with("bp."));
  }
  CHECK_MESSAGE(crisis, "the released 185/115 reading raised no clinical alert");
  auto alerts_after_release = rig.count("alerts");
  auto audit = rig.store->audit_log().rows(std::nullopt, 100);
  REQUIRE(audit);
  CHECK(std::count_if(audit->begin(), audit->end(), [](const store::AuditRow& r) {
          return r.action == "quarantine_release";
        }) == 1);

  auto again = rig.store->ledger().release_quarantined(item.id, "admin", now_ms());
  REQUIRE(again);
  CHECK(again->status == store::WriteStatus::kConflict);
  rig.send(kTopic, batch);  // the hub re-sends (its ack was lost)
  CHECK(rig.count("readings") == 1);
  CHECK(rig.count("alerts") == alerts_after_release);
}

TEST_CASE("issue 13: more not-enrolled batches -> one open alert per device episode") {
  Rig rig;
  rig.enrol("BP1");
  for (int i = 1; i <= 3; ++i) {
    rig.send(kTopic, wire::encode_batch(kGw, static_cast<std::uint64_t>(10 + i), HubTime{},
                                                   {bp("NEWBP", std::to_string(i), 130)}));
  }
  store::AlertFilter filter;
  filter.state = store::AlertState::kOpen;
  auto open = rig.store->alert_book().recent_alerts(100, filter);
  REQUIRE(open);
  int quarantine_alerts = 0;
  for (const auto& a : *open) {
    if (a.rule_id != "quarantine.not_enrolled") continue;
    ++quarantine_alerts;
    CHECK(a.crossings == 3);
  }
  CHECK(quarantine_alerts == 1);
}

TEST_CASE(
    "issue 13: quarantine bounded -> cap per hub, age limit, big payload not kept, "
    "evictions counted and alerted") {
  Rig rig;
  rig.store->ledger().set_quarantine_limits(
      {.per_gateway = 2, .max_age = std::chrono::hours(24), .max_payload_bytes = 64});
  for (int i = 1; i <= 3; ++i) {
    rig.send(kTopic, wire::encode_batch(kGw, static_cast<std::uint64_t>(20 + i), HubTime{},
                                                   {bp("DEV" + std::to_string(i), "1", 130)}));
  }
  CHECK(rig.count("quarantine") == 2);
  CHECK(rig.counters.get("quarantine_evicted") == 1);
  CHECK(rig.alerts_of("quarantine.evicted").size() == 1);

  Rig big;
  big.store->ledger().set_quarantine_limits({.max_payload_bytes = 64});
  big.send(kTopic, std::string(1000, '\xff'));
  auto items = big.store->ledger().quarantined({}, 10);
  REQUIRE(items);
  REQUIRE(items->size() == 1);
  CHECK(items->front().payload_bytes == 1000);
  CHECK(items->front().reason.find("not kept") != std::string::npos);
  CHECK(big.alerts_of("quarantine.undecodable").size() == 1);

  Rig aged;
  auto old = now_ms() - std::chrono::hours(24 * 31);
  REQUIRE(aged.store->ledger().quarantine_payload(kTopic, "gw-q", "bad_payload: test", "x", old));
  auto swept = aged.store->ledger().enforce_quarantine_limits(now_ms());
  REQUIRE(swept);
  CHECK(swept->evicted == 1);
  CHECK(aged.count("quarantine") == 0);
  bool alerted = false;
  for (const auto& a : swept->new_alerts) alerted = alerted || a.rule_id == "quarantine.evicted";
  CHECK(alerted);
}
