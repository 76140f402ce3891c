#include "mqtt/topics.h"

namespace kotona::mqtt_link {

namespace {
constexpr std::string_view kPrefix = "kotona/v1/gw/";
constexpr std::string_view kReadings = "readings";
constexpr std::string_view kStatus = "status";

std::string gateway_topic(const GatewayId& gateway, std::string_view leaf) {
  std::string topic(kPrefix);
  topic += gateway.value;
  topic += '/';
  topic += leaf;
  return topic;
}
}  // namespace

std::string readings_topic(const GatewayId& gateway) { return gateway_topic(gateway, kReadings); }
std::string acks_topic(const GatewayId& gateway) { return gateway_topic(gateway, "acks"); }
std::string status_topic(const GatewayId& gateway) { return gateway_topic(gateway, kStatus); }

std::vector<std::string> ingest_filters(const std::string& share_group) {
  const std::string prefix = share_group.empty() ? "" : "$share/" + share_group + "/";
  return {prefix + gateway_topic(GatewayId{"+"}, kReadings),
          prefix + gateway_topic(GatewayId{"+"}, kStatus)};
}

std::optional<TopicRoute> parse_topic(std::string_view topic) {
  if (topic.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  topic.remove_prefix(kPrefix.size());
  const auto slash = topic.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string id(topic.substr(0, slash));
  if (!is_valid_id_text(id)) return std::nullopt;
  const auto leaf = topic.substr(slash + 1);
  if (leaf == kReadings) return TopicRoute{GatewayId{std::move(id)}, TopicKind::kReadings};
  if (leaf == kStatus) return TopicRoute{GatewayId{std::move(id)}, TopicKind::kStatus};
  return std::nullopt;
}

}  // namespace kotona::mqtt_link
