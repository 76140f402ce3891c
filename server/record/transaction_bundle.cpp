#include "server/record/transaction_bundle.h"

#include <set>

#include "server/store/json_text.h"

namespace kotona::server::record {

namespace json = boost::json;

namespace {

constexpr std::string_view kReadingUidSystem = "urn:kotona:reading-uid";

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool plain = std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' ||
                       c == ':' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

// The transaction entry for one export entry: POST to its type, conditional on its official
// identifier, else its first.
json::object transaction_entry(const json::object& entry, bool conditional) {
  json::object resource = entry.at("resource").as_object();
  const std::string type(resource.at("resourceType").as_string());
  resource.erase("id");  // the record system assigns its own
  json::object request{{"method", "POST"}, {"url", type}};
  const auto* ids = resource.if_contains("identifier");
  if (conditional && ids != nullptr && ids->is_array() && !ids->as_array().empty()) {
    // The official identifier when there is one (a Patient's henkilötunnus: the record system
    // knows the patient by it), else the first.
    const json::object* chosen = &ids->as_array().front().as_object();
    for (const auto& id : ids->as_array()) {
      const auto* use = id.as_object().if_contains("use");
      if (use != nullptr && use->is_string() && use->as_string() == "official") {
        chosen = &id.as_object();
        break;
      }
    }
    request["ifNoneExist"] = "identifier=" + token_query(chosen->at("system").as_string(),
                                                         chosen->at("value").as_string());
  }
  return json::object{
      {"fullUrl", entry.at("fullUrl")}, {"resource", std::move(resource)}, {"request", request}};
}

// The reading uid of an Observation (its urn:kotona:reading-uid identifier).
std::string reading_uid_of(const json::object& resource) {
  for (const auto& id : resource.at("identifier").as_array()) {
    const auto& o = id.as_object();
    if (o.at("system").as_string() == kReadingUidSystem)
      return std::string(o.at("value").as_string());
  }
  return {};
}

}  // namespace

std::string token_query(std::string_view system, std::string_view value) {
  return percent_encode(system) + "|" + percent_encode(value);
}

Result<TransactionBundle> make_transaction_bundle(const std::vector<fhir::ExportRequest>& patients,
                                                  bool conditional) {
  TransactionBundle out;
  json::array entries;
  std::set<std::string> seen;  // fullUrls: a hub shared by patients is one entry
  for (const auto& request : patients) {
    auto exported = fhir::build_everything_bundle(request);
    if (!exported) return fail(exported.error());
    std::set<std::string> in_bundle;
    for (const auto& value : exported->bundle.at("entry").as_array()) {
      const auto& entry = value.as_object();
      const std::string url(entry.at("fullUrl").as_string());
      if (!seen.insert(url).second) continue;
      const auto& resource = entry.at("resource").as_object();
      if (resource.at("resourceType").as_string() == "Observation") {
        auto uid = reading_uid_of(resource);
        out.observations.push_back(uid);
        in_bundle.insert(uid);
      }
      entries.push_back(transaction_entry(entry, conditional));
    }
    for (const auto& row : request.readings) {
      if (!in_bundle.contains(row.uid.value)) out.excluded.push_back(row.uid.value);
    }
  }
  json::object bundle{
      {"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", std::move(entries)}};
  out.text = store::to_json_text(bundle);
  return out;
}

}  // namespace kotona::server::record
