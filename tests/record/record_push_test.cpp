// Push to the record system, exactly once (issue 19 part 2), end to end: readings stored by the
// ledger (outbox rows in their transactions), the RecordSender on an io_context, and a FHIR
// receiver (fhir_receiver.py: conditional create like a real server, every Observation checked
// with tests/fhir/phr_checks.py) that is killed and restarted, answers 500 before and after
// storing, 429, slowly and not at all. Then: every stored reading in the receiver exactly once,
// in storage order per patient, none extra. Negative control: plain POSTs without ifNoneExist
// against the same faults -> duplicates. Also: a rejected reading -> dead letter + alert, the
// rest delivered; an endpoint down -> record.unreachable; two instances -> each row POSTed by
// one. KOTONA_RECORD_SOAK=N: N readings (default 60) and a longer fault plan, by hand.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <csignal>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "server/record/sender.h"
#include "server/store/store.h"
#include "tests/support/key_pair.h"
#include "tests/support/process.h"
#include "tests/support/readings.h"
#include "tests/support/store_location.h"

using namespace kotona;
using namespace kotona::server;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const GatewayId kGw{"gw-1"};
constexpr int kPatients = 3;

HubTime wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

int soak_size() {
  const char* n = std::getenv("KOTONA_RECORD_SOAK");
  return n != nullptr ? std::max(1, std::atoi(n)) : 60;
}

// Reading i: patient i % 3, kinds in turn (blood pressure, glucose, weight), one a minute.
Reading reading_number(int i) {
  const int patient = i % kPatients + 1;
  Measurement m;
  std::string serial;
  switch (i % 9 / 3) {
    case 0:
      m = BloodPressure{118.0 + i % 7, 76.0 + i % 5, std::nullopt, 64.0 + i % 9};
      serial = "BP";
      break;
    case 1:
      m = Glucose{5.0 + (i % 10) / 10.0, MealMarker::kFasting};
      serial = "GLU";
      break;
    default:
      m = Weight{70.0 + (i % 4) / 10.0};
      serial = "SCALE";
      break;
  }
  return test::reading_of(
      kGw, serial + std::to_string(patient), std::to_string(i), std::move(m),
      HubTime{std::chrono::milliseconds{1'790'000'000'000}} + std::chrono::minutes(i));
}

// The receiver process, restartable on its port with its state.
struct Receiver {
  explicit Receiver(const test::TempDir& d) : dir(d) {}
  const test::TempDir& dir;
  int port = test::free_port();
  std::vector<std::string> extra;
  std::optional<test::Child> child;
  int starts = 0;

  std::filesystem::path state_path() const { return dir / "receiver-state.json"; }
  void start() {
    std::vector<std::string> argv{KOTONA_PYTHON3,       KOTONA_RECEIVER, "--port",
                                  std::to_string(port), "--state",       state_path().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child.reset();
    const auto log = dir / ("receiver-" + std::to_string(++starts) + ".log");
    child.emplace(argv, log);
    // 30 s: a python3 start on a loaded 2-core CI machine once took over 10 (2026-12-07). When
    // it does not listen, its log says why (test::free_port() keeps ports out of the ephemeral
    // range since 2026-12-08: a port lost to another process's connection was the likely cause).
    if (listening(30s)) return;
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    FAIL("receiver did not start on port " << port << "; its log:\n" << text);
  }
  // Until the port takes connections, the receiver exits or `limit` passes.
  bool listening(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (test::wait_for_port(port, 250ms)) return true;
      if (!child->running()) return test::wait_for_port(port, 1ms);
    }
    return false;
  }
  bool running() { return child && child->running(); }
  void kill() {
    if (child) child->kill9();
  }
  // The journal's lines, one per committed transaction.
  std::vector<json::value> journal() const {
    std::vector<json::value> out;
    std::ifstream in(state_path());
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
  }
};

