#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace kotona::test {

TempDir::TempDir() {
  std::random_device rd;
  const char* base = std::getenv("TMPDIR");
  std::filesystem::path root = base ? base : "/tmp";
  path_ = root / ("kotona-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  if (std::getenv("KOTONA_KEEP_TEMP")) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

// The kernel's ephemeral range (outgoing connections' local ports), "32768 60999" by default.
std::pair<int, int> ephemeral_ports() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768, high = 60999;
  in >> low >> high;
  return {low, high};
}

bool bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// Below the ephemeral range: a port from bind(0) is an ephemeral one, which any process's next
// outgoing connection (wait_for_port's own probes among them) may take as its local port before
// the test's listener binds it; the listener then fails to start (record_push_test's receiver,
// "receiver did not start", twice in CI-like runs on 2026-12-07/08). Ports here are handed out
// only by bind(); random, so parallel tests rarely pick the same one, and checked free.
int free_port() {
  const auto [low, high] = ephemeral_ports();
  (void)high;
  const int top = low - 1;
  const int bottom = std::max(10000, top - 20000);
  if (top > bottom) {
    thread_local std::mt19937 pick(std::random_device{}() ^ static_cast<unsigned>(getpid()));
    std::uniform_int_distribution<int> port(bottom, top);
    for (int i = 0; i < 200; ++i) {
      const int p = port(pick);
      if (bindable(p)) return p;
    }
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);  // no room below the range: any free port
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("free_port: bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  return eventually(
      [port] {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        return ok;
      },
      timeout);
}

Child::Child(std::vector<std::string> argv, std::filesystem::path log_path)
    : log_path_(std::move(log_path)), argv_(std::move(argv)) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv_[0]);
}

Child::Child(Child&& other) noexcept
    : pid_(other.pid_),
      status_(other.status_),
      log_path_(std::move(other.log_path_)),
      argv_(std::move(other.argv_)) {
  other.pid_ = -1;
}

Child::~Child() {
  if (pid_ > 0 && running()) kill9();
}

bool Child::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return false;
  }
  return true;
}

void Child::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

int Child::stop(std::chrono::milliseconds timeout) {
  signal(SIGTERM);
  if (!eventually([this] { return !running(); }, timeout)) kill9();
  return status_.value_or(-SIGKILL);
}

void Child::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = -SIGKILL;
}

std::string Child::log_text() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> Child::wait_for_log(const std::string& needle,
                                               std::chrono::milliseconds timeout,
                                               std::size_t from) {
  std::optional<std::string> line;
  eventually(
      [&] {
        std::string text = log_text();
        if (text.size() < from) return false;
        auto pos = text.find(needle, from);
        if (pos == std::string::npos) return false;
        auto start = text.rfind('\n', pos);
        start = start == std::string::npos ? 0 : start + 1;
        line = text.substr(start, text.find('\n', pos) - start);
        return true;
      },
      timeout);
  return line;
}

std::string bin(const std::string& relative) {
  // KOTONA_TEST_BIN_<NAME> (kotona-gateway -> KOTONA_TEST_BIN_KOTONA_GATEWAY) names another
  // binary: the arm64 hub under qemu-user in a native end-to-end test, or the build machine's
  // simulator beside the arm64 tests (tools/arm64.sh).
  std::string name = "KOTONA_TEST_BIN_";
  for (char c : relative.substr(relative.rfind('/') + 1)) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (const char* other = std::getenv(name.c_str()); other && *other) return other;
  return std::string(KOTONA_BUILD_DIR) + "/" + relative;
}

}  // namespace kotona::test
