// kotona-admin: manages the patient register and device enrolment through kotona-server's
// HTTP API (`kotona-admin --help`). Credentials: $KOTONA_TOKEN, or --user NAME with the
// password prompted (no echo) or read as one line from stdin. Exit codes: admin/cli.h.
#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "admin/cli.h"
#include "admin/http_call.h"

namespace {

using namespace kotona;
using namespace kotona::admin;

int complain(int code, const std::string& message) {
  std::cerr << "kotona-admin: " << message << "\n";
  return code;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// One line from stdin; on a terminal, prompted on stderr without echo.
std::optional<std::string> read_secret(const std::string& prompt) {
  termios saved{};
  bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    std::cerr << prompt << std::flush;
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!ok || line.empty()) return std::nullopt;
  return line;
}

// The server's {"error": ...} text, else the raw body.
std::string error_text(const HttpReply& reply) {
  boost::system::error_code ec;
  auto v = boost::json::parse(reply.body, ec);
  if (!ec && v.is_object() && v.as_object().contains("error") && v.at("error").is_string()) {
    return std::string(v.at("error").as_string());
  }
  return reply.body;
}

int run(const Invocation& inv) {
  auto server = parse_url(inv.url);
  if (!server) return complain(kExitUsage, server.error().detail);
  std::string body = inv.call.body;
  if (inv.hetu_from_stdin) {
    if (inv.user)
      return complain(kExitUsage, "--hetu - reads stdin: use $KOTONA_TOKEN, not --user");
    auto hetu = read_secret("henkilotunnus: ");
    if (!hetu) return complain(kExitUsage, "--hetu -: no henkilotunnus on stdin");
    auto filled = body_with_hetu(inv.call, *hetu);
    if (!filled) return complain(kExitUsage, filled.error().detail);
    body = *filled;
  }
  std::string token = env_or("KOTONA_TOKEN", "");
  if (inv.user) {
    auto password = read_secret("password for " + *inv.user + ": ");
    if (!password) return complain(kExitAuth, "no password on stdin");
    boost::json::object login{{"user", *inv.user}, {"password", *password}};
    auto reply = http_call(*server, "POST", "/api/v1/login", "", boost::json::serialize(login));
    if (!reply) return complain(kExitUnavailable, reply.error().detail);
    if (reply->status != 200) {
      return complain(
          exit_code_for(reply->status) == kExitOk ? kExitAuth : exit_code_for(reply->status),
          "login failed: " + error_text(*reply));
    }
    token = std::string(boost::json::parse(reply->body).at("token").as_string());
    if (inv.login_only) {
      std::cout << format_reply(Shape::kToken, reply->body, inv.json);
      return kExitOk;
    }
  }
  if (token.empty()) return complain(kExitAuth, "no credentials: set KOTONA_TOKEN or use --user");
  auto reply = http_call(*server, inv.call.method, inv.call.target, token, body);
  if (inv.user) (void)http_call(*server, "POST", "/api/v1/logout", token, "");
  if (!reply) return complain(kExitUnavailable, reply.error().detail);
  int code = exit_code_for(reply->status);
  if (code != kExitOk) {
    return complain(code, std::to_string(reply->status) + ": " + error_text(*reply));
  }
  std::cout << format_reply(inv.call.shape, reply->body, inv.json);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto inv = parse_command_line(args, env_or("KOTONA_URL", "http://127.0.0.1:8080"));
  if (!inv) {
    const auto& why = inv.error().detail;
    return complain(kExitUsage,
                    why + (why.find("--help") == std::string::npos ? " (see --help)" : ""));
  }
  if (inv->help) {
    std::cout << usage();
    return kExitOk;
  }
  return run(*inv);
}