// What the receiver holds, by reading uid.
struct Received {
  std::map<std::string, int> count;                       // Observations per uid
  std::map<std::string, std::vector<std::string>> order;  // uids per subject, creation order
  std::size_t patients = 0;
  std::map<std::string, std::int64_t> attempts;  // POSTs per uid (created or matched)
  std::int64_t checked = 0;  // Observations the receiver checked with phr_checks.py
};

Received received(const Receiver& receiver) {
  Received out;
  for (const auto& line : receiver.journal()) {
    for (const auto& r : line.at("created").as_array()) {
      const auto& type = r.at("resourceType").as_string();
      if (type == "Patient") ++out.patients;
      if (type != "Observation") continue;
      std::string uid;
      for (const auto& id : r.at("identifier").as_array()) {
        if (id.at("system").as_string() == "urn:kotona:reading-uid") {
          uid = std::string(id.at("value").as_string());
        }
      }
      ++out.count[uid];
      out.order[std::string(r.at("subject").at("reference").as_string())].push_back(uid);
    }
    for (const auto& [uid, n] : line.at("attempts").as_object()) {
      out.attempts[std::string(uid)] += n.as_int64();
    }
    out.checked += line.at("checked").as_int64();
  }
  return out;
}

struct PushFixture {
  test::TempDir dir;
  std::string location = test::test_store_location(dir.path());
  std::unique_ptr<store::Store> store;
  boost::asio::io_context io;
  Counters counters;
  std::vector<store::StoredAlert> alerts;
  std::vector<std::unique_ptr<record::RecordSender>> senders;
  Receiver receiver{dir};  // after dir
  int stored = 0;

  PushFixture() {
    auto opened = store::Store::open(location);
    REQUIRE(opened.has_value());
    store = std::move(*opened);
    store->ledger().set_record_push(true);  // as the server does with record_endpoint set
    for (int p = 1; p <= kPatients; ++p) {
      for (const char* kind : {"BP", "GLU", "SCALE"}) {
        REQUIRE(store->patients().add_enrolment({kGw, DeviceSerial{kind + std::to_string(p)},
                                                 PatientId{"patient-" + std::to_string(p)},
                                                 HubTime{}, std::nullopt}));
      }
    }
  }
  record::RecordConfig config(const std::string& instance = "instance-1") const {
    record::RecordConfig c;
    c.endpoint = "http://127.0.0.1:" + std::to_string(receiver.port) + "/fhir";
    c.instance = instance;
    c.batch_max = 7;
    c.poll = 20ms;
    c.timeout = 400ms;
    c.lease = 3s;
    c.backoff_min = 20ms;
    c.backoff_max = 1s;
    c.unreachable_after = 60s;  // the unreachable case sets 1 s
    return c;
  }
  void add_sender(record::RecordConfig c) {
    auto db = store::Database::open(location);
    REQUIRE(db.has_value());
    auto sender = record::RecordSender::make(
        io, *store, std::move(*db), std::move(c), counters,
        [this](const std::vector<store::StoredAlert>& a) {
          alerts.insert(alerts.end(), a.begin(), a.end());
        },
        wall_now);
    REQUIRE(sender.has_value());
    (*sender)->start();
    senders.push_back(std::move(*sender));
  }
  // Stores readings [stored, stored + n) in batches of 5.
  void store_readings(int n) {
    const int end = stored + n;
    while (stored < end) {
      store::Batch batch{kGw, static_cast<std::uint64_t>(stored + 1), {}, {}};
      for (int k = 0; k < 5 && stored < end; ++k)
        batch.readings.push_back(reading_number(stored++));
      auto r = store->ledger().store_batch(kGw, batch, wall_now());
      REQUIRE(r.has_value());
    }
  }
  std::unique_ptr<store::Database> reader;
  std::int64_t pending() {
    if (!reader) reader = store::Database::open(location).value();
    store::RecordOutbox outbox(*reader, "reader");
    return outbox.counts().value().pending;
  }
  bool idle() {
    for (const auto& s : senders) {
      if (s->in_flight()) return false;
    }
    return true;
  }
  // Runs the senders until the outbox is drained (or `limit`): readings keep arriving (`total`
  // in all, 5 per 50 ms), the receiver is restarted whenever it died (after 300 ms down) and,
  // with `kill_midway`, killed once by the test when half of them are stored.
  void run(int total, bool kill_midway = true) {
    const auto until = std::chrono::steady_clock::now() + 45s + std::chrono::seconds(total / 10);
    auto down_since = std::optional<std::chrono::steady_clock::time_point>{};
    bool killed = false;
    while (std::chrono::steady_clock::now() < until) {
      io.run_for(50ms);
      if (stored < total) store_readings(5);
      if (kill_midway && !killed && stored >= total / 2) {
        killed = true;
        receiver.kill();
      }
      if (!receiver.running()) {
        if (!down_since) down_since = std::chrono::steady_clock::now();
        if (std::chrono::steady_clock::now() - *down_since > 300ms) {
          receiver.start();
          down_since.reset();
        }
      }
      if (stored >= total && idle() && pending() == 0) return;
    }
    FAIL("outbox not drained in time: " << pending() << " pending");
  }
  std::vector<store::StoredReading> readings() {
    return store->ledger().readings(std::nullopt, 1'000'000).value();
  }
};

