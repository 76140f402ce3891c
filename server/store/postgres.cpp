#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <unordered_map>
#include <vector>

#include "core/log.h"
#include "server/store/database.h"
#include "server/store/pg_connect.h"

namespace kotona::server::store {

namespace {

constexpr long kWriteLockKey = 7461002;  // advisory lock: the store's write lock
constexpr unsigned kBoolOid = 16;        // pg_type.oid of boolean ("t" / "f" in text results)
constexpr unsigned kByteaOid = 17;       // pg_type.oid of bytea
// Reconnect backoff: the first attempt right after the break is seen, then doubling up to the
// cap. The cap keeps "ingest resumes within 5 s of PostgreSQL being back" (issue 22) with room
// for the hub's re-send.
constexpr std::chrono::milliseconds kReconnectMin{100};
constexpr std::chrono::milliseconds kReconnectMax{2000};
constexpr std::string_view kLog = "store";

std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// A result that says the session is gone: libpq marked the connection bad, or the server
// answered with a connection exception (SQLSTATE class 08) or an operator intervention that
// ends the session (57P01 admin shutdown / pg_terminate_backend, 57P02 crash shutdown, 57P03
// cannot connect now).
bool session_lost(PGconn* conn, const PGresult* result) {
  if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) return true;
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr) return false;
  return std::strncmp(state, "08", 2) == 0 || std::strcmp(state, "57P01") == 0 ||
         std::strcmp(state, "57P02") == 0 || std::strcmp(state, "57P03") == 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

class PgDatabase;

class PgStatement final : public StatementImpl {
 public:
  PgStatement(PgDatabase& db, std::string sql) : db_(db), sql_(std::move(sql)) {}
  ~PgStatement() override { PQclear(result_); }
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  void bind_int(int index, std::int64_t value) override {
    param(index) = Param{std::to_string(value), false};
  }
  void bind_text(int index, std::string_view text) override {
    param(index) = Param{std::string(text), false};
  }
  void bind_null(int index) override { param(index) = std::nullopt; }
  void bind_blob(int index, std::string_view bytes) override {
    param(index) = Param{std::string(bytes), true};
  }
  Result<bool> step() override;
  std::int64_t column_int(int index) const override {
    const char* value = PQgetvalue(result_, row_, index);
    if (PQftype(result_, index) == kBoolOid) return value[0] == 't' ? 1 : 0;  // as SQLite
    return std::strtoll(value, nullptr, 10);
  }
  std::string column_text(int index) const override {
    const char* value = PQgetvalue(result_, row_, index);
    const auto size = static_cast<std::size_t>(PQgetlength(result_, row_, index));
    if (PQftype(result_, index) != kByteaOid) return std::string(value, size);
    // bytea in text format: "\x" + two hex digits per byte.
    std::string bytes;
    for (std::size_t i = 2; i + 1 < size; i += 2) {
      bytes.push_back(static_cast<char>(hex_value(value[i]) * 16 + hex_value(value[i + 1])));
    }
    return bytes;
  }
  bool column_is_null(int index) const override { return PQgetisnull(result_, row_, index) != 0; }

 private:
  struct Param {
    std::string bytes;
    bool binary;
  };
  std::optional<Param>& param(int index) {
    const auto i = static_cast<std::size_t>(index - 1);
    if (params_.size() <= i) params_.resize(i + 1);
    return params_[i];
  }

  PgDatabase& db_;
  std::string sql_;
  std::vector<std::optional<Param>> params_;
  PGresult* result_ = nullptr;
  bool executed_ = false;
  int row_ = -1;
  int rows_ = 0;
};

// One libpq session, replaced when it breaks (issue 22: a PostgreSQL restart used to stop the
// server for good). Each statement text is translated once (translated_sql) and prepared once
// per session (prepared_name, PQexecPrepared after that; issue 15: translating and re-parsing
// every call cost ~85 % of the server's CPU); a new session starts with none prepared. A session
// lost inside a transaction leaves that transaction failed as a whole: every statement is refused
// until the store's ROLLBACK (the Transaction destructor) closes it, so nothing of it runs on the
// new session outside a transaction or without the write lock (the advisory locks died with the old
// backend, and the next BEGIN IMMEDIATE takes the write lock again). The store returns the error,
// the batch is not acked and the hub re-sends it.
class PgDatabase final : public Database {
 public:
  PgDatabase(PGconn* conn, std::string uri) : conn_(conn), uri_(std::move(uri)) {}
  ~PgDatabase() override { PQfinish(conn_); }

