// SMART Backend Services pieces (oauth.h): the assertion's form and claims, RS384 and ES384
// signatures verified with OpenSSL (ES384 as JOSE r || s), token answers, config refusals.
#include "server/record/oauth.h"

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "server/record/record_config.h"
#include "tests/support/process.h"

using namespace kotona;
using namespace kotona::server::record;
namespace json = boost::json;

namespace {

std::string unbase64url(std::string text) {
  for (auto& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4 != 0) text += '=';
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  REQUIRE(n >= 0);
  out.resize(static_cast<std::size_t>(n) - std::count(text.begin(), text.end(), '='));
  return out;
}

// Writes a new key to `path`; returns it (the caller frees).
EVP_PKEY* new_key(const std::filesystem::path& path, const std::string& type) {
  EVP_PKEY* key = type == "rsa" ? EVP_RSA_gen(2048) : EVP_EC_gen(type.c_str());
  REQUIRE(key != nullptr);
  std::FILE* out = std::fopen(path.c_str(), "w");
  REQUIRE(out != nullptr);
  CHECK(PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  std::fclose(out);
  return key;
}

bool verifies(EVP_PKEY* key, const std::string& input, std::string signature, bool ec) {
  if (ec) {  // JOSE r || s -> DER, as OpenSSL verifies
    REQUIRE(signature.size() == 96);
    ECDSA_SIG* sig = ECDSA_SIG_new();
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 48, nullptr), BN_bin2bn(raw + 48, 48, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &der);
    signature.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha384(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace

TEST_CASE("oauth: base64url without padding (RFC 4648 vectors)") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("fo") == "Zm8");
  CHECK(base64url("foo") == "Zm9v");
  CHECK(base64url("foob") == "Zm9vYg");
  CHECK(base64url("\xfb\xff\xfe") == "-__-");
}

TEST_CASE("oauth: the assertion, RS384 and ES384, verifies with the public key") {
  test::TempDir dir;
  for (const std::string type : {"rsa", "P-384"}) {
    CAPTURE(type);
    EVP_PKEY* key = new_key(dir / "k.pem", type);
    auto signer = JwtSigner::load((dir / "k.pem").string(), "kid-7");
    REQUIRE(signer.has_value());
    const bool ec = type != "rsa";
    CHECK((*signer)->alg() == (ec ? "ES384" : "RS384"));
    const auto now = std::chrono::system_clock::now();
    const auto claims = assertion_claims("client-1", "https://auth.example/token", now);
    auto jwt = (*signer)->sign(claims);
    REQUIRE(jwt.has_value());
    const auto dot1 = jwt->find('.');
    const auto dot2 = jwt->rfind('.');
    const auto header = json::parse(unbase64url(jwt->substr(0, dot1)));
    CHECK(header.at("alg").as_string() == (ec ? "ES384" : "RS384"));
    CHECK(header.at("kid").as_string() == "kid-7");
    CHECK(header.at("typ").as_string() == "JWT");
    const auto body = json::parse(unbase64url(jwt->substr(dot1 + 1, dot2 - dot1 - 1)));
    CHECK(body.at("iss").as_string() == "client-1");
    CHECK(body.at("sub").as_string() == "client-1");
    CHECK(body.at("aud").as_string() == "https://auth.example/token");
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    CHECK(body.at("exp").as_int64() > secs.count());
    CHECK(body.at("exp").as_int64() <= secs.count() + 300);
    CHECK(body.at("jti").as_string().size() == 32);
    const std::string signature = unbase64url(jwt->substr(dot2 + 1));
    CHECK(verifies(key, jwt->substr(0, dot2), signature, ec));
    std::string tampered = jwt->substr(0, dot2) + "x";
    CHECK_FALSE(verifies(key, tampered, signature, ec));
    EVP_PKEY_free(key);
  }
  // Each assertion its own jti; exp never beyond 5 minutes.
  const auto now = std::chrono::system_clock::now();
  const auto a = json::parse(assertion_claims("c", "u", now, std::chrono::hours(1)));
  const auto b = json::parse(assertion_claims("c", "u", now));
  CHECK(a.at("jti") != b.at("jti"));
  CHECK(a.at("exp") == b.at("exp"));
}

TEST_CASE("oauth: keys that are not RSA >= 2048 or EC P-384 are refused naming record_jwt_key") {
  test::TempDir dir;
  EVP_PKEY_free(new_key(dir / "p256.pem", "P-256"));
  std::FILE* junk = std::fopen((dir / "junk.pem").c_str(), "w");
  std::fputs("not a key\n", junk);
  std::fclose(junk);
  for (const char* name : {"p256.pem", "junk.pem", "missing.pem"}) {
    auto signer = JwtSigner::load((dir / name).string(), "k");
    REQUIRE_FALSE(signer.has_value());
    CHECK(signer.error().code == Errc::kConfig);
    CHECK(signer.error().detail.find("record_jwt_key") != std::string::npos);
  }
}

TEST_CASE("oauth: the token request form and the token answer") {
  const auto form = token_request_body("h.c.s", "system/Observation.write system/Patient.write");
  CHECK(form ==
        "grant_type=client_credentials&scope=system%2FObservation.write%20system%2FPatient.write"
        "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        "&client_assertion=h.c.s");
  auto ok = parse_token_answer(
      R"({"access_token":"abc","token_type":"Bearer","expires_in":300,"scope":"x"})");
  REQUIRE(ok.has_value());
  CHECK(ok->access_token == "abc");
  CHECK(ok->expires_in == std::chrono::seconds(300));
  for (const char* bad : {"", "[]", R"({"token_type":"bearer","expires_in":3})",
                          R"({"access_token":"a","token_type":"mac","expires_in":3})",
                          R"({"access_token":"a","token_type":"bearer"})",
                          R"({"access_token":"a","token_type":"bearer","expires_in":0})"}) {
    CHECK_MESSAGE(!parse_token_answer(bad).has_value(), bad);
  }
  CHECK(token_refusal_text(R"({"error":"invalid_client","error_description":"bad kid"})") ==
        "invalid_client: bad kid");
  // Used until shortly before it expires: 300 s -> 240 s, 2 s -> 1.5 s.
  CHECK(token_use_for(std::chrono::seconds(300)) == std::chrono::seconds(240));
  CHECK(token_use_for(std::chrono::seconds(2)) == std::chrono::milliseconds(1500));
}

TEST_CASE("oauth: record_token_endpoint and its keys go together, errors name the key") {
  const auto parse = [](const std::string& text) {
    auto file = ConfigFile::parse(text, "test.conf");
    REQUIRE(file.has_value());
    return parse_record_config(*file, "i");
  };
  const std::string base = "record_endpoint = http://127.0.0.1:8090/fhir\n";
  const std::string full = base +
                           "record_token_endpoint = http://127.0.0.1:8090/token\n"
                           "record_client_id = kotona\nrecord_jwt_key = /k.pem\n"
                           "record_jwt_kid = k1\n";
  auto on = parse(full + "record_scope = system/Observation.write\n");
  REQUIRE(on.has_value());
  CHECK(on->oauth());
  CHECK(on->scope == "system/Observation.write");
  CHECK(parse(full)->scope.find("system/Observation.write") != std::string::npos);
  CHECK_FALSE(parse(base)->oauth());
  const std::pair<std::string, std::string> bad[] = {
      {base + "record_client_id = kotona\n", "record_client_id"},
      {base + "record_token_endpoint = http://x/token\nrecord_client_id = c\n"
              "record_jwt_kid = k\n",
       "record_jwt_key"},
      {base + "record_token_endpoint = ftp://x/token\n", "record_token_endpoint"},
      {full + "record_scope =\n", "record_scope"},
      {"record_token_endpoint = http://x/token\n", "record_endpoint"},
      {full + "record_token_endpoint = https://x/token\n", "record_tls_ca"},
  };
  for (const auto& [text, key] : bad) {
    auto r = parse(text);
    REQUIRE_MESSAGE(!r.has_value(), text);
    CHECK_MESSAGE(r.error().detail.find(key) != std::string::npos, r.error().detail);
  }
}
