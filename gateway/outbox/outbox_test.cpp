#include "gateway/outbox/outbox.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using kotona::gateway::Outbox;
using kotona::gateway::OutboxEntry;
using kotona::gateway::OutboxTime;
using namespace std::chrono_literals;

namespace {

// A fresh directory per test, removed at the end.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kotona-outbox-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const char* name) const { return (path / name).string(); }
};

const OutboxTime kT0{std::chrono::milliseconds{1'700'000'000'000}};

std::unique_ptr<Outbox> open_ok(const std::string& path) {
  auto outbox = Outbox::open(path);
  REQUIRE_MESSAGE(outbox.has_value(), (outbox ? "" : describe(outbox.error())));
  return std::move(*outbox);
}

std::vector<std::string> uids_of(const std::vector<kotona::gateway::OutboxRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.reading_uid);
  return out;
}

}  // namespace

TEST_CASE("outbox: close and reopen -> rows kept, batch ids still increasing") {
  TempDir dir;
  {
    auto outbox = open_ok(dir.file("o.db"));
    std::vector<OutboxEntry> batch{{"gw/s/r1/bp", std::string("\x01\x00\x02", 3)},
                                   {"gw/s/r2/bp", "b"}};
    auto added = outbox->append(batch, kT0);
    REQUIRE(added.has_value());
    CHECK(*added == 2);
    CHECK(outbox->next_batch_id().value_or(0) == 1);
    CHECK(outbox->next_batch_id().value_or(0) == 2);
  }
  auto outbox = open_ok(dir.file("o.db"));
  CHECK(outbox->depth().value_or(0) == 2);
  auto rows = outbox->next_to_send(10, kT0, 10s);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].payload == std::string("\x01\x00\x02", 3));
  CHECK(outbox->next_batch_id().value_or(0) > 2);
  auto oldest = outbox->oldest_created();
  REQUIRE(oldest.has_value());
  CHECK(*oldest == kT0);
}

TEST_CASE("outbox: same reading_uid appended twice -> stored once") {
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> batch{{"u1", "first"}, {"u1", "again in the same batch"}};
  CHECK(outbox->append(batch, kT0).value_or(99) == 1);
  std::vector<OutboxEntry> resend{{"u1", "device re-sent"}, {"u2", "new"}};
  CHECK(outbox->append(resend, kT0 + 1s).value_or(99) == 1);
  CHECK(outbox->depth().value_or(0) == 2);
  auto rows = outbox->next_to_send(10, kT0, 10s);
  REQUIRE(rows.has_value());
  CHECK((*rows)[0].payload == "first");
}

TEST_CASE("outbox: remove -> only the listed uids deleted") {
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> batch{{"u1", "a"}, {"u2", "b"}, {"u3", "c"}};
  REQUIRE(outbox->append(batch, kT0).has_value());
  std::vector<std::string> acked{"u2", "not-there"};
  CHECK(outbox->remove(acked).value_or(99) == 1);
  auto rows = outbox->next_to_send(10, kT0, 10s);
  REQUIRE(rows.has_value());
  CHECK(uids_of(*rows) == std::vector<std::string>{"u1", "u3"});
  CHECK(outbox->oldest_created().has_value());
}

TEST_CASE("outbox: sent rows -> returned again only after ack_timeout, all after reset_sent") {
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> batch{{"u1", "a"}, {"u2", "b"}, {"u3", "c"}};
  REQUIRE(outbox->append(batch, kT0).has_value());
  auto first = outbox->next_to_send(2, kT0, 10s);
  REQUIRE(first.has_value());
  CHECK(uids_of(*first) == std::vector<std::string>{"u1", "u2"});
  std::vector<std::string> sent = uids_of(*first);
  REQUIRE(outbox->mark_sent(sent, kT0).has_value());

  CHECK(uids_of(outbox->next_to_send(10, kT0 + 9s, 10s).value()) ==
        std::vector<std::string>{"u3"});
  auto later = outbox->next_to_send(10, kT0 + 10s, 10s).value();
  CHECK(uids_of(later) == std::vector<std::string>{"u1", "u2", "u3"});
  CHECK(later[0].send_count == 1);
  CHECK(later[2].send_count == 0);

  REQUIRE(outbox->mark_sent(uids_of(later), kT0 + 10s).has_value());
  CHECK(outbox->next_to_send(10, kT0 + 11s, 10s).value().empty());
  REQUIRE(outbox->reset_sent().has_value());
  CHECK(outbox->next_to_send(10, kT0 + 11s, 10s).value().size() == 3);
}

TEST_CASE("outbox: empty -> depth 0, no oldest") {
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  CHECK(outbox->depth().value_or(9) == 0);
  auto oldest = outbox->oldest_created();
  REQUIRE(oldest.has_value());
  CHECK_FALSE(oldest->has_value());
}

