#include "core/result.h"

namespace kotona {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::kTruncated: return "truncated";
    case Errc::kMalformed: return "malformed";
    case Errc::kChecksum: return "checksum";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kOutOfRange: return "out_of_range";
    case Errc::kConfig: return "config";
    case Errc::kIo: return "io";
    case Errc::kIdentity: return "identity";
  }
  return "unknown";
}

std::string describe(const Error& error) {
  std::string out(to_string(error.code));
  out += " at byte " + std::to_string(error.offset);
  if (!error.detail.empty()) out += ": " + error.detail;
  return out;
}

}  // namespace kotona
