// The worklist's order (issue 18 part 3), server/web/js/worklist.js without a browser:
//   node worklist_order.mjs PATH/TO/worklist.js
// Patients needing attention first: highest open priority, then the longest wait, then the
// nearest escalation deadline; a patient's alerts together; nothing open last. Exit 1 naming
// the first wrong order.
import {readFileSync} from "node:fs";

const src = readFileSync(process.argv[2], "utf8");
const {worklistOrder, minutesSince} = await import("data:text/javascript," + encodeURIComponent(src));
let failed = 0;
function check(ok, what) { console.log((ok ? "ok: " : "FAILED: ") + what); if (!ok) failed = 1; }

const t = m => new Date(Date.UTC(2026, 11, 6, 20, m)).toISOString();
let id = 0;
const a = (patient, priority, state, created, due) =>
  ({alert_id: "a" + ++id, event_id: id, patient_id: patient, priority, state, created_at: t(created),
    escalation_due: due === undefined ? null : t(due)});
const order = list => worklistOrder(list).map(x => x.patient_id + ":" + x.priority + ":" + x.state).join(" ");

check(order([a("p-med", "medium", "open", 0), a("p-high", "high", "open", 30)]) ===
      "p-high:high:open p-med:medium:open", "highest open priority first, however recent");
check(order([a("p-new", "high", "open", 40), a("p-old", "high", "open", 10)]) ===
      "p-old:high:open p-new:high:open", "same priority: the longest waiting first");
check(order([a("p-late", "high", "open", 10, 50), a("p-soon", "high", "open", 10, 20)]) ===
      "p-soon:high:open p-late:high:open", "same priority and wait: the nearest deadline first");
check(order([a("p-done", "high", "resolved", 0), a("p-low", "low", "open", 50)]) ===
      "p-low:low:open p-done:high:resolved", "a resolved high alert never outranks an open one");
check(order([a("p-1", "low", "open", 0), a("p-2", "high", "open", 5), a("p-1", "high", "open", 20)]) ===
      "p-2:high:open p-1:high:open p-1:low:open",
      "a patient ranks by the wait of their highest priority; their alerts stay together");
check(minutesSince(t(0), Date.parse(t(7)) + 59000) === 7 && minutesSince(t(9), Date.parse(t(8))) === 0,
      "min ago: whole minutes, never negative");
process.exit(failed);
