// BleLink: one device's connect / pair / resolve state machine and its command queue (ble.h).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.h"
#include "gateway/transport/ble/ble_internal.h"

namespace kotona::gateway::transport {

namespace asio = boost::asio;
using Phase = BleLink::State::Phase;
using Kind = BleEvent::Kind;

namespace {
constexpr std::string_view kLog = "ble";
constexpr auto kCallTimeout = std::chrono::seconds(30);

// BlueZ errors that mean the bond is unusable and a person must re-pair the device.
bool is_pairing_error(const sdbus::Error& e) {
  const auto& n = e.getName();
  return n == "org.bluez.Error.NotAuthorized" || n == "org.bluez.Error.AuthenticationFailed" ||
         n == "org.bluez.Error.AuthenticationRejected" ||
         n == "org.bluez.Error.AuthenticationCanceled" ||
         n == "org.bluez.Error.AuthenticationTimeout" ||
         n == "org.bluez.Error.ConnectionAttemptFailed";
}

std::string describe_error(const sdbus::Error& e) { return e.getName() + ": " + e.getMessage(); }

template <typename T>
T get_or(const Variants& v, const char* key, T fallback) {
  auto it = v.find(key);
  if (it == v.end() || !it->second.containsValueOfType<T>()) return fallback;
  return it->second.get<T>();
}
}  // namespace

BleLink::State::State(BleBus::Impl& b, std::string addr)
    : bus(b), address(std::move(addr)), path(bus.device_path(address)), wake(bus.executor),
      deadline(bus.executor) {
  bus.links[path] = this;
  try {
    properties_match = bus.connection->addMatch(
        "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',"
        "member='PropertiesChanged',path_namespace='" + path + "'",
        [this](sdbus::Message& m) { on_properties(m); });
  } catch (const sdbus::Error& e) {
    log_error(kLog, address + ": cannot watch properties: " + describe_error(e));
  }
}

BleLink::State::~State() {
  if (holds_discovery) bus.release_discovery();
  bus.links.erase(path);
}

void BleLink::State::push(BleEvent event) {
  if (closed) return;
  events.push_back(std::move(event));
  wake.cancel();
}

sdbus::IProxy& BleLink::State::proxy(const std::string& object) {
  auto& p = proxies[object];
  if (!p) p = sdbus::createProxy(*bus.connection, kBluez, object);
  return *p;
}

void BleLink::State::connect(std::chrono::milliseconds timeout) {
  if (closed || phase != Phase::kIdle) return;
  ++generation;
  phase = Phase::kFinding;
  pairing_reported = false;
  deadline.expires_after(timeout);
  deadline.async_wait([this, g = generation](boost::system::error_code ec) {
    if (ec || g != generation) return;
    if (phase == Phase::kFinding) {
      if (holds_discovery) {
        holds_discovery = false;
        bus.release_discovery();
      }
      phase = Phase::kIdle;
      push({Kind::kFailed, 0, {}, "not found (not advertising or out of range)"});
    } else if (phase == Phase::kResolving) {
      phase = Phase::kIdle;
      ++generation;
      try {
        proxy(path).callMethodAsync("Disconnect").onInterface(kDevice1)
            .uponReplyInvoke([](const sdbus::Error*) {});
      } catch (const sdbus::Error&) {  // the link is being dropped anyway
      }
      push({Kind::kFailed, 0, {}, "GATT services not resolved in time"});
    }
  });
  try {
    bus.root->callMethodAsync("GetManagedObjects")
        .onInterface(kObjectManager)
        .withTimeout(kCallTimeout)
        .uponReplyInvoke([this, g = generation](const sdbus::Error* e, const ManagedObjects& all) {
          if (g != generation || phase != Phase::kFinding) return;
          if (e != nullptr) return fail_connect(*e, "GetManagedObjects");
          auto it = all.find(sdbus::ObjectPath(path));
          if (it != all.end() && it->second.count(kDevice1)) return found(it->second.at(kDevice1));
          // BlueZ does not know it: discover until it shows up (InterfacesAdded) or time out.
          holds_discovery = true;
          bus.acquire_discovery();
        });
  } catch (const sdbus::Error& e) {
    fail_connect(e, "GetManagedObjects");
  }
  bus.schedule();
}

void BleLink::State::found(const Variants& device) {
  if (phase != Phase::kFinding) return;
  if (holds_discovery) {
    holds_discovery = false;
    bus.release_discovery();
  }
  paired = get_or(device, "Paired", false);
  connected = get_or(device, "Connected", false);
  resolved = get_or(device, "ServicesResolved", false);
  if (!paired && !may_pair) {
    phase = Phase::kIdle;
    deadline.cancel();
    push({Kind::kFailed, 0, {}, std::string(kNotPaired)});
    return;
  }
  start_connect();
}

void BleLink::State::fail_connect(const sdbus::Error& e, const std::string& step) {
  phase = Phase::kIdle;
  deadline.cancel();
  if (is_pairing_error(e)) {
    push({Kind::kNeedsPairing, 0, {}, step + ": " + describe_error(e)});
  } else {
    push({Kind::kFailed, 0, {}, step + ": " + describe_error(e)});
  }
}

void BleLink::State::start_connect() {
  phase = Phase::kConnecting;
  try {
    proxy(path).callMethodAsync("Connect").onInterface(kDevice1).withTimeout(kCallTimeout)
        .uponReplyInvoke([this, g = generation](const sdbus::Error* e) {
          if (g != generation || phase != Phase::kConnecting) return;
          if (e != nullptr) return fail_connect(*e, "Connect");
          connected = true;
          if (paired) return resolve();
          pair();
        });
  } catch (const sdbus::Error& e) {
    fail_connect(e, "Connect");
  }
  bus.schedule();
}

void BleLink::State::pair() {
  phase = Phase::kPairing;
  log_info(kLog, address + ": not paired; pairing");
  try {
    proxy(path).callMethodAsync("Pair").onInterface(kDevice1).withTimeout(kCallTimeout)
        .uponReplyInvoke([this, g = generation](const sdbus::Error* e) {
          if (g != generation || phase != Phase::kPairing) return;
          if (e != nullptr && e->getName() != "org.bluez.Error.AlreadyExists") {
            fail_connect(*e, "Pair");
            proxy(path).callMethodAsync("Disconnect").onInterface(kDevice1)
                .uponReplyInvoke([](const sdbus::Error*) {});
            return;
          }
          paired = true;
          resolve();
        });
  } catch (const sdbus::Error& e) {
    fail_connect(e, "Pair");
  }
  bus.schedule();
}

void BleLink::State::resolve() {
  phase = Phase::kResolving;
  if (resolved) load_services();  // else: PropertiesChanged ServicesResolved=true
}

void BleLink::State::load_services() {
  try {
    bus.root->callMethodAsync("GetManagedObjects")
        .onInterface(kObjectManager)
        .withTimeout(kCallTimeout)
        .uponReplyInvoke([this, g = generation](const sdbus::Error* e, const ManagedObjects& all) {
          if (g != generation || phase != Phase::kResolving) return;
          if (e != nullptr) return fail_connect(*e, "GetManagedObjects");
          chars.clear();
          char_uuids.clear();
          const std::string prefix = path + "/";
          for (const auto& [object, ifs] : all) {
            auto it = ifs.find(kChar1);
            if (it == ifs.end() || object.rfind(prefix, 0) != 0) continue;
            const auto uuid = ble_uuid16(get_or(it->second, "UUID", std::string()));
            if (uuid == 0 || chars.count(uuid)) continue;  // first one wins (ble.h)
            chars[uuid] = object;
            char_uuids[object] = uuid;
          }
          phase = Phase::kReady;
          deadline.cancel();
          log_info(kLog, address + ": connected, " + std::to_string(chars.size()) +
                             " characteristics");
          push({Kind::kConnected, 0, {}, {}});
        });
  } catch (const sdbus::Error& e) {
    fail_connect(e, "GetManagedObjects");
  }
  bus.schedule();
}

void BleLink::State::lost(const std::string& why) {
  const bool was_up = phase == Phase::kConnecting || phase == Phase::kPairing ||
                      phase == Phase::kResolving || phase == Phase::kReady;
  connected = false;
  resolved = false;
  if (!was_up) return;
  phase = Phase::kIdle;
  ++generation;
  deadline.cancel();
  commands.clear();
  busy = false;
  subscribed.clear();
  chars.clear();
  char_uuids.clear();
  push({Kind::kDisconnected, 0, {}, why});
}

void BleLink::State::on_properties(sdbus::Message& m) {
  std::string iface;
  Variants changed;
  m >> iface >> changed;
  const std::string object = m.getPath();
  if (object == path && iface == kDevice1) {
    if (changed.count("Paired")) paired = get_or(changed, "Paired", paired);
    if (changed.count("ServicesResolved")) {
      resolved = get_or(changed, "ServicesResolved", false);
      if (resolved && phase == Phase::kResolving) load_services();
    }
    if (changed.count("Connected")) {
      connected = get_or(changed, "Connected", false);
      if (!connected) lost("link lost");
    }
    return;
  }
  if (iface != kChar1 || phase != Phase::kReady) return;
  auto value = changed.find("Value");
  auto uuid = char_uuids.find(object);
  if (value == changed.end() || uuid == char_uuids.end() || !subscribed.count(uuid->second)) return;
  if (!value->second.containsValueOfType<std::vector<std::uint8_t>>()) return;
  push({Kind::kValue, uuid->second, value->second.get<std::vector<std::uint8_t>>(), {}});
}

void BleLink::State::enqueue(Command c) {
  if (phase != Phase::kReady) {
    push({Kind::kFailed, c.uuid16, {}, "not connected"});
    return;
  }
  commands.push_back(std::move(c));
  next_command();
}

void BleLink::State::command_failed(const Command& c, const sdbus::Error& e) {
  if (c.kind == Command::Kind::kSubscribe) subscribed.erase(c.uuid16);
  push({Kind::kFailed, c.uuid16, {}, describe_error(e)});
  if (is_pairing_error(e) && paired && !pairing_reported) {
    pairing_reported = true;  // once per connection
    push({Kind::kNeedsPairing, c.uuid16, {}, describe_error(e)});
  }
}

void BleLink::State::next_command() {
  while (!busy && !commands.empty() && phase == Phase::kReady) {
    Command c = std::move(commands.front());
    commands.pop_front();
    auto it = chars.find(c.uuid16);
    if (it == chars.end()) {
      push({Kind::kFailed, c.uuid16, {}, "not present"});
      continue;
    }
    busy = true;
    auto done = [this, g = generation, c](const sdbus::Error* e) {
      if (g != generation) return false;
      busy = false;
      if (e != nullptr) command_failed(c, *e);
      return e == nullptr;
    };
    try {
      auto& p = proxy(it->second);
      switch (c.kind) {
        case Command::Kind::kRead:
          p.callMethodAsync("ReadValue").onInterface(kChar1).withTimeout(kCallTimeout)
              .withArguments(Variants{})
              .uponReplyInvoke([this, done, uuid = c.uuid16](const sdbus::Error* e,
                                                             std::vector<std::uint8_t> value) {
                if (done(e)) push({Kind::kValue, uuid, std::move(value), {}});
                next_command();
              });
          break;
        case Command::Kind::kWrite:
          p.callMethodAsync("WriteValue").onInterface(kChar1).withTimeout(kCallTimeout)
              .withArguments(c.bytes, Variants{{"type", sdbus::Variant(std::string("request"))}})
              .uponReplyInvoke([this, done](const sdbus::Error* e) {
                done(e);
                next_command();
              });
          break;
        case Command::Kind::kSubscribe:
          subscribed.insert(c.uuid16);  // values may race the reply; they are ours already
          p.callMethodAsync("StartNotify").onInterface(kChar1).withTimeout(kCallTimeout)
              .uponReplyInvoke([this, done](const sdbus::Error* e) {
                done(e);
                next_command();
              });
          break;
      }
    } catch (const sdbus::Error& e) {
      busy = false;
      command_failed(c, e);
    }
  }
  bus.schedule();
}

// --- BleLink ---------------------------------------------------------------------------------

BleLink::BleLink(std::shared_ptr<State> state) : state_(std::move(state)) {}

BleLink::~BleLink() { close(); }

void BleLink::connect(std::chrono::milliseconds timeout, bool may_pair) {
  state_->may_pair = may_pair;
  state_->connect(timeout);
}

void BleLink::disconnect() {
  try {
    state_->proxy(state_->path).callMethodAsync("Disconnect").onInterface(kDevice1)
        .uponReplyInvoke([](const sdbus::Error*) {});
  } catch (const sdbus::Error& e) {
    log_warn(kLog, state_->address + ": Disconnect: " + describe_error(e));
  }
  state_->bus.schedule();
}

void BleLink::read(std::uint16_t uuid16) {
  state_->enqueue({State::Command::Kind::kRead, uuid16, {}});
}

void BleLink::write(std::uint16_t uuid16, std::vector<std::uint8_t> bytes) {
  state_->enqueue({State::Command::Kind::kWrite, uuid16, std::move(bytes)});
}

void BleLink::subscribe(std::uint16_t uuid16) {
  state_->enqueue({State::Command::Kind::kSubscribe, uuid16, {}});
}

asio::awaitable<BleEvent> BleLink::next_event() {
  auto state = state_;  // alive for the whole wait
  while (state->events.empty() && !state->closed) {
    state->wake.expires_at(asio::steady_timer::time_point::max());
    co_await state->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (state->events.empty()) co_return BleEvent{Kind::kDisconnected, 0, {}, "closed"};
  BleEvent event = std::move(state->events.front());
  state->events.pop_front();
  co_return event;
}

void BleLink::close() {
  if (state_->closed) return;
  state_->closed = true;
  state_->events.clear();
  state_->commands.clear();
  ++state_->generation;
  state_->phase = State::Phase::kIdle;
  state_->deadline.cancel();
  if (state_->holds_discovery) {
    state_->holds_discovery = false;
    state_->bus.release_discovery();
  }
  state_->wake.cancel();
}

bool BleLink::is_connected() const { return state_->phase == State::Phase::kReady; }

const std::string& BleLink::address() const { return state_->address; }

}  // namespace kotona::gateway::transport
