// The record outbox (issue 19 part 2): rows written with the readings, leased by the sender.
// SQL in the dialect both backends take; PostgreSQL's claim adds FOR UPDATE SKIP LOCKED.
#include "server/store/record_outbox.h"

#include <algorithm>
#include <map>

#include "server/store/reading_row.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

constexpr const char* kOutboxSchema = R"sql(
CREATE TABLE IF NOT EXISTS record_outbox(
  reading_seq INTEGER NOT NULL PRIMARY KEY, patient_id TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending', due_unix_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, solo INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NULL, lease_until_unix_ms INTEGER NULL, last_error TEXT NULL,
  done_unix_ms INTEGER NULL);
CREATE INDEX IF NOT EXISTS record_outbox_state ON record_outbox(state, patient_id, reading_seq);
CREATE TABLE IF NOT EXISTS record_dead_letter(
  reading_seq INTEGER NOT NULL PRIMARY KEY, reading_uid TEXT NOT NULL, patient_id TEXT NOT NULL,
  at_unix_ms INTEGER NOT NULL, http_status INTEGER NOT NULL, outcome_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS record_push_state(name TEXT NOT NULL PRIMARY KEY, unix_ms INTEGER NULL);
)sql";

// "(?,?,...)" with `n` placeholders.
std::string placeholders(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ",?";
  return out + ")";
}

// Due rows in storage order. An earlier pending row of the same patient that is not due yet
// (backoff) or leased by a live lease holds the patient's later rows back: per patient, the
// record system gets the readings in the order they were stored.
constexpr const char* kClaim =
    "SELECT o.reading_seq, o.attempts, o.solo FROM record_outbox o "
    "WHERE o.state = 'pending' AND o.due_unix_ms <= ? "
    "AND (o.lease_until_unix_ms IS NULL OR o.lease_until_unix_ms <= ?) "
    "AND NOT EXISTS (SELECT 1 FROM record_outbox e WHERE e.state = 'pending' "
    "AND e.patient_id = o.patient_id AND e.reading_seq < o.reading_seq "
    "AND (e.due_unix_ms > ? OR e.lease_until_unix_ms > ?)) "
    "ORDER BY o.reading_seq LIMIT ?";

}  // namespace

Result<void> create_record_outbox_schema(Database& db) { return db.exec(kOutboxSchema); }

Result<void> enqueue_for_record(Database& db, std::span<const InsertedReading> inserted,
                                HubTime now) {
  constexpr std::size_t kMaxPerInsert = 64;
  for (std::size_t done = 0; done < inserted.size();) {
    const std::size_t n = std::min(kMaxPerInsert, inserted.size() - done);
    std::string sql = "INSERT INTO record_outbox(reading_seq, patient_id, due_unix_ms) VALUES";
    for (std::size_t i = 0; i < n; ++i) sql += i == 0 ? "(?,?,?)" : ",(?,?,?)";
    auto insert = db.prepare(sql + " ON CONFLICT(reading_seq) DO NOTHING");
    if (!insert) return fail(insert.error());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& row = inserted[done + i];
      const int p = static_cast<int>(i) * 3;
      insert->bind(p + 1, row.seq).bind(p + 2, row.patient_id).bind(p + 3, ms(now));
    }
    if (auto r = insert->step(); !r) return fail(r.error());
    done += n;
  }
  return {};
}

