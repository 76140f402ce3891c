// Attention (issue 18 part 6): a NEW high-priority alert arriving over the live feed plays a
// short tone and, when the user allowed it, raises a desktop notification; the tab title
// carries the number of open high alerts ("(2) Kotona – hälytykset"). Alerts of the initial
// load, medium and low alerts, and later events of a known alert (claim, note, a further
// crossing) stay silent. The tone is generated here with WebAudio (no sound file). Both
// choices are kept per user on the server (GET/PUT /api/v1/me: alert_sound, default on;
// alert_notify, off until the user turns it on and the browser allows it).
// Test hook: window.kotonaAttention counts tones and notifications (tests/web).
import {$, call, say} from "./api.js";
import {known, t} from "./i18n.js";
import {patientName} from "./patients.js";

const settings = {sound: true, notify: false};
const counted = window.kotonaAttention = {tones: 0, notifications: 0};
let audio = null;
let lastTone = 0;

const canNotify = () => "Notification" in window && Notification.permission === "granted";

// Two short beeps (880 Hz then 660 Hz, 0.2 s each), at most one pair per 2 s when many
// alerts arrive at once. The AudioContext is made on first use; a browser that has not
// seen a click or key on this page yet keeps it suspended, and the first one resumes it.
function tone() {
  const now = Date.now();
  if (now - lastTone < 2000) return;
  lastTone = now;
  counted.tones++;
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const start = audio.currentTime + 0.02;
    [880, 660].forEach((hz, i) => {
      const osc = audio.createOscillator(), gain = audio.createGain(), at = start + i * 0.25;
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.22);
    });
  } catch (e) { /* no audio device: the title and the notification still tell */ }
}

// The desktop notification of alert `a`: who and which rule, both as the page says them;
// clicking it brings the page forward.
function notify(a) {
  const rule = known("rule." + a.rule_id) ? t("rule." + a.rule_id) : t("attention.newAlert");
  const n = new Notification(t("attention.notifyTitle", {patient: patientName(a.patient_id)}),
                             {body: rule, tag: a.alert_id, lang: document.documentElement.lang});
  n.onclick = () => { window.focus(); n.close(); };
  counted.notifications++;
}

// The tab's title with the number of open high alerts of `alerts` (a Map of the feed).
export function showCount(alerts) {
  let count = 0;
  for (const a of alerts.values()) if (a.priority === "high" && a.state === "open") count++;
  document.title = count ? t("doc.titleCount", {count}) : t("doc.title");
}

// An alert event from the live feed, after the feed applied it; `isNew`: its alert was not
// known to the page before this event.
export function attend(a, isNew, alerts) {
  if (isNew && a.priority === "high" && a.state === "open") {
    if (settings.sound) tone();
    if (settings.notify && canNotify()) {
      try { notify(a); } catch (e) { /* a browser without page notifications (Android) */ }
    }
  }
  showCount(alerts);
}

const save = change => call("/api/v1/me", {method: "PUT",
  headers: {"Content-Type": "application/json"}, body: JSON.stringify(change)});

// The user's choices from GET /api/v1/me, shown in the two check boxes.
export function useSettings(me) {
  settings.sound = me.alert_sound !== false;
  settings.notify = me.alert_notify === true;
  $("att-sound").checked = settings.sound;
  $("att-notify").checked = settings.notify && canNotify();
}

// Saves a choice; shown back as it was when the server refuses it.
async function choose(change, box) {
  $("att-error").textContent = "";
  try {
    const r = await save(change);
    if (!r.ok) throw new Error("HTTP " + r.status);
    useSettings(await r.json());
  } catch (e) {
    box.checked = !box.checked;
    say("att-error", "action.failed", {error: e.message || e});
  }
}

// Wires the check boxes. Turning notifications on asks the browser's permission first.
export function initAttention() {
  $("att-sound").onchange = () => choose({alert_sound: $("att-sound").checked}, $("att-sound"));
  $("att-notify").onchange = async () => {
    const box = $("att-notify");
    if (box.checked && !canNotify()) {
      const answer = "Notification" in window ? await Notification.requestPermission() : "denied";
      if (answer !== "granted") {
        box.checked = false;
        say("att-error", "attention.blocked");
        return;
      }
    }
    await choose({alert_notify: box.checked}, box);
  };
  // A suspended AudioContext (no click or key yet when it was made) resumes on the first one.
  const wake = () => { if (audio && audio.state === "suspended") audio.resume().catch(() => {}); };
  document.addEventListener("pointerdown", wake);
  document.addEventListener("keydown", wake);
}
