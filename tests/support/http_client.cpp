#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kotona::test {

namespace {
std::string g_bearer;  // set_bearer_token()

std::string auth_header() {
  return g_bearer.empty() ? "" : "Authorization: Bearer " + g_bearer + "\r\n";
}

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads what is available within `timeout`. False on EOF/error/timeout with nothing read.
bool read_some(int fd, std::string& out, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buf[8192];
  auto n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  out.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::string decode_chunked(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    std::size_t len = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (len == 0) break;
    out += body.substr(eol + 2, len);
    pos = eol + 2 + len + 2;
  }
  return out;
}
}  // namespace

std::string raw_http(const std::string& address, int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "";
  }
  (void)send_all(fd, request);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

void set_bearer_token(std::string token) { g_bearer = std::move(token); }

std::string test_user_config(const std::string& name, const std::string& role,
                             const std::string& team) {
  // printf 'test-only-password\n' | kotona-server --hash-password 1000 (with a fixed salt)
  return "user = " + name + " " + role + " " + team +
         " pbkdf2-sha256$1000$6b6f746f6e612d746573742d73616c74$"
         "5ad436fd50b7de38c9ccac13a791f789bf40baf0a357fc7260ae64b9a600fb7c\n";
}

std::string test_admin_config() { return test_user_config("admin", "admin", "-"); }

std::optional<std::string> http_login(int port, const std::string& user,
                                      const std::string& password) {
  auto r = http_request(port, "POST", "/api/v1/login",
                        "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}");
  if (!r || r->status != 200) return std::nullopt;
  auto at = r->body.find("\"token\":\"");
  if (at == std::string::npos) return std::nullopt;
  at += 9;
  return r->body.substr(at, r->body.find('"', at) - at);
}

std::optional<HttpResponse> http_get(int port, const std::string& target,
                                     std::chrono::milliseconds timeout) {
  return http_request(port, "GET", target, "", timeout);
}

std::optional<HttpResponse> http_request(int port, const std::string& method,
                                         const std::string& target, const std::string& body,
                                         std::chrono::milliseconds timeout) {
  int fd = connect_loopback(port);
  if (fd < 0) return std::nullopt;
  std::string req = method + " " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: */*\r\n" +
                    auth_header();
  if (!body.empty()) {
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n";
  }
  req += "\r\n" + body;
  std::string raw;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (send_all(fd, req)) {
    while (std::chrono::steady_clock::now() < deadline) {
      if (!read_some(fd, raw, std::chrono::milliseconds(200))) {
        // EOF ends a Connection: close response; a poll timeout keeps waiting.
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0) break;
        if (raw.find("\r\n\r\n") != std::string::npos) {
          char c;
          if (::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) break;
        }
      }
    }
  }
  ::close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.size() < 12) return std::nullopt;
  HttpResponse r;
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  std::string lower = r.headers;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("transfer-encoding: chunked") != std::string::npos) r.body = decode_chunked(r.body);
  return r;
}

SseClient::SseClient(int port, const std::string& target, std::optional<std::string> last_event_id) {
  fd_ = connect_loopback(port);
  if (fd_ < 0) return;
  std::string req = "GET " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                    auth_header();
  if (last_event_id) req += "Last-Event-ID: " + *last_event_id + "\r\n";
  req += "\r\n";
  if (!send_all(fd_, req)) {
    ::close(fd_);
    fd_ = -1;
  }
}

SseClient::~SseClient() {
  if (fd_ >= 0) ::close(fd_);
}

const std::vector<SseEvent>& SseClient::wait_for_events(std::size_t count,
                                                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fd_ >= 0 && events_.size() < count && std::chrono::steady_clock::now() < deadline) {
    if (read_some(fd_, raw_, std::chrono::milliseconds(100))) parse_buffer();
  }
  return events_;
}

void SseClient::parse_buffer() {
  if (!headers_done_) {
    auto end = raw_.find("\r\n\r\n");
    if (end == std::string::npos) return;
    std::string head = raw_.substr(0, end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    chunked_ = head.find("transfer-encoding: chunked") != std::string::npos;
    raw_.erase(0, end + 4);
    headers_done_ = true;
  }
  if (!chunked_) {
    buffer_ += raw_;
    raw_.clear();
  } else {
    while (true) {  // move every complete chunk from raw_ to buffer_
      auto eol = raw_.find("\r\n");
      if (eol == std::string::npos) break;
      std::size_t len = std::stoul(raw_.substr(0, eol), nullptr, 16);
      if (raw_.size() < eol + 2 + len + 2) break;
      buffer_ += raw_.substr(eol + 2, len);
      raw_.erase(0, eol + 2 + len + 2);
    }
  }
  while (true) {
    auto end = buffer_.find("\n\n");
    if (end == std::string::npos) return;
    std::string block = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    SseEvent ev;
    ev.arrived = std::chrono::system_clock::now();
    std::size_t pos = 0;
    while (pos <= block.size()) {
      auto nl = block.find('\n', pos);
      std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("id:", 0) == 0) ev.id = line.substr(line.find_first_not_of(' ', 3));
      else if (line.rfind("event:", 0) == 0) ev.event = line.substr(line.find_first_not_of(' ', 6));
      else if (line.rfind("data:", 0) == 0) ev.data += line.substr(line.find_first_not_of(' ', 5));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (!ev.event.empty() || !ev.data.empty()) events_.push_back(ev);
  }
}

}  // namespace kotona::test
