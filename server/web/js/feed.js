// The alert feed: the newest known state of every alert, filters, acknowledge / resolve with a
// note (recorded as the signed-in user), the claim ("I am handling this", shown to colleagues
// live) and notes on an alert (issue 18 part 3). Element ids and data-* attributes are used
// by tests/web/*.cjs.
import {$, button, call, el, say, show} from "./api.js";
import {duration, has, heldValuesText, known, num, t, tx, when} from "./i18n.js";
import {ensurePatient, matchesPatient, patientName, patientParts, teamOf} from "./patients.js";
import {addAlertNote, alertNotes} from "./notes.js";
import {showPatient} from "./trend.js";
import {focusKey, restoreFocus} from "./keyboard.js";
import {minutesSince, worklistOrder} from "./worklist.js";

export const alerts = new Map();  // alert_id -> newest known state (highest event_id)
let pending = null;  // {mode, alert}
let afterAction = () => {};

export function apply(a) {
  const old = alerts.get(a.alert_id);
  if (old && old.event_id > a.event_id) return;
  alerts.set(a.alert_id, a);
}

function shown() {
  const p = $("f-priority").value, s = $("f-state").value, who = $("f-patient").value.trim();
  const team = $("f-team").value;
  return worklistOrder([...alerts.values()]
    .filter(a => (!p || a.priority === p) && (!s || a.state === s) && (!who || matchesPatient(a.patient_id, who)) &&
                 (!team || teamOf(a.patient_id) === team)));
}

function stateCell(a) {
  const st = el("td", null, "st");
  st.appendChild(tx("span", "alertState." + a.state));
  if (a.escalation_tier > 0) st.appendChild(tx("div", "feed.escalated", {tier: a.escalation_tier}, "esc"));
  if (a.state === "open" && a.escalation_due) {
    st.appendChild(tx("div", "feed.escalates", {when: when(a.escalation_due)}, "small"));
  }
  if (a.claimed_by) st.appendChild(tx("div", "feed.claimedBy", {by: a.claimed_by}, "small claimed"));
  if (a.acked_by) st.appendChild(tx("div", "feed.acked", {by: a.acked_by, note: a.ack_note || ""}, "small"));
  if (a.resolved_by) {
    st.appendChild(tx("div", "feed.resolved", {by: a.resolved_by, note: a.resolve_note || ""}, "small"));
  }
  return st;
}

// The alert as the server stored it (English): for rows without values (stored before issue
// 18) and a rule this language has no sentence for.
const message = a => a.last_message || a.message;

// One value as this language writes it: numbers and durations (keys "*_s") per locale, a
// kind or series by its catalogue name, an unknown hub or device said so.
function valueText(key, v) {
  if (typeof v === "number") return key.endsWith("_s") ? duration(v) : num(v, 2);
  if (key === "cmp") return v ? v + " " : "";
  if ((key === "kind" || key === "series") && known(`${key}.${v}`)) return t(`${key}.${v}`);
  if ((key === "hub" || key === "device") && !v) return t("alertv.unknown");
  if (key === "limit" && known("thr.key." + v)) return t("thr.key." + v);  // a threshold's name
  if (key === "reason" && known("alertv.reason." + v)) return t("alertv.reason." + v);  // the hub's class
  if (key === "values") return heldValuesText(v);  // held readings (quarantine alerts)
  return String(v);
}

// The sentence of the latest crossing from the catalogue (sentences.js: rule id + form) and
// the alert's values; null when there is none in this language.
function sentence(a) {
  const values = a.last_values || a.values;
  if (!values || !Object.keys(values).length) return null;
  const key = "alert." + a.rule_id + (values.form ? "." + values.form : "");
  if (!has(key)) return null;
  const params = {};
  for (const [k, v] of Object.entries(values)) params[k] = valueText(k, v);
  return tx("div", key, params, "small detail sentence");
}

// The rule's name, then the sentence with its values, both in the page's language; the
// stored English text only where no sentence exists (marked lang="en", class "fallback").
export function alertText(a) {
  const out = [];
  if (known("rule." + a.rule_id)) out.push(tx("b", "rule." + a.rule_id, {}, "rule"));
  let detail = sentence(a);
  if (!detail) {
    detail = el("div", message(a), "small detail fallback");
    detail.lang = "en";
  }
  out.push(detail);
  return out;
}