TEST_CASE("outbox: path in a missing directory -> kIo naming the path") {
  TempDir dir;
  std::string path = dir.file("no/such/dir/o.db");
  auto outbox = Outbox::open(path);
  REQUIRE_FALSE(outbox.has_value());
  CHECK(outbox.error().code == kotona::Errc::kIo);
  CHECK(outbox.error().detail.find(path) != std::string::npos);
}

TEST_CASE("outbox: file that is not a database -> kIo, no throw") {
  TempDir dir;
  std::string path = dir.file("garbage.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 64; ++i) out << "this is not an SQLite database file at all; ";
  }
  auto outbox = Outbox::open(path);
  REQUIRE_FALSE(outbox.has_value());
  CHECK(outbox.error().code == kotona::Errc::kIo);
  CHECK(outbox.error().detail.find("not a database") != std::string::npos);
}

TEST_CASE("outbox: database refuses writes -> append fails with kIo, nothing stored") {
  TempDir dir;
  std::string path = dir.file("o.db");
  auto outbox = open_ok(path);
  std::vector<OutboxEntry> first{{"u1", "a"}};
  REQUIRE(outbox->append(first, kT0).has_value());
  REQUIRE(outbox->query_only_for_test(true).has_value());
  std::vector<OutboxEntry> batch{{"u2", "b"}, {"u3", "c"}};
  auto added = outbox->append(batch, kT0);
  REQUIRE_FALSE(added.has_value());
  CHECK(added.error().code == kotona::Errc::kIo);
  REQUIRE(outbox->query_only_for_test(false).has_value());
  CHECK(outbox->depth().value_or(0) == 1);
}

TEST_CASE("outbox: hub clock stepped back after sending -> the row is due again at once") {
  // Sent while the clock read 30 days ahead; NTP then steps it back. Waiting for
  // "now >= sent + timeout" would strand the row for 30 days if its ack never comes.
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> batch{{"u1", "a"}};
  REQUIRE(outbox->append(batch, kT0).has_value());
  std::vector<std::string> sent{"u1"};
  REQUIRE(outbox->mark_sent(sent, kT0 + std::chrono::hours(24 * 30)).has_value());
  CHECK(uids_of(outbox->next_to_send(10, kT0, 10s).value()) == std::vector<std::string>{"u1"});
}

