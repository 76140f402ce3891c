// kotona-admin's command line: which HTTP API request each command makes, how its answer is
// printed, and the exit code of each outcome. Pure (no IO, no environment); thread-safe.
// The process side (login, HTTP, stdin) is in main.cpp and http_call.*.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kotona::admin {

// Exit codes (also in usage()).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // the server refused: 400, 404, 405, 409
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitAuth = 3;         // no credentials, login failed, 401, 403
inline constexpr int kExitUnavailable = 4;  // server unreachable, timeout, 5xx

// How a successful answer is printed.
enum class Shape {
  kToken,
  kPatient,
  kPatients,
  kEnrolment,
  kEnrolments,
  kEnrolWrite,
  kQuarantine,
  kQuarantineRelease,
  kHubCode,
  kHubCertificates
};

struct ApiCall {
  std::string method;  // "GET", "POST", "PATCH"
  std::string target;  // "/api/v1/patients?limit=5"
  std::string body;    // JSON, empty for none
  Shape shape = Shape::kPatient;
};

struct Invocation {
  bool help = false;
  std::string url;                  // --url, else the `default_url` given to parse
  std::optional<std::string> user;  // --user: log in with a password (stdin), log out after
  bool json = false;                // --json: print the server's JSON as it came
  bool login_only = false;          // `login`: print the token (needs --user)
  bool hetu_from_stdin = false;     // `--hetu -`: body_with_hetu() fills it in
  ApiCall call;
};

// Parses argv[1..]. Errors: kMalformed with a message for the operator (never quoting a
// henkilötunnus).
[[nodiscard]] Result<Invocation> parse_command_line(const std::vector<std::string>& args,
                                                    std::string_view default_url);

// The call's body with the henkilötunnus read from stdin (`--hetu -`), checked. Errors:
// kMalformed.
[[nodiscard]] Result<std::string> body_with_hetu(const ApiCall& call, std::string_view hetu);

// The text printed for a 2xx answer (`json`: the body as it came, plus a newline).
std::string format_reply(Shape shape, const std::string& body, bool json);

// The exit code for an HTTP status.
int exit_code_for(int http_status);

// The --help text.
std::string_view usage();

}  // namespace kotona::admin
