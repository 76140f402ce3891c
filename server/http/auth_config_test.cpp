// parse_auth_config: the `team` and `user` lines and the sign-in settings, and an error naming
// the line and the problem for each way a line can be wrong.
#include <doctest/doctest.h>

#include "server/http/auth.h"

using namespace kotona;
using namespace kotona::server::http;

namespace {

const std::string kHash = hash_password("pw", 1000);

Result<AuthConfig> parse(const std::string& text) {
  auto file = ConfigFile::parse(text, "test.conf");
  REQUIRE(file.has_value());
  return parse_auth_config(*file);
}

}  // namespace

TEST_CASE("auth config: teams, users and limits -> the config") {
  auto c = parse(
      "team = ward-a patient-1 patient-2\nteam_name = ward-a  Sydänhoitajat A\n"
      "user = alice clinician ward-a " +
      kHash + "\nuser = root admin - " + kHash +
      "\nsession_ttl_s = 600\nlogin_delay_max_ms = 0\nlogin_attack_failures = 7\n"
      "session_idle_s = 0\nsession_bind_address = off\n");
  REQUIRE(c.has_value());
  CHECK(c->teams.at("ward-a") == std::set<std::string>{"patient-1", "patient-2"});
  CHECK(c->team_names.at("ward-a") == "Sydänhoitajat A");
  REQUIRE(c->users.size() == 2);
  CHECK(c->users[0].role == Role::kClinician);
  CHECK(c->users[1].role == Role::kAdmin);
  CHECK(c->token_ttl == std::chrono::seconds(600));
  CHECK_FALSE(c->throttle.enabled);
  CHECK(c->throttle.attack_failures == 7);
  CHECK(c->token_idle == std::chrono::seconds(0));
  CHECK_FALSE(c->bind_token_to_address);
  auto defaults = parse("");
  REQUIRE(defaults.has_value());
  CHECK(defaults->token_idle == std::chrono::minutes(30));
  CHECK(defaults->bind_token_to_address);
}

TEST_CASE("auth config: each bad line -> kConfig naming the line and the problem") {
  const std::pair<std::string, std::string> bad[] = {
      {"team = bad/team p", "test.conf:1"},
      {"team = ward-a bad/id", "bad patient id 'bad/id'"},
      {"user = alice nurse ward-a " + kHash, "'user' must be"},
      {"user = alice clinician ward-a " + kHash + " extra", "'user' must be"},
      {"user = alice clinician ward-a not-a-hash", "alice: password hash is not"},
      {"user = alice clinician ward-z " + kHash, "alice: unknown team 'ward-z'"},
      {"user = alice clinician - " + kHash, "alice: only admin has no team"},
      {"user = root admin - " + kHash + "\nuser = root admin - " + kHash, "'user' root repeated"},
      {"team_name = ward-z Z", "test.conf:1: 'team_name' must be 'TEAM NAME'"},
      {"team = ward-a\nteam_name = ward-a", "test.conf:2: 'team_name'"},
      {"team = ward-a\nteam_name = ward-a A\nteam_name = ward-a B", "test.conf:3: 'team_name'"},
      {"session_ttl_s = 0", "session_ttl_s"},
      {"session_idle_s = -1", "session_idle_s"},
      {"session_bind_address = yes", "test.conf:1: 'session_bind_address' must be on or off"},
      {"login_attack_failures = 0", "login_attack_failures"},
      {"login_in_flight_per_address = 99999", "login_in_flight_per_address"},
  };
  for (const auto& [text, why] : bad) {
    CAPTURE(text);
    auto c = parse(text);
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code == Errc::kConfig);
    CHECK_MESSAGE(describe(c.error()).find(why) != std::string::npos, describe(c.error()));
  }
}
