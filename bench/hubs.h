// Many hubs connected at once (issue 15): H raw MQTT 3.1.1 connections to a real mosquitto,
// each sending its heartbeat (an encoded GatewayStatus on its status topic, QoS 0) every
// `heartbeat_s`, into kotona-server (SQLite, technical check every second). Measures the
// broker's and the server's resident memory with every hub known, the server's CPU per
// heartbeat, and its CPU per technical-check tick with H hubs known minus the same with none.
#pragma once

#include <string>

namespace kotona::bench {

struct HubsPoint {
  int hubs = 10000;
  int heartbeat_s = 30;  // the hub's own default (gateway status_interval)
  int seconds = 60;      // heartbeats sent for this long
  int window_s = 5;      // server CPU per tick measured over this long, before and after
};

struct HubsResult {
  bool complete = false;  // every hub connected and every heartbeat was counted by the server
  int connected = 0;
  double connect_s = 0;  // all connections made and CONNACKed
  long heartbeats = 0;   // sent
  double server_cpu_us_per_heartbeat = 0;
  double tick_cpu_us_empty = 0;  // server CPU per second (one check tick), no hub known
  double tick_cpu_us_known = 0;  // the same with every hub known and quiet
  double broker_rss_mb = 0, server_rss_mb = 0;  // resident, at the end
  std::string failure;
};

std::string hubs_label(const HubsPoint& p);  // "10000 hubs, heartbeat 10 s"
HubsResult run_hubs(const HubsPoint& point);

}  // namespace kotona::bench
