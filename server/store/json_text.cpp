#include "server/store/json_text.h"

#include <charconv>
#include <cmath>
#include <string_view>

#include <boost/json.hpp>

namespace kotona::server::store {

namespace json = boost::json;

namespace {

void append(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: {
      double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      // Shortest round-trip form; when that is exponent notation ("1e-04"), the shortest
      // fixed form instead, so clients always see plain numbers.
      char buf[400];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      if (ec == std::errc{} && std::string_view(buf, end).find('e') != std::string_view::npos) {
        auto fixed = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
        end = fixed.ptr;
        ec = fixed.ec;
      }
      out.append(buf, ec == std::errc{} ? end : buf);
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append(out, e);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(kv.key()));
        out += ':';
        append(out, kv.value());
      }
      out += '}';
      return;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

std::string to_json_text(const json::value& value) {
  std::string out;
  append(out, value);
  return out;
}

}  // namespace kotona::server::store
