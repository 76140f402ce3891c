// The record push section (issue 19): admins only. GET /api/v1/record ({"enabled": false} when
// the push is off: the section stays hidden): the outbox's waiting readings and the oldest one's age, since
// when the record system takes nothing, the token endpoint's refusal (OAuth2), and the dead
// letters with the record system's own answer (OperationOutcome text).
import {$, call, el} from "./api.js";
import {duration, tx, when} from "./i18n.js";

const iso = ms => new Date(ms).toISOString();

// The OperationOutcome's words: each issue's details.text, else its diagnostics, else its code.
export function outcomeText(outcome) {
  if (typeof outcome === "string") return outcome;
  const issues = (outcome && Array.isArray(outcome.issue)) ? outcome.issue : [];
  return issues.map(i => (i.details && i.details.text) || i.diagnostics || i.code || "")
    .filter(Boolean).join("; ");
}

export async function recordPush() {
  if (sessionStorage.getItem("kotona.role") !== "admin") return;
  const r = await call("/api/v1/record");
  if (!r.ok) return;
  const s = await r.json();
  if (!s.enabled) return;  // no record_endpoint: no push
  $("record").hidden = false;
  const o = s.outbox, items = [tx("li", "record.endpoint", {endpoint: s.endpoint})];
  items.push(s.failing_since_unix_ms
    ? tx("li", "record.failing", {since: when(iso(s.failing_since_unix_ms)), error: s.last_failure}, "err")
    : tx("li", "record.ok"));
  if (s.oauth) {
    items.push(s.oauth.refused_since_unix_ms
      ? tx("li", "record.authRefused", {since: when(iso(s.oauth.refused_since_unix_ms)), error: s.oauth.last_refusal}, "err")
      : tx("li", "record.authOk", {client: s.oauth.client_id, alg: s.oauth.alg}));
  }
  items.push(tx("li", "record.pending", {count: o.pending}, o.pending ? "pending" : ""));
  if (o.oldest_pending_received_unix_ms) {
    const age = Math.max(0, (Date.now() - o.oldest_pending_received_unix_ms) / 1000);
    items.push(tx("li", "record.oldest", {age: duration(Math.round(age)), when: when(iso(o.oldest_pending_received_unix_ms))}));
  }
  items.push(tx("li", "record.done", {count: o.done}), tx("li", "record.dead", {count: o.dead}, o.dead ? "err" : ""));
  $("r-status").replaceChildren(...items);
  const rows = s.dead_letters.map(d => {
    const tr = el("tr"), text = outcomeText(d.operation_outcome);
    tr.dataset.reading = d.reading_uid;
    tr.append(el("td", when(iso(d.at_unix_ms))), el("td", d.patient_id), el("td", d.reading_uid),
              el("td", String(d.http_status)), text ? el("td", text) : tx("td", "record.noOutcome"));
    return tr;
  });
  if (!rows.length) {
    const td = tx("td", "record.noDead");
    td.colSpan = 5;
    rows.push(el("tr"));
    rows[0].append(td);
  }
  $("r-dead").replaceChildren(...rows);
}

export function initRecordPush() { $("r-refresh").onclick = () => recordPush(); }
