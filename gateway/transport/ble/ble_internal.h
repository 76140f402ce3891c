// Internals shared by ble.cpp (the bus) and ble_link.cpp (one device). Not for other folders.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <set>

#include "gateway/transport/ble/ble.h"

namespace kotona::gateway::transport {

inline constexpr const char* kBluez = "org.bluez";
inline constexpr const char* kDevice1 = "org.bluez.Device1";
inline constexpr const char* kAdapter1 = "org.bluez.Adapter1";
inline constexpr const char* kChar1 = "org.bluez.GattCharacteristic1";
inline constexpr const char* kObjectManager = "org.freedesktop.DBus.ObjectManager";
using Variants = std::map<std::string, sdbus::Variant>;
using ManagedObjects = std::map<sdbus::ObjectPath, std::map<std::string, Variants>>;

struct BleBus::Impl {
  boost::asio::any_io_executor executor;
  std::unique_ptr<sdbus::IConnection> connection;
  std::string adapter_path;
  std::optional<boost::asio::posix::stream_descriptor> fd;  // a dup of sd-bus's socket
  std::optional<boost::asio::steady_timer> timer;           // sd-bus's next timeout
  bool read_waiting = false, write_waiting = false, pump_posted = false;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);  // pending Asio handlers' owner
  sdbus::Slot interfaces_match;
  std::unique_ptr<sdbus::IProxy> root, adapter;
  std::map<std::string, BleLink::State*> links;  // by device object path
  std::vector<std::uint16_t> filter;
  int discovery_users = 0;
  bool discovering = false;
  std::function<void(const std::string&, std::uint16_t)> on_found;

  void pump();      // processes everything sd-bus has, then re-arms the waits
  void schedule();  // pump() soon (after we queued an outgoing message)
  void arm();
  void acquire_discovery();
  void release_discovery();
  void set_discovering(bool on);
  void on_interfaces_added(const std::string& path, const std::map<std::string, Variants>& ifs);
  void on_interfaces_removed(const std::string& path, const std::vector<std::string>& ifs);
  void report_if_wanted(const Variants& device);
  std::string device_path(const std::string& address) const;
};

struct BleLink::State {
  enum class Phase { kIdle, kFinding, kConnecting, kPairing, kResolving, kReady };
  struct Command {
    enum class Kind { kRead, kWrite, kSubscribe } kind;
    std::uint16_t uuid16 = 0;
    std::vector<std::uint8_t> bytes;
  };

  State(BleBus::Impl& bus, std::string address);
  ~State();
  void push(BleEvent event);
  void connect(std::chrono::milliseconds timeout);
  void found(const Variants& device);
  void start_connect();
  void pair();
  void resolve();
  void load_services();
  void lost(const std::string& why);
  void enqueue(Command command);
  void next_command();
  void command_failed(const Command& c, const sdbus::Error& e);
  void on_properties(sdbus::Message& message);
  sdbus::IProxy& proxy(const std::string& path);
  void fail_connect(const sdbus::Error& e, const std::string& step);

  BleBus::Impl& bus;
  std::string address, path;
  Phase phase = Phase::kIdle;
  std::uint64_t generation = 0;  // one per connect attempt / link; stale replies are ignored
  bool paired = false, connected = false, resolved = false, closed = false;
  bool may_pair = true;  // false: an unpaired device fails "not paired" without a connection
  bool holds_discovery = false, pairing_reported = false;
  std::map<std::string, std::unique_ptr<sdbus::IProxy>> proxies;
  std::map<std::uint16_t, std::string> chars;
  std::map<std::string, std::uint16_t> char_uuids;
  std::set<std::uint16_t> subscribed;
  std::deque<Command> commands;
  bool busy = false;
  std::deque<BleEvent> events;
  boost::asio::steady_timer wake;
  boost::asio::steady_timer deadline;  // finding / resolving must end
  sdbus::Slot properties_match;
};

}  // namespace kotona::gateway::transport
