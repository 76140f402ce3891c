#include "server/http/page.h"

#include <string>

#include "core/kinds.h"

namespace kotona::server::http {

// The clinician page: one self-contained document (no CDN, no external files: it must work
// offline). Data only through textContent / attributes, never as HTML. Element ids and
// data-* attributes are used by tests/web/clinician_page.cjs.
// Sign-in: the bearer token lives in sessionStorage (this tab only, gone when it closes) and
// travels only in the Authorization header; the live feed is read with fetch() and parsed
// here, because EventSource cannot set headers, a token in the URL would land in logs and
// history, and a cookie would make every route a cross-site request forgery target
// (docs/security.md). Actions are recorded as the signed-in user.
namespace {

// The trend series per kind from core's kind table: `series` (the components plotted, the
// first carries the device's range indicator) and `hiLo` (kinds whose meters show HI / LO).
std::string series_script() {
  std::string series = "const series = {", hi_lo = "const hiLo = {";
  for (const auto& row : kind_table()) {
    std::string keys;
    for (const auto& c : row.components) {
      if (c.trend) keys += (keys.empty() ? "\"" : ", \"") + std::string(c.key) + "\"";
    }
    if (keys.empty()) continue;
    series += std::string(row.name) + ": [" + keys + "], ";
    hi_lo += std::string(row.name) + ": " + (row.shows_hi_lo ? "true" : "false") + ", ";
  }
  return series + "};\n" + hi_lo + "};\n";
}

std::string make_page(std::string_view head, std::string_view tail) {
  return std::string(head) + series_script() + std::string(tail);
}

}  // namespace

std::string_view feed_page_html() {
  static const std::string page = make_page(R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kotona clinician feed</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.3rem} h2{font-size:1.1rem} #state{font-size:.9rem;color:#666}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
tr.high td{background:#fde8e8} tr.high td.p{color:#b00;font-weight:bold}
tr.medium td.p{color:#b60} tr.low td.p{color:#555} tr.resolved td{opacity:.55}
.bar{display:flex;gap:1rem;flex-wrap:wrap;align-items:end;margin:.6rem 0}
.bar label{font-size:.85rem;display:flex;flex-direction:column}
#action,#patient{border:1px solid #bbb;padding:.8rem;margin:.8rem 0;background:#fafafa}
.err{color:#b00} .esc{color:#b00;font-weight:bold} .small{font-size:.8rem;color:#555}
button.link{background:none;border:none;color:#05c;text-decoration:underline;cursor:pointer;padding:0}
svg{background:#fff;border:1px solid #ddd;margin:.3rem 0}
</style></head><body>
<h1>Kotona &mdash; clinician alert feed</h1>
<form id="login" hidden><input id="user" autocomplete="username" placeholder="user" required>
<input id="password" type="password" autocomplete="current-password" placeholder="password" required>
<button id="sign-in">Sign in</button></form>
<p id="state">connecting&hellip;</p>
<div id="main" hidden>
<p id="audit" class="small"></p>
<div class="bar">
 <span class="small">Signed in as <b id="who"></b> <button id="logout">Sign out</button></span>
 <label>Priority <select id="f-priority"><option value="">all</option><option>high</option><option>medium</option><option>low</option></select></label>
 <label>State <select id="f-state"><option value="">all</option><option>open</option><option>acknowledged</option><option>resolved</option></select></label>
 <label>Patient <input id="f-patient" size="14" placeholder="any"></label>
</div>
<div id="action" hidden>
 <div><b id="action-title"></b></div><div id="action-alert" class="small"></div>
 <label>Note<br><textarea id="note" rows="2" cols="60" maxlength="2000"></textarea></label><br>
 <button id="confirm">Confirm</button> <button id="cancel">Cancel</button> <span id="action-error" class="err"></span>
</div>
<div id="patient" hidden>
 <h2 id="patient-title"></h2><div id="patient-focus" class="small"></div>
 <div id="charts"></div><button id="patient-close">Close</button>
</div>
<table><thead><tr><th>Time</th><th>Priority</th><th>State</th><th>Patient</th><th>Alert</th><th></th></tr></thead>
<tbody id="alerts"></tbody></table>
<div id="quarantine" hidden><h2>Quarantine (admin)</h2>
 <p class="small">What the server could not store. A not_enrolled reading can be released once its device is enrolled. <button id="q-refresh">Refresh</button> <span id="q-error" class="err"></span></p>
 <table><thead><tr><th>Received</th><th>Reason</th><th>Hub</th><th>Device</th><th>Reading</th><th></th></tr></thead>
 <tbody id="q-items"></tbody></table></div>
</div>
<script>
"use strict";
const $ = id => document.getElementById(id);
const alerts = new Map();  // alert_id -> newest known state (highest event_id)
const rank = {high: 0, medium: 1, low: 2}, stateRank = {open: 0, acknowledged: 1, resolved: 2};
let pending = null;  // {mode, alert}
let token = sessionStorage.getItem("kotona.token");
let streamAbort = null;
function signedOut(why) {
  token = null;
  sessionStorage.removeItem("kotona.token");
  sessionStorage.removeItem("kotona.role");
  $("quarantine").hidden = true;
  if (streamAbort) streamAbort.abort();
  alerts.clear();
  $("alerts").replaceChildren();
  $("main").hidden = true;
  $("login").hidden = false;
  $("state").textContent = why || "sign in to see your care team's alerts";
}
// fetch() with the token; a 401 (expired, signed out elsewhere) returns to the sign-in form.
async function call(path, options = {}) {
  options.headers = Object.assign({Authorization: "Bearer " + token}, options.headers || {});
  const r = await fetch(path, options);
  if (r.status === 401) { signedOut("session ended: sign in again"); throw new Error("signed out"); }
  return r;
}
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }
function apply(a) {
  const old = alerts.get(a.alert_id);
  if (old && old.event_id > a.event_id) return;
  alerts.set(a.alert_id, a);
}
function shown() {
  const p = $("f-priority").value, s = $("f-state").value, who = $("f-patient").value.trim();
  return [...alerts.values()].filter(a => (!p || a.priority === p) && (!s || a.state === s) &&
                                          (!who || a.patient_id === who))
    .sort((x, y) => (rank[x.priority] - rank[y.priority]) ||
                    (stateRank[x.state] - stateRank[y.state]) || (y.event_id - x.event_id));
}
function button(text, cls, fn) { const b = el("button", text, cls); b.onclick = fn; return b; }
function render() {
  const body = $("alerts");
  body.replaceChildren();
  for (const a of shown()) {
    const tr = el("tr");
    tr.className = a.priority + " " + a.state;
    tr.dataset.alertId = a.alert_id;
    tr.dataset.state = a.state;
    tr.dataset.priority = a.priority;
    tr.appendChild(el("td", when(a.last_at || a.created_at)));
    tr.appendChild(el("td", a.priority, "p"));
    const st = el("td", a.state, "st");
    if (a.escalation_tier > 0) st.appendChild(el("div", "escalated, tier " + a.escalation_tier, "esc"));
    if (a.state === "open" && a.escalation_due) st.appendChild(el("div", "escalates " + when(a.escalation_due), "small"));
    if (a.acked_by) st.appendChild(el("div", "ack " + a.acked_by + ": " + (a.ack_note || ""), "small"));
    if (a.resolved_by) st.appendChild(el("div", "resolved " + a.resolved_by + ": " + (a.resolve_note || ""), "small"));
    tr.appendChild(st);
    const pt = el("td");
    pt.appendChild(button(a.patient_id, "link patient", () => showPatient(a.patient_id, null)));
    tr.appendChild(pt);
    const msg = el("td", a.last_message || a.message, "msg");
    if (a.crossings > 1) msg.appendChild(el("div", a.crossings + " crossings since " + when(a.created_at), "small crossings"));
    tr.appendChild(msg);
    const act = el("td");
    if (a.state === "open") act.appendChild(button("Acknowledge", "ack", () => ask("ack", a)));
    if (a.state !== "resolved") act.appendChild(button("Resolve", "resolve", () => ask("resolve", a)));
    if (a.reading_uid) act.appendChild(button("Trend", "trend", () => showPatient(a.patient_id, a)));
    tr.appendChild(act);
    body.appendChild(tr);
  }
}
function ask(mode, a) {
  pending = {mode, alert: a};
  $("action-title").textContent = (mode === "ack" ? "Acknowledge" : "Resolve") + " alert for " + a.patient_id;
  $("action-alert").textContent = a.last_message || a.message;
  $("action-error").textContent = "";
  $("note").value = "";
  $("action").hidden = false;
  $("note").focus();
}
$("cancel").onclick = () => { pending = null; $("action").hidden = true; };
$("confirm").onclick = async () => {
  if (!pending) return;
  const by = sessionStorage.getItem("kotona.user") || "";
  const path = pending.mode === "ack" ? "/api/v1/alerts/ack" : "/api/v1/alerts/resolve";
  try {
    const r = await call(path, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({alert_id: pending.alert.alert_id, by, note: $("note").value})});
    const body = await r.json();
    if (!r.ok) { $("action-error").textContent = body.error || ("HTTP " + r.status); return; }
    apply(body);
    audit();
    pending = null;
    $("action").hidden = true;
    render();
  } catch (e) { $("action-error").textContent = "failed: " + e; }
};
for (const id of ["f-priority", "f-state"]) $(id).onchange = render;
$("f-patient").oninput = render;
$("patient-close").onclick = () => { $("patient").hidden = true; };

// --- patient view: reading history per kind as inline SVG, the alert's reading marked ---
)html",
                                            R"html(const colors = ["#05c", "#8a2be2"];
const DAY = 86400000;
function measured(r) {
  if (r.device_time && r.clock_offset_s !== null) return Date.parse(r.device_time) - r.clock_offset_s * 1000;
  return Date.parse(r.hub_time);
}
// A device's range indicator as the meter showed it ("> 8.0", glucose "HI (> 33.3)") and the
// server's implausible flag (invariant 14); "" for an ordinary value.
function flagText(kind, r) {
  const cmp = r.values.comparator, v = r.values[series[kind][0]];
  let t = "";
  if (cmp === ">" || cmp === "<") {
    const limit = cmp + " " + Number(v).toFixed(1);
    t = hiLo[kind] ? (cmp === ">" ? "HI" : "LO") + " (" + limit + ")" : limit;
  }
  if (r.quality && r.quality.implausible) t = (t ? t + " " : "") + "implausible";
  if (r.quality && r.quality.uid_conflict) t = (t ? t + " " : "") + "uid conflict";
  return t;
}
function svg(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
function chart(kind, rows, focus, focusUid) {
  const W = 640, H = 220, L = 50, R = 10, T = 10, B = 30, keys = series[kind];
  const pts = rows.map(r => ({t: measured(r), r})).filter(p => keys.some(k => typeof p.r.values[k] === "number"));
  if (!pts.length) return null;
  let t0 = Math.min(...pts.map(p => p.t)), t1 = Math.max(...pts.map(p => p.t));
  const limits = [];
  if (focus && focus.threshold) for (const k of keys) if (typeof focus.threshold[k] === "number") limits.push(focus.threshold[k]);
  const vals = pts.flatMap(p => keys.map(k => p.r.values[k]).filter(v => typeof v === "number")).concat(limits);
  let v0 = Math.min(...vals), v1 = Math.max(...vals);
  if (v1 === v0) { v0 -= 1; v1 += 1; }
  if (t1 === t0) { t0 -= DAY / 2; t1 += DAY / 2; }
  const x = t => L + (t - t0) / (t1 - t0) * (W - L - R), y = v => T + (v1 - v) / (v1 - v0) * (H - T - B);
  const s = svg("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "trend", "data-kind": kind});
  s.appendChild(svg("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999"}));
  s.appendChild(svg("line", {x1: L, y1: T, x2: L, y2: H - B, stroke: "#999"}));
  for (const [v, text] of [[v1, v1], [v0, v0]]) {
    const label = svg("text", {x: 4, y: y(v) + 4, "font-size": 11}); label.textContent = (+text.toFixed(1)).toString(); s.appendChild(label);
  }
  for (const [t, anchor] of [[t0, "start"], [t1, "end"]]) {
    const label = svg("text", {x: x(t), y: H - 8, "font-size": 11, "text-anchor": anchor});
    label.textContent = new Date(t).toLocaleDateString(); s.appendChild(label);
  }
  for (const v of limits) s.appendChild(svg("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#b00", "stroke-dasharray": "4 3", class: "threshold"}));
  keys.forEach((k, i) => {
    const line = pts.filter(p => typeof p.r.values[k] === "number").sort((a, b) => a.t - b.t);
    s.appendChild(svg("polyline", {points: line.map(p => `${x(p.t)},${y(p.r.values[k])}`).join(" "), fill: "none", stroke: colors[i % 2]}));
    for (const p of line) {
      const hit = p.r.reading_uid === focusUid;
      const c = svg("circle", {cx: x(p.t), cy: y(p.r.values[k]), r: hit ? 5 : 3, fill: hit ? "#b00" : colors[i % 2],
                               class: hit ? "point alert-point" : "point", "data-uid": p.r.reading_uid});
      const note = flagText(kind, p.r);
      const tip = svg("title", {}); tip.textContent = k + " " + (note || p.r.values[k]) + " at " + new Date(p.t).toLocaleString();
      c.appendChild(tip); s.appendChild(c);
      if (note) {  // range indicator / implausible: written beside the point, never only a dot
        const lab = svg("text", {x: x(p.t) + 6, y: y(p.r.values[k]) - 6, fill: "#b00", "font-size": 11, class: "value-flag", "data-uid": p.r.reading_uid});
        lab.textContent = note; s.appendChild(lab);
      }
    }
  });
  const hit = pts.find(p => p.r.reading_uid === focusUid);
  if (hit) s.appendChild(svg("line", {x1: x(hit.t), x2: x(hit.t), y1: T, y2: H - B, stroke: "#b00", "stroke-dasharray": "2 2", class: "alert-marker"}));
  return s;
}
async function showPatient(patient, focus) {
  $("patient").hidden = false;
  $("patient-title").textContent = "Patient " + patient;
  $("patient").dataset.patient = patient;
  $("patient-focus").textContent = focus ? "Trend around: " + (focus.last_message || focus.message) : "All readings";
  const charts = $("charts");
  charts.replaceChildren(el("p", "loading\u2026"));
  try {
    let query = "/api/v1/readings?limit=10000&patient=" + encodeURIComponent(patient);
    if (focus) {  // the readings measured around the alert (received at last_at)
      const at = Date.parse(focus.last_at);
      query += "&start=" + new Date(at - 15 * DAY).toISOString() + "&end=" + new Date(at + 4 * DAY).toISOString();
    }
    const r = await call(query);
    let rows = await r.json();
    if (!r.ok) throw new Error(rows.error || r.status);
    const focusUid = focus ? (focus.last_reading_uid || focus.reading_uid) : null;
    const focusRow = rows.find(x => x.reading_uid === focusUid);
    if (focusRow) {  // the trend around the alert: two weeks before, three days after
      const t = measured(focusRow);
      rows = rows.filter(x => x.kind === focusRow.kind && measured(x) >= t - 14 * DAY && measured(x) <= t + 3 * DAY);
    }
    charts.replaceChildren();
    for (const kind of Object.keys(series)) {
      const c = chart(kind, rows.filter(x => x.kind === kind), focus, focusUid);
      if (c) { charts.appendChild(el("div", kind + " (" + series[kind].join(", ") + ")", "small")); charts.appendChild(c); }
    }
    if (!charts.children.length) charts.appendChild(el("p", "no numeric readings to plot"));
  } catch (e) { charts.replaceChildren(el("p", "cannot load readings: " + e, "err")); }
}

async function audit() {
  try {
    const v = await (await call("/api/v1/audit/verify")).json();
    $("audit").textContent = v.ok ? "audit log: chain intact, " + v.rows + " actions"
                                  : "AUDIT LOG BROKEN at row " + v.first_bad_seq + ": " + v.reason;
    $("audit").className = v.ok ? "small" : "err";
  } catch (e) { $("audit").textContent = "audit log: cannot verify (" + e + ")"; }
}
// Server-Sent Events over fetch(), so the token goes in a header; resumes with Last-Event-ID.
async function stream(last) {
  while (token) {
    streamAbort = new AbortController();
    try {
      const r = await call("/api/v1/stream", {headers: {"Last-Event-ID": String(last)},
                                              signal: streamAbort.signal});
      if (!r.ok) throw new Error("HTTP " + r.status);
      $("state").textContent = "live";
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const ev = {};
          for (const line of buffer.slice(0, end).split("\n")) {
            const colon = line.indexOf(": ");
            if (colon > 0) ev[line.slice(0, colon)] = line.slice(colon + 2);
          }
          buffer = buffer.slice(end + 2);
          if (ev.event === "alert" && ev.data) {
            apply(JSON.parse(ev.data));
            render();
            last = Math.max(last, Number(ev.id));
          }
        }
      }
    } catch (e) {
      if (!token) return;
    }
    $("state").textContent = "reconnecting\u2026";
    await new Promise(done => setTimeout(done, 2000));
  }
}
// The quarantine section: admins only (the API refuses everyone else).
async function quarantine() {
  if (sessionStorage.getItem("kotona.role") !== "admin") return;
  const r = await call("/api/v1/quarantine?held=1&limit=200");
  if (!r.ok) return;
  $("quarantine").hidden = false;
  const rows = (await r.json()).items.map(q => {
    const tr = el("tr"), act = el("td");
    if (q.releasable) act.append(button("Release", "", () => release(q.id)));
    tr.append(el("td", new Date(q.received_unix_ms).toLocaleString()), el("td", q.reason),
              el("td", q.gateway_id), el("td", q.device_serial),
              el("td", q.reading ? q.reading.kind + " " + JSON.stringify(q.reading.values) : ""), act);
    return tr;
  });
  $("q-items").replaceChildren(...rows);
}
async function release(id) {
  const r = await call("/api/v1/quarantine/" + id + "/release", {method: "POST"});
  $("q-error").textContent = r.ok ? "" : "not released: " + (await r.json()).error;
  quarantine();
}
$("q-refresh").onclick = () => quarantine();
async function start() {
  $("login").hidden = true;
  $("main").hidden = false;
  $("who").textContent = sessionStorage.getItem("kotona.user") || "";
  $("state").textContent = "connecting\u2026";
  audit();
  quarantine();
  try {
    const list = await (await call("/api/v1/alerts?limit=1000")).json();
    let last = 0;
    for (const a of list) { apply(a); last = Math.max(last, a.event_id); }
    render();
    stream(last);
  } catch (e) { if (token) $("state").textContent = "cannot load alerts: " + e; }
}
$("login").addEventListener("submit", async e => {
  e.preventDefault();
  const r = await fetch("/api/v1/login", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({user: $("user").value, password: $("password").value})});
  $("password").value = "";
  if (!r.ok) { $("state").textContent = "sign-in failed"; return; }
  const session = await r.json();
  token = session.token;
  sessionStorage.setItem("kotona.token", token);
  sessionStorage.setItem("kotona.user", session.user);
  sessionStorage.setItem("kotona.role", session.role);
  start();
});
$("logout").onclick = async () => {
  try { await call("/api/v1/logout", {method: "POST"}); } catch (e) {}
  signedOut("signed out");
};
if (token) start(); else signedOut();
</script></body></html>
)html");
  return page;
}

}  // namespace kotona::server::http
