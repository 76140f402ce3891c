// The quarantine section: admins only (the API refuses everyone else). What the server could
// not store; a not_enrolled reading can be released once its device is enrolled.
import {$, button, call, el, say} from "./api.js";
import {known, readingText, t, when} from "./i18n.js";

// The reason by its name in this language, the server's code after it (the help text and the
// API name it): "Rekisteröimätön laite (not_enrolled)"; a code without a name as sent.
function reasonText(reason) {
  const key = "rule.quarantine." + String(reason).split(":")[0];
  return known(key) ? t(key) + " (" + reason + ")" : reason;
}

export async function quarantine() {
  if (sessionStorage.getItem("kotona.role") !== "admin") return;
  const r = await call("/api/v1/quarantine?held=1&limit=200");
  if (!r.ok) return;
  $("quarantine").hidden = false;
  const rows = (await r.json()).items.map(q => {
    const tr = el("tr"), act = el("td");
    if (q.releasable) act.append(button("quarantine.release", "", () => release(q.id)));
    tr.append(el("td", when(new Date(q.received_unix_ms).toISOString())), el("td", reasonText(q.reason)),
              el("td", q.gateway_id), el("td", q.device_serial),
              el("td", q.reading ? readingText(q.reading.kind, q.reading.values) : ""), act);
    return tr;
  });
  $("q-items").replaceChildren(...rows);
}

async function release(id) {
  const r = await call("/api/v1/quarantine/" + id + "/release", {method: "POST"});
  if (r.ok) $("q-error").textContent = "";
  else say("q-error", "quarantine.notReleased", {error: (await r.json()).error});
  quarantine();
}

export function initQuarantine() { $("q-refresh").onclick = () => quarantine(); }
