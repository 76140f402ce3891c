// The hub's status page (GET /): which hub, for whom, whether each device was read and whether
// the last readings reached the centre, in the patient's language. The gateway fills HubView
// (local_page knows nothing of the outbox or the devices). Pure rendering; not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gateway/local_page/local_server.h"

namespace kotona::gateway::local_page {

struct HubView {
  std::string gateway_id;  // empty: not enrolled yet
  std::string patient;     // display name from enrolment; may be empty
  struct Device {
    std::string name;  // serial or path as the hub knows it: a technician's detail
    std::string kind;  // the core kind of meter (its driver's), "" = not known: "a meter"
    std::optional<std::chrono::system_clock::time_point> last_read;
  };
  std::vector<Device> devices;
  std::size_t waiting = 0;  // readings in the outbox not yet acked by the centre
  std::optional<std::chrono::system_clock::time_point> last_acked;
  bool has_ble = false;  // the pairing button is shown
  bool pairing = false;  // a pairing window is open now
};

using HubViewSource = std::function<HubView()>;

// Registers GET / on `server`, drawing `source()` on each request.
void add_status_page(LocalServer& server, HubViewSource source);

// Registers POST /pair: calls open_window() (the hub opens its BLE pairing window) and
// answers with the status page again. Loopback only: refused on the setup listener.
void add_pairing_route(LocalServer& server, std::function<bool()> open_window);

// The catalogue key naming a meter of core kind `kind` ("meter.bp"); "meter.unknown" for ""
// or a name no kind has (a plugin's typo).
std::string meter_key(std::string_view kind);

// The body of the status page (for tests and for pages that embed it).
std::string render_status(Lang lang, const HubView& view);

}  // namespace kotona::gateway::local_page
