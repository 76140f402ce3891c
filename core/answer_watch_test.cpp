#include "core/answer_watch.h"

#include <doctest/doctest.h>

#include <string>

using namespace kotona;
using namespace std::chrono_literals;
using Verdict = AnswerWatch::Verdict;

namespace {
const AnswerWatch::Clock::time_point t0{};
}

TEST_CASE("AnswerWatch: an answered request, or one within the timeout -> fine") {
  AnswerWatch w(15s, 2s);
  w.expect("connect", t0);
  CHECK(w.check(t0 + 15s, false, false) == Verdict::kFine);  // exactly the limit: still waiting
  CHECK(std::string(w.waiting_for()) == "connect");
  w.clear();
  CHECK(w.check(t0 + 60s, false, false) == Verdict::kFine);
  CHECK(w.waiting_for() == nullptr);
}

TEST_CASE("AnswerWatch: no answer past the timeout -> kNoAnswer once, naming the request") {
  AnswerWatch w(15s, 2s);
  w.expect("connect", t0);
  w.expect("subscribe", t0 + 5s);  // the connect was answered; the subscribe now waits
  CHECK(w.check(t0 + 20s, true, true) == Verdict::kFine);
  CHECK(w.check(t0 + 20s + 1ms, true, true) == Verdict::kNoAnswer);
  CHECK(std::string(w.given_up()) == "subscribe");
  CHECK(w.waiting_for() == nullptr);
  CHECK(w.check(t0 + 40s, true, true) == Verdict::kFine);  // reset: not reported again
}

TEST_CASE("AnswerWatch: library disconnected without a lost call -> kLostUnreported after 2 s") {
  AnswerWatch w(15s, 2s);
  CHECK(w.check(t0, true, false) == Verdict::kFine);  // first sight starts the clock
  CHECK(w.check(t0 + 1s, true, false) == Verdict::kFine);
  CHECK(w.check(t0 + 2s, true, false) == Verdict::kLostUnreported);
  CHECK(w.check(t0 + 3s, true, false) == Verdict::kFine);  // starts over
}

TEST_CASE("AnswerWatch: a blip, or a session we do not count up -> never lost") {
  AnswerWatch w(15s, 2s);
  CHECK(w.check(t0, true, false) == Verdict::kFine);
  CHECK(w.check(t0 + 1s, true, true) == Verdict::kFine);  // reconnected by itself: reset
  CHECK(w.check(t0 + 3s, true, false) == Verdict::kFine);
  CHECK(w.check(t0 + 4s, true, false) == Verdict::kFine);
  CHECK(w.check(t0 + 10s, false, false) == Verdict::kFine);  // we already know it is down
}