Result<std::vector<OutboxItem>> RecordOutbox::claim(HubTime now, std::chrono::milliseconds lease,
                                                    int limit) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  const bool pg = db_.backend() == "postgresql";
  auto due = db_.prepare(std::string(kClaim) + (pg ? " FOR UPDATE OF o SKIP LOCKED" : ""));
  if (!due) return fail(due.error());
  for (int i = 1; i <= 4; ++i) due->bind(i, ms(now));
  due->bind(5, std::int64_t{limit});
  std::vector<OutboxItem> items;
  while (true) {
    auto row = due->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const bool solo = due->column_int(2) != 0;
    // A solo row goes alone; a batch stops before one.
    if (solo && !items.empty()) break;
    items.push_back(OutboxItem{due->column_int(0), {}, due->column_int(1) + 1});
    if (solo) break;
  }
  if (items.empty()) return items;
  std::vector<std::int64_t> seqs;
  for (const auto& item : items) seqs.push_back(item.seq);
  auto lease_rows = db_.prepare(
      "UPDATE record_outbox SET lease_owner = ?, lease_until_unix_ms = ?, attempts = attempts + 1 "
      "WHERE reading_seq IN " +
      placeholders(seqs.size()));
  if (!lease_rows) return fail(lease_rows.error());
  lease_rows->bind(1, owner_).bind(2, ms(now) + lease.count());
  for (std::size_t i = 0; i < seqs.size(); ++i) lease_rows->bind(static_cast<int>(i) + 3, seqs[i]);
  if (auto r = lease_rows->step(); !r) return fail(r.error());
  auto read = db_.prepare(std::string("SELECT ") + kReadingColumns +
                          ", seq FROM readings WHERE seq IN " + placeholders(seqs.size()));
  if (!read) return fail(read.error());
  for (std::size_t i = 0; i < seqs.size(); ++i) read->bind(static_cast<int>(i) + 1, seqs[i]);
  std::map<std::int64_t, StoredReading> by_seq;
  while (true) {
    auto row = read->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    by_seq[read->column_int(11)] = row_to_reading(*read);
  }
  for (auto& item : items) {
    auto it = by_seq.find(item.seq);
    if (it == by_seq.end()) return fail(Errc::kIo, "record outbox row without its reading");
    item.reading = std::move(it->second);
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return items;
}

Result<void> RecordOutbox::mark_done(std::span<const std::int64_t> seqs, HubTime now) {
  if (seqs.empty()) return {};
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto stmt = db_.prepare(
      "UPDATE record_outbox SET state = 'done', done_unix_ms = ?, lease_owner = NULL, "
      "lease_until_unix_ms = NULL, last_error = NULL WHERE state = 'pending' AND reading_seq IN " +
      placeholders(seqs.size()));
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, ms(now));
  for (std::size_t i = 0; i < seqs.size(); ++i) stmt->bind(static_cast<int>(i) + 2, seqs[i]);
  if (auto r = stmt->step(); !r) return fail(r.error());
  return transaction.commit();
}

Result<void> RecordOutbox::retry_later(std::span<const std::int64_t> seqs, HubTime due,
                                       const std::string& error, bool solo) {
  if (seqs.empty()) return {};
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto stmt = db_.prepare(
      "UPDATE record_outbox SET due_unix_ms = ?, last_error = ?, solo = ?, lease_owner = NULL, "
      "lease_until_unix_ms = NULL WHERE state = 'pending' AND lease_owner = ? AND reading_seq "
      "IN " +
      placeholders(seqs.size()));
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, ms(due)).bind(2, error).bind(3, std::int64_t{solo ? 1 : 0}).bind(4, owner_);
  for (std::size_t i = 0; i < seqs.size(); ++i) stmt->bind(static_cast<int>(i) + 5, seqs[i]);
  if (auto r = stmt->step(); !r) return fail(r.error());
  return transaction.commit();
}

Result<void> RecordOutbox::dead_letter(const DeadLetter& letter) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto mark = db_.prepare(
      "UPDATE record_outbox SET state = 'dead', lease_owner = NULL, lease_until_unix_ms = NULL, "
      "last_error = ? WHERE reading_seq = ? AND state = 'pending'");
  if (!mark) return fail(mark.error());
  mark->bind(1, "rejected: HTTP " + std::to_string(letter.http_status)).bind(2, letter.seq);
  if (auto r = mark->step(); !r) return fail(r.error());
  if (db_.changes() == 0) return transaction.commit();  // done or dead already
  auto keep = db_.prepare(
      "INSERT INTO record_dead_letter(reading_seq, reading_uid, patient_id, at_unix_ms, "
      "http_status, outcome_json) VALUES(?,?,?,?,?,?)");
  if (!keep) return fail(keep.error());
  keep->bind(1, letter.seq).bind(2, letter.reading_uid).bind(3, letter.patient_id);
  keep->bind(4, ms(letter.at)).bind(5, std::int64_t{letter.http_status});
  keep->bind(6, letter.outcome_json);
  if (auto r = keep->step(); !r) return fail(r.error());
  return transaction.commit();
}

