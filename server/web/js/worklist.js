// The worklist's order (issue 18 part 3): patients needing attention first. A patient ranks by
// the highest priority among their open alerts, then by how long the oldest open alert of that
// priority has waited (longest first), then by their nearest escalation deadline; patients
// with nothing open come last. A patient's alerts stay together: priority, open before
// acknowledged before resolved, newest first. Pure (no DOM): tests/web/worklist_order.mjs.
const rank = {high: 0, medium: 1, low: 2}, stateRank = {open: 0, acknowledged: 1, resolved: 2};
const ms = iso => (iso ? Date.parse(iso) : Infinity);

// patient_id -> {prio, since, due} over that patient's open alerts.
function patientKeys(list) {
  const keys = new Map();
  for (const a of list) {
    const k = keys.get(a.patient_id) || {prio: 3, since: Infinity, due: Infinity};
    if (a.state === "open") {
      const p = rank[a.priority] ?? 0;  // an unknown priority is treated as high
      if (p < k.prio) Object.assign(k, {prio: p, since: Infinity});
      if (p === k.prio) k.since = Math.min(k.since, ms(a.created_at));
      k.due = Math.min(k.due, ms(a.escalation_due));
    }
    keys.set(a.patient_id, k);
  }
  return keys;
}

const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);

export function worklistOrder(list) {
  const keys = patientKeys(list);
  return [...list].sort((x, y) => {
    const kx = keys.get(x.patient_id), ky = keys.get(y.patient_id);
    return cmp(kx.prio, ky.prio) || cmp(kx.since, ky.since) || cmp(kx.due, ky.due) ||
           cmp(x.patient_id, y.patient_id) || cmp(rank[x.priority], rank[y.priority]) ||
           cmp(stateRank[x.state], stateRank[y.state]) || (y.event_id - x.event_id);
  });
}

// Whole minutes since `iso` at `now` (ms), never negative (a clock a little ahead).
export const minutesSince = (iso, now) => Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
