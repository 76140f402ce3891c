#include "tests/reliability/netns.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

namespace kotona::test {

namespace {

// Interface names inside the namespaces (each namespace has its own name space for links).
constexpr const char* kHubIf = "hub0";          // in hub, towards the broker
constexpr const char* kBrokerHubIf = "tohub";   // in broker, towards the hub
constexpr const char* kBrokerSrvIf = "tosrv";   // in broker, towards the server
constexpr const char* kServerIf = "srv0";       // in server, towards the broker

std::string join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

void run_checked(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string output;
  std::array<char, 512> buf{};
  for (ssize_t n; (n = ::read(pipe_fds[0], buf.data(), buf.size())) > 0;) {
    output.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("'" + join(argv) + "' failed: " + output);
  }
}

const char* to_string(Link link) {
  return link == Link::kHubBroker ? "hub-broker" : "broker-server";
}

const char* to_string(Fault fault) {
  switch (fault) {
    case Fault::kLinkDown:
      return "link_down";
    case Fault::kSilentDrop:
      return "silent_drop";
    case Fault::kReset:
      return "reset";
    case Fault::kOneWayToBroker:
      return "one_way_to_broker";
    case Fault::kOneWayFromBroker:
      return "one_way_from_broker";
  }
  return "?";
}

std::string Topology::ns(const char* role) const { return "kotona-rel-" + pid_ + "-" + role; }

Topology::Topology() : pid_(std::to_string(::getpid())) {
  try {
    for (const char* role : {"hub", "broker", "server"}) {
      run_checked({"ip", "netns", "add", ns(role)});
      run_checked({"ip", "-n", ns(role), "link", "set", "lo", "up"});
      run_checked({"ip", "netns", "exec", ns(role), "nft", "add", "table", "inet", "kotona"});
      run_checked({"ip", "netns", "exec", ns(role), "nft",
                   "add chain inet kotona in { type filter hook input priority 0 ; }"});
      run_checked({"ip", "netns", "exec", ns(role), "nft",
                   "add chain inet kotona out { type filter hook output priority 0 ; }"});
    }
    run_checked({"ip", "link", "add", kHubIf, "netns", ns("hub"), "type", "veth", "peer", "name",
                 kBrokerHubIf, "netns", ns("broker")});
    run_checked({"ip", "link", "add", kServerIf, "netns", ns("server"), "type", "veth", "peer",
                 "name", kBrokerSrvIf, "netns", ns("broker")});
    auto address = [&](const char* role, const char* dev, const char* cidr) {
      run_checked({"ip", "-n", ns(role), "addr", "add", cidr, "dev", dev});
      run_checked({"ip", "-n", ns(role), "link", "set", dev, "up"});
    };
    address("hub", kHubIf, "10.231.1.2/30");
    address("broker", kBrokerHubIf, "10.231.1.1/30");
    address("broker", kBrokerSrvIf, "10.231.2.1/30");
    address("server", kServerIf, "10.231.2.2/30");
  } catch (...) {
    for (const char* role : {"hub", "broker", "server"}) {
      try {
        run_checked({"ip", "netns", "del", ns(role)});
      } catch (const std::exception&) {
      }
    }
    throw;
  }
}

Topology::~Topology() {
  for (const char* role : {"hub", "broker", "server"}) {
    try {
      run_checked({"ip", "netns", "del", ns(role)});
    } catch (const std::exception&) {
    }
  }
}

std::vector<std::string> Topology::in_hub() const { return {"ip", "netns", "exec", ns("hub")}; }
std::vector<std::string> Topology::in_broker() const {
  return {"ip", "netns", "exec", ns("broker")};
}
std::vector<std::string> Topology::in_server() const {
  return {"ip", "netns", "exec", ns("server")};
}

void Topology::set_down(Link link, bool down) {
  const char* dev = link == Link::kHubBroker ? kBrokerHubIf : kBrokerSrvIf;
  run_checked({"ip", "-n", ns("broker"), "link", "set", dev, down ? "down" : "up"});
}

void Topology::apply(Link link, Fault fault) {
  const std::string dev = link == Link::kHubBroker ? kBrokerHubIf : kBrokerSrvIf;
  const std::string peer_ns = ns(link == Link::kHubBroker ? "hub" : "server");
  const std::string peer_dev = link == Link::kHubBroker ? kHubIf : kServerIf;
  auto nft = [](const std::string& where, const std::string& rule) {
    run_checked({"ip", "netns", "exec", where, "nft", "add rule inet kotona " + rule});
  };
  const std::string in = "in iifname \"" + dev + "\" ";
  const std::string out = "out oifname \"" + dev + "\" ";
  switch (fault) {
    case Fault::kLinkDown:
      set_down(link, true);
      break;
    case Fault::kSilentDrop:
      nft(ns("broker"), in + "drop");
      nft(ns("broker"), out + "drop");
      break;
    case Fault::kReset:
      // Each end answers whatever TCP the other sends with a reset; nothing gets through.
      nft(ns("broker"), in + "meta l4proto tcp reject with tcp reset");
      nft(ns("broker"), in + "drop");
      nft(peer_ns, "in iifname \"" + peer_dev + "\" meta l4proto tcp reject with tcp reset");
      nft(peer_ns, "in iifname \"" + peer_dev + "\" drop");
      break;
    case Fault::kOneWayToBroker:
      nft(ns("broker"), in + "drop");
      break;
    case Fault::kOneWayFromBroker:
      nft(ns("broker"), out + "drop");
      break;
  }
}

void Topology::heal() {
  set_down(Link::kHubBroker, false);
  set_down(Link::kBrokerServer, false);
  for (const char* role : {"hub", "broker", "server"}) {
    run_checked({"ip", "netns", "exec", ns(role), "nft", "flush", "chain", "inet", "kotona", "in"});
    run_checked(
        {"ip", "netns", "exec", ns(role), "nft", "flush", "chain", "inet", "kotona", "out"});
  }
}

}  // namespace kotona::test
