// The worklist by keyboard only (issue 18 part 9). The feed is drawn again on every live
// event and every 30 s (feed.js render()): the element that had focus is found again in the
// new rows (same alert, same control, else the control at the same place) so a keyboard user
// does not fall back to the top of the page. In the alert table ArrowDown / ArrowUp move to the
// same control of the next / previous alert, Home / End to the first / last alert. The
// acknowledge / resolve / note dialog and the patient view close with Escape, and focus
// returns to the control that opened them.
import {$} from "./api.js";

// Where focus is, as something that survives a redraw: {alert, cls, index} or null.
export function focusKey() {
  const e = document.activeElement, tr = e && e.closest && e.closest("#alerts tr");
  if (!tr) return null;
  const controls = [...tr.querySelectorAll("button, a[href], input, select, textarea")];
  return {alert: tr.dataset.alertId, cls: e.className, index: controls.indexOf(e)};
}

function controlsOf(tr) { return [...tr.querySelectorAll("button, a[href], input, select, textarea")]; }

const rowOf = alertId => [...$("alerts").rows].find(r => r.dataset.alertId === alertId);

// Focus on the control `key` names, in the rows as they are now; false when its alert is gone.
export function restoreFocus(key) {
  if (!key) return false;
  const tr = rowOf(key.alert);
  if (!tr) return false;
  const controls = controlsOf(tr);
  const same = controls.find(c => c.className === key.cls);
  const target = same || controls[Math.min(Math.max(key.index, 0), controls.length - 1)];
  if (!target) return false;
  target.focus();
  return true;
}

// The arrow keys between alert rows: the same control (by class) in the row above / below.
function move(event) {
  const tr = event.target.closest("#alerts tr");
  if (!tr) return;
  const rows = [...$("alerts").rows];
  const at = rows.indexOf(tr);
  const to = {ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: rows.length - 1}[event.key];
  if (to === undefined || to < 0 || to >= rows.length || to === at) return;
  event.preventDefault();
  const controls = controlsOf(rows[to]);
  (controls.find(c => c.className === event.target.className) || controls[0])?.focus();
}

// The last place focus had in the alert rows (the panels' way back).
let lastInRows = null;

// A panel opened from the worklist (the action dialog, the patient view): when it opens, focus
// goes into it (`into`, unless the opener already put it there) and when it is hidden again,
// back to the control that opened it (or its neighbour when the action removed it), after
// feed.js drew the rows again.
function panel(id, into) {
  const box = $(id);
  if (!box) return;
  let opener = null;
  new MutationObserver(() => {
    if (!box.hidden) {
      opener = lastInRows;
      const target = into && $(into);
      if (target && !box.contains(document.activeElement)) {
        target.tabIndex = -1;
        target.focus();
      }
    } else if (opener) {
      const key = opener;
      opener = null;
      if (box.contains(document.activeElement) || document.activeElement === document.body) restoreFocus(key);
    }
  }).observe(box, {attributes: true, attributeFilter: ["hidden"]});
}

export function initKeyboard() {
  $("alerts").addEventListener("keydown", e => {
    if (["ArrowDown", "ArrowUp", "Home", "End"].includes(e.key)) move(e);
  });
  document.addEventListener("focusin", () => { lastInRows = focusKey() || lastInRows; });
  panel("action", null);
  panel("patient", "patient-title");
  $("action").addEventListener("keydown", e => { if (e.key === "Escape") $("cancel").click(); });
  $("patient").addEventListener("keydown", e => { if (e.key === "Escape") $("patient-close").click(); });
}
