// firmware-sim's BLE peripherals seen from a D-Bus client, as the gateway sees BlueZ: a real
// private dbus-daemon, the sim on its own thread, sdbus-c++ proxies here. Plus its encoders.
#include <doctest/doctest.h>
#include <sdbus-c++/sdbus-c++.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "firmware-sim/ble_device.h"
#include "firmware-sim/gatt_encoder.h"
#include "tests/support/dbus_daemon.h"

using namespace kotona;
using namespace kotona::firmware_sim;
using namespace std::chrono_literals;
using Variants = std::map<std::string, sdbus::Variant>;

namespace {

constexpr const char* kDev = "/org/bluez/hci0/dev_C0_FF_EE_00_00_01";

// The simulated device on its own thread, stopped and joined on destruction.
class SimThread {
 public:
  SimThread(const std::string& bus, std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--bus", bus, "--value-interval-ms", "5"});
    auto options = parse_ble_options(args);
    REQUIRE(options);
    device_ = std::make_unique<BleDevice>(std::move(*options), stop_);
    REQUIRE(device_->plug());
    thread_ = std::thread([this] { (void)device_->run(); });
  }
  ~SimThread() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::unique_ptr<BleDevice> device_;
  std::thread thread_;
};

// A D-Bus client with its own event-loop thread that records Value changes per object path.
class Client {
 public:
  explicit Client(const std::string& bus)
      : connection_(sdbus::createSessionBusConnectionWithAddress(bus)) {
    match_ = connection_->addMatch(
        "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',"
        "member='PropertiesChanged'",
        [this](sdbus::Message& m) {
          std::string iface;
          Variants changed;
          m >> iface >> changed;
          std::lock_guard lock(mutex_);
          if (auto it = changed.find("Value"); it != changed.end()) {
            values_.push_back({m.getPath(), it->second.get<std::vector<std::uint8_t>>()});
          }
        });
    connection_->enterEventLoopAsync();
  }
  ~Client() { connection_->leaveEventLoop(); }
  std::unique_ptr<sdbus::IProxy> proxy(const std::string& path) {
    return sdbus::createProxy(*connection_, "org.bluez", path);
  }
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> values() {
    std::lock_guard lock(mutex_);
    return values_;
  }
  // Path of the characteristic with this 16-bit UUID, from GetManagedObjects.
  std::string find_char(std::uint16_t uuid16) {
    auto root = proxy("/");
    std::map<sdbus::ObjectPath, std::map<std::string, Variants>> objects;
    root->callMethod("GetManagedObjects")
        .onInterface("org.freedesktop.DBus.ObjectManager")
        .storeResultsTo(objects);
    for (auto& [path, ifaces] : objects) {
      auto it = ifaces.find("org.bluez.GattCharacteristic1");
      if (it != ifaces.end() && it->second.at("UUID").get<std::string>() == uuid128(uuid16)) {
        return path;
      }
    }
    return {};
  }
  bool wait_values(std::size_t n) {
    for (int i = 0; i < 200 && values().size() < n; ++i) std::this_thread::sleep_for(10ms);
    return values().size() >= n;
  }

