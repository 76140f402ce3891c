// The MQTT topic names of docs/contracts.md ("Topics"): the only place in the tree where a
// topic is spelled. The hub publishes readings and status under its own id and listens on its
// acks topic; the ingest subscribes to every hub's readings and status (in a shared
// subscription group for scale-out) and answers on the hub's acks topic.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace kotona::mqtt_link {

std::string readings_topic(const GatewayId& gateway);  // kotona/v1/gw/{id}/readings
std::string acks_topic(const GatewayId& gateway);      // kotona/v1/gw/{id}/acks
std::string status_topic(const GatewayId& gateway);    // kotona/v1/gw/{id}/status

// The ingest's filters for every hub's readings and status; in the shared subscription group
// `share_group` ($share/GROUP/...) unless it is empty.
std::vector<std::string> ingest_filters(const std::string& share_group);

// mosquitto's count of messages it dropped (queue and in-flight limits), published every
// sys_interval.
inline constexpr std::string_view kBrokerDroppedTopic = "$SYS/broker/publish/messages/dropped";

enum class TopicKind { kReadings, kStatus };
struct TopicRoute {
  GatewayId gateway;
  TopicKind kind = TopicKind::kReadings;
};
// kotona/v1/gw/{id}/readings or .../status with a valid id; nullopt for anything else.
std::optional<TopicRoute> parse_topic(std::string_view topic);

}  // namespace kotona::mqtt_link
