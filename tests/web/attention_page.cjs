// Attention (issue 18 part 6) in headless Debian chromium through playwright-core:
//   node attention_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD ADMIN_PASSWORD SHOT_DIR
// The browser allows notifications (playwright grants 'notifications'); an init script wraps
// the Notification constructor and OscillatorNode.start to record what the page really did.
// patient-1 is registered as Aino Virtanen (the notification names her). USER signs in: sound on and notification off by default; turns notifications on (saved on
// the server). Prints "page live"; the C++ test's INR meter then sends 3.4 (inr.out_of_range,
// MEDIUM) and 4 s later 6.0 (inr.far_out_of_range, HIGH). The medium alert: no tone, no
// notification, the title without a count. The high alert: one tone (two beeps), one
// notification naming the rule, the title "(1) ...". After a reload (both alerts in the
// initial load): no tone, no notification, the title still "(1) ...". Acknowledged: the title
// without a count. No untranslated text, no console error. Screenshot SHOT_DIR/attention.png.
// Exit 0 when every step passed; 1 with the reason otherwise.
"use strict";
const { chromium } = require(process.argv[2]);
const { registerPatient, untranslated } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, adminPassword, shots] = process.argv.slice(4, 8);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }
const live = () => document.getElementById("state").dataset.state === "live";

// Runs in the page before its scripts: what reached the Notification API and WebAudio.
function record() {
  window.__shown = [];
  window.__beeps = 0;
  const Real = window.Notification;
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.__shown.push({title, body: options && options.body});
    }
  }
  Object.defineProperty(Recorded, "permission", {get: () => Real.permission});
  Recorded.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Recorded;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...a) { window.__beeps++; return start.apply(this, a); };
}

const seen = page => page.evaluate(() => ({tones: window.kotonaAttention.tones, beeps: window.__beeps,
  shown: window.__shown, title: document.title}));
const me = page => page.evaluate(async () => (await fetch("/api/v1/me", {headers:
  {Authorization: "Bearer " + sessionStorage.getItem("kotona.token")}})).json());

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.grantPermissions(["notifications"], { origin: new URL(url).origin });
    await context.addInitScript(record);
    const page = await context.newPage();
    page.setDefaultTimeout(60000);
    page.on("console", m => { log("console:", m.text()); if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", e => { log("pageerror:", e.message); errors.push(e.message); });
    await page.goto(url);
    const status = await registerPatient(page, adminPassword,
      {patient_id: "patient-1", display_name: "Aino Virtanen", team: "ward-1"});
    check(status === 201, "patient-1 registered (" + status + ")");
    await page.fill("#user", user);
    await page.fill("#password", password);
    await page.click("#sign-in");
    await page.waitForFunction(live);
    const titles = await page.evaluate(async () => (await import("/web/js/messages.js")).messages.fi);
    check(await page.isChecked("#att-sound") && !(await page.isChecked("#att-notify")),
          "defaults: sound on, desktop notification off");
    const before = await me(page);
    check(before.alert_sound === true && before.alert_notify === false, "the server's defaults agree");
    await page.check("#att-notify");
    await page.waitForFunction(async () => (await (await fetch("/api/v1/me", {headers:
      {Authorization: "Bearer " + sessionStorage.getItem("kotona.token")}})).json()).alert_notify === true);
    check(true, "notifications turned on (browser permission granted), saved on the server");
    check(await page.title() === titles["doc.title"], "no open high alert: title " + await page.title());
    log("page live");

    // A medium alert live: nothing but its row.
    await page.locator("#alerts tr[data-rule='inr.out_of_range']").waitFor();
    let s = await seen(page);
    check(s.tones === 0 && s.beeps === 0 && s.shown.length === 0, "medium alert: no tone, no notification " + JSON.stringify(s));
    check(s.title === titles["doc.title"], "medium alert: the title has no count: " + s.title);

    // A high alert live: the tone, the notification, the count in the title.
    await page.locator("#alerts tr[data-rule='inr.far_out_of_range']").waitFor();
    await page.waitForFunction(() => document.title.startsWith("(1) "));
    await page.waitForTimeout(500);
    s = await seen(page);
    check(s.tones === 1 && s.beeps === 2, "high alert: one tone of two beeps " + JSON.stringify(s));
    check(s.shown.length === 1 && s.shown[0].body === titles["rule.inr.far_out_of_range"] &&
          s.shown[0].title.includes("Aino Virtanen"), "high alert: one notification: " + JSON.stringify(s.shown));
    check(s.title === titles["doc.titleCount.one"].replace("{count}", "1"), "title: " + s.title);
    let bad = await page.evaluate(untranslated);
    check(bad.length === 0, "no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
    await page.screenshot({ path: `${shots}/attention.png` });

    // The same alerts in the initial load: silent, counted in the title.
    await page.reload();
    await page.waitForFunction(live);
    await page.locator("#alerts tr[data-rule='inr.far_out_of_range']").waitFor();
    await page.waitForTimeout(2000);
    s = await seen(page);
    check(s.tones === 0 && s.beeps === 0 && s.shown.length === 0, "initial load: no tone, no notification " + JSON.stringify(s));
    check(s.title.startsWith("(1) "), "initial load: the title counts the open high alert: " + s.title);
    check(await page.isChecked("#att-notify"), "the notification choice kept (server, permission granted)");

    // Acknowledged: no open high alert left.
    await page.locator("#alerts tr[data-rule='inr.far_out_of_range'] button.ack").click();
    await page.fill("#note", "soitettu");
    await page.click("#confirm");
    await page.waitForFunction(t => document.title === t, titles["doc.title"]);
    check(true, "acknowledged: the title has no count");
    s = await seen(page);
    check(s.tones === 0 && s.shown.length === 0, "acknowledging is silent");
    bad = await page.evaluate(untranslated);
    check(bad.length === 0, "no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
    check(errors.length === 0, "no console errors: " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
