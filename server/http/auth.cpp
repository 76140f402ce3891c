#include "server/http/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "core/text.h"
#include "server/store/digest.h"

namespace kotona::server::http {

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";

std::optional<std::vector<unsigned char>> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0 || hex.empty()) return std::nullopt;
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (ec != std::errc{} || p != hex.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<unsigned char>(v));
  }
  return out;
}

std::vector<unsigned char> pbkdf2(std::string_view password, const std::vector<unsigned char>& salt,
                                  int iterations, std::size_t length) {
  std::vector<unsigned char> out(length);
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(),
                    static_cast<int>(out.size()), out.data());
  return out;
}

struct ParsedHash {
  int iterations = 0;
  std::vector<unsigned char> salt, hash;
};

std::optional<ParsedHash> parse_hash(std::string_view encoded) {
  std::vector<std::string_view> parts;
  while (true) {
    auto dollar = encoded.find('$');
    parts.push_back(encoded.substr(0, dollar));
    if (dollar == std::string_view::npos) break;
    encoded.remove_prefix(dollar + 1);
  }
  if (parts.size() != 4 || parts[0] != kScheme) return std::nullopt;
  ParsedHash h;
  auto [p, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), h.iterations);
  auto salt = from_hex(parts[2]);
  auto hash = from_hex(parts[3]);
  if (ec != std::errc{} || p != parts[1].data() + parts[1].size() || h.iterations < 1 || !salt ||
      !hash || salt->size() < 8 || hash->size() < 16) {
    return std::nullopt;
  }
  h.salt = std::move(*salt);
  h.hash = std::move(*hash);
  return h;
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "viewer") return Role::kViewer;
  if (text == "clinician") return Role::kClinician;
  if (text == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string where(const ConfigFile& file, const ConfigFile::Entry& e) {
  return file.source() + ":" + std::to_string(e.line) + ": ";
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kClinician:
      return "clinician";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::string hash_password(std::string_view password, int iterations) {
  std::vector<unsigned char> salt(16);
  RAND_bytes(salt.data(), static_cast<int>(salt.size()));
  auto hash = pbkdf2(password, salt, iterations, 32);
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + to_hex(salt) + "$" +
         to_hex(hash);
}

bool verify_password(std::string_view password, std::string_view encoded) {
  auto h = parse_hash(encoded);
  if (!h) return false;
  auto got = pbkdf2(password, h->salt, h->iterations, h->hash.size());
  return CRYPTO_memcmp(got.data(), h->hash.data(), got.size()) == 0;
}

namespace {

// `team = TEAM PATIENT...` lines into config.teams.
[[nodiscard]] Result<void> parse_teams(const ConfigFile& file, AuthConfig& config) {
  for (const auto& e : file.all("team")) {
    std::istringstream words(e.value);
    std::string team, patient;
    words >> team;
    if (!is_valid_id_text(team)) {
      return fail(Errc::kConfig, where(file, e) + "'team' must be 'TEAM PATIENT_ID...'");
    }
    auto& patients = config.teams[team];
    while (words >> patient) {
      if (!is_valid_id_text(patient)) {
        return fail(Errc::kConfig, where(file, e) + "'team': bad patient id '" + patient + "'");
      }
      patients.insert(patient);
    }
  }
  // `team_name = TEAM Name in words`: what the page shows for the team (issue 18).
  for (const auto& e : file.all("team_name")) {
    std::istringstream words(e.value);
    std::string team, name;
    words >> team;
    std::getline(words >> std::ws, name);
    if (!config.teams.contains(team) || name.empty() || name.size() > 100 ||
        config.team_names.contains(team)) {
      return fail(
          Errc::kConfig,
          where(file, e) +
              "'team_name' must be 'TEAM NAME' (1-100 bytes), once per team of a 'team' line");
    }
    config.team_names[team] = name;
  }
  return {};
}

// One `user = NAME ROLE TEAM HASH` line, checked against the teams and the users before it.
[[nodiscard]] Result<User> parse_user(const ConfigFile& file, const ConfigFile::Entry& e,
                                      const AuthConfig& config) {
  std::istringstream words(e.value);
  User u;
  std::string role, extra;
  words >> u.name >> role >> u.team >> u.password_hash;
  auto parsed_role = parse_role(role);
  if (!is_valid_id_text(u.name) || !parsed_role || u.team.empty() || (words >> extra)) {
    return fail(Errc::kConfig,
                where(file, e) + "'user' must be 'NAME viewer|clinician|admin TEAM|- HASH'");
  }
  u.role = *parsed_role;
  std::string why;
  if (!parse_hash(u.password_hash)) {
    why =
        "password hash is not pbkdf2-sha256$N$SALT$HASH (make one with kotona-server "
        "--hash-password)";
  } else if (u.team != "-" && !config.teams.contains(u.team)) {
    why = "unknown team '" + u.team + "'";
  } else if (u.team == "-" && u.role != Role::kAdmin) {
    why = "only admin has no team";
  }
  if (!why.empty()) return fail(Errc::kConfig, where(file, e) + "'user' " + u.name + ": " + why);
  for (const auto& other : config.users) {
    if (other.name == u.name) {
      return fail(Errc::kConfig, where(file, e) + "'user' " + u.name + " repeated");
    }
  }
  return u;
}

// session_ttl_s and the sign-in throttle's settings.
[[nodiscard]] Result<void> parse_limits(const ConfigFile& file, AuthConfig& config) {
  auto ttl = file.get_int("session_ttl_s", config.token_ttl.count(), 1, 7 * 86400);
  if (!ttl) return fail(ttl.error());
  config.token_ttl = std::chrono::seconds(*ttl);
  auto idle = file.get_int("session_idle_s", config.token_idle.count(), 0, 7 * 86400);
  if (!idle) return fail(idle.error());
  config.token_idle = std::chrono::seconds(*idle);
  for (const auto& e : file.all("session_bind_address")) {
    if (e.value != "on" && e.value != "off") {
      return fail(Errc::kConfig, where(file, e) + "'session_bind_address' must be on or off");
    }
    config.bind_token_to_address = e.value == "on";
  }
  auto& t = config.throttle;
  auto max_delay = file.get_int("login_delay_max_ms", t.max_delay.count(), 0, 600000);
  auto attack = file.get_int("login_attack_failures", t.attack_failures, 1, 1000000);
  auto in_flight = file.get_int("login_in_flight_per_address",
                                static_cast<std::int64_t>(t.in_flight_per_address), 1, 4096);
  if (!max_delay || !attack || !in_flight) {
    return fail(!max_delay ? max_delay.error() : !attack ? attack.error() : in_flight.error());
  }
  t.max_delay = std::chrono::milliseconds(*max_delay);
  t.enabled = t.max_delay.count() > 0;
  t.attack_failures = static_cast<int>(*attack);
  t.in_flight_per_address = static_cast<std::size_t>(*in_flight);
  return {};
}

}  // namespace

Result<AuthConfig> parse_auth_config(const ConfigFile& file) {
  AuthConfig config;
  if (auto teams = parse_teams(file, config); !teams) return fail(teams.error());
  for (const auto& e : file.all("user")) {
    auto user = parse_user(file, e, config);
    if (!user) return fail(user.error());
    config.users.push_back(std::move(*user));
  }
  if (auto limits = parse_limits(file, config); !limits) return fail(limits.error());
  return config;
}

bool Principal::may_see(std::string_view patient_id) const {
  if (role == Role::kAdmin || patient_id.empty()) return true;
  return patients.contains(std::string(patient_id));
}

Auth::Auth(AuthConfig config, Clock clock)
    : config_(std::move(config)), clock_(std::move(clock)), throttle_(config_.throttle) {
  int iterations = 1;
  for (const auto& u : config_.users) {
    if (auto h = parse_hash(u.password_hash)) iterations = std::max(iterations, h->iterations);
  }
  unsigned char random[16];
  RAND_bytes(random, sizeof random);
  dummy_hash_ = hash_password(to_hex(random), iterations);
}

std::optional<Principal> Auth::principal_of(const std::string& name) const {
  for (const auto& u : config_.users) {
    if (u.name != name) continue;
    Principal p{u.name, u.role, u.team, {}};
    if (auto it = config_.teams.find(u.team); it != config_.teams.end()) p.patients = it->second;
    return p;
  }
  return std::nullopt;
}

Auth::Attempt Auth::begin_login(std::string_view user, std::string address) {
  Attempt attempt{std::string(user), std::move(address), dummy_hash_, false, true, {}};
  for (const auto& u : config_.users) {
    if (u.name != user) continue;
    attempt.known = true;
    attempt.hash = u.password_hash;
  }
  attempt.admitted = throttle_.admit(attempt.address);
  attempt.delay =
      throttle_.delay_for(attempt.address, attempt.user, std::chrono::steady_clock::now());
  return attempt;
}

Auth::Verdict Auth::complete_login(const Attempt& attempt, bool password_ok) {
  throttle_.release(attempt.address);
  Verdict verdict;
  const auto steady = std::chrono::steady_clock::now();
  auto principal = attempt.known && password_ok ? principal_of(attempt.user) : std::nullopt;
  unsigned char random[32];
  if (!principal || RAND_bytes(random, sizeof random) != 1) {
    verdict.attack_started = throttle_.failed(attempt.address, attempt.user, steady);
    verdict.failures = throttle_.failures_of(attempt.address, attempt.user, steady);
    return verdict;
  }
  throttle_.succeeded(attempt.user);
  auto now = clock_();
  Issued issued{to_hex(random), now + config_.token_ttl, std::move(*principal)};
  // Expired and idle sessions are swept here so the map stays bounded by live tokens.
  std::erase_if(sessions_, [&](const auto& s) { return !live(s.second, now); });
  sessions_[store::sha256_hex(issued.token)] =
      Session{attempt.user, issued.expires, now, attempt.address};
  verdict.issued = std::move(issued);
  return verdict;
}

std::optional<Issued> Auth::login(std::string_view user, std::string_view password,
                                  std::string address) {
  auto attempt = begin_login(user, std::move(address));
  return complete_login(attempt, verify_password(password, attempt.hash)).issued;
}

bool Auth::live(const Session& session, std::chrono::system_clock::time_point now) const {
  if (now >= session.expires) return false;
  return config_.token_idle.count() == 0 || now - session.last_used < config_.token_idle;
}

Auth::Checked Auth::authenticate(std::string_view token, std::string_view address) {
  if (token.empty()) return {std::nullopt, Refusal::kUnknown, {}};
  auto it = sessions_.find(store::sha256_hex(token));
  if (it == sessions_.end()) return {std::nullopt, Refusal::kUnknown, {}};
  const auto now = clock_();
  if (!live(it->second, now)) {
    const bool expired = now >= it->second.expires;
    std::string user = std::move(it->second.user);
    sessions_.erase(it);
    return {std::nullopt, expired ? Refusal::kExpired : Refusal::kIdle, std::move(user)};
  }
  if (config_.bind_token_to_address && it->second.address != address) {
    return {std::nullopt, Refusal::kOtherAddress, it->second.user};
  }
  it->second.last_used = now;
  auto principal = principal_of(it->second.user);
  return {principal, principal ? Refusal::kNone : Refusal::kUnknown, it->second.user};
}

std::set<std::string> Auth::config_teams_of(const std::string& patient) const {
  std::set<std::string> out;
  for (const auto& [team, patients] : config_.teams) {
    if (patients.contains(patient)) out.insert(team);
  }
  return out;
}

void Auth::logout(std::string_view token) { sessions_.erase(store::sha256_hex(token)); }

std::size_t Auth::logout_user(const std::string& user) {
  return std::erase_if(sessions_, [&](const auto& s) { return s.second.user == user; });
}

}  // namespace kotona::server::http
