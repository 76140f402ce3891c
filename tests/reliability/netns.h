// Network namespaces for the partition scenario: the gateway, the broker and the server each
// in a namespace of their own, created by this process and deleted when it ends, joined by two
// veth pairs (hub <-> broker, broker <-> server). Faults are link state (ip link) and nftables
// rules inside the namespaces, so nothing outside them is touched. Needs CAP_NET_ADMIN (root).
// Not thread-safe.
#pragma once

#include <string>
#include <vector>

namespace kotona::test {

// Which of the two links a fault hits.
enum class Link { kHubBroker, kBrokerServer };

// The faults of issue 5: the link goes down; packets silently dropped both ways; every TCP
// segment answered with a reset; one direction only dropped (towards the broker, or back);
// and flapping (down/up in quick turns, driven by the caller through set_down()).
enum class Fault { kLinkDown, kSilentDrop, kReset, kOneWayToBroker, kOneWayFromBroker };

const char* to_string(Link link);
const char* to_string(Fault fault);

class Topology {
 public:
  // Creates the namespaces "kotona-rel-<pid>-{hub,broker,server}" and the links.
  // Throws std::runtime_error naming the failed command (e.g. not root).
  Topology();
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // argv prefix that runs a program in a namespace: {"ip", "netns", "exec", NAME}.
  std::vector<std::string> in_hub() const;
  std::vector<std::string> in_broker() const;
  std::vector<std::string> in_server() const;
  // The broker's address as seen from the hub and from the server.
  static constexpr const char* kBrokerFromHub = "10.231.1.1";
  static constexpr const char* kBrokerFromServer = "10.231.2.1";

  void apply(Link link, Fault fault);
  void set_down(Link link, bool down);
  // Removes every fault on both links: links up, rules flushed.
  void heal();

 private:
  std::string ns(const char* role) const;
  std::string pid_;
};

// Runs argv (no shell); throws std::runtime_error with its output if it exits non-zero.
void run_checked(const std::vector<std::string>& argv);

}  // namespace kotona::test