TEST_CASE("outbox: database refuses writes -> sending, re-sending and batch ids still work") {
  // Issue 22: every send used to write (batch id, send time) first, so a full disk stopped
  // delivery for good. Sending must not need a write.
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> batch{{"u1", "a"}, {"u2", "b"}};
  REQUIRE(outbox->append(batch, kT0).has_value());
  REQUIRE(outbox->query_only_for_test(true).has_value());
  for (int i = 0; i < 70'000; ++i) REQUIRE(outbox->next_batch_id().has_value());  // > a block
  auto first = outbox->next_batch_id();
  REQUIRE(first.has_value());
  CHECK(outbox->next_batch_id().value_or(0) == *first + 1);
  auto rows = outbox->next_to_send(10, kT0, 10s);
  REQUIRE(rows.has_value());
  REQUIRE(outbox->mark_sent(uids_of(*rows), kT0).has_value());
  CHECK(outbox->next_to_send(10, kT0 + 1s, 10s).value().empty());
  CHECK(outbox->next_to_send(10, kT0 + 10s, 10s).value().size() == 2);
  REQUIRE(outbox->reset_sent().has_value());
  CHECK(outbox->next_to_send(10, kT0 + 1s, 10s).value().size() == 2);
}

TEST_CASE("outbox: many rows sent in batches -> each offered once until due, acked ones never") {
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> batch;
  for (int i = 0; i < 250; ++i) batch.push_back({"u" + std::to_string(1000 + i), "p"});
  REQUIRE(outbox->append(batch, kT0).has_value());
  std::vector<std::string> seen;
  while (true) {
    auto rows = outbox->next_to_send(100, kT0, 10s).value();
    if (rows.empty()) break;
    REQUIRE(outbox->mark_sent(uids_of(rows), kT0).has_value());
    for (auto& u : uids_of(rows)) seen.push_back(u);
  }
  REQUIRE(seen.size() == 250);
  CHECK(seen.front() == "u1000");
  CHECK(seen.back() == "u1249");
  std::vector<std::string> acked(seen.begin(), seen.begin() + 200);
  CHECK(outbox->remove(acked).value_or(0) == 200);
  auto again = outbox->next_to_send(100, kT0 + 10s, 10s).value();
  CHECK(again.size() == 50);
  CHECK(again.front().reading_uid == "u1200");
  CHECK(again.front().send_count == 1);
}

TEST_CASE("outbox: in-flight cap -> never-sent rows held back, due re-sends still offered") {
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> rows;
  for (int i = 1; i <= 6; ++i) rows.push_back({"u" + std::to_string(i), "p"});
  REQUIRE(outbox->append(rows, kT0));
  auto first = outbox->next_to_send(10, kT0, 10s, 2);
  REQUIRE(first);
  CHECK(uids_of(*first) == std::vector<std::string>{"u1", "u2"});
  REQUIRE(outbox->mark_sent(uids_of(*first), kT0));
  CHECK(outbox->in_flight() == 2);
  // The cap is full: nothing new, and nothing due yet.
  CHECK(outbox->next_to_send(10, kT0 + 1s, 10s, 0).value().empty());
  // u2 acked: room for one more; u3 only (u1 is not due yet).
  std::vector<std::string> acked{"u2"};
  REQUIRE(outbox->remove(acked));
  CHECK(outbox->in_flight() == 1);
  auto next = outbox->next_to_send(10, kT0 + 2s, 10s, 1);
  REQUIRE(next);
  CHECK(uids_of(*next) == std::vector<std::string>{"u3"});
  REQUIRE(outbox->mark_sent(uids_of(*next), kT0 + 2s));
  // After the ack timeout the unacked rows come back, longest waiting first, with no room.
  auto due = outbox->next_to_send(10, kT0 + 12s, 10s, 0);
  REQUIRE(due);
  CHECK(uids_of(*due) == std::vector<std::string>{"u1", "u3"});
  CHECK(outbox->in_flight() == 2);
}

// Deletes deferred in time (issue 15): acked rows are settled at once and deleted later in one
// transaction. Until then they must never go out again (invariant 3 needs only that they are
// not deleted unacked; this keeps the server from seeing them twice) and must not count as
// in flight; a failed delete keeps them settled for the next one.
TEST_CASE("outbox: settled rows -> never offered again, out of flight, deleted by one flush") {
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> batch{{"u1", "a"}, {"u2", "b"}, {"u3", "c"}, {"u4", "d"}};
  REQUIRE(outbox->append(batch, kT0).has_value());
  auto rows = outbox->next_to_send(3, kT0, 10s).value();
  REQUIRE(outbox->mark_sent(uids_of(rows), kT0).has_value());
  CHECK(outbox->in_flight() == 3);
  std::vector<std::string> acked{"u1", "u3"};
  outbox->settle(acked);
  CHECK(outbox->in_flight() == 1);
  CHECK(outbox->settled() == 2);
  CHECK(outbox->depth().value() == 4);  // not deleted yet
  // Due again after ack_timeout: only the unacked one, then the fresh one.
  CHECK(uids_of(outbox->next_to_send(10, kT0 + 10s, 10s).value()) ==
        std::vector<std::string>{"u2", "u4"});
  // A failed delete keeps them settled (and unsent).
  REQUIRE(outbox->query_only_for_test(true).has_value());
  CHECK_FALSE(outbox->flush_settled().has_value());
  CHECK(outbox->settled() == 2);
  CHECK(outbox->depth().value() == 4);
  REQUIRE(outbox->query_only_for_test(false).has_value());
  std::vector<std::string> again{"u1"};  // a late second ack of u1
  outbox->settle(again);
  auto flushed = outbox->flush_settled();
  REQUIRE(flushed.has_value());
  CHECK(flushed->removed == 2);
  CHECK(flushed->named == 3);
  CHECK(outbox->settled() == 0);
  CHECK(outbox->depth().value() == 2);
  CHECK(outbox->flush_settled().value().named == 0);
}

TEST_CASE("outbox: settled rows, then a reconnect (reset_sent) -> deleted first, not sent again") {
  TempDir dir;
  auto outbox = open_ok(dir.file("o.db"));
  std::vector<OutboxEntry> batch{{"u1", "a"}, {"u2", "b"}};
  REQUIRE(outbox->append(batch, kT0).has_value());
  REQUIRE(outbox->mark_sent(uids_of(outbox->next_to_send(10, kT0, 10s).value()), kT0).has_value());
  std::vector<std::string> acked{"u1"};
  outbox->settle(acked);
  REQUIRE(outbox->reset_sent().has_value());
  CHECK(uids_of(outbox->next_to_send(10, kT0, 10s).value()) == std::vector<std::string>{"u2"});
  CHECK(outbox->depth().value() == 1);
}

TEST_CASE("outbox: settled rows at close -> deleted") {
  TempDir dir;
  {
    auto outbox = open_ok(dir.file("o.db"));
    std::vector<OutboxEntry> batch{{"u1", "a"}, {"u2", "b"}};
    REQUIRE(outbox->append(batch, kT0).has_value());
    std::vector<std::string> acked{"u2"};
    outbox->settle(acked);
  }
  CHECK(open_ok(dir.file("o.db"))->depth().value() == 1);
}
