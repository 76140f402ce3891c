// Clinician authentication and authorisation for the HTTP API: users (PBKDF2-SHA256 password
// hashes, a role, a care team), care teams (the patients each may see) and expiring bearer
// tokens held in memory (a restart logs everyone out). routes.cpp applies it to EVERY request
// in one place (dispatch()). io thread only; not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_file.h"
#include "core/ids.h"
#include "core/result.h"
#include "server/http/login_throttle.h"

namespace kotona::server::http {

// viewer: read its team's data; clinician: also act on alerts (POST ...); admin: every patient
// and /metrics.
enum class Role { kViewer, kClinician, kAdmin };
std::string_view to_string(Role role);

struct User {
  std::string name;
  Role role = Role::kViewer;
  std::string team;           // "-" for none (admin)
  std::string password_hash;  // pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX
};

struct AuthConfig {
  std::vector<User> users;
  std::map<std::string, std::set<std::string>> teams;  // team -> patient ids
  std::map<std::string, std::string> team_names;       // team -> the name people read
  std::chrono::seconds token_ttl{8 * 3600};
  // No request for this long ends a token (0: off). An open SSE feed is use: it re-checks its
  // token at every alert and keep-alive, so a shift watching the feed is never signed out.
  std::chrono::seconds token_idle{30 * 60};
  // A token is honoured only from the client address it was issued to (through a trusted
  // proxy, the forwarded address: client_address.h), so a copied token is useless elsewhere.
  bool bind_token_to_address = true;
  ThrottleConfig throttle;  // failed sign-ins (login_throttle.h)
};

// From `user = NAME ROLE TEAM HASH`, `team = TEAM PATIENT_ID...`, `team_name = TEAM NAME...`
// (the team's name as people read it, optional), `session_ttl_s = N`,
// `session_idle_s = N` (0: off), `session_bind_address = on|off`, and
// the throttle's `login_delay_max_ms` (0: off), `login_attack_failures`,
// `login_in_flight_per_address`. Errors: kConfig naming the line (bad role, malformed hash,
// unknown team, repeated user, a number out of range).
[[nodiscard]] Result<AuthConfig> parse_auth_config(const ConfigFile& file);
inline constexpr std::string_view kAuthConfigKeys[] = {"user",
                                                       "team",
                                                       "team_name",
                                                       "session_ttl_s",
                                                       "session_idle_s",
                                                       "session_bind_address",
                                                       "login_delay_max_ms",
                                                       "login_attack_failures",
                                                       "login_in_flight_per_address"};

// A salted PBKDF2-SHA256 hash in the format above. REQUIRES: iterations >= 1.
std::string hash_password(std::string_view password, int iterations = 600000);
// True when `password` matches `encoded` (constant-time compare). False for a malformed hash.
bool verify_password(std::string_view password, std::string_view encoded);

// Who made a request, and what they may see.
struct Principal {
  std::string user;
  Role role = Role::kViewer;
  std::string team;
  // The team's patients (admin: see all): its config `team` line plus, added by dispatch()
  // per request, the patient register's rows of that team (PatientRegister::team_patients).
  std::set<std::string> patients;
  // True when this principal may see data of `patient_id`. Data without a patient (e.g.
  // broker.dropped_messages) is visible to every authenticated user.
  bool may_see(std::string_view patient_id) const;
};

struct Issued {
  std::string token;
  std::chrono::system_clock::time_point expires;
  Principal principal;
};

class Auth {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  explicit Auth(AuthConfig config, Clock clock = &std::chrono::system_clock::now);

  // A login in two halves so the password check (slow PBKDF2) can run off the io thread
  // (HashPool): begin_login() names the hash to check the password against (a dummy of the
  // same cost for an unknown user, so timing tells nothing) and the throttle's delay to serve
  // first; complete_login() takes the verdict. An unknown user and a wrong password are
  // throttled, counted and answered alike. `admitted` false: too many logins in progress from
  // `address` (answer 503, check nothing, call no complete_login()).
  struct Attempt {
    std::string user;
    std::string address;
    std::string hash;
    bool known = false;
    bool admitted = true;
    std::chrono::milliseconds delay{0};
  };
  Attempt begin_login(std::string_view user, std::string address);
  struct Verdict {
    std::optional<Issued> issued;  // nullopt: bad user or password
    int failures = 0;              // failures in a row now on the account or address
    bool attack_started = false;   // this failure began a sustained-attack episode
  };
  // REQUIRES: `attempt` from begin_login(), admitted. Ends the attempt (in-flight count).
  Verdict complete_login(const Attempt& attempt, bool password_ok);
  // Ends an admitted attempt that was never checked (the pool was full): no verdict recorded.
  void abandon_login(const Attempt& attempt) { throttle_.release(attempt.address); }
  // Both halves with the check inline and no delay served (tests, tools); the token is bound
  // to `address`.
  std::optional<Issued> login(std::string_view user, std::string_view password,
                              std::string address = "127.0.0.1");
  const LoginThrottle& throttle() const { return throttle_; }
  // Why a token was refused (the caller counts and logs it).
  enum class Refusal { kNone, kUnknown, kExpired, kIdle, kOtherAddress };
  struct Checked {
    std::optional<Principal> principal;  // set when the token is live for `address`
    Refusal refusal = Refusal::kNone;
    std::string user;  // the token's owner when known (also for kOtherAddress)
  };
  // The principal of a live token used from client `address`, and that use restarts its idle
  // clock. Refused when unknown or logged out, past its lifetime or idle limit (the token is
  // then forgotten), or sent from another address than its login's (kept: the real user's
  // token is not ended by a thief's attempt).
  Checked authenticate(std::string_view token, std::string_view address);
  void logout(std::string_view token);
  // Ends every live token of `user` (an admin's "sign out everywhere"); returns how many.
  std::size_t logout_user(const std::string& user);
  bool has_users() const { return !config_.users.empty(); }
  // True when config names care team `team` (a `team` line).
  bool has_team(const std::string& team) const { return config_.teams.contains(team); }
  // The config's care teams (team -> its `team` line's patients) and their names (`team_name`
  // lines; a team without one is absent).
  const std::map<std::string, std::set<std::string>>& teams() const { return config_.teams; }
  const std::map<std::string, std::string>& team_names() const { return config_.team_names; }
  // The care teams whose config `team` line lists `patient`.
  std::set<std::string> config_teams_of(const std::string& patient) const;

 private:
  struct Session {
    std::string user;
    std::chrono::system_clock::time_point expires;
    std::chrono::system_clock::time_point last_used;
    std::string address;  // the client's at login
  };
  std::optional<Principal> principal_of(const std::string& user) const;
  bool live(const Session& session, std::chrono::system_clock::time_point now) const;
  AuthConfig config_;
  Clock clock_;
  std::map<std::string, Session> sessions_;  // SHA-256 of the token (hex) -> session
  LoginThrottle throttle_;
  std::string dummy_hash_;  // as costly as the costliest user's: unknown names take as long
};

}  // namespace kotona::server::http
