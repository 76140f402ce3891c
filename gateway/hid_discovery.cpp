#include "gateway/hid_discovery.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/log.h"

namespace kotona::gateway {

namespace {
constexpr std::string_view kLog = "devices";
constexpr std::uint16_t kBusUsb = 0x0003;  // linux/input.h BUS_USB

// One hex field of HID_ID ("0003", "00001A79"): must fit 16 bits.
bool parse_hex16(std::string_view text, std::uint16_t& out) {
  std::uint32_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value > 0xffff) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

std::string hex4(std::uint16_t v) {
  char text[8];
  std::snprintf(text, sizeof text, "%04x", v);
  return text;
}
}  // namespace

Result<HidId> parse_hid_uevent(std::string_view uevent) {
  constexpr std::string_view kKey = "HID_ID=";
  std::size_t at = 0;
  while (at < uevent.size()) {
    std::size_t end = uevent.find('\n', at);
    if (end == std::string_view::npos) end = uevent.size();
    const std::string_view line = uevent.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with(kKey)) continue;
    const std::string_view value = line.substr(kKey.size());
    const std::size_t c1 = value.find(':');
    const std::size_t c2 = c1 == std::string_view::npos ? c1 : value.find(':', c1 + 1);
    HidId id;
    if (c2 == std::string_view::npos || !parse_hex16(value.substr(0, c1), id.bus) ||
        !parse_hex16(value.substr(c1 + 1, c2 - c1 - 1), id.vendor_id) ||
        !parse_hex16(value.substr(c2 + 1), id.product_id)) {
      return fail(Errc::kMalformed,
                  "HID_ID '" + std::string(value) + "' is not BUS:VENDOR:PRODUCT in hex");
    }
    return id;
  }
  return fail(Errc::kMalformed, "no HID_ID line");
}

std::vector<DeviceSpec> match_hid_nodes(
    const std::string& dev_dir, const std::vector<HidNode>& nodes,
    const std::vector<const drivers::DriverDescriptor*>& drivers,
    const std::function<bool(const std::string&)>& is_known) {
  std::vector<DeviceSpec> out;
  for (const HidNode& node : nodes) {
    if (node.id.bus != kBusUsb) continue;
    const std::string path = dev_dir + "/" + node.name;
    if (is_known(path)) continue;
    for (const auto* driver : drivers) {
      const bool claims = std::any_of(
          driver->usb_hid.begin(), driver->usb_hid.end(), [&](const drivers::UsbHidMatch& m) {
            return m.vendor_id == node.id.vendor_id && m.product_id == node.id.product_id;
          });
      if (claims) {
        DeviceSpec spec{driver, path};
        spec.transport = DeviceSpec::Transport::kHid;
        out.push_back(spec);
        break;
      }
    }
  }
  return out;
}

namespace {
class HidSource final : public PortSource {
 public:
  HidSource(std::string sysfs_dir, std::string dev_dir,
            std::vector<const drivers::DriverDescriptor*> drivers)
      : sysfs_dir_(std::move(sysfs_dir)),
        dev_dir_(std::move(dev_dir)),
        drivers_(std::move(drivers)) {}

  std::string watched() const override {
    return sysfs_dir_ + " for USB HID meters by vendor/product id";
  }
  bool is_useful() const override {
    return std::any_of(drivers_.begin(), drivers_.end(),
                       [](const auto* d) { return !d->usb_hid.empty(); });
  }
  std::vector<FoundPort> scan(const std::function<bool(const std::string&)>& is_known) override {
    const std::vector<HidNode> nodes = list_nodes();
    std::vector<FoundPort> out;
    for (auto& spec : match_hid_nodes(dev_dir_, nodes, drivers_, is_known)) {
      const auto& n = *std::find_if(nodes.begin(), nodes.end(), [&](const HidNode& x) {
        return spec.path == dev_dir_ + "/" + x.name;
      });
      out.push_back(FoundPort{std::move(spec),
                              "USB HID " + hex4(n.id.vendor_id) + ":" + hex4(n.id.product_id)});
    }
    return out;
  }

 private:
  std::vector<HidNode> list_nodes() {
    std::vector<HidNode> nodes;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(sysfs_dir_, ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      std::ifstream in(it->path() / "device" / "uevent");
      std::stringstream text;
      text << in.rdbuf();
      auto id = parse_hid_uevent(text.str());
      if (id) {
        nodes.push_back(HidNode{name, *id});
      } else if (std::find(unreadable_logged_.begin(), unreadable_logged_.end(), name) ==
                 unreadable_logged_.end()) {  // a node going away mid-read, or not HID
        log_warn(kLog, sysfs_dir_ + "/" + name + ": " + describe(id.error()));
        unreadable_logged_.push_back(name);
      }
    }
    std::sort(nodes.begin(), nodes.end(),
              [](const HidNode& a, const HidNode& b) { return a.name < b.name; });
    return nodes;
  }

  std::string sysfs_dir_;
  std::string dev_dir_;
  std::vector<const drivers::DriverDescriptor*> drivers_;
  std::vector<std::string> unreadable_logged_;  // entries whose uevent was logged as bad once
};
}  // namespace

std::unique_ptr<PortSource> make_hid_source(std::string sysfs_dir, std::string dev_dir,
                                            std::vector<const drivers::DriverDescriptor*> drivers) {
  return std::make_unique<HidSource>(std::move(sysfs_dir), std::move(dev_dir), std::move(drivers));
}

}  // namespace kotona::gateway