Result<OutboxCounts> RecordOutbox::counts() {
  auto stmt =
      db_.prepare("SELECT state, COUNT(*), MIN(reading_seq) FROM record_outbox GROUP BY state");
  if (!stmt) return fail(stmt.error());
  OutboxCounts out;
  std::optional<std::int64_t> oldest_seq;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const auto state = stmt->column_text(0);
    const auto n = stmt->column_int(1);
    if (state == "pending") {
      out.pending = n;
      oldest_seq = stmt->column_int(2);
    } else if (state == "done") {
      out.done = n;
    } else if (state == "dead") {
      out.dead = n;
    }
  }
  if (oldest_seq) {
    auto received = db_.prepare("SELECT received_unix_ms FROM readings WHERE seq = ?");
    if (!received) return fail(received.error());
    received->bind(1, *oldest_seq);
    auto row = received->step();
    if (!row) return fail(row.error());
    if (*row) out.oldest_pending = HubTime{std::chrono::milliseconds{received->column_int(0)}};
  }
  return out;
}

Result<OutboxCounts> RecordOutbox::depth() {
  auto stmt =
      db_.prepare("SELECT COUNT(*), MIN(reading_seq) FROM record_outbox WHERE state = 'pending'");
  if (!stmt) return fail(stmt.error());
  auto row = stmt->step();
  if (!row) return fail(row.error());
  OutboxCounts out;
  if (!*row || stmt->column_int(0) == 0) return out;
  out.pending = stmt->column_int(0);
  const auto oldest_seq = stmt->column_int(1);
  auto received = db_.prepare("SELECT received_unix_ms FROM readings WHERE seq = ?");
  if (!received) return fail(received.error());
  received->bind(1, oldest_seq);
  auto found = received->step();
  if (!found) return fail(found.error());
  if (*found) out.oldest_pending = HubTime{std::chrono::milliseconds{received->column_int(0)}};
  return out;
}

Result<std::vector<DeadLetter>> RecordOutbox::dead_letters(int limit) {
  auto stmt = db_.prepare(
      "SELECT reading_seq, reading_uid, patient_id, at_unix_ms, http_status, outcome_json "
      "FROM record_dead_letter ORDER BY at_unix_ms DESC, reading_seq DESC LIMIT ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, std::int64_t{limit});
  return collect_rows<DeadLetter>(stmt, [](const Statement& s) {
    return DeadLetter{s.column_int(0),
                      s.column_text(1),
                      s.column_text(2),
                      HubTime{std::chrono::milliseconds{s.column_int(3)}},
                      static_cast<int>(s.column_int(4)),
                      s.column_text(5)};
  });
}

Result<std::int64_t> RecordOutbox::prune_done(HubTime before) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  auto stmt = db_.prepare("DELETE FROM record_outbox WHERE state = 'done' AND done_unix_ms < ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, ms(before));
  if (auto r = stmt->step(); !r) return fail(r.error());
  const auto n = db_.changes();
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return n;
}

namespace {

// The failing episode's start, or nullopt when none. Its own function: the statement is
// finished (out of scope) before a transaction commits or begins.
Result<std::optional<HubTime>> failing_since(Database& db, const std::string& name) {
  auto read = db.prepare("SELECT unix_ms FROM record_push_state WHERE name = ?");
  if (!read) return fail(read.error());
  read->bind(1, name);
  auto row = read->step();
  if (!row) return fail(row.error());
  if (!*row || read->column_is_null(0)) return std::optional<HubTime>{};
  return std::optional<HubTime>{HubTime{std::chrono::milliseconds{read->column_int(0)}}};
}

}  // namespace

Result<HubTime> RecordOutbox::note_failing(HubTime now, const std::string& episode) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  {
    auto set = db_.prepare(
        "INSERT INTO record_push_state(name, unix_ms) VALUES(?, ?) "
        "ON CONFLICT(name) DO UPDATE SET unix_ms = COALESCE(record_push_state.unix_ms, "
        "excluded.unix_ms)");
    if (!set) return fail(set.error());
    set->bind(1, episode);
    set->bind(2, ms(now));
    if (auto r = set->step(); !r) return fail(r.error());
  }
  auto since = failing_since(db_, episode);
  if (!since) return fail(since.error());
  if (!*since) return fail(Errc::kIo, "record_push_state: " + episode + " not kept");
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return **since;
}

Result<void> RecordOutbox::note_delivered(const std::string& episode) {
  // Read first: delivering is the common case, and nothing to clear needs no write lock.
  auto since = failing_since(db_, episode);
  if (!since) return fail(since.error());
  if (!*since) return {};
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  {
    auto clear = db_.prepare("UPDATE record_push_state SET unix_ms = NULL WHERE name = ?");
    if (!clear) return fail(clear.error());
    clear->bind(1, episode);
    if (auto r = clear->step(); !r) return fail(r.error());
  }
  return transaction.commit();
}

}  // namespace kotona::server::store
