// Notes on alerts and patients (notes.h): one table, written in the caller's transaction.
#include "server/store/notes.h"

#include <algorithm>

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

}  // namespace

Result<Note> insert_note(Database& db, const std::string& subject, const std::string& author,
                         const std::string& text, HubTime at) {
  auto insert = db.prepare(
      "INSERT INTO notes(subject, author, text, at_unix_ms) VALUES(?,?,?,?) RETURNING id");
  if (!insert) return fail(insert.error());
  insert->bind(1, subject).bind(2, author).bind(3, text).bind(4, ms(at));
  auto row = insert->step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::kIo, "notes insert returned no id");
  return Note{insert->column_int(0), subject, author, text, at};
}

Result<std::vector<Note>> notes_of(Database& db, const std::string& subject, int limit) {
  auto stmt = db.prepare(
      "SELECT id, subject, author, text, at_unix_ms FROM notes WHERE subject = ? "
      "ORDER BY id DESC LIMIT ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, subject).bind(2, std::int64_t{limit});
  auto rows = collect_rows<Note>(stmt, [](const Statement& s) {
    return Note{s.column_int(0), s.column_text(1), s.column_text(2), s.column_text(3),
                HubTime{std::chrono::milliseconds{s.column_int(4)}}};
  });
  if (rows) std::reverse(rows->begin(), rows->end());
  return rows;
}

}  // namespace kotona::server::store
