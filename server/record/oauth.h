// OAuth2 client credentials as in HL7 SMART Backend Services (issue 19; docs/security.md
// "Record system"): the client authenticates to the token endpoint with a JWT assertion
// signed by this server's private key (RFC 7523 private_key_jwt): header {alg RS384|ES384,
// kid, typ JWT}, claims iss = sub = client id, aud = the token endpoint's URL, exp at most
// 5 minutes ahead, a unique jti. The form posted: grant_type=client_credentials, scope,
// client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer,
// client_assertion. The answer's access_token is used as "Authorization: Bearer" until
// shortly before its expires_in. Pure apart from OpenSSL and the random jti.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace kotona::server::record {

// The signing key, loaded once. Not copyable.
class JwtSigner {
 public:
  // `pem_path`: an RSA (>= 2048 bits: RS384) or EC P-384 (ES384) private key. Errors: kConfig
  // naming record_jwt_key (unreadable, not a private key, another curve or type).
  [[nodiscard]] static Result<std::unique_ptr<JwtSigner>> load(const std::string& pem_path,
                                                               std::string kid);
  ~JwtSigner();
  JwtSigner(const JwtSigner&) = delete;
  JwtSigner& operator=(const JwtSigner&) = delete;

  const std::string& alg() const { return alg_; }
  // header.claims.signature, each base64url without padding. ES384's signature is the JOSE
  // form: r || s, 48 bytes each (not OpenSSL's DER). Errors: kIo (OpenSSL failed).
  [[nodiscard]] Result<std::string> sign(const std::string& claims_json) const;

 private:
  struct Key;
  JwtSigner(std::unique_ptr<Key> key, std::string alg, std::string kid);
  std::unique_ptr<Key> key_;
  std::string alg_;
  std::string kid_;
};

std::string base64url(std::string_view bytes);

// The assertion's claims: iss = sub = client_id, aud = token_url, exp = now + lifetime
// (capped at 300 s as SMART requires), jti 128 random bits (hex).
std::string assertion_claims(const std::string& client_id, const std::string& token_url,
                             std::chrono::system_clock::time_point now,
                             std::chrono::seconds lifetime = std::chrono::seconds(300));

// The x-www-form-urlencoded token request body.
std::string token_request_body(const std::string& assertion, const std::string& scope);

// A token endpoint's answer.
struct TokenAnswer {
  std::string access_token;
  std::chrono::seconds expires_in{0};
};
// A 200 answer's body -> its token. Errors: kMalformed (no access_token, token_type not
// bearer, expires_in missing or not positive).
[[nodiscard]] Result<TokenAnswer> parse_token_answer(const std::string& body);
// A refusal's body ({"error", "error_description"}) -> "invalid_client: ..." (or the body's
// start when it is not such JSON).
std::string token_refusal_text(const std::string& body);

// How long a token is used: until `margin` before it expires, margin = min(60 s, a quarter
// of expires_in).
std::chrono::steady_clock::duration token_use_for(std::chrono::seconds expires_in);

}  // namespace kotona::server::record