// A fresh key pair for the OAuth2 cases: "rsa" (RS384) or "ec" (P-384: ES384); the private key
// at dir/<name>.key, the public one at dir/<name>.pub.
void make_key(const test::TempDir& dir, const std::string& name, const std::string& type) {
  test::write_key_pair(dir / (name + ".key"), dir / (name + ".pub"), type == "ec" ? "P-384" : type);
}

// The receiver's OAuth2 counts (fhir_receiver.py's FILE.auth).
json::object auth_counts(const Receiver& receiver) {
  std::ifstream in(receiver.state_path().string() + ".auth");
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return json::object{{"granted", 0}, {"refused", 0}, {"unauthorized", 0}};
  return json::parse(text.str()).as_object();
}

// Every stored reading exactly once, in storage order per patient, nothing else.
void check_exactly_once(PushFixture& f, const std::set<std::string>& left_out = {}) {
  const auto rows = f.readings();
  const auto got = received(f.receiver);
  std::map<std::string, std::vector<std::string>> by_patient;
  std::size_t lost = 0, duplicated = 0;
  for (const auto& row : rows) {
    if (left_out.contains(row.uid.value)) {
      CHECK(got.count.count(row.uid.value) == 0);
      continue;
    }
    by_patient[row.patient.value].push_back(row.uid.value);
    auto it = got.count.find(row.uid.value);
    if (it == got.count.end()) {
      ++lost;
    } else if (it->second > 1) {
      ++duplicated;
    }
  }
  MESSAGE(rows.size() << " readings stored, " << got.count.size() << " Observations received");
  CHECK(lost == 0);
  CHECK(duplicated == 0);
  CHECK(got.count.size() == rows.size() - left_out.size());
  CHECK(got.patients == static_cast<std::size_t>(kPatients));
  CHECK(got.checked >= static_cast<std::int64_t>(got.count.size()));  // every one PHR-checked
  // Subjects are the receiver's Patient ids: compare the sequences, whichever patient is which.
  std::multiset<std::vector<std::string>> want, have;
  for (auto& [p, uids] : by_patient) want.insert(uids);
  for (auto& [p, uids] : got.order) have.insert(uids);
  CHECK_MESSAGE(want == have, "per-patient order differs from storage order");
}

}  // namespace

TEST_CASE(
    "record push: receiver killed, 500s, 429, slow, lost answers -> each reading once, in order") {
  PushFixture f;
  const int total = soak_size();
  std::string plan = "ok,500,500after,ok,429,drop,ok,slow,exit,ok,500after,429,ok,drop";
  if (total > 60) {
    for (int i = 0; i < total / 40; ++i) plan += ",ok,ok,500after,ok,ok,drop,ok,429,ok,slow,ok,500";
  }
  f.receiver.extra = {"--plan", plan, "--slow", "0.6"};
  f.receiver.start();
  f.store_readings(10);
  f.add_sender(f.config());
  f.run(total);
  check_exactly_once(f);
  CHECK(f.counters.get("record_retries") > 0);
  CHECK(f.counters.get("record_dead_letters") == 0);
  CHECK(f.receiver.starts >= 2);  // the plan's exit and the test's kill
}