  Result<void> exec(const std::string& sql) override {
    if (auto r = end_of_failed_transaction(sql)) return *r;
    if (auto r = usable(); !r) return r;
    const std::string& translated = translated_sql(sql);
    if (translated.find_first_not_of(" \t\r\n;") == std::string::npos) return {};
    PGresult* result = PQexec(conn_, translated.c_str());
    auto checked = check(result, "exec");
    PQclear(result);
    return checked;
  }
  Result<Statement> prepare(std::string_view sql) override {
    return Statement(std::make_unique<PgStatement>(*this, translated_sql(sql)));
  }
  std::int64_t changes() const override { return changes_; }
  Result<void> make_append_only(const std::string& table) override {
    std::string sql =
        "CREATE OR REPLACE FUNCTION kotona_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$f$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $f$;";
    for (const char* op : {"update", "delete"}) {
      sql += "CREATE OR REPLACE TRIGGER " + table + "_no_" + op + " BEFORE " + op + " ON " + table +
             " FOR EACH ROW EXECUTE FUNCTION kotona_append_only();";
    }
    return exec(sql);
  }
  Result<void> schema_lock(bool take) override {
    // Any fixed key: only Kotona's schema work takes it.
    return exec(take ? "SELECT pg_advisory_lock(7461001)" : "SELECT pg_advisory_unlock(7461001)");
  }
  Result<std::set<std::string>> columns(std::string_view table) override {
    auto info = prepare(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?");
    if (!info) return fail(info.error());
    info->bind(1, table);
    std::set<std::string> out;
    while (true) {
      auto row = info->step();
      if (!row) return fail(row.error());
      if (!*row) return out;
      out.insert(info->column_text(0));
    }
  }
  std::string_view backend() const override { return "postgresql"; }

  PGconn* conn() { return conn_; }
  // A session to run the next statement on: the current one, or a new one once the backoff
  // allows an attempt. Errors: kIo (lost inside the open transaction; not connected).
  Result<void> usable();
  // Records the command's row count; Error (kIo, server message) unless it succeeded. A lost
  // session is noted here, on the first failing call.
  Result<void> check(PGresult* result, std::string_view what);

 private:
  std::optional<Result<void>> end_of_failed_transaction(const std::string& sql);
  const std::string& translated_sql(std::string_view sql);

 public:
  // The name of `sql` (PostgreSQL text) prepared on this session, preparing it on first use;
  // empty when the session already holds kMaxPrepared (run it unnamed). Errors: kIo.
  Result<std::string> prepared_name(const std::string& sql);

 private:
  void reconnect(std::chrono::steady_clock::time_point now);

  // Hashes std::string and std::string_view alike, so a lookup needs no copy of the SQL.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  PGconn* conn_;
  std::string uri_;  // may hold a password: never logged
  // SQLite-dialect text -> PostgreSQL text. The store's statements are a fixed set of literals
  // (plus a few filter variants), so this stays small; translating them on every call with
  // std::regex was ~85 % of the server's CPU on PostgreSQL (issue 15).
  std::unordered_map<std::string, std::string, SqlHash, std::equal_to<>> translated_;
  // PostgreSQL text -> name of the statement prepared on THIS session (cleared with it):
  // PostgreSQL parses and plans each store statement once per session, not per call.
  std::unordered_map<std::string, std::string> prepared_;
  std::int64_t changes_ = 0;
  bool in_transaction_ = false;      // after the last successful call
  bool transaction_failed_ = false;  // the session broke inside it: refuse until ROLLBACK
  bool lost_ = false;
  int attempts_ = 0;
  std::chrono::milliseconds backoff_ = kReconnectMin;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::steady_clock::time_point lost_at_{};
  std::unique_ptr<ConnectAttempt> attempt_;  // the reconnect in progress, if any
};

std::optional<Result<void>> PgDatabase::end_of_failed_transaction(const std::string& sql) {
  if (!transaction_failed_) return std::nullopt;
  if (sql == "ROLLBACK") {
    transaction_failed_ = false;
    in_transaction_ = false;
    return Result<void>{};  // the server rolled it back when the session ended
  }
  if (sql == "COMMIT") transaction_failed_ = false, in_transaction_ = false;
  return fail(Errc::kIo, "postgresql: connection lost inside this transaction (not committed)");
}

const std::string& PgDatabase::translated_sql(std::string_view sql) {
  // Bounded all the same: a caller that ever built statements with values in their text
  // must not grow it without limit. Emptying it only costs re-translation.
  constexpr std::size_t kMaxCached = 512;
  if (auto it = translated_.find(sql); it != translated_.end()) return it->second;
  if (translated_.size() >= kMaxCached) translated_.clear();
  return translated_.emplace(std::string(sql), to_postgres_sql(sql)).first->second;
}

Result<std::string> PgDatabase::prepared_name(const std::string& sql) {
  constexpr std::size_t kMaxPrepared = 256;
  if (auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
  if (prepared_.size() >= kMaxPrepared) return std::string{};
  std::string name = "kotona_" + std::to_string(prepared_.size() + 1);
  PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
  auto checked = check(result, "prepare");
  PQclear(result);
  if (!checked) return fail(checked.error());
  return prepared_.emplace(sql, std::move(name)).first->second;
}

Result<void> PgDatabase::usable() {
  if (transaction_failed_) {
    return fail(Errc::kIo, "postgresql: connection lost inside this transaction (not committed)");
  }
  if (!lost_) return {};
  const auto now = std::chrono::steady_clock::now();
  // NEGATIVE CONTROL ONLY (cmake -DKOTONA_BROKEN=no_pg_reconnect): never reconnects, the
  // behaviour before issue 22.
  constexpr bool kReconnects =
#ifdef KOTONA_BROKEN_NO_PG_RECONNECT
      false;
#else
      true;
#endif
  if (kReconnects && now >= next_attempt_) reconnect(now);
  if (lost_) return fail(Errc::kIo, "postgresql: no connection to the server (reconnecting)");
  return {};
}

// Starts an attempt (off the io thread), or takes the outcome of the one running; never waits.
void PgDatabase::reconnect(std::chrono::steady_clock::time_point now) {
  if (!attempt_) {
    ++attempts_;
    attempt_ = std::make_unique<ConnectAttempt>(uri_);
  }
  auto outcome = attempt_->take();
  if (!outcome) return;  // still connecting: the io thread goes on (this call fails)
  attempt_.reset();
  PGconn* fresh = *outcome;
  if (fresh == nullptr) {
    next_attempt_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kReconnectMax);
    return;
  }
  PQfinish(conn_);
  conn_ = fresh;
  prepared_.clear();  // prepared statements live and die with their session
  lost_ = false;
  const auto down_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - lost_at_).count();
  log_info(kLog, "postgresql: reconnected after " + std::to_string(down_ms) + " ms, " +
                     std::to_string(attempts_) + " attempt(s)");
}

Result<void> PgDatabase::check(PGresult* result, std::string_view what) {
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    std::string message = trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
    if (!lost_ && session_lost(conn_, result)) {
      lost_ = true;
      transaction_failed_ = in_transaction_;
      lost_at_ = std::chrono::steady_clock::now();
      next_attempt_ = lost_at_;  // the first attempt at the next call
      backoff_ = kReconnectMin;
      attempts_ = 0;
      log_warn(kLog, "postgresql: connection lost (" + message + "): reconnecting");
    }
    return fail(Errc::kIo, "postgresql " + std::string(what) + ": " + message);
  }
  in_transaction_ = PQtransactionStatus(conn_) != PQTRANS_IDLE;
  const char* tuples = PQcmdTuples(result);
  changes_ = (tuples && *tuples) ? std::strtoll(tuples, nullptr, 10) : 0;
  return {};
}

