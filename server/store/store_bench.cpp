// kotona-store-bench: the server store's own figures for docs/performance.md ("Server store"),
// on either backend (an SQLite path or a postgresql:// URI), without MQTT in the way:
//   ingest LOCATION READINGS [BATCH]  store_batch() of a backlog, BATCH readings per
//                                     transaction (the hub's default 100): readings/s
//   range LOCATION ROWS [noindex]     one patient with ROWS readings, one every 10 min before
//                                     now, plus 10 other patients: median ms of the patient's
//                                     last day (readings_measured_between), 21 runs; noindex:
//                                     without readings_patient_measured (before issue 15)
// Writes one line of figures to stdout. Not a test: no gates here (bench/ reports those).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/store/database.h"
#include "server/store/store.h"

namespace {

using namespace kotona;
using namespace kotona::server::store;
using Clock = std::chrono::steady_clock;

const GatewayId kGw{"bench-gw"};
const HubTime kNow{std::chrono::milliseconds{1'790'000'000'000}};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A normal (no alert) blood pressure reading of `serial`, record `n`, measured `age` ago.
Reading reading(const std::string& serial, long n, std::chrono::milliseconds age) {
  Reading r;
  r.device.serial = DeviceSerial{serial};
  r.record_id = std::to_string(n);
  r.hub_time = kNow - age;
  r.measurement = BloodPressure{118.0 + static_cast<double>(n % 7), 76.0, std::nullopt, 66.0};
  finalize_reading(kGw, r);
  return r;
}

Store& enrolled(std::unique_ptr<Store>& store, int patients) {
  std::vector<Enrolment> lines;
  for (int p = 0; p < patients; ++p) {
    lines.push_back({kGw, DeviceSerial{"D" + std::to_string(p)},
                     PatientId{"bench-" + std::to_string(p)}, HubTime{}, std::nullopt});
  }
  if (!store->patients().seed_enrolment(lines, kNow)) std::exit(2);
  return *store;
}

// Stores `count` readings of device D<device>, one every `step`, in batches of `batch`.
double fill(Store& store, int device, long count, std::chrono::milliseconds step, long batch) {
  const auto start = Clock::now();
  for (long first = 0; first < count; first += batch) {
    Batch b{kGw, static_cast<std::uint64_t>(first), {}, {}};
    for (long n = first; n < std::min(count, first + batch); ++n) {
      b.readings.push_back(reading("D" + std::to_string(device), n, step * (count - n)));
    }
    auto out = store.ledger().store_batch(kGw, b, kNow);
    if (!out) {
      std::fprintf(stderr, "store_batch: %s\n", describe(out.error()).c_str());
      std::exit(1);
    }
  }
  return seconds_since(start);
}

// ROWS readings of patient bench-0, one every 10 min back from kNow, plus 1000 each of ten other
// patients, written by one INSERT .. SELECT (store_batch() would take minutes for 1M).
Result<void> bulk_fill(const std::string& location, long rows) {
  auto db = Database::open(location);
  if (!db) return fail(db.error());
  const std::string sql =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
      std::to_string(rows + 10000) +
      ") INSERT INTO readings(reading_uid, patient_id, gateway_id, device_serial, kind, "
      "measured_unix_ms, hub_time_unix_ms, values_json, quality_json, received_unix_ms) "
      "SELECT 'bulk-' || i, CASE WHEN i <= " +
      std::to_string(rows) +
      " THEN 'bench-0' ELSE 'bench-' || (1 + i % 10) END, 'bench-gw', 'D0', 'bp', "
      "1790000000000 - CAST(i AS BIGINT) * 600000, 1790000000000 - CAST(i AS BIGINT) * 600000, "
      "'{\"systolic_mmhg\":120,\"diastolic_mmhg\":80,\"pulse_bpm\":66}', '{}', 1790000000000 "
      "FROM n";
  return (*db)->exec(sql);
}

int range(Store& store, const std::string& location, long rows, bool drop_index) {
  if (auto r = bulk_fill(location, rows); !r) {
    std::fprintf(stderr, "fill: %s\n", describe(r.error()).c_str());
    return 1;
  }
  if (drop_index) {  // the figure before issue 15: (patient_id, seq) only
    auto db = Database::open(location);
    if (!db || !(*db)->exec("DROP INDEX readings_patient_measured")) return 1;
  }
  std::vector<double> ms;
  std::size_t found = 0;
  for (int run = 0; run < 21; ++run) {
    const auto start = Clock::now();
    auto day = store.ledger().readings_measured_between(PatientId{"bench-0"},
                                                        kNow - std::chrono::hours{24}, kNow, 20000);
    ms.push_back(seconds_since(start) * 1000.0);
    if (!day) return 1;
    found = day->size();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("range rows=%ld index=%s day_rows=%zu median_ms=%.3f min_ms=%.3f\n", rows,
              drop_index ? "patient,seq" : "patient,measured", found, ms[10], ms[0]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ingest|ingest-record|range LOCATION COUNT [BATCH]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  auto opened = Store::open(argv[2]);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", describe(opened.error()).c_str());
    return 1;
  }
  Store& store = enrolled(*opened, 11);
  const long count = std::atol(argv[3]);
  if (mode == "range") return range(store, argv[2], count, argc > 4);
  const long batch = argc > 4 ? std::atol(argv[4]) : 100;
  // ingest-record: as a server with record_endpoint set (issue 19): each reading also gets its
  // record_outbox row in the same transaction.
  if (mode == "ingest-record") store.ledger().set_record_push(true);
  const double s = fill(store, 0, count, std::chrono::milliseconds{1000}, batch);
  std::printf("%s readings=%ld batch=%ld seconds=%.3f readings_per_s=%.0f\n", mode.c_str(), count,
              batch, s, static_cast<double>(count) / s);
  return 0;
}