TEST_CASE("record push: negative control, plain POSTs without ifNoneExist -> duplicates") {
  PushFixture f;
  f.receiver.extra = {"--plan", "ok,500after,drop,ok,500after", "--slow", "0.6"};
  f.receiver.start();
  f.store_readings(20);
  auto c = f.config();
  c.conditional_create = false;
  f.add_sender(c);
  f.run(20);
  const auto got = received(f.receiver);
  std::size_t duplicated = 0;
  for (const auto& [uid, n] : got.count) duplicated += n > 1 ? 1 : 0;
  MESSAGE(duplicated << " readings duplicated without the condition");
  CHECK(duplicated > 0);
  CHECK(got.patients > static_cast<std::size_t>(kPatients));
}

TEST_CASE(
    "record push: a rejected reading -> dead letter with the OperationOutcome, alert, rest "
    "delivered") {
  PushFixture f;
  const std::string rejected = reading_number(4).uid.value;
  f.receiver.extra = {"--reject", rejected};
  f.receiver.start();
  f.store_readings(15);
  f.add_sender(f.config());
  f.run(15);
  check_exactly_once(f, {rejected});
  auto db = store::Database::open(f.location).value();
  store::RecordOutbox outbox(*db, "reader");
  auto letters = outbox.dead_letters(10).value();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].reading_uid == rejected);
  CHECK(letters[0].http_status == 422);
  CHECK(letters[0].outcome_json.find("refused by test") != std::string::npos);
  REQUIRE(f.alerts.size() == 1);
  CHECK(f.alerts[0].rule_id == "record.rejected");
  CHECK(f.counters.get("record_batches_split") >= 1);
  // The admin view (GET /api/v1/record) shows it with the record system's answer.
  auto status = f.senders[0]->status();
  REQUIRE(status.has_value());
  const json::value view = *status;
  CHECK(view.at("outbox").at("pending").as_int64() == 0);
  CHECK(view.at("outbox").at("dead").as_int64() == 1);
  REQUIRE(view.at("dead_letters").as_array().size() == 1);
  const auto& letter = view.at("dead_letters").at(0);
  CHECK(letter.at("reading_uid").as_string() == rejected);
  CHECK(letter.at("http_status").as_int64() == 422);
  CHECK(letter.at("operation_outcome").at("resourceType").as_string() == "OperationOutcome");
}

TEST_CASE(
    "record push: endpoint down beyond record_unreachable_after -> record.unreachable, then "
    "delivered") {
  PushFixture f;
  f.store_readings(10);
  auto c = f.config();
  c.unreachable_after = 1s;
  f.add_sender(c);
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (f.alerts.empty() && std::chrono::steady_clock::now() < until) f.io.run_for(50ms);
  REQUIRE(f.alerts.size() == 1);
  CHECK(f.alerts[0].rule_id == "record.unreachable");
  CHECK(f.alerts[0].priority == alerts::Priority::kHigh);
  CHECK(f.pending() == 10);
  f.receiver.start();
  f.run(10);
  check_exactly_once(f);
  CHECK(f.alerts.size() == 1);  // one per episode
}

