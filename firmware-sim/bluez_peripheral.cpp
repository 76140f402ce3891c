// Peripheral: Device1 and its GATT objects, with BlueZ's property and signal behaviour.
#include <algorithm>
#include <cstdio>
#include <sdbus-c++/sdbus-c++.h>

#include "core/log.h"
#include "firmware-sim/bluez_server.h"

namespace kotona::firmware_sim {

namespace {
constexpr const char* kDevice = "org.bluez.Device1";
constexpr const char* kService = "org.bluez.GattService1";
constexpr const char* kChar = "org.bluez.GattCharacteristic1";
constexpr std::string_view kLog = "firmware-sim";
using Options = std::map<std::string, sdbus::Variant>;

std::string hex4(unsigned v) {
  char text[8];
  std::snprintf(text, sizeof text, "%04x", v);
  return text;
}
}  // namespace

struct Peripheral::CharObject {
  CharSpec spec;
  std::string path;
  gatt::Bytes value;
  bool notifying = false;
  std::unique_ptr<sdbus::IObject> object;
};

struct Peripheral::Gatt {
  using Char = CharObject;
  std::unique_ptr<sdbus::IObject> device;
  std::vector<std::unique_ptr<sdbus::IObject>> services;
  std::vector<std::unique_ptr<Char>> chars;
  Char* find(std::uint16_t uuid) {
    for (auto& c : chars) {
      if (c->spec.uuid == uuid) return c.get();
    }
    return nullptr;
  }
};

Peripheral::Peripheral(BluezServer& server, PeripheralSpec spec, PeripheralBehaviour& behaviour)
    : server_(server), spec_(std::move(spec)), behaviour_(behaviour),
      gatt_(std::make_unique<Gatt>()), paired_(spec_.bonded) {
  if (paired_) export_device();  // BlueZ loads bonded devices from its storage at start
}

Peripheral::~Peripheral() {
  gatt_->chars.clear();
  gatt_->services.clear();
  gatt_->device.reset();
}

std::string Peripheral::path() const {
  std::string addr = spec_.address;
  std::replace(addr.begin(), addr.end(), ':', '_');
  return server_.adapter_path() + "/dev_" + addr;
}

void Peripheral::set_advertising(bool on) {
  advertising_ = on;
  update_visibility();
}

void Peripheral::update_visibility() {
  if (!exported_ && advertising_ && server_.is_discovering() &&
      server_.filter_accepts(spec_.advertised_service)) {
    export_device();
  }
}

void Peripheral::forget() {
  if (connected_) drop_link();
  paired_ = false;
  unexport_device();
  log_info(kLog, spec_.address + " removed by the hub (keys forgotten)");
}

void Peripheral::export_device() {
  gatt_->device = sdbus::createObject(server_.connection(), path());
  register_device_interface();
  gatt_->device->finishRegistration();
  gatt_->device->emitInterfacesAddedSignal({kDevice});
  exported_ = true;
}

void Peripheral::unexport_device() {
  if (!exported_) return;
  gatt_->device->emitInterfacesRemovedSignal({kDevice});
  gatt_->device.reset();
  exported_ = false;
}

void Peripheral::emit_device(const std::vector<std::string>& properties) {
  if (exported_) gatt_->device->emitPropertiesChangedSignal(kDevice, properties);
}

void Peripheral::register_device_interface() {
  auto& o = *gatt_->device;
  o.registerProperty("Address").onInterface(kDevice).withGetter([this] { return spec_.address; });
  o.registerProperty("AddressType").onInterface(kDevice).withGetter([] {
    return std::string("public");
  });
  o.registerProperty("Name").onInterface(kDevice).withGetter([this] { return spec_.name; });
  o.registerProperty("Alias").onInterface(kDevice).withGetter([this] { return spec_.name; });
  o.registerProperty("Paired").onInterface(kDevice).withGetter([this] { return paired_; });
  o.registerProperty("Bonded").onInterface(kDevice).withGetter([this] { return paired_; });
  o.registerProperty("Trusted").onInterface(kDevice).withGetter([this] { return paired_; });
  o.registerProperty("Blocked").onInterface(kDevice).withGetter([] { return false; });
  o.registerProperty("LegacyPairing").onInterface(kDevice).withGetter([] { return false; });
  o.registerProperty("Connected").onInterface(kDevice).withGetter([this] { return connected_; });
  o.registerProperty("ServicesResolved").onInterface(kDevice).withGetter([this] {
    return resolved_;
  });
  o.registerProperty("Adapter").onInterface(kDevice).withGetter([this] {
    return sdbus::ObjectPath(server_.adapter_path());
  });
  o.registerProperty("UUIDs").onInterface(kDevice).withGetter([this] {
    std::vector<std::string> uuids;
    for (const auto& s : spec_.services) uuids.push_back(uuid128(s.uuid));
    if (uuids.empty()) uuids.push_back(uuid128(spec_.advertised_service));
    return uuids;
  });
  o.registerProperty("RSSI").onInterface(kDevice).withGetter([] { return std::int16_t{-58}; });
  o.registerMethod("Connect").onInterface(kDevice).implementedAs([this](sdbus::Result<>&& r) {
    auto result = std::make_shared<sdbus::Result<>>(std::move(r));
    if (connected_) return result->returnResults();
    if (!advertising_) {
      server_.post(server_.connect_fail_delay(), [result] {
        result->returnError(sdbus::Error("org.bluez.Error.Failed", "le-connection-abort-by-local"));
      });
      return;
    }
    connect_now();
    result->returnResults();
  });
  o.registerMethod("Disconnect").onInterface(kDevice).implementedAs([this] {
    if (connected_) drop_link();
  });
  o.registerMethod("Pair").onInterface(kDevice).implementedAs([this] {
    if (paired_) throw sdbus::Error("org.bluez.Error.AlreadyExists", "Already Exists");
    if (!pairing_mode_ || !advertising_) {
      throw sdbus::Error("org.bluez.Error.AuthenticationFailed", "Authentication Failed");
    }
    paired_ = true;
    bond_lost_ = false;
    emit_device({"Paired", "Bonded", "Trusted"});
    log_info(kLog, spec_.address + " paired");
  });
  o.registerMethod("CancelPairing").onInterface(kDevice).implementedAs([] {});
}

void Peripheral::connect_now() {
  connected_ = true;
  ++link_generation_;
  emit_device({"Connected"});
  log_info(kLog, spec_.address + " connected");
  behaviour_.on_link_up();
  // Service discovery takes a moment after the link is up (ServicesResolved comes later).
  server_.post(std::chrono::milliseconds(30), [this, generation = link_generation_] {
    if (connected_ && generation == link_generation_) resolve_services();
  });
}

void Peripheral::resolve_services() {
  unsigned handle = 0x000a;
  for (const auto& s : spec_.services) {
    const std::string service_path = path() + "/service" + hex4(handle);
    auto service = sdbus::createObject(server_.connection(), service_path);
    const auto uuid = uuid128(s.uuid);
    const auto service_handle = static_cast<std::uint16_t>(handle);
    service->registerProperty("UUID").onInterface(kService).withGetter([uuid] { return uuid; });
    service->registerProperty("Primary").onInterface(kService).withGetter([] { return true; });
    service->registerProperty("Device").onInterface(kService).withGetter([this] {
      return sdbus::ObjectPath(path());
    });
    service->registerProperty("Includes").onInterface(kService).withGetter([] {
      return std::vector<sdbus::ObjectPath>{};
    });
    service->registerProperty("Handle").onInterface(kService).withGetter([service_handle] {
      return service_handle;
    });
    service->finishRegistration();
    service->emitInterfacesAddedSignal({kService});
    gatt_->services.push_back(std::move(service));
    for (const auto& c : s.characteristics) {
      ++handle;
      auto ch = std::make_unique<Gatt::Char>();
      ch->spec = c;
      ch->path = service_path + "/char" + hex4(handle);
      ch->object = sdbus::createObject(server_.connection(), ch->path);
      register_char(*ch, service_path, static_cast<std::uint16_t>(handle));
      ch->object->finishRegistration();
      ch->object->emitInterfacesAddedSignal({kChar});
      gatt_->chars.push_back(std::move(ch));
      ++handle;  // the value handle
      if (std::find(c.flags.begin(), c.flags.end(), "notify") != c.flags.end() ||
          std::find(c.flags.begin(), c.flags.end(), "indicate") != c.flags.end()) {
        ++handle;  // the CCCD
      }
    }
    handle += 2;
  }
  resolved_ = true;
  emit_device({"ServicesResolved"});
  behaviour_.on_connected();
}

void Peripheral::check_access(const CharSpec& spec) const {
  if (!connected_) throw sdbus::Error("org.bluez.Error.Failed", "Not connected");
  if (spec.needs_bond && (bond_lost_ || !paired_)) {
    // BlueZ maps ATT Insufficient Authentication / Encryption to NotAuthorized.
    throw sdbus::Error("org.bluez.Error.NotAuthorized", "Not Authorized");
  }
}

void Peripheral::register_char(CharObject& ch, const std::string& service_path,
                               std::uint16_t handle) {
  auto& o = *ch.object;
  CharObject* c = &ch;
  const auto uuid = uuid128(ch.spec.uuid);
  o.registerProperty("UUID").onInterface(kChar).withGetter([uuid] { return uuid; });
  o.registerProperty("Service").onInterface(kChar).withGetter([service_path] {
    return sdbus::ObjectPath(service_path);
  });
  o.registerProperty("Value").onInterface(kChar).withGetter([c] { return c->value; });
  o.registerProperty("Notifying").onInterface(kChar).withGetter([c] { return c->notifying; });
  o.registerProperty("Flags").onInterface(kChar).withGetter([c] { return c->spec.flags; });
  o.registerProperty("Handle").onInterface(kChar).withGetter([handle] { return handle; });
  o.registerProperty("MTU").onInterface(kChar).withGetter([] { return std::uint16_t{23}; });
  o.registerMethod("ReadValue")
      .onInterface(kChar)
      .withInputParamNames("options")
      .withOutputParamNames("value")
      .implementedAs([this, c](const Options& /*options*/) {
        check_access(c->spec);
        auto value = behaviour_.on_read(c->spec.uuid);
        if (!value) throw sdbus::Error("org.bluez.Error.NotPermitted", "Read not permitted");
        c->value = *value;
        // BlueZ updates the cached Value (and signals it) on every read.
        c->object->emitPropertiesChangedSignal(kChar, {"Value"});
        return *value;
      });
  o.registerMethod("WriteValue")
      .onInterface(kChar)
      .withInputParamNames("value", "options")
      .implementedAs([this, c](const std::vector<std::uint8_t>& value, const Options& /*opts*/) {
        check_access(c->spec);
        if (auto att = behaviour_.on_write(c->spec.uuid, value)) {
          throw sdbus::Error("org.bluez.Error.Failed",
                             "Operation failed with ATT error: 0x" + hex4(*att).substr(2));
        }
      });
  o.registerMethod("StartNotify").onInterface(kChar).implementedAs([this, c] {
    check_access(c->spec);
    if (c->notifying) return;
    c->notifying = true;
    c->object->emitPropertiesChangedSignal(kChar, {"Notifying"});
    // The CCCD write completes before the device starts sending.
    server_.post(std::chrono::milliseconds(5), [this, uuid = c->spec.uuid,
                                                generation = link_generation_] {
      if (connected_ && generation == link_generation_) behaviour_.on_subscribed(uuid);
    });
  });
  o.registerMethod("StopNotify").onInterface(kChar).implementedAs([c] {
    if (!c->notifying) return;
    c->notifying = false;
    c->object->emitPropertiesChangedSignal(kChar, {"Notifying"});
  });
}

void Peripheral::remove_services() {
  for (auto& c : gatt_->chars) c->object->emitInterfacesRemovedSignal({kChar});
  for (auto& s : gatt_->services) s->emitInterfacesRemovedSignal({kService});
  gatt_->chars.clear();
  gatt_->services.clear();
}

void Peripheral::drop_link() {
  if (!connected_) return;
  remove_services();
  resolved_ = false;
  emit_device({"ServicesResolved"});
  connected_ = false;
  ++link_generation_;
  emit_device({"Connected"});
  log_info(kLog, spec_.address + " disconnected");
  behaviour_.on_disconnected();
}

bool Peripheral::notify(std::uint16_t uuid, const gatt::Bytes& value) {
  auto* c = gatt_->find(uuid);
  if (!connected_ || c == nullptr || !c->notifying) return false;
  c->value = value;
  c->object->emitPropertiesChangedSignal(kChar, {"Value"});
  return true;
}

bool Peripheral::is_notifying(std::uint16_t uuid) const {
  const auto* c = gatt_->find(uuid);
  return connected_ && c != nullptr && c->notifying;
}

}  // namespace kotona::firmware_sim
