#include "admin/words.h"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "core/ids.h"

namespace kotona::admin {

namespace json = boost::json;

Unexpected usage_error(std::string why) { return fail(Errc::kMalformed, std::move(why)); }

Result<Words> split(const std::vector<std::string>& args, std::size_t from,
                    std::initializer_list<std::string_view> with_value,
                    std::initializer_list<std::string_view> bare) {
  Words out;
  for (std::size_t i = from; i < args.size(); ++i) {
    const auto& a = args[i];
    if (!a.starts_with("--")) {
      out.positional.push_back(a);
      continue;
    }
    bool takes = std::find(with_value.begin(), with_value.end(), a) != with_value.end();
    bool flag = std::find(bare.begin(), bare.end(), a) != bare.end();
    if (!takes && !flag) return usage_error("unknown option " + a);
    if (out.flags.count(a)) return usage_error(a + " given twice");
    if (takes && i + 1 >= args.size()) return usage_error(a + " needs a value");
    out.flags[a] = takes ? args[++i] : "";
  }
  return out;
}

Result<std::string> id_arg(const std::string& value, const char* what) {
  if (!is_valid_id_text(value)) {
    return usage_error(std::string(what) + " must be 1-64 characters of [A-Za-z0-9._-]");
  }
  return value;
}

Result<std::string> limit_query(const Words& w) {
  auto it = w.flags.find("--limit");
  if (it == w.flags.end()) return std::string();
  const auto& v = it->second;
  bool digits = !v.empty() && v.size() <= 5 &&
                std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(v) < 1 || std::stoi(v) > 10000) {
    return usage_error("--limit must be 1-10000");
  }
  return "limit=" + v;
}

std::string text_or_dash(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "-";
  return json::serialize(v);
}

}  // namespace kotona::admin
