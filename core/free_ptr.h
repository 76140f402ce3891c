// FreePtr<T, free>: a std::unique_ptr that gives its object back with a C library's own free
// function (OpenSSL's EVP_PKEY_free, X509_free, BIO_free_all, ...), e.g.
// `using KeyPtr = FreePtr<EVP_PKEY, EVP_PKEY_free>;` Std only: the user names the function.
#pragma once

#include <memory>

namespace kotona {

template <typename T, void (*Free)(T*)>
struct FreeWith {
  void operator()(T* p) const { Free(p); }
};

template <typename T, void (*Free)(T*)>
using FreePtr = std::unique_ptr<T, FreeWith<T, Free>>;

}  // namespace kotona
