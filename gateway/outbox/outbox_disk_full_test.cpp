// Issue 22: the outbox on a real full filesystem (a 2 MiB tmpfs mounted for the test; root
// only, skipped otherwise). Delivery (send, ack, delete) must go on when appends cannot.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gateway/outbox/outbox.h"

using kotona::gateway::Outbox;
using kotona::gateway::OutboxEntry;
using kotona::gateway::OutboxOptions;
using kotona::gateway::OutboxTime;
using namespace std::chrono_literals;

namespace {

const OutboxTime kT0{std::chrono::milliseconds{1'700'000'000'000}};

// A tmpfs of `size` mounted in a fresh temp directory; unmounted and removed at the end.
struct SmallFilesystem {
  std::filesystem::path path;
  bool mounted = false;
  explicit SmallFilesystem(const char* size) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "kotona-outbox-fs-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
    std::string options = std::string("size=") + size;
    mounted = ::geteuid() == 0 && ::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallFilesystem() {
    if (mounted) ::umount2(path.c_str(), MNT_DETACH);
    std::filesystem::remove_all(path);
  }
};

// A payload about the size of an encoded reading.
std::string payload(int i) { return std::string(180, static_cast<char>('a' + i % 26)); }

// Appends batches of 4 until the disk refuses; returns how many rows were stored.
int fill(Outbox& outbox, int& next) {
  int stored = 0;
  for (int tries = 0; tries < 100'000; ++tries) {
    std::vector<OutboxEntry> batch;
    for (int k = 0; k < 4; ++k, ++next)
      batch.push_back({"gw/S/r" + std::to_string(next), payload(next)});
    auto added = outbox.append(batch, kT0);
    if (!added) return stored;
    stored += static_cast<int>(*added);
  }
  FAIL("the filesystem never filled");
  return stored;
}

}  // namespace

TEST_CASE("outbox disk full: appends refused, yet every row is sent, acked and deleted") {
  SmallFilesystem fs("2m");
  if (!fs.mounted) {
    MESSAGE("skipped: needs root to mount a tmpfs");
    return;
  }
  auto opened = Outbox::open((fs.path / "outbox.db").string(), OutboxOptions{256 * 1024});
  REQUIRE(opened.has_value());
  auto& outbox = **opened;
  CHECK(outbox.storage().reserve_in_place);
  int next = 0;
  const int stored = fill(outbox, next);
  REQUIRE(stored > 1000);
  auto storage = outbox.storage();
  CHECK(storage.full);
  CHECK(storage.full_since == kT0);
  // The server is back: send, ack and delete everything while the disk is full.
  int deleted = 0;
  for (int round = 0; round < 1000 && deleted < stored; ++round) {
    auto rows = outbox.next_to_send(100, kT0, 10s);
    REQUIRE(rows.has_value());
    REQUIRE_FALSE(rows->empty());
    REQUIRE(outbox.next_batch_id().has_value());
    std::vector<std::string> uids;
    for (const auto& r : *rows) uids.push_back(r.reading_uid);
    REQUIRE(outbox.mark_sent(uids, kT0).has_value());
    auto removed = outbox.remove(uids);
    REQUIRE_MESSAGE(removed.has_value(), (removed ? "" : describe(removed.error())));
    deleted += static_cast<int>(*removed);
  }
  CHECK(deleted == stored);
  CHECK(outbox.depth().value_or(99) == 0);
  // Readings are taken again, into the space the deletes freed.
  std::vector<OutboxEntry> more{{"gw/S/after", payload(1)}};
  auto added = outbox.append(more, kT0 + 1s);
  REQUIRE_MESSAGE(added.has_value(), (added ? "" : describe(added.error())));
  CHECK_FALSE(outbox.storage().full);
}
