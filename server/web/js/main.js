// The clinician page's entry: sign-in, the initial alert list, then the live feed. The feed
// is read with fetch() and parsed here, because EventSource cannot set headers, a token in the
// URL would land in logs and history, and a cookie would make every route a cross-site
// request forgery target (docs/security.md).
import {$, call, say, session} from "./api.js";
import {attend, initAttention, showCount, useSettings} from "./attention.js";
import {alerts, apply, initFeed, render} from "./feed.js";
import {chooseLanguage, lang, translateDocument, useLanguageOf} from "./i18n.js";
import {initKeyboard} from "./keyboard.js";
import {loadPatients, setTeams} from "./patients.js";
import {initQuarantine, quarantine} from "./quarantine.js";
import {initRecordPush, recordPush} from "./record.js";
import {closeYield, initYield} from "./yield.js";

let streamAbort = null;

// `why`: a catalogue key (the sign-in prompt by default).
function signedOut(why) {
  session.token = null;
  sessionStorage.removeItem("kotona.token");
  sessionStorage.removeItem("kotona.role");
  $("quarantine").hidden = true;
  $("record").hidden = true;
  closeYield();
  if (streamAbort) streamAbort.abort();
  alerts.clear();
  $("alerts").replaceChildren();
  showCount(alerts);
  $("main").hidden = true;
  $("login").hidden = false;
  setState(why || "state.prompt");
}
session.onSignedOut = signedOut;

// The connection line; data-state carries the key's last part for tests ("live").
function setState(key, params) {
  say("state", key, params);
  $("state").dataset.state = key.replace("state.", "");
}

async function audit() {
  try {
    const v = await (await call("/api/v1/audit/verify")).json();
    if (v.ok) say("audit", "audit.intact", {count: v.rows});
    else say("audit", "audit.broken", {seq: v.first_bad_seq, reason: v.reason});
    $("audit").dataset.rows = v.ok ? v.rows : "";
    $("audit").className = v.ok ? "small" : "err";
  } catch (e) { say("audit", "audit.cannotVerify", {error: e}); }
}

// One block of an event stream ("id: 7\nevent: alert\ndata: {...}") as {id, event, data}.
function parseEvent(block) {
  const ev = {};
  for (const line of block.split("\n")) {
    const colon = line.indexOf(": ");
    if (colon > 0) ev[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return ev;
}

// Reads one stream response to its end; returns the last event id seen.
async function follow(r, last) {
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return last;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const ev = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (ev.event === "alert" && ev.data) {
        const a = JSON.parse(ev.data), isNew = !alerts.has(a.alert_id);
        apply(a);
        render();
        attend(a, isNew, alerts);  // a new high alert: tone, notification; the title's count
        last = Math.max(last, Number(ev.id));
      }
    }
  }
}

// Server-Sent Events over fetch(), so the token goes in a header; resumes with Last-Event-ID.
async function stream(last) {
  while (session.token) {
    streamAbort = new AbortController();
    try {
      const r = await call("/api/v1/stream", {headers: {"Last-Event-ID": String(last)},
                                              signal: streamAbort.signal});
      if (!r.ok) throw new Error("HTTP " + r.status);
      setState("state.live");
      last = await follow(r, last);
    } catch (e) {
      if (!session.token) return;
    }
    setState("state.reconnecting");
    await new Promise(done => setTimeout(done, 2000));
  }
}

// The language is kept per user on the server (GET/PUT /api/v1/me, issue 18), through call()
// like every API request: the bearer token in the Authorization header. Saved only while
// signed in (the sign-in form has no token: its choice is saved at sign-in).
const saveLanguage = code => call("/api/v1/me", {method: "PUT",
  headers: {"Content-Type": "application/json"}, body: JSON.stringify({language: code})});

// Who the user is (GET /api/v1/me): their care teams by name, and the language the server
// keeps for them, which wins over this browser's; a choice made here while the server had
// none (e.g. on the sign-in form) is saved there.
async function loadMe(user) {
  const r = await call("/api/v1/me");
  if (!r.ok) return;
  const me = await r.json();
  setTeams(me.teams);
  useSettings(me);
  if (me.language && me.language !== lang) {
    chooseLanguage(me.language, user);
    translateDocument();
  } else if (!me.language && (localStorage.getItem("kotona.lang." + user) || localStorage.getItem("kotona.lang"))) {
    await saveLanguage(lang);
  }
}

async function start() {
  $("login").hidden = true;
  $("main").hidden = false;
  const user = sessionStorage.getItem("kotona.user") || "";
  $("who").textContent = user;
  try { await loadMe(user); } catch (e) { if (!session.token) return; }
  setState("state.connecting");
  audit();
  quarantine();
  recordPush();
  try {
    await loadPatients();
    const list = await (await call("/api/v1/alerts?limit=1000")).json();
    let last = 0;
    for (const a of list) { apply(a); last = Math.max(last, a.event_id); }
    render();
    showCount(alerts);  // the initial load: the title's count, no tone
    stream(last);
  } catch (e) { if (session.token) setState("state.cannotLoad", {error: e}); }
}

$("login").addEventListener("submit", async e => {
  e.preventDefault();
  const r = await fetch("/api/v1/login", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({user: $("user").value, password: $("password").value})});
  $("password").value = "";
  if (!r.ok) { setState("state.signInFailed"); return; }
  const s = await r.json();
  session.token = s.token;
  sessionStorage.setItem("kotona.token", s.token);
  sessionStorage.setItem("kotona.user", s.user);
  sessionStorage.setItem("kotona.role", s.role);
  useLanguageOf(s.user);
  translateDocument();
  start();
});
$("logout").onclick = async () => {
  try { await call("/api/v1/logout", {method: "POST"}); } catch (e) {}
  signedOut("state.signedOut");
};
// A new language is saved for this user (this browser, and the server when signed in) and the
// page is drawn again in it (the token stays: sessionStorage).
$("lang").onchange = async () => {
  const code = $("lang").value, user = session.token ? sessionStorage.getItem("kotona.user") : null;
  chooseLanguage(code, user);
  if (user) await saveLanguage(code).catch(() => {});
  location.reload();
};
useLanguageOf(session.token ? sessionStorage.getItem("kotona.user") : null);
translateDocument();
initFeed(audit);
initAttention();
initKeyboard();
initQuarantine();
initRecordPush();
initYield();
if (session.token) start(); else signedOut();