TEST_CASE(
    "record push: two instances, endpoint down -> record.unreachable raised once across them, a "
    "new outage once more") {
  PushFixture f;
  f.store_readings(12);
  for (const char* instance : {"instance-1", "instance-2"}) {
    auto c = f.config(instance);
    c.unreachable_after = 1s;
    f.add_sender(c);
  }
  auto count = [&](const std::string& sql) {
    auto db = store::Database::open(f.location).value();
    auto stmt = db->prepare(sql).value();
    REQUIRE(stmt.step().value());
    return stmt.column_int(0);
  };
  const std::string unreachable =
      "SELECT COUNT(*) FROM alerts WHERE rule_id = 'record.unreachable'";
  // Both fail well past the limit (each instance has seen failures for > 1 s).
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) f.io.run_for(50ms);
  CHECK(f.counters.get("record_retries") >= 4);
  CHECK(f.alerts.size() == 1);  // published once: the other instance's raise added nothing
  CHECK(count(unreachable) == 1);
  CHECK(count("SELECT COUNT(*) FROM alert_grouped") == 0);  // nor grouped into it
  f.receiver.start();
  f.run(12, false);
  check_exactly_once(f);
  // A second outage is a new episode: one alert more, still one across the instances.
  f.receiver.kill();
  f.store_readings(6);
  const auto again = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < again) f.io.run_for(50ms);
  CHECK(f.alerts.size() == 2);
  CHECK(count(unreachable) + count("SELECT COUNT(*) FROM alert_grouped") == 2);
}

TEST_CASE("record push: gauges -> rows waiting and the oldest one's age, 0 once delivered") {
  PushFixture f;
  // Received two minutes ago, the endpoint not running yet.
  store::Batch batch{kGw, 1, {reading_number(0), reading_number(1), reading_number(2)}, {}};
  REQUIRE(f.store->ledger().store_batch(kGw, batch, wall_now() - 120s).has_value());
  f.stored = 3;
  f.add_sender(f.config());
  f.io.run_for(200ms);
  auto waiting = f.senders[0]->gauges();
  REQUIRE(waiting.has_value());
  CHECK(waiting->at("record_outbox_pending") == 3);
  CHECK(waiting->at("record_outbox_oldest_age_seconds") >= 120);
  CHECK(waiting->at("record_outbox_oldest_age_seconds") < 180);
  f.receiver.start();
  f.run(3, false);
  auto drained = f.senders[0]->gauges();
  REQUIRE(drained.has_value());
  CHECK(drained->at("record_outbox_pending") == 0);
  CHECK(drained->at("record_outbox_oldest_age_seconds") == 0);
}

TEST_CASE("record push: two server instances -> each reading POSTed by exactly one") {
  PushFixture f;
  f.receiver.start();
  f.store_readings(30);
  // No faults, and a timeout no loaded machine reaches: a POST retried after a timeout would
  // count twice at the receiver without any instance taking a row it did not own.
  for (const char* instance : {"instance-1", "instance-2"}) {
    auto c = f.config(instance);
    c.timeout = 20s;
    c.lease = 60s;
    f.add_sender(c);
  }
  f.run(60, false);  // no faults: a POST answered is a POST the receiver saw once
  check_exactly_once(f);
  const auto got = received(f.receiver);
  std::size_t twice = 0;
  for (const auto& [uid, n] : got.attempts) twice += n > 1 ? 1 : 0;
  CHECK(got.attempts.size() == 60);
  CHECK(twice == 0);
}

namespace {

// A CA, the receiver's certificate for 127.0.0.1 and a client certificate, by the openssl CLI
// into `dir`: ca.pem, server.pem/.key, client.pem/.key (and other.pem: an unrelated CA).
void make_certificates(const std::filesystem::path& dir) {
  const std::string d = dir.string();
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  std::ofstream(dir / "san.ext") << "subjectAltName=IP:127.0.0.1\n";
  const std::vector<std::string> steps{
      "openssl req -x509" + key + " -keyout " + d + "/ca.key -out " + d +
          "/ca.pem -subj /CN=test-ca -days 2",
      "openssl req -x509" + key + " -keyout " + d + "/other.key -out " + d +
          "/other.pem -subj /CN=other-ca -days 2",
      "openssl req" + key + " -keyout " + d + "/server.key -out " + d +
          "/server.csr -subj /CN=127.0.0.1",
      "openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
          "/ca.key -CAcreateserial -out " + d + "/server.pem -days 2 -extfile " + d + "/san.ext",
      "openssl req" + key + " -keyout " + d + "/client.key -out " + d +
          "/client.csr -subj /CN=kotona-server-1",
      "openssl x509 -req -in " + d + "/client.csr -CA " + d + "/ca.pem -CAkey " + d +
          "/ca.key -CAcreateserial -out " + d + "/client.pem -days 2"};
  for (const auto& step : steps) {
    REQUIRE_MESSAGE(std::system((step + " > /dev/null 2>&1").c_str()) == 0, step);
  }
}

}  // namespace

