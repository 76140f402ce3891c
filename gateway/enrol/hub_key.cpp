#include "gateway/enrol/hub_key.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include "core/free_ptr.h"

namespace kotona::gateway::enrol {

namespace {

using KeyPtr = FreePtr<EVP_PKEY, EVP_PKEY_free>;
using ReqPtr = FreePtr<X509_REQ, X509_REQ_free>;
using BioPtr = FreePtr<BIO, BIO_free_all>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// Writes `text` to `path` with mode 0600 from the first byte (never readable by others).
Result<void> write_private(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::kIo, "cannot create " + tmp);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(Errc::kIo, "cannot write " + path.string());
  }
  return {};
}

}  // namespace

Result<std::string> make_key_and_csr(const std::filesystem::path& key_path) {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return fail(Errc::kIo, "EC key generation failed");
  ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1) return fail(Errc::kIo, "X509_REQ_new");
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("kotona-hub"), -1, -1, 0);
  if (X509_REQ_set_pubkey(req.get(), key.get()) != 1 ||
      X509_REQ_sign(req.get(), key.get(), EVP_sha256()) == 0) {
    return fail(Errc::kIo, "CSR signing failed");
  }
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  BioPtr req_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509_REQ(req_bio.get(), req.get()) != 1) {
    return fail(Errc::kIo, "PEM encoding failed");
  }
  if (auto w = write_private(key_path, bio_text(key_bio.get())); !w) return fail(w.error());
  return bio_text(req_bio.get());
}

}  // namespace kotona::gateway::enrol
