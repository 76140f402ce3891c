// JSON text with plain numbers. Boost.JSON 1.81 prints every double in exponent form
// (185.0 -> "1.85E2"): valid JSON, but unreadable for the clinicians and operators who curl
// the API and a trap for naive parsers. Every JSON the server emits goes through here.
#pragma once

#include <string>

#include <boost/json/fwd.hpp>

namespace kotona::server::store {

// Shortest round-trip form for doubles ("185", "6.2", "0.0001"); non-finite doubles (which
// JSON cannot carry) become null. Everything else as json::serialize writes it.
std::string to_json_text(const boost::json::value& value);

}  // namespace kotona::server::store
