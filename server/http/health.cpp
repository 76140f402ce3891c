#include "server/http/health.h"

#include "server/http/respond.h"

namespace kotona::server::http {

bool Health::write_failed(const std::string& error, Clock::time_point now, HubTime wall) {
  last_failure_ = now;
  last_error_ = error;
  if (outage_) {
    ++outage_->failures;
    return false;
  }
  outage_ = Outage{wall, 1, error};
  return true;
}

bool Health::store_writable(Clock::time_point now) const {
  if (!last_ok_ || now - *last_ok_ > kWriteFresh) return false;
  if (last_failure_ && (now - *last_failure_ < kFailureHold || *last_failure_ > *last_ok_)) {
    return false;
  }
  return true;
}

std::optional<Health::Outage> Health::take_ended_outage(Clock::time_point now) {
  if (!outage_ || !store_writable(now)) return std::nullopt;
  auto ended = std::move(outage_);
  outage_.reset();
  return ended;
}

Health::Verdict Health::readiness(Clock::time_point now) const {
  if (!last_ok_ && !last_failure_) return {false, "not ready: store not probed yet\n"};
  if (!store_writable(now)) {
    std::string why = last_error_.empty() ? "no write succeeded recently" : last_error_;
    return {false, "not ready: store refuses writes: " + why + "\n"};
  }
  if (subscribed_ && !subscribed_()) return {false, "not ready: ingest not subscribed\n"};
  return {true, "ready\n"};
}

Response health_response(const Request& req, std::string_view path, const Health* health,
                         Counters& counters) {
  namespace bhttp = boost::beast::http;
  if (path == "/healthz" || path == "/healthz/live") {
    return respond(req, bhttp::status::ok, "ok\n", "text/plain", counters);
  }
  auto verdict = health ? health->readiness(Health::Clock::now())
                        : Health::Verdict{false, "not ready: readiness not wired\n"};
  return respond(req, verdict.ready ? bhttp::status::ok : bhttp::status::service_unavailable,
                 verdict.text, "text/plain", counters);
}

std::map<std::string, std::uint64_t> health_gauges(const Health* health) {
  const auto now = Health::Clock::now();
  return {{"store_writable", health && health->store_writable(now) ? 1 : 0},
          {"ready", health && health->readiness(now).ready ? 1 : 0}};
}

}  // namespace kotona::server::http
