// The small parsing helpers every kotona-admin command shares: positional words and --flags,
// id and --limit checks, and how a JSON value is shown in a table cell. Pure; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kotona::admin {

// An error for the operator's command line (kMalformed with `why`).
Unexpected usage_error(std::string why);

// Positional words and --flags of one command; flags in `with_value` take the next word.
struct Words {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
};

// args[from..] split into words. Errors: kMalformed for an unknown, repeated or valueless flag.
[[nodiscard]] Result<Words> split(const std::vector<std::string>& args, std::size_t from,
                                  std::initializer_list<std::string_view> with_value,
                                  std::initializer_list<std::string_view> bare);

// `value` when it is a valid id text (core/ids.h); else kMalformed naming `what`.
[[nodiscard]] Result<std::string> id_arg(const std::string& value, const char* what);

// "limit=N" for --limit N (1-10000), "" when absent. Errors: kMalformed.
[[nodiscard]] Result<std::string> limit_query(const Words& w);

// A string as it is, null as "-", anything else as JSON.
std::string text_or_dash(const boost::json::value& v);

}  // namespace kotona::admin
