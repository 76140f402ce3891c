#include "firmware-sim/astm_sender.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace kotona::firmware_sim {
namespace {

// A socket pair: the sender on one end, a scripted receiver on the other (hermetic, no pty).
struct Pair {
  int fds[2] = {-1, -1};
  Pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~Pair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
};

// Reads one unit from the sender: a single control byte, or a frame up to LF.
Bytes read_unit(int fd) {
  Bytes out;
  std::uint8_t b = 0;
  while (::read(fd, &b, 1) == 1) {
    out.push_back(b);
    if (out.size() == 1 && b != kStx) break;
    if (b == kLf) break;
  }
  return out;
}

void reply(int fd, std::uint8_t byte) { REQUIRE(::write(fd, &byte, 1) == 1); }

const SenderOptions kFast{std::chrono::milliseconds(2000), 6, nullptr};

TEST_CASE("send_message: all ACKed -> ENQ, frames in order, EOT, delivered") {
  Pair pair;
  const auto frames = encode_message({"H|\\^&\r", "L|1|N\r"});
  std::vector<Bytes> seen;
  std::thread receiver([&] {
    for (int i = 0; i < 4; ++i) {
      seen.push_back(read_unit(pair.fds[1]));
      if (i < 3) reply(pair.fds[1], kAck);
    }
  });
  int corrupt = 0;
  CHECK(send_message(pair.fds[0], frames, kFast, corrupt) == SendOutcome::kDelivered);
  receiver.join();
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == Bytes{kEnq});
  CHECK(seen[1] == frames[0]);
  CHECK(seen[2] == frames[1]);
  CHECK(seen[3] == Bytes{kEot});
}

TEST_CASE("send_message: cut_last_frame -> earlier frames ACKed, half the last frame, kCut") {
  Pair pair;
  const auto frames = encode_message({"H|\\^&\r", "L|1|N\r"});
  std::thread receiver([&] {
    (void)read_unit(pair.fds[1]);  // ENQ
    reply(pair.fds[1], kAck);
    (void)read_unit(pair.fds[1]);  // H frame
    reply(pair.fds[1], kAck);
  });
  SenderOptions options = kFast;
  options.cut_last_frame = true;
  int corrupt = 0;
  CHECK(send_message(pair.fds[0], frames, options, corrupt) == SendOutcome::kCut);
  receiver.join();
  std::uint8_t buf[64];
  const ssize_t n = ::read(pair.fds[1], buf, sizeof buf);
  CHECK(n == static_cast<ssize_t>(frames[1].size() / 2));
}

TEST_CASE("send_message: bad-checksum flag then NAK -> same frame resent intact, once") {
  Pair pair;
  const auto frames = encode_message({"L|1|N\r"});
  std::vector<Bytes> seen;
  std::thread receiver([&] {
    seen.push_back(read_unit(pair.fds[1]));  // ENQ
    reply(pair.fds[1], kAck);
    seen.push_back(read_unit(pair.fds[1]));  // corrupted frame
    reply(pair.fds[1], kNak);
    seen.push_back(read_unit(pair.fds[1]));  // retransmission
    reply(pair.fds[1], kAck);
    seen.push_back(read_unit(pair.fds[1]));  // EOT
  });
  int corrupt = 1;
  CHECK(send_message(pair.fds[0], frames, kFast, corrupt) == SendOutcome::kDelivered);
  receiver.join();
  CHECK(corrupt == 0);
  REQUIRE(seen.size() == 4);
  CHECK(seen[1] != frames[0]);
  CHECK(seen[1].size() == frames[0].size());
  CHECK(seen[2] == frames[0]);
}

TEST_CASE("send_message: frame NAKed 6 times (§6.3.3) -> EOT, aborted") {
  Pair pair;
  const auto frames = encode_message({"L|1|N\r"});
  int frames_seen = 0;
  Bytes last;
  std::thread receiver([&] {
    (void)read_unit(pair.fds[1]);
    reply(pair.fds[1], kAck);
    for (int i = 0; i < 6; ++i) {
      if (read_unit(pair.fds[1]) == frames[0]) ++frames_seen;
      reply(pair.fds[1], kNak);
    }
    last = read_unit(pair.fds[1]);
  });
  int corrupt = 0;
  CHECK(send_message(pair.fds[0], frames, kFast, corrupt) == SendOutcome::kAborted);
  receiver.join();
  CHECK(frames_seen == 6);
  CHECK(last == Bytes{kEot});
}

TEST_CASE("send_message: ENQ answered NAK -> refused, no frame sent") {
  Pair pair;
  std::thread receiver([&] {
    (void)read_unit(pair.fds[1]);
    reply(pair.fds[1], kNak);
  });
  int corrupt = 0;
  CHECK(send_message(pair.fds[0], encode_message({"L|1|N\r"}), kFast, corrupt) ==
        SendOutcome::kRefused);
  receiver.join();
  pollfd p{pair.fds[1], POLLIN, 0};
  CHECK(::poll(&p, 1, 0) == 0);
}

TEST_CASE("send_message: no answer to ENQ -> refused after the reply timeout") {
  Pair pair;
  int corrupt = 0;
  const SenderOptions quick{std::chrono::milliseconds(50), 6, nullptr};
  CHECK(send_message(pair.fds[0], encode_message({"L|1|N\r"}), quick, corrupt) ==
        SendOutcome::kRefused);
}

TEST_CASE("send_message: stop flag raised -> stopped") {
  Pair pair;
  std::atomic<bool> stop{true};
  int corrupt = 0;
  const SenderOptions options{std::chrono::milliseconds(5000), 6, &stop};
  CHECK(send_message(pair.fds[0], encode_message({"L|1|N\r"}), options, corrupt) ==
        SendOutcome::kStopped);
}

}  // namespace
}  // namespace kotona::firmware_sim