TEST_CASE(
    "record push: https with a client certificate (mTLS) -> delivered, without it or with another "
    "CA -> not") {
  PushFixture f;
  make_certificates(f.dir.path());
  const std::string d = f.dir.path().string();
  f.receiver.extra = {"--tls-cert",      d + "/server.pem", "--tls-key",
                      d + "/server.key", "--tls-client-ca", d + "/ca.pem"};
  f.receiver.start();
  f.store_readings(10);
  auto https = [&](const std::string& ca, bool client_cert) {
    auto c = f.config();
    c.endpoint = "https://127.0.0.1:" + std::to_string(f.receiver.port) + "/fhir";
    c.tls_ca = d + "/" + ca;
    if (client_cert) {
      c.tls_cert = d + "/client.pem";
      c.tls_key = d + "/client.key";
    }
    return c;
  };
  SUBCASE("no client certificate -> refused by the record system, nothing sent") {
    f.add_sender(https("ca.pem", false));
  }
  SUBCASE("the record system's certificate from another CA -> refused by us, nothing sent") {
    f.add_sender(https("other.pem", true));
  }
  if (!f.senders.empty()) {
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (f.counters.get("record_retries") < 2 && std::chrono::steady_clock::now() < until) {
      f.io.run_for(50ms);
    }
    CHECK(f.counters.get("record_retries") >= 2);
    CHECK(f.pending() == 10);
    CHECK(received(f.receiver).count.empty());
    for (auto& s : f.senders) s->stop();
    f.senders.clear();
  }
  // The right CA and a client certificate: everything, exactly once.
  f.add_sender(https("ca.pem", true));
  f.run(20, false);
  check_exactly_once(f);
}

TEST_CASE("kotona-server with record_endpoint -> pushes what its store holds, SIGTERM -> exit 0") {
  PushFixture f;
  f.receiver.start();
  f.store_readings(12);  // stored before the server starts: its outbox is waiting
  const auto conf = f.dir / "server.conf";
  std::ofstream(conf) << "mqtt_uri = tcp://127.0.0.1:1\nhttp_listen = 127.0.0.1:0\n"
                      << "db_path = " << f.location
                      << "\nrecord_endpoint = http://127.0.0.1:" << f.receiver.port
                      << "/fhir\nrecord_poll_ms = 50\n";
  test::Child server({test::bin("server/kotona-server"), "--config", conf.string()},
                     f.dir / "server.log");
  CHECK(test::eventually([&] { return received(f.receiver).count.size() == 12; }, 20s));
  CHECK(server.stop() == 0);
  check_exactly_once(f);
  CHECK(server.log_text().find("pushing readings to the record system at http://127.0.0.1:") !=
        std::string::npos);
}

namespace {

// The receiver as token endpoint too, trusting `pub`; the sender's config signing with `key`.
record::RecordConfig with_oauth(PushFixture& f, const std::string& key, const std::string& pub,
                                double lifetime_s = 300) {
  f.receiver.extra.insert(
      f.receiver.extra.end(),
      {"--oauth-public-key", (f.dir / pub).string(), "--client-id", "kotona-test", "--kid",
       "kotona-key-1", "--token-lifetime", std::to_string(lifetime_s)});
  auto c = f.config();
  c.token_endpoint = "http://127.0.0.1:" + std::to_string(f.receiver.port) + "/token";
  c.client_id = "kotona-test";
  c.jwt_key = (f.dir / key).string();
  c.jwt_kid = "kotona-key-1";
  c.scope = "system/Observation.write";
  return c;
}

// Keys "right" (the receiver trusts its public half) and "wrong" (the sender signs with it).
record::RecordConfig with_unknown_key(PushFixture& f, const std::string& type) {
  make_key(f.dir, "right", type);
  make_key(f.dir, "wrong", type);
  return with_oauth(f, "wrong.key", "right.pub");
}

}  // namespace

