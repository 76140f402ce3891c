// Alert yield (issue 18 part 8): per rule and per patient over 30 and 90 days, the alerts
// raised, the share the resolving clinician called clinically actionable (of those answered),
// and the median time from raised to acknowledged with the number never acknowledged (GET
// /api/v1/yield: the caller's care teams only), so thresholds are tuned from evidence. Opened
// and closed by the bar's button; read again each time it is opened.
import {$, call, el} from "./api.js";
import {duration, known, num, t, tx} from "./i18n.js";
import {patientName} from "./patients.js";

const days = [30, 90];
const none = {raised: 0, answered: 0, actionable: 0, share: null, median_ack_s: null, not_acked: 0};

// The three cells of one window: raised, share actionable, time to acknowledge.
function figures(w) {
  const share = w.share === null ? tx("td", "yield.noAnswers", {}, "small")
    : tx("td", "yield.share", {percent: num(w.share * 100, 0), actionable: w.actionable, answered: w.answered});
  const ack = w.raised === 0 ? tx("td", "yield.noAlerts", {}, "small")
    : w.median_ack_s === null ? tx("td", "yield.noAck", {count: w.not_acked}, "small")
    : w.not_acked > 0 ? tx("td", "yield.ackSome", {median: duration(w.median_ack_s), count: w.not_acked})
    : el("td", duration(w.median_ack_s));
  if (w.median_ack_s !== null) ack.dataset.seconds = String(w.median_ack_s);
  return [el("td", num(w.raised, 0)), share, ack];
}

// One table: a row per rule (or patient), each window's figures side by side.
function table(data, part, idKey, nameCell, caption) {
  const ids = [];
  const by = days.map(d => {
    const w = data.windows.find(x => x.days === d) || {[part]: []};
    const m = new Map(w[part].map(r => [r[idKey], r]));
    for (const id of m.keys()) if (!ids.includes(id)) ids.push(id);
    return m;
  });
  // Two header rows: the window ("30 days") over its three figures.
  const windows = el("tr"), head = el("tr");
  const name = tx("th", part === "rules" ? "yield.col.rule" : "yield.col.patient");
  name.rowSpan = 2;
  name.scope = "col";
  windows.append(name);
  for (const d of days) {
    const w = tx("th", "yield.col.days", {days: d}, "window");
    w.colSpan = 3;
    w.scope = "colgroup";
    windows.append(w);
    for (const k of ["yield.col.raised", "yield.col.share", "yield.col.ack"]) {
      const th = tx("th", k);
      th.scope = "col";
      head.append(th);
    }
  }
  const tbl = el("table", null, "yield");
  tbl.id = "yield-" + part;
  const thead = el("thead"), body = el("tbody");
  thead.append(windows, head);
  for (const id of ids) {
    const tr = el("tr");
    tr.dataset.id = id;
    tr.append(nameCell(id));
    by.forEach(m => tr.append(...figures(m.get(id) || none)));
    body.append(tr);
  }
  if (!ids.length) {
    const empty = tx("td", "yield.empty", {}, "small");
    empty.colSpan = 1 + 3 * days.length;
    body.append(el("tr"));
    body.lastChild.append(empty);
  }
  tbl.append(thead, body);
  const h = tx("h3", caption);
  h.id = "yield-" + part + "-title";
  tbl.setAttribute("aria-labelledby", h.id);
  // A narrow screen scrolls the table sideways in its own box (reachable by keyboard).
  const scroll = el("div", null, "scroll");
  scroll.tabIndex = 0;
  scroll.setAttribute("role", "region");
  scroll.setAttribute("aria-labelledby", h.id);
  scroll.append(tbl);
  return [h, scroll];
}

// The row's name cell: a row header.
function rowHead(e) { e.scope = "row"; return e; }
const ruleCell = id => rowHead(known("rule." + id) ? tx("th", "rule." + id) : el("th", id));
const patientCell = id => rowHead(el("th", patientName(id)));

function setOpen(open) {
  const b = $("yield-open");
  b.dataset.k = open ? "yield.close" : "yield.open";
  b.textContent = t(b.dataset.k);
  b.setAttribute("aria-expanded", String(open));
  $("yield").hidden = !open;
}

async function open() {
  const box = $("yield");
  const title = tx("h2", "yield.title");
  title.id = "yield-title";
  title.tabIndex = -1;
  delete box.dataset.loaded;
  box.replaceChildren(title, tx("p", "yield.help", {}, "small"));
  setOpen(true);
  title.focus();
  const r = await call("/api/v1/yield").catch(e => ({ok: false, e}));
  if (!r.ok) { box.append(tx("p", "yield.cannotLoad", {error: r.status || r.e}, "err")); return; }
  const data = await r.json();
  if (data.truncated) box.append(tx("p", "yield.truncated", {}, "err"));
  box.append(...table(data, "rules", "rule_id", ruleCell, "yield.byRule"),
             ...table(data, "patients", "patient_id", patientCell, "yield.byPatient"));
  box.dataset.loaded = "";
}

// Hidden again (at sign-out).
export function closeYield() { setOpen(false); }

export function initYield() {
  $("yield-open").setAttribute("aria-controls", "yield");
  $("yield-open").setAttribute("aria-expanded", "false");
  $("yield-open").onclick = () => ($("yield").hidden ? open() : setOpen(false));
  $("yield").addEventListener("keydown", e => { if (e.key === "Escape") { setOpen(false); $("yield-open").focus(); } });
}
