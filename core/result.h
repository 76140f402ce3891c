// Result<T>: the subset of C++23 std::expected<T, Error> Kotona uses, so that the type becomes an
// alias once the toolchain has <expected>. Value type; not thread-safe beyond that.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kotona {

// Under 10 values on purpose: add one only when some caller branches on it (STYLE.md §5).
enum class Errc {
  kTruncated,    // input ended before a field it needed
  kMalformed,    // input present but not what the spec allows
  kChecksum,     // a frame's checksum or CRC does not match
  kUnsupported,  // valid per spec, but this code does not handle it
  kOutOfRange,   // a value outside physical or configured limits
  kConfig,       // configuration file or option is wrong
  kIo,           // the OS, a database or a network call failed
  kIdentity,     // an identity does not match what it must (topic vs payload, enrolment)
};

std::string_view to_string(Errc code);

// Error: a code, the byte offset in the input where it was found (0 when not about bytes),
// and a detail string meant for logs only.
struct Error {
  Errc code = Errc::kMalformed;
  std::size_t offset = 0;
  std::string detail;

  friend bool operator==(const Error&, const Error&) = default;
};

// "kTruncated at byte 7: pulse field" — one line for logs and CLI output.
std::string describe(const Error& error);

struct Unexpected {
  Error error;
};

[[nodiscard]] inline Unexpected fail(Errc code, std::size_t offset, std::string detail) {
  return Unexpected{Error{code, offset, std::move(detail)}};
}
[[nodiscard]] inline Unexpected fail(Errc code, std::string detail) {
  return Unexpected{Error{code, 0, std::move(detail)}};
}
[[nodiscard]] inline Unexpected fail(Error error) { return Unexpected{std::move(error)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Unexpected u) : data_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // REQUIRES: has_value().
  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !has_value().
  const Error& error() const { return std::get<1>(data_); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> data_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT: implicit

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace kotona