TEST_CASE(
    "record push: OAuth2 (SMART Backend Services) RS384 and ES384, receiver killed and faulty "
    "-> tokens, each reading once") {
  for (const std::string type : {"rsa", "ec"}) {
    CAPTURE(type);
    PushFixture f;
    make_key(f.dir, "server", type);
    f.receiver.extra = {"--plan", "ok,500,500after,ok,429,drop,exit,ok,500after", "--slow", "0.6"};
    auto c = with_oauth(f, "server.key", "server.pub");
    f.receiver.start();
    f.store_readings(10);
    f.add_sender(c);
    f.run(40);
    check_exactly_once(f);
    const auto auth = auth_counts(f.receiver);
    MESSAGE(type << ": " << auth.at("granted").as_int64() << " tokens granted, "
                 << auth.at("unauthorized").as_int64() << " POSTs without a live token");
    CHECK(auth.at("refused").as_int64() == 0);
    // The receiver forgets its tokens when it restarts (the plan's exit and the test's kill):
    // the 401 that follows fetches a new token.
    CHECK(auth.at("granted").as_int64() >= 2);
    CHECK(f.counters.get("record_token_rejected") >= 1);
    CHECK(f.counters.get("record_token_refused") == 0);
    CHECK(f.alerts.empty());
    auto status = f.senders[0]->status();
    REQUIRE(status.has_value());
    CHECK(status->at("oauth").at("alg").as_string() == (type == "rsa" ? "RS384" : "ES384"));
  }
}

TEST_CASE(
    "record push: OAuth2 token expires mid-run -> refreshed before it does, each reading once") {
  PushFixture f;
  make_key(f.dir, "server", "ec");
  auto c = with_oauth(f, "server.key", "server.pub", 2);  // tokens live 2 s
  f.receiver.start();
  f.add_sender(c);
  // Readings keep coming for 7 s, 3 every 250 ms: each token is used until it nearly expires.
  const auto until = std::chrono::steady_clock::now() + 7s;
  while (std::chrono::steady_clock::now() < until) {
    f.store_readings(3);
    f.io.run_for(250ms);
  }
  f.run(f.stored, false);
  check_exactly_once(f);
  const auto auth = auth_counts(f.receiver);
  MESSAGE(auth.at("granted").as_int64()
          << " tokens granted over 7 s, " << auth.at("unauthorized").as_int64() << " 401s");
  CHECK(auth.at("granted").as_int64() >= 3);
  // Never used past its expires_in: not one POST refused for an expired token.
  CHECK(auth.at("unauthorized").as_int64() == 0);
  CHECK(f.counters.get("record_token_rejected") == 0);
}

TEST_CASE(
    "record push: OAuth2 with a key the record system does not know -> refused, "
    "record.auth_refused once, nothing lost, delivered with the right key") {
  PushFixture f;
  auto c = with_unknown_key(f, "rsa");
  f.receiver.start();
  f.store_readings(10);
  f.add_sender(c);
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) f.io.run_for(50ms);
  const auto auth = auth_counts(f.receiver);
  CHECK(auth.at("refused").as_int64() >= 2);  // retried with backoff, not given up
  CHECK(auth.at("granted").as_int64() == 0);
  CHECK(f.counters.get("record_token_refused") >= 2);
  REQUIRE(f.alerts.size() == 1);  // a person sees it, once per episode
  CHECK(f.alerts[0].rule_id == "record.auth_refused");
  CHECK(f.alerts[0].priority == alerts::Priority::kHigh);
  CHECK(f.alerts[0].message.find("invalid_client") != std::string::npos);
  CHECK(received(f.receiver).count.empty());
  CHECK(f.pending() == 10);
  auto status = f.senders[0]->status();
  REQUIRE(status.has_value());
  CHECK(status->at("oauth").at("last_refusal").as_string().find("invalid_client") !=
        std::string::npos);
  for (auto& s : f.senders) s->stop();
  f.senders.clear();  // a token request still out: its rows' leases expire
  // The right key configured: everything, exactly once.
  c.jwt_key = (f.dir / "right.key").string();
  f.add_sender(c);
  f.run(10, false);
  check_exactly_once(f);
}

