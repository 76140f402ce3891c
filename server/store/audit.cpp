// AuditLog: the append-only audit log. Rows are only ever inserted (SQLite triggers refuse UPDATE
// and DELETE); audit_head keeps the newest seq and hash, so truncating the tail is caught too.
#include "server/store/audit.h"

#include <array>

#include "server/store/digest.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

void field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

AuditRow audit_from_row(const Statement& s) {
  AuditRow row;
  row.seq = s.column_int(0);
  row.at = HubTime{std::chrono::milliseconds{s.column_int(1)}};
  row.actor = s.column_text(2);
  row.action = s.column_text(3);
  row.alert_id = AlertId{s.column_text(4)};
  row.detail = s.column_text(5);
  row.prev_hash = s.column_text(6);
  row.hash = s.column_text(7);
  return row;
}

constexpr const char* kAuditColumns =
    "SELECT seq, at_unix_ms, actor, action, alert_id, detail, prev_hash, hash FROM audit_log ";

}  // namespace

std::string audit_hash(const AuditRow& row) {
  std::string text = "kotona-audit-v1\n";
  field(text, std::to_string(row.seq));
  field(text, std::to_string(ms(row.at)));
  field(text, row.actor);
  field(text, row.action);
  field(text, row.alert_id.value);
  field(text, row.detail);
  field(text, row.prev_hash);
  return sha256_hex(text);
}

// REQUIRES: inside the action's transaction.
Result<void> AuditLog::append(const AuditRow& draft) {
  auto last = db_.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!last) return fail(last.error());
  auto row = last->step();
  if (!row) return fail(row.error());
  AuditRow entry = draft;
  entry.seq = *row ? last->column_int(0) + 1 : 1;
  entry.prev_hash = *row ? last->column_text(1) : std::string(kAuditGenesis);
  entry.hash = audit_hash(entry);
  auto insert = db_.prepare(
      "INSERT INTO audit_log(seq, at_unix_ms, actor, action, alert_id, detail, prev_hash, hash) "
      "VALUES(?,?,?,?,?,?,?,?)");
  if (!insert) return fail(insert.error());
  insert->bind(1, entry.seq).bind(2, ms(entry.at)).bind(3, entry.actor).bind(4, entry.action);
  insert->bind(5, entry.alert_id.value).bind(6, entry.detail).bind(7, entry.prev_hash);
  insert->bind(8, entry.hash);
  if (auto r = insert->step(); !r) return fail(r.error());
  auto head = db_.prepare(
      "INSERT INTO audit_head(id, seq, hash) VALUES(1, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
  if (!head) return fail(head.error());
  head->bind(1, entry.seq).bind(2, entry.hash);
  if (auto r = head->step(); !r) return fail(r.error());
  return {};
}

Result<void> AuditLog::record(const AuditRow& row) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return r;
  if (auto r = append(row); !r) return r;
  return transaction.commit();
}

Result<std::vector<AuditRow>> AuditLog::rows(const std::optional<AlertId>& alert, int limit) {
  std::string sql = kAuditColumns;
  if (alert) sql += "WHERE alert_id = ? ";
  sql += "ORDER BY seq DESC LIMIT ?";
  auto stmt = db_.prepare(sql);
  if (!stmt) return fail(stmt.error());
  int index = 1;
  if (alert) stmt->bind(index++, alert->value);
  stmt->bind(index, std::int64_t{limit});
  return collect_rows<AuditRow>(stmt, audit_from_row);
}

Result<AuditVerdict> AuditLog::verify() {
  auto stmt = db_.prepare(std::string(kAuditColumns) + "ORDER BY seq ASC");
  if (!stmt) return fail(stmt.error());
  AuditVerdict verdict;
  std::string prev(kAuditGenesis);
  auto broken = [&](std::int64_t seq, std::string reason) {
    verdict.ok = false;
    verdict.first_bad_seq = seq;
    verdict.reason = std::move(reason);
    return verdict;
  };
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto entry = audit_from_row(*stmt);
    ++verdict.rows;
    if (entry.seq != verdict.rows) {
      return broken(verdict.rows, "row " + std::to_string(verdict.rows) + " missing (next is " +
                                      std::to_string(entry.seq) + ")");
    }
    if (entry.prev_hash != prev) return broken(entry.seq, "prev_hash does not match row before");
    if (audit_hash(entry) != entry.hash) return broken(entry.seq, "hash does not match the row");
    prev = entry.hash;
  }
  auto head = db_.prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!head) return fail(head.error());
  auto row = head->step();
  if (!row) return fail(row.error());
  std::int64_t head_seq = *row ? head->column_int(0) : 0;
  std::string head_hash = *row ? head->column_text(1) : std::string(kAuditGenesis);
  if (head_seq != verdict.rows || head_hash != prev) {
    return broken(verdict.rows + 1, "chain ends at row " + std::to_string(verdict.rows) +
                                        " but the head says " + std::to_string(head_seq));
  }
  return verdict;
}

}  // namespace kotona::server::store
