// Named crash points for the reliability harness (tests/reliability): with the environment
// variable KOTONA_CRASH_AT=NAME:N the N-th pass (1-based) through crash_point("NAME") kills
// the process with SIGKILL — kill -9 at exactly that instant, with nothing flushed or closed.
// Without the variable (production) a call is one load of a cached flag. Thread-safe.
//
// Points (docs/reliability.md): gateway.after_outbox_commit, gateway.after_publish,
// gateway.after_puback, server.mid_transaction, server.after_commit_before_ack.
#pragma once

namespace kotona {

void crash_point(const char* name);

}  // namespace kotona
