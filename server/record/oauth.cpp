#include "server/record/oauth.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "core/text.h"

namespace kotona::server::record {

namespace json = boost::json;

namespace {

constexpr std::size_t kEs384Half = 48;  // P-384: r and s, 48 bytes each in the JOSE form

std::string form_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kDigits[] = "0123456789ABCDEF";
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

}  // namespace

struct JwtSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = at(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Result<std::unique_ptr<JwtSigner>> JwtSigner::load(const std::string& pem_path, std::string kid) {
  const std::string where = "record_jwt_key " + pem_path + ": ";
  std::FILE* file = std::fopen(pem_path.c_str(), "r");
  if (file == nullptr) return fail(Errc::kConfig, where + "cannot be read");
  auto key = std::make_unique<Key>();
  key->pkey = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (key->pkey == nullptr) return fail(Errc::kConfig, where + "not a PEM private key");
  std::string alg;
  if (EVP_PKEY_get_base_id(key->pkey) == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(key->pkey) < 2048) {
      return fail(Errc::kConfig, where + "an RSA key needs at least 2048 bits (RS384)");
    }
    alg = "RS384";
  } else if (EVP_PKEY_get_base_id(key->pkey) == EVP_PKEY_EC) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key->pkey, group, sizeof group, &len) != 1 ||
        std::string_view(group, len) != "secp384r1") {
      return fail(Errc::kConfig,
                  where + "an EC key must be on P-384 (ES384), not " + std::string(group, len));
    }
    alg = "ES384";
  } else {
    return fail(Errc::kConfig, where + "neither RSA (RS384) nor EC P-384 (ES384)");
  }
  return std::unique_ptr<JwtSigner>(new JwtSigner(std::move(key), alg, std::move(kid)));
}

JwtSigner::JwtSigner(std::unique_ptr<Key> key, std::string alg, std::string kid)
    : key_(std::move(key)), alg_(std::move(alg)), kid_(std::move(kid)) {}
JwtSigner::~JwtSigner() = default;

Result<std::string> JwtSigner::sign(const std::string& claims_json) const {
  const std::string header =
      json::serialize(json::object{{"alg", alg_}, {"kid", kid_}, {"typ", "JWT"}});
  const std::string input = base64url(header) + "." + base64url(claims_json);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return fail(Errc::kIo, "JWT: EVP_MD_CTX_new");
  std::string der;
  std::size_t len = 0;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha384(), nullptr, key_->pkey) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  if (ok) {
    der.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    der.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return fail(Errc::kIo, "JWT: signing with " + alg_ + " failed");
  std::string signature = der;  // RS384: the PKCS#1 v1.5 signature as is
  if (alg_ == "ES384") {
    // OpenSSL gives ECDSA-Sig-Value (DER); JOSE wants r and s, fixed width, concatenated.
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    if (sig == nullptr) return fail(Errc::kIo, "JWT: ECDSA signature not DER");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    signature.assign(2 * kEs384Half, '\0');
    auto* out = reinterpret_cast<unsigned char*>(signature.data());
    ok = BN_bn2binpad(r, out, kEs384Half) == kEs384Half &&
         BN_bn2binpad(s, out + kEs384Half, kEs384Half) == kEs384Half;
    ECDSA_SIG_free(sig);
    if (!ok) return fail(Errc::kIo, "JWT: ECDSA r or s too long for P-384");
  }
  return input + "." + base64url(signature);
}

std::string assertion_claims(const std::string& client_id, const std::string& token_url,
                             std::chrono::system_clock::time_point now,
                             std::chrono::seconds lifetime) {
  unsigned char random[16] = {};
  if (RAND_bytes(random, sizeof random) != 1) {
    // No randomness: a jti from the time cannot repeat within one process's life either.
    const auto ns = now.time_since_epoch().count();
    std::memcpy(random, &ns, std::min(sizeof ns, sizeof random));
  }
  lifetime = std::min(lifetime, std::chrono::seconds(300));
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return json::serialize(json::object{{"iss", client_id},
                                      {"sub", client_id},
                                      {"aud", token_url},
                                      {"exp", seconds + lifetime.count()},
                                      {"jti", to_hex(random)}});
}

std::string token_request_body(const std::string& assertion, const std::string& scope) {
  return "grant_type=client_credentials&scope=" + form_escape(scope) + "&client_assertion_type=" +
         form_escape("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
         "&client_assertion=" + form_escape(assertion);
}

Result<TokenAnswer> parse_token_answer(const std::string& body) {
  boost::system::error_code ec;
  auto parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return fail(Errc::kMalformed, "token answer is not JSON");
  const auto& o = parsed.as_object();
  const auto* token = o.if_contains("access_token");
  if (token == nullptr || !token->is_string() || token->as_string().empty()) {
    return fail(Errc::kMalformed, "token answer without access_token");
  }
  const auto* type = o.if_contains("token_type");
  if (type == nullptr || !type->is_string()) {
    return fail(Errc::kMalformed, "token answer without token_type");
  }
  std::string kind(type->as_string());
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (kind != "bearer") return fail(Errc::kMalformed, "token_type '" + kind + "' is not bearer");
  const auto* expires = o.if_contains("expires_in");
  if (expires == nullptr || !expires->is_number()) {
    return fail(Errc::kMalformed, "token answer without expires_in");
  }
  boost::system::error_code nec;
  const auto seconds = expires->to_number<std::int64_t>(nec);
  if (nec || seconds <= 0) return fail(Errc::kMalformed, "expires_in not a positive number");
  return TokenAnswer{std::string(token->as_string()), std::chrono::seconds(seconds)};
}

std::string token_refusal_text(const std::string& body) {
  boost::system::error_code ec;
  auto parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    const auto& o = parsed.as_object();
    const auto* error = o.if_contains("error");
    if (error != nullptr && error->is_string()) {
      std::string text(error->as_string());
      const auto* description = o.if_contains("error_description");
      if (description != nullptr && description->is_string()) {
        text += ": " + std::string(description->as_string());
      }
      return text.substr(0, 300);
    }
  }
  return body.substr(0, 200);
}

std::chrono::steady_clock::duration token_use_for(std::chrono::seconds expires_in) {
  const std::chrono::steady_clock::duration lifetime = expires_in;
  return lifetime -
         std::min<std::chrono::steady_clock::duration>(std::chrono::seconds(60), lifetime / 4);
}

}  // namespace kotona::server::record
