// The manual entry form on the hub's local page (issue 20 part 5): GET /manual lists the kinds
// that can be typed in; GET /manual?kind=inr shows that kind's form (values, when measured, who
// enters: patient / relative / nurse, and a name); POST /manual hands it to ManualEntry
// (gateway/manual_entry/): stored -> "sent"; a probably mistyped value -> the question, with the
// values kept and two buttons ("yes, it is right" / "correct it"); refused -> the reason and
// the form again. Every text from the hub's catalogue (fi, sv, ru, en). Not thread-safe.
#pragma once

#include <functional>

#include "gateway/local_page/local_server.h"
#include "gateway/manual_entry/manual_entry.h"

namespace kotona::gateway::local_page {

struct ManualPageHooks {
  std::function<ManualOutcome(const ManualForm&)> submit;  // ManualEntry::submit with now
  std::function<HubTime()> now;                            // the hub's clock
};

// Registers GET /manual and POST /manual on `server`.
void add_manual_page(LocalServer& server, ManualPageHooks hooks);

// A typed number: "2,5" or "2.5", spaces ignored; nullopt for anything else.
std::optional<double> parse_typed_number(std::string_view text);

}  // namespace kotona::gateway::local_page