 private:
  std::unique_ptr<sdbus::IConnection> connection_;
  sdbus::Slot match_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> values_;
};

bool property_bool(sdbus::IProxy& p, const char* iface, const char* name) {
  return p.getProperty(name).onInterface(iface).get<bool>();
}

void connect(Client& client) {
  auto dev = client.proxy(kDev);
  dev->callMethod("Connect").onInterface("org.bluez.Device1");
  for (int i = 0; i < 100 && !property_bool(*dev, "org.bluez.Device1", "ServicesResolved"); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(property_bool(*dev, "org.bluez.Device1", "ServicesResolved"));
}

}  // namespace

TEST_CASE("ble_bp sim: gatt encoders: SFLOAT, Date Time, Current Time, BP measurement per spec") {
  CHECK(gatt::sfloat(120, 0) == 0x0078);
  CHECK(gatt::sfloat(-1, 0) == 0x0FFF);
  CHECK(gatt::sfloat(0.0054, 4) == 0xC036);  // 54 x 10^-4
  CHECK(gatt::sfloat(5000, 0) == gatt::kSfloatNaN);  // mantissa does not fit
  const auto t = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 8h + 15min + 7s;
  CHECK(gatt::current_time(t) ==
        gatt::Bytes{0xEA, 0x07, 11, 23, 8, 15, 7, /*Monday*/ 1, 0, 0});
  CHECK(gatt::parse_date_time(gatt::current_time(t)) == t);
  CHECK_FALSE(gatt::parse_date_time(gatt::Bytes{0xEA, 0x07, 13, 1, 0, 0, 0}));
  CHECK(gatt::bp_measurement({120, 80, 70, t, std::nullopt}) ==
        gatt::Bytes{0x06, 0x78, 0x00, 0x50, 0x00, 0x5D, 0x00, 0xEA, 0x07, 11, 23, 8, 15, 7,
                    0x46, 0x00});
}

TEST_CASE("ble_bp sim: bonded device is on the bus as BlueZ shows it -> Adapter1, Device1") {
  test::TempDir dir;
  test::DbusDaemon bus(dir.path());
  SimThread sim(bus.address(), {"ble-bp", "measure", "120/80/70", "hold"});
  Client client(bus.address());
  auto dev = client.proxy(kDev);
  CHECK(property_bool(*dev, "org.bluez.Device1", "Paired"));
  CHECK_FALSE(property_bool(*dev, "org.bluez.Device1", "Connected"));
  auto uuids = dev->getProperty("UUIDs").onInterface("org.bluez.Device1")
                   .get<std::vector<std::string>>();
  CHECK(std::find(uuids.begin(), uuids.end(), uuid128(0x1810)) != uuids.end());
  CHECK(client.find_char(0x2A35).empty());  // GATT objects only while connected
}

TEST_CASE("ble_bp sim: connect, read DIS, subscribe -> stored measurement as a Value change") {
  test::TempDir dir;
  test::DbusDaemon bus(dir.path());
  SimThread sim(bus.address(), {"ble-bp", "--serial", "BP-77", "measure", "131/85/66", "hold"});
  Client client(bus.address());
  connect(client);
  auto serial = client.proxy(client.find_char(0x2A25));
  std::vector<std::uint8_t> bytes;
  serial->callMethod("ReadValue").onInterface("org.bluez.GattCharacteristic1")
      .withArguments(Variants{}).storeResultsTo(bytes);
  CHECK(std::string(bytes.begin(), bytes.end()) == "BP-77");
  const auto path = client.find_char(0x2A35);
  client.proxy(path)->callMethod("StartNotify").onInterface("org.bluez.GattCharacteristic1");
  REQUIRE(client.wait_values(2));  // the DIS read (BlueZ signals reads too), then the indication
  auto values = client.values();
  CHECK(values.back().first == path);
  CHECK(values.back().second.at(1) == 131);
  CHECK(values.back().second.at(3) == 85);
}

TEST_CASE(
    "ble_weight sim (ble-weight-basic): a scale without a clock -> no Current Time, value without "
    "time "
    "stamp, ledger line named by the hub") {
  test::TempDir dir;
  test::DbusDaemon bus(dir.path());
  const auto ledger = (dir.path() / "ledger.jsonl").string();
  SimThread sim(bus.address(),
                {"ble-weight-basic", "--ledger", ledger, "measure", "43.84", "hold"});
  Client client(bus.address());
  connect(client);
  CHECK(client.find_char(0x2A2B).empty());
  const auto path = client.find_char(0x2A9D);
  client.proxy(path)->callMethod("StartNotify").onInterface("org.bluez.GattCharacteristic1");
  REQUIRE(client.wait_values(1));
  CHECK(client.values().back().second == std::vector<std::uint8_t>{0x00, 0x40, 0x22});
  std::string line;
  for (int i = 0; i < 100 && line.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    std::ifstream in(ledger);
    std::getline(in, line);
  }
  CHECK(line.find("\"hub_assigned\":true") != std::string::npos);
  CHECK(line.find("uid_key") == std::string::npos);
  CHECK(line.find("\"kg\":43.84") != std::string::npos);
}

TEST_CASE("ble_bp sim: bond lost -> encrypted characteristic NotAuthorized, DIS still readable") {
  test::TempDir dir;
  test::DbusDaemon bus(dir.path());
  SimThread sim(bus.address(), {"ble-bp", "bond-lost", "measure", "120/80/70", "hold"});
  Client client(bus.address());
  connect(client);
  auto bp = client.proxy(client.find_char(0x2A35));
  try {
    bp->callMethod("StartNotify").onInterface("org.bluez.GattCharacteristic1");
    FAIL("StartNotify succeeded");
  } catch (const sdbus::Error& e) {
    CHECK(e.getName() == "org.bluez.Error.NotAuthorized");
  }
  auto pair = client.proxy(kDev);
  CHECK_THROWS_AS(pair->callMethod("Pair").onInterface("org.bluez.Device1"), sdbus::Error);
}

TEST_CASE("ble_glucose sim: RACP report >= sequence -> those records, then Response Code") {
  test::TempDir dir;
  test::DbusDaemon bus(dir.path());
  SimThread sim(bus.address(), {"ble-glucose", "--first-sequence", "65534", "measure", "5.4",
                                "measure", "6.1", "measure", "7.0", "hold"});
  Client client(bus.address());
  connect(client);
  const auto racp = client.find_char(0x2A52);
  const auto meas = client.find_char(0x2A18);
  client.proxy(meas)->callMethod("StartNotify").onInterface("org.bluez.GattCharacteristic1");
  auto racp_proxy = client.proxy(racp);
  // Without RACP indications enabled the device refuses (CCCD improperly configured).
  CHECK_THROWS_AS(racp_proxy->callMethod("WriteValue").onInterface("org.bluez.GattCharacteristic1")
                      .withArguments(std::vector<std::uint8_t>{0x01, 0x01}, Variants{}),
                  sdbus::Error);
  racp_proxy->callMethod("StartNotify").onInterface("org.bluez.GattCharacteristic1");
  // >= 65535: the wrapped record 0 has a smaller number, so only 65535 comes (spec: numeric).
  racp_proxy->callMethod("WriteValue").onInterface("org.bluez.GattCharacteristic1")
      .withArguments(std::vector<std::uint8_t>{0x01, 0x03, 0x01, 0xFF, 0xFF}, Variants{});
  REQUIRE(client.wait_values(2));
  auto values = client.values();
  REQUIRE(values.size() == 2);
  CHECK(values[0].first == meas);
  CHECK(values[0].second.at(1) == 0xFF);  // sequence 65535, little endian
  CHECK(values[0].second.at(2) == 0xFF);
  CHECK(values[1].first == racp);
  CHECK(values[1].second == std::vector<std::uint8_t>{0x06, 0x00, 0x01, 0x01});
}
