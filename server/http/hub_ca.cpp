#include "server/http/hub_ca.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "core/free_ptr.h"

namespace kotona::server::http {

namespace {

using X509Ptr = FreePtr<X509, X509_free>;
using ReqPtr = FreePtr<X509_REQ, X509_REQ_free>;
using KeyPtr = FreePtr<EVP_PKEY, EVP_PKEY_free>;
using BioPtr = FreePtr<BIO, BIO_free_all>;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

BioPtr bio_of(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

bool key_is_strong(EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC:
      return bits >= 256;
    case EVP_PKEY_RSA:
      return bits >= 2048;
    case EVP_PKEY_ED25519:
      return true;
    default:
      return false;
  }
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

struct HubCa::Impl {
  X509Ptr ca;
  KeyPtr key;
  std::string broker_uri;
  std::string broker_ca_pem;
  std::chrono::days valid{825};
};

HubCa::HubCa(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HubCa::~HubCa() = default;

Result<std::unique_ptr<HubCa>> HubCa::load(const HubCaFiles& files) {
  auto impl = std::make_unique<Impl>();
  auto cert_pem = read_file(files.ca_cert);
  auto key_pem = read_file(files.ca_key);
  auto broker_ca = read_file(files.broker_ca);
  if (!cert_pem) return fail(Errc::kConfig, "enrol_ca_cert: cannot read " + files.ca_cert);
  if (!key_pem) return fail(Errc::kConfig, "enrol_ca_key: cannot read " + files.ca_key);
  if (!broker_ca) return fail(Errc::kConfig, "enrol_broker_ca: cannot read " + files.broker_ca);
  auto cert_bio = bio_of(*cert_pem);
  auto key_bio = bio_of(*key_pem);
  impl->ca.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  impl->key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!impl->ca)
    return fail(Errc::kConfig, "enrol_ca_cert: no PEM certificate in " + files.ca_cert);
  if (!impl->key) return fail(Errc::kConfig, "enrol_ca_key: no PEM key in " + files.ca_key);
  if (X509_check_private_key(impl->ca.get(), impl->key.get()) != 1) {
    return fail(Errc::kConfig, "enrol_ca_key does not belong to enrol_ca_cert");
  }
  if (broker_ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return fail(Errc::kConfig, "enrol_broker_ca: no PEM certificate in " + files.broker_ca);
  }
  impl->broker_uri = files.broker_uri;
  impl->broker_ca_pem = std::move(*broker_ca);
  impl->valid = files.valid;
  return std::unique_ptr<HubCa>(new HubCa(std::move(impl)));
}

Result<std::string> HubCa::sign(std::string_view csr_pem, const GatewayId& gateway) const {
  if (gateway.value.starts_with("kotona-")) {  // servers' names (broker ACL), never a hub's
    return fail(Errc::kMalformed, "gateway id names a server");
  }
  auto bio = bio_of(csr_pem);
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return fail(Errc::kMalformed, "not a PEM certificate request");
  KeyPtr pub(X509_REQ_get_pubkey(req.get()));
  if (!pub) return fail(Errc::kMalformed, "request without a public key");
  if (X509_REQ_verify(req.get(), pub.get()) != 1) {
    return fail(Errc::kMalformed, "request signature does not verify");
  }
  if (!key_is_strong(pub.get())) return fail(Errc::kMalformed, "weak or unknown key type");
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return fail(Errc::kIo, "X509_new");
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return fail(Errc::kIo, "RAND_bytes");
  serial_bytes[0] &= 0x7f;  // positive
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  const bool serial_ok =
      serial != nullptr && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(serial);
  if (!serial_ok) return fail(Errc::kIo, "serial");
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(gateway.value.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(impl_->ca.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);  // a hub clock a little behind
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>(std::chrono::seconds(impl_->valid).count()));
  X509_set_pubkey(cert.get(), pub.get());
  if (!add_ext(cert.get(), impl_->ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), impl_->ca.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_ext(cert.get(), impl_->ca.get(), NID_ext_key_usage, "clientAuth") ||
      !add_ext(cert.get(), impl_->ca.get(), NID_subject_key_identifier, "hash") ||
      !add_ext(cert.get(), impl_->ca.get(), NID_authority_key_identifier, "keyid")) {
    return fail(Errc::kIo, "certificate extensions");
  }
  if (X509_sign(cert.get(), impl_->key.get(), EVP_sha256()) == 0) return fail(Errc::kIo, "sign");
  BioPtr out(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(out.get(), cert.get()) != 1) return fail(Errc::kIo, "PEM write");
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

const std::string& HubCa::broker_uri() const { return impl_->broker_uri; }
const std::string& HubCa::broker_ca_pem() const { return impl_->broker_ca_pem; }

}  // namespace kotona::server::http
