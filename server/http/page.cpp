#include "server/http/page.h"

namespace kotona::server::http {

std::string_view feed_page_html() {
  return R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kotona clinician feed</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.3rem} #state{font-size:.9rem;color:#666}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd}
tr.high td{background:#fde8e8} tr.high td.p{color:#b00;font-weight:bold}
tr.medium td.p{color:#b60} tr.low td.p{color:#555}
</style></head><body>
<h1>Kotona &mdash; clinician alert feed</h1>
<p id="state">connecting&hellip;</p>
<table><thead><tr><th>Time</th><th>Priority</th><th>Patient</th><th>Alert</th></tr></thead>
<tbody id="alerts"></tbody></table>
<script>
"use strict";
const body = document.getElementById("alerts");
const state = document.getElementById("state");
const seen = new Set();
function add(a, atTop) {
  if (seen.has(a.event_id)) return;
  seen.add(a.event_id);
  const tr = document.createElement("tr");
  tr.className = a.priority;
  for (const [text, cls] of [[new Date(a.created_at).toLocaleString(), ""],
                             [a.priority, "p"], [a.patient_id, ""], [a.message, ""]]) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  if (atTop) body.prepend(tr); else body.appendChild(tr);
}
fetch("/api/v1/alerts").then(r => r.json()).then(list => {
  for (const a of list) add(a, false);
  const last = list.length ? list[0].event_id : null;
  const url = last === null ? "/api/v1/stream" : "/api/v1/stream?last_event_id=" + last;
  const es = new EventSource(url);
  es.addEventListener("alert", e => add(JSON.parse(e.data), true));
  es.onopen = () => { state.textContent = "live"; };
  es.onerror = () => { state.textContent = "reconnecting\u2026"; };
}).catch(e => { state.textContent = "cannot load alerts: " + e; });
</script></body></html>
)html";
}

}  // namespace kotona::server::http
