// The alert feed: the newest known state of every alert, filters, acknowledge / resolve with a
// note (recorded as the signed-in user). Element ids and data-* attributes are used by
// tests/web/clinician_page.cjs.
import {$, button, call, el, when} from "./api.js";
import {showPatient} from "./trend.js";

export const alerts = new Map();  // alert_id -> newest known state (highest event_id)
const rank = {high: 0, medium: 1, low: 2}, stateRank = {open: 0, acknowledged: 1, resolved: 2};
let pending = null;  // {mode, alert}
let afterAction = () => {};

export function apply(a) {
  const old = alerts.get(a.alert_id);
  if (old && old.event_id > a.event_id) return;
  alerts.set(a.alert_id, a);
}

function shown() {
  const p = $("f-priority").value, s = $("f-state").value, who = $("f-patient").value.trim();
  return [...alerts.values()]
    .filter(a => (!p || a.priority === p) && (!s || a.state === s) && (!who || a.patient_id === who))
    .sort((x, y) => (rank[x.priority] - rank[y.priority]) ||
                    (stateRank[x.state] - stateRank[y.state]) || (y.event_id - x.event_id));
}

function stateCell(a) {
  const st = el("td", a.state, "st");
  if (a.escalation_tier > 0) st.appendChild(el("div", "escalated, tier " + a.escalation_tier, "esc"));
  if (a.state === "open" && a.escalation_due) {
    st.appendChild(el("div", "escalates " + when(a.escalation_due), "small"));
  }
  if (a.acked_by) st.appendChild(el("div", "ack " + a.acked_by + ": " + (a.ack_note || ""), "small"));
  if (a.resolved_by) {
    st.appendChild(el("div", "resolved " + a.resolved_by + ": " + (a.resolve_note || ""), "small"));
  }
  return st;
}

function row(a) {
  const tr = el("tr");
  tr.className = a.priority + " " + a.state;
  tr.dataset.alertId = a.alert_id;
  tr.dataset.state = a.state;
  tr.dataset.priority = a.priority;
  tr.appendChild(el("td", when(a.last_at || a.created_at)));
  tr.appendChild(el("td", a.priority, "p"));
  tr.appendChild(stateCell(a));
  const pt = el("td");
  pt.appendChild(button(a.patient_id, "link patient", () => showPatient(a.patient_id, null)));
  tr.appendChild(pt);
  const msg = el("td", a.last_message || a.message, "msg");
  if (a.crossings > 1) {
    msg.appendChild(el("div", a.crossings + " crossings since " + when(a.created_at), "small crossings"));
  }
  tr.appendChild(msg);
  const act = el("td");
  if (a.state === "open") act.appendChild(button("Acknowledge", "ack", () => ask("ack", a)));
  if (a.state !== "resolved") act.appendChild(button("Resolve", "resolve", () => ask("resolve", a)));
  if (a.reading_uid) act.appendChild(button("Trend", "trend", () => showPatient(a.patient_id, a)));
  tr.appendChild(act);
  return tr;
}

export function render() { $("alerts").replaceChildren(...shown().map(row)); }

function ask(mode, a) {
  pending = {mode, alert: a};
  $("action-title").textContent = (mode === "ack" ? "Acknowledge" : "Resolve") + " alert for " + a.patient_id;
  $("action-alert").textContent = a.last_message || a.message;
  $("action-error").textContent = "";
  $("note").value = "";
  $("action").hidden = false;
  $("note").focus();
}

async function confirm() {
  if (!pending) return;
  const by = sessionStorage.getItem("kotona.user") || "";
  const path = pending.mode === "ack" ? "/api/v1/alerts/ack" : "/api/v1/alerts/resolve";
  try {
    const r = await call(path, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({alert_id: pending.alert.alert_id, by, note: $("note").value})});
    const body = await r.json();
    if (!r.ok) { $("action-error").textContent = body.error || ("HTTP " + r.status); return; }
    apply(body);
    afterAction();
    pending = null;
    $("action").hidden = true;
    render();
  } catch (e) { $("action-error").textContent = "failed: " + e; }
}

// Wires the feed's controls; `done` runs after each recorded action (the audit line).
export function initFeed(done) {
  afterAction = done;
  $("cancel").onclick = () => { pending = null; $("action").hidden = true; };
  $("confirm").onclick = confirm;
  for (const id of ["f-priority", "f-state"]) $(id).onchange = render;
  $("f-patient").oninput = render;
  $("patient-close").onclick = () => { $("patient").hidden = true; };
}
