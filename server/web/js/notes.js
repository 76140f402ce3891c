// Notes (issue 18 part 3): on an alert, listed under its sentence and read again whenever the
// feed says its count changed (a colleague's note arrives live over the stream), and on a
// patient, in the patient view with a field to add one. Author and time come from the
// server; the text is data (textContent only).
import {$, button, call, el} from "./api.js";
import {t, tx, when} from "./i18n.js";

const alertNotesRead = new Map();  // alert_id -> {want: count asked for, notes: [...]}

function noteLine(n) {
  const line = el("div", null, "note");
  line.append(tx("span", "note.by", {by: n.author, when: when(n.at)}, "small note-by"), " ",
              el("span", n.text, "note-text"));
  return line;
}

// The notes of alert `a` as elements (those read so far); reads them again when the alert's
// count differs from the last read, then `redraw`.
export function alertNotes(a, redraw) {
  if (!a.notes) return [];
  let read = alertNotesRead.get(a.alert_id);
  if (!read) alertNotesRead.set(a.alert_id, read = {want: 0, notes: []});
  if (read.want !== a.notes) {
    read.want = a.notes;
    call("/api/v1/alerts/notes?alert_id=" + encodeURIComponent(a.alert_id))
      .then(async r => { if (r.ok) { read.notes = await r.json(); redraw(); } })
      .catch(() => {});
  }
  return read.notes.map(noteLine);
}

// A note on alert `alertId` (the action dialog's text); the answer is the alert after it.
export async function addAlertNote(alertId, text) {
  return call("/api/v1/alerts/notes", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({alert_id: alertId, text})});
}

// The patient view's notes: the list, a field and its button (registered patients only).
export async function showPatientNotes(patient) {
  const box = $("notes-box");
  const path = "/api/v1/patients/" + encodeURIComponent(patient) + "/notes";
  const r = await call(path).catch(() => null);
  if (!r || !r.ok) {
    box.replaceChildren(tx("p", r && r.status === 404 ? "notes.unregistered" : "notes.none", {}, "small"));
    return;
  }
  const notes = await r.json();
  const list = el("div", null, "notes");
  list.id = "note-list";
  list.append(...(notes.length ? notes.map(noteLine) : [tx("p", "notes.none", {}, "small")]));
  const field = document.createElement("textarea");
  field.id = "note-new";
  field.rows = 2;
  field.cols = 60;
  field.maxLength = 2000;
  field.placeholder = t("notes.placeholder");
  field.dataset.kp = "notes.placeholder";
  field.setAttribute("aria-label", t("notes.placeholder"));
  const error = el("span", null, "err");
  const add = button("notes.add", "note-add", async () => {
    if (!field.value.trim()) return;
    const r = await call(path, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({text: field.value})}).catch(e => ({ok: false, e}));
    if (r.ok) showPatientNotes(patient);
    else error.replaceChildren(tx("span", "action.failed", {error: r.status || r.e}));
  });
  add.id = "note-add";
  box.replaceChildren(tx("h3", "notes.patientTitle"), list, field, el("br"), add, " ", error);
}