Result<bool> PgStatement::step() {
  if (!executed_) {
    if (auto r = db_.usable(); !r) return fail(r.error());
    executed_ = true;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const auto& p : params_) {
      values.push_back(p ? p->bytes.c_str() : nullptr);
      lengths.push_back(p ? static_cast<int>(p->bytes.size()) : 0);
      formats.push_back(p && p->binary ? 1 : 0);
    }
    auto name = db_.prepared_name(sql_);
    if (!name) return fail(name.error());
    const int count = static_cast<int>(values.size());
    result_ = name->empty() ? PQexecParams(db_.conn(), sql_.c_str(), count, nullptr, values.data(),
                                           lengths.data(), formats.data(), 0)
                            : PQexecPrepared(db_.conn(), name->c_str(), count, values.data(),
                                             lengths.data(), formats.data(), 0);
    if (auto r = db_.check(result_, "step"); !r) return fail(r.error());
    rows_ = PQresultStatus(result_) == PGRES_TUPLES_OK ? PQntuples(result_) : 0;
  }
  ++row_;
  return row_ < rows_;
}

}  // namespace

std::string to_postgres_sql(std::string_view sql) {
  // Placeholders first, skipping quoted text.
  std::string out;
  out.reserve(sql.size() + 16);
  bool quoted = false;
  int n = 0;
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += "$" + std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  static const std::regex kPragma(R"(\bPRAGMA\b[^;]*;?)", std::regex::icase);
  static const std::regex kAutoId(R"(\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?)",
                                  std::regex::icase);
  static const std::regex kInteger(R"(\bINTEGER\b)", std::regex::icase);
  static const std::regex kBlob(R"(\bBLOB\b)", std::regex::icase);
  static const std::regex kBeginImmediate(R"(\bBEGIN\s+IMMEDIATE\b)", std::regex::icase);
  out = std::regex_replace(out, kPragma, "");
  out = std::regex_replace(out, kAutoId, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  out = std::regex_replace(out, kInteger, "BIGINT");
  out = std::regex_replace(out, kBlob, "BYTEA");
  // SQLite's BEGIN IMMEDIATE takes the database's one write lock at once; the store relies on
  // it (grouping reads the open alert before writing, escalation re-reads due deadlines).
  // Server instances sharing one PostgreSQL database get the same: a transaction-scoped
  // advisory lock, so their write transactions run one at a time (uniqueness constraints
  // alone would still keep readings and alert ids single, but not groups or escalations).
  out = std::regex_replace(
      out, kBeginImmediate,
      "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")");
  return out;
}

Result<std::unique_ptr<Database>> open_postgres(const std::string& uri) {
  std::string error;
  PGconn* conn = connect_session(uri, &error);
  // The URI may hold a password: name the backend, never echo the URI.
  if (conn == nullptr) return fail(Errc::kIo, "cannot connect to postgresql: " + error);
  return std::unique_ptr<Database>(std::make_unique<PgDatabase>(conn, uri));
}

}  // namespace kotona::server::store