function row(a) {
  const tr = el("tr");
  tr.className = a.priority + " " + a.state;
  tr.dataset.alertId = a.alert_id;
  tr.dataset.state = a.state;
  tr.dataset.priority = a.priority;
  tr.dataset.patient = a.patient_id;
  tr.dataset.rule = a.rule_id;
  const at = el("td", when(a.last_at || a.created_at));
  // How long it has waited, live (render() runs every 30 s): the worklist's "min ago".
  if (a.state === "open") at.appendChild(tx("div", "feed.ago", {min: minutesSince(a.created_at, Date.now())}, "small ago"));
  tr.appendChild(at);
  tr.appendChild(tx("td", "priority." + a.priority, {}, "p"));
  tr.appendChild(stateCell(a));
  const pt = el("td");
  if (a.patient_id) {
    const link = el("button", null, "link patient");
    link.append(...patientParts(a.patient_id));
    link.onclick = () => showPatient(a.patient_id, null);
    pt.appendChild(link);
    ensurePatient(a.patient_id, render);
  } else {
    // A system alert (record.*, broker.*, ...): no patient to open; an empty button had no name.
    pt.appendChild(tx("span", "feed.system", {}, "small"));
  }
  tr.appendChild(pt);
  const msg = el("td", null, "msg");
  msg.append(...alertText(a));
  // A reading typed in on the hub (issue 20 part 5): the alert's values say who typed it.
  const entered = (a.last_values || a.values || {}).entered;
  if (entered) msg.appendChild(tx("span", "flag.manual." + (["relative", "nurse"].includes(entered) ? entered : "patient"), {}, "self-reported"));
  if (a.crossings > 1) {
    msg.appendChild(tx("div", "feed.crossings", {count: a.crossings, when: when(a.created_at)}, "small crossings"));
  }
  msg.append(...alertNotes(a, render));
  tr.appendChild(msg);
  const act = el("td", null, "acts");
  const me = sessionStorage.getItem("kotona.user");
  if (a.state !== "resolved" && !a.claimed_by) act.appendChild(button("feed.claim", "claim", () => claim(a, true)));
  if (a.state !== "resolved" && a.claimed_by === me) act.appendChild(button("feed.unclaim", "unclaim", () => claim(a, false)));
  // An admin may take over a colleague's claim (audited as a takeover naming the holder).
  if (a.state !== "resolved" && a.claimed_by && a.claimed_by !== me && sessionStorage.getItem("kotona.role") === "admin") {
    act.appendChild(button("feed.takeover", "takeover", () => claim(a, true, true)));
  }
  if (a.state === "open") act.appendChild(button("feed.ack", "ack", () => ask("ack", a)));
  if (a.state !== "resolved") act.appendChild(button("feed.resolve", "resolve", () => ask("resolve", a)));
  act.appendChild(button("feed.addNote", "note", () => ask("note", a)));
  if (a.reading_uid) act.appendChild(button("feed.trend", "trend", () => showPatient(a.patient_id, a)));
  tr.appendChild(act);
  return tr;
}

// Drawn again on every event and every 30 s; keyboard focus stays on its control (keyboard.js).
export function render() {
  const focused = focusKey();
  $("alerts").replaceChildren(...shown().map(row));
  restoreFocus(focused);
}

// Claims (take; an admin's `takeover` of a colleague's claim) or releases an alert; a refusal (a colleague was quicker) is shown in the
// state line, and the feed shows who holds it.
async function claim(a, take, takeover = false) {
  try {
    const r = await call(take ? "/api/v1/alerts/claim" : "/api/v1/alerts/unclaim", {method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(takeover ? {alert_id: a.alert_id, takeover} : {alert_id: a.alert_id})});
    const body = await r.json();
    if (r.ok) { apply(body); render(); } else say("claim-error", "action.failed", {error: body.error || r.status});
  } catch (e) { say("claim-error", "action.failed", {error: e}); }
}

const titles = {ack: "action.ackTitle", resolve: "action.resolveTitle", note: "action.noteTitle"};

function ask(mode, a) {
  pending = {mode, alert: a};
  say("action-title", titles[mode], {patient: patientName(a.patient_id)});
  $("action-alert").replaceChildren(...alertText(a));
  $("action-error").textContent = "";
  $("note").value = "";
  // Resolving asks one question (issue 18 part 8): was it clinically actionable?
  $("actionable").hidden = mode !== "resolve";
  for (const r of document.querySelectorAll("input[name=actionable]")) r.checked = false;
  $("action").hidden = false;
  // The answer is required, so a keyboard user starts at it (arrows choose, Tab to the note).
  (mode === "resolve" ? document.querySelector("input[name=actionable]") : $("note")).focus();
}

async function confirm() {
  if (!pending) return;
  const by = sessionStorage.getItem("kotona.user") || "";
  const path = pending.mode === "ack" ? "/api/v1/alerts/ack" : "/api/v1/alerts/resolve";
  const answer = document.querySelector("input[name=actionable]:checked");
  if (pending.mode === "resolve" && !answer) {
    say("action-error", "resolve.answerFirst");
    document.querySelector("input[name=actionable]").focus();
    return;
  }
  try {
    const r = pending.mode === "note" ? await addAlertNote(pending.alert.alert_id, $("note").value)
      : await call(path, {method: "POST", headers: {"Content-Type": "application/json"},
          body: JSON.stringify({alert_id: pending.alert.alert_id, by, note: $("note").value,
                                ...(pending.mode === "resolve" ? {actionable: answer.value} : {})})});
    const body = await r.json();
    if (!r.ok) { show("action-error", body.error || ("HTTP " + r.status)); return; }
    apply(body);
    afterAction();
    pending = null;
    $("action").hidden = true;
    render();
  } catch (e) { say("action-error", "action.failed", {error: e}); }
}

// Wires the feed's controls; `done` runs after each recorded action (the audit line).
export function initFeed(done) {
  afterAction = done;
  $("cancel").onclick = () => { pending = null; $("action").hidden = true; };
  $("confirm").onclick = confirm;
  for (const id of ["f-priority", "f-state", "f-team"]) $(id).onchange = render;
  $("f-patient").oninput = render;
  $("patient-close").onclick = () => { $("patient").hidden = true; };
  setInterval(render, 30000);  // the "min ago" of every open alert stays live
}