TEST_CASE("record push: a record_jwt_key that is no P-384 or RSA key -> config error naming it") {
  PushFixture f;
  test::write_key_pair(f.dir / "p256.key", f.dir / "p256.pub", "P-256");
  for (const std::string& path : {(f.dir / "p256.key").string(), (f.dir / "none.key").string()}) {
    auto c = f.config();
    c.token_endpoint = "http://127.0.0.1:1/token";
    c.client_id = "x";
    c.jwt_kid = "k";
    c.jwt_key = path;
    auto db = store::Database::open(f.location);
    REQUIRE(db.has_value());
    auto sender =
        record::RecordSender::make(f.io, *f.store, std::move(*db), c, f.counters, {}, wall_now);
    REQUIRE_FALSE(sender.has_value());
    CHECK(sender.error().code == Errc::kConfig);
    CHECK(sender.error().detail.find("record_jwt_key") != std::string::npos);
  }
}

TEST_CASE("record push: OAuth2 over https with mTLS -> token and Bundles on verified TLS, once") {
  PushFixture f;
  make_certificates(f.dir.path());
  make_key(f.dir, "jwt", "rsa");  // not "server": that is the TLS certificate's key
  const std::string d = f.dir.path().string();
  f.receiver.extra = {"--tls-cert",      d + "/server.pem", "--tls-key",
                      d + "/server.key", "--tls-client-ca", d + "/ca.pem"};
  auto c = with_oauth(f, "jwt.key", "jwt.pub");
  const std::string base = "https://127.0.0.1:" + std::to_string(f.receiver.port);
  c.endpoint = base + "/fhir";
  c.token_endpoint = base + "/token";  // the assertion's aud: the receiver checks its https URL
  c.tls_ca = d + "/ca.pem";
  c.tls_cert = d + "/client.pem";
  c.tls_key = d + "/client.key";
  f.receiver.start();
  f.store_readings(10);
  f.add_sender(c);
  f.run(20, false);
  check_exactly_once(f);
  const auto auth = auth_counts(f.receiver);
  CHECK(auth.at("granted").as_int64() == 1);
  CHECK(auth.at("refused").as_int64() == 0);
  CHECK(auth.at("unauthorized").as_int64() == 0);
}

TEST_CASE(
    "record push: two instances with a key the record system does not know -> "
    "record.auth_refused raised once across them") {
  PushFixture f;
  const auto c = with_unknown_key(f, "ec");
  for (const char* instance : {"instance-1", "instance-2"}) {
    auto mine = c;
    mine.instance = instance;
    f.add_sender(mine);
  }
  f.receiver.start();
  f.store_readings(12);
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) f.io.run_for(50ms);
  CHECK(f.counters.get("record_token_refused") >= 4);  // both instances, retried
  CHECK(f.alerts.size() == 1);                         // published once
  auto db = store::Database::open(f.location).value();
  auto stmt =
      db->prepare("SELECT COUNT(*) FROM alerts WHERE rule_id = 'record.auth_refused'").value();
  REQUIRE(stmt.step().value());
  CHECK(stmt.column_int(0) == 1);
  auto grouped = db->prepare("SELECT COUNT(*) FROM alert_grouped").value();
  REQUIRE(grouped.step().value());
  CHECK(grouped.column_int(0) == 0);
  CHECK(received(f.receiver).count.empty());
  CHECK(f.pending() == 12);
}
