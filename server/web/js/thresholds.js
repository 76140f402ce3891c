// A patient's alert thresholds in the patient view (issue 18 part 5): each value in force with
// its source (the default and its guideline, the server's config file, or who set it and
// when), edited by a clinician of the team (a viewer reads them), the history of changes.
// The server validates as it validates its config lines and answers a refusal by code; the
// page says it from the catalogue (threshold_texts.js). A saved change is in force for the
// patient's next reading on every server instance.
import {$, button, call, el} from "./api.js";
import {has, num, t, tx, when} from "./i18n.js";

// The guideline behind each default (docs/alerts.md): a catalogue key "thr.guideline.<id>".
const guideline = {
  bp_crisis_systolic_mmhg: "escEsh", bp_crisis_diastolic_mmhg: "escEsh",
  bp_hypotension_systolic_mmhg: "esc", inr_target_low: "accpEsc", inr_target_high: "accpEsc",
  inr_far_low: "site", inr_far_high: "site", glucose_hypo_l1_mmol_l: "ada",
  glucose_hypo_l2_mmol_l: "ada", glucose_hyper_mmol_l: "ada", spo2_low_percent: "bts",
  lead_impedance_low_ohm: "hrs", lead_impedance_high_ohm: "hrs", af_burden_percent: "site",
  weight_gain_kg: "escHf", weight_gain_days: "escHf",
};

const label = key => t("thr.key." + key);
// A value in an input, in this language's decimal mark, never grouped ("2000", "2,5"): a
// grouping comma ("2,000" in English) would read back as a decimal one.
const shown = v => String(v).replace(".", num(1.5).charAt(1));
// What the user typed as the server reads numbers ("2,5" -> "2.5").
const typed = text => text.trim().replace(",", ".");
const mayEdit = () => ["clinician", "admin"].includes(sessionStorage.getItem("kotona.role"));

function source(v) {
  if (v.source === "set" && v.in_force === false) {
    // What the server uses is the seed: said first, with the refusal's own words.
    const why = v.refusal && has("thr.refused." + v.refusal.code)
      ? tx("span", "thr.refused." + v.refusal.code, {limit: v.refusal.key ? label(v.refusal.key) : "", value: v.refusal.value ?? ""}, "err")
      : tx("span", "action.failed", {error: v.refusal ? v.refusal.error : ""}, "err");
    const span = el("span", null, "not-in-force");
    span.append(tx("span", "thr.notInForce", {stored: shown(v.stored), value: shown(v.value)}, "err"), " ", why, " ",
                tx("span", "thr.source.set", {by: v.set_by, when: when(v.set_at)}, "small"));
    return span;
  }
  if (v.source === "set") return tx("span", "thr.source.set", {by: v.set_by, when: when(v.set_at)}, "small");
  if (v.source === "config") return tx("span", "thr.source.config", {}, "small");
  return tx("span", "thr.source.default", {guideline: t("thr.guideline." + (guideline[v.key] || "site"))}, "small");
}

function historyLine(c) {
  const value = x => x === null ? t("thr.unset") : shown(Number(x));
  return tx("li", "thr.change", {when: when(c.at), by: c.by, limit: label(c.key),
    before: value(c.before), after: value(c.after)}, "small");
}

// The refusal of a PUT (400 {code, key, value}) or another failure, as catalogue text.
async function refusal(r) {
  if (r.status === 400) {
    const why = await r.json().catch(() => ({}));
    const key = "thr.refused." + why.code;
    if (!has(key)) return tx("span", "action.failed", {error: why.error || r.status});
    return tx("span", key, {limit: why.key ? label(why.key) : "", value: why.value ?? ""});
  }
  return tx("span", "action.failed", {error: r.status || r.e});
}

function row(v, inputs, save) {
  const tr = el("tr");
  tr.dataset.key = v.key;
  tr.dataset.source = v.source;
  tr.dataset.inForce = String(v.in_force !== false);
  const input = document.createElement("input");
  input.id = "thr-" + v.key;
  input.inputMode = "decimal";
  input.size = 7;
  input.value = shown(v.value);
  input.dataset.was = input.value;
  input.setAttribute("aria-label", label(v.key));
  input.disabled = !mayEdit();
  inputs.push(input);
  const reset = v.source === "set" && mayEdit()
    ? button("thr.reset", "thr-reset", () => save({[v.key]: null})) : "";
  const cell = (...parts) => { const td = el("td"); td.append(...parts); return td; };
  tr.append(cell(tx("label", "thr.key." + v.key)), cell(input), cell(source(v), " ", reset));
  tr.firstChild.firstChild.htmlFor = input.id;
  return tr;
}

// Fills #thresholds-box for `patient` (patient view).
export async function showThresholds(patient) {
  const box = $("thresholds-box");
  if (!box) return;
  const path = "/api/v1/patients/" + encodeURIComponent(patient) + "/thresholds";
  const r = await call(path).catch(e => ({ok: false, e}));
  if (!r.ok) {
    box.replaceChildren(tx("p", r.status === 404 ? "thr.unregistered" : "thr.cannotLoad", {error: r.status || r.e}, "small"));
    return;
  }
  const data = await r.json();
  const status = el("p", null, "small");
  status.id = "thr-status";
  const save = async values => {
    const answer = await call(path, {method: "PUT", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({values})}).catch(e => ({ok: false, e}));
    if (!answer.ok) {
      status.className = "err";
      status.replaceChildren(await refusal(answer));
      return;
    }
    await showThresholds(patient);
    say("thr.saved");
  };
  const say = key => {
    const s = $("thr-status");
    s.className = "small";
    s.replaceChildren(tx("span", key));
  };
  const inputs = [];
  const head = el("tr");
  for (const k of ["thr.col.limit", "thr.col.value", "thr.col.source"]) head.append(tx("th", k));
  const table = el("table", null, "thresholds");
  table.id = "thr-table";
  const thead = el("thead"), body = el("tbody");
  thead.append(head);
  body.append(...data.values.map(v => row(v, inputs, save)));
  table.append(thead, body);
  const parts = [tx("h3", "thr.title"), table];
  if (mayEdit()) {
    const saveButton = button("thr.save", "thr-save", () => {
      const values = {};
      for (const i of inputs) if (i.value !== i.dataset.was) values[i.id.slice(4)] = typed(i.value);
      if (!Object.keys(values).length) { say("thr.unchanged"); return; }
      save(values);
    });
    saveButton.id = "thr-save";
    parts.push(saveButton);
  } else {
    parts.push(tx("p", "thr.readOnly", {}, "small"));
  }
  const history = el("ul", null, "thr-history");
  history.id = "thr-history";
  history.append(...(data.history.length ? data.history.map(historyLine) : [tx("li", "thr.noHistory", {}, "small")]));
  parts.push(status, tx("h4", "thr.history"), history);
  box.replaceChildren(...parts);
}
