// The page in one language (issue 18 parts 1 and 2), headless Debian chromium through
// playwright-core:
//   node i18n_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD ADMIN_PASSWORD LANG SHOT_DIR
// Registers patient-1 with a name and a henkilötunnus (as admin, through the API), signs in as
// USER, chooses LANG in the page (fi: the default, nothing chosen), prints "page live"; the C++
// test then sends a crisis and a hypotension reading, and the config (a 2 s `expect` and `due`)
// raises device.silent and measurement.missed: each alert's sentence must be the catalogue
// template of its rule id in LANG with its values (decimals per locale), none the stored
// English text. With the alerts, the acknowledge dialog and the trend open:
// no untranslated text (every text node of the page is catalogue text, data-k, or data,
// data-v; every catalogue key in all three languages; every kind and series of the kind
// table has its key; no missing key ⟦...⟧), the patient shown by name and age, the
// henkilötunnus only masked until its show button (then in full, with an audit row naming
// USER), the choice kept after a reload. Screenshots at 1366x768:
// SHOT_DIR/page-LANG.png (the feed), page-LANG-patient.png (dialog and trend open), and the
// latter at 768x1024 (page-LANG-768x1024.png). Exit 0 when every step passed; 1 with the reason otherwise.
"use strict";
const { chromium } = require(process.argv[2]);
const url = process.argv[3];
const [user, password, adminPassword, lang, shots] = process.argv.slice(4, 9);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

const { untranslated } = require("./page_checks.cjs");

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(60000);
    const errors = [];  // CSP violations and script errors: the page must run clean
    page.on("console", m => { log("console:", m.text()); if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", e => log("pageerror:", e.message));
    await page.goto(url);
    check(await page.evaluate(() => document.documentElement.lang) === "fi", "Finnish by default");
    // The register: name and henkilötunnus of patient-1, written by an admin.
    const status = await page.evaluate(async ([adminPassword]) => {
      const json = {"Content-Type": "application/json"};
      const login = await (await fetch("/api/v1/login", {method: "POST", headers: json,
        body: JSON.stringify({user: "admin", password: adminPassword})})).json();
      const headers = Object.assign({Authorization: "Bearer " + login.token}, json);
      const body = {display_name: "Aino Virtanen", henkilotunnus: "131052-308T", team: "ward-1"};
      let r = await fetch("/api/v1/patients", {method: "POST", headers,
        body: JSON.stringify(Object.assign({patient_id: "patient-1"}, body))});
      if (r.status === 409) {
        r = await fetch("/api/v1/patients/patient-1", {method: "PATCH", headers, body: JSON.stringify(body)});
      }
      await fetch("/api/v1/logout", {method: "POST", headers});
      return r.status;
    }, [adminPassword]);
    check(status === 200 || status === 201, "patient-1 registered with a name (" + status + ")");
    if (lang !== "fi") {
      await page.selectOption("#lang", lang);
      await page.waitForFunction(l => document.documentElement.lang === l && document.getElementById("lang").value === l, lang);
    }
    check(await page.evaluate(() => document.documentElement.lang) === lang, "page in " + lang);
    await page.fill("#user", user);
    await page.fill("#password", password);
    await page.click("#sign-in");
    await page.waitForFunction(() => document.getElementById("state").dataset.state === "live");
    log("page live");

    const row = page.locator("#alerts tr[data-rule='bp.crisis']");
    await row.first().waitFor();
    const who = await row.first().locator("button.patient").textContent();
    check(who.includes("Aino Virtanen") && /\b\d{2,3}\b/.test(who), "patient by name and age: " + who);
    check(await row.first().locator("b.rule[data-k='rule.bp.crisis']").count() === 1, "the rule named from the catalogue");
    // Alert sentences (issue 18 part 1): clinical and technical rules, each from the catalogue
    // template of its rule id in this language with its values, never the stored English.
    const rules = ["bp.crisis", "bp.hypotension", "measurement.missed", "device.silent"];
    for (const r of rules) await page.locator(`#alerts tr[data-rule='${r}']`).first().waitFor();
    const said = await page.evaluate(async ([rules, lang]) => {
      const {messages} = await import("/web/js/messages.js");
      const out = {};
      for (const r of rules) {
        const s = document.querySelector(`#alerts tr[data-rule='${r}'] .detail`);
        const ok = s.classList.contains("sentence") && s.dataset.k.startsWith("alert." + r) &&
                   s.dataset.k in messages[lang] && !s.hasAttribute("lang");
        out[r] = (ok ? "" : "NOT FROM THE CATALOGUE: ") + s.textContent;
      }
      out.fallbacks = document.querySelectorAll("#alerts .fallback").length;
      return out;
    }, [rules, lang]);
    for (const r of rules) check(!said[r].startsWith("NOT"), `${r} sentence in ${lang}: ${said[r]}`);
    check(said.fallbacks === 0, "no alert shown in the stored English text");
    // Values per locale: the configured 90.5 mmHg limit with this language's decimal sign.
    const decimal = {fi: "90,5", sv: "90,5", en: "90.5"}[lang];
    check(said["bp.hypotension"].includes("85/55") && said["bp.hypotension"].includes(decimal),
          "hypotension: measured values and the limit " + decimal);
    check(said["bp.crisis"].includes("186/116"), "crisis: the measured values");
    // The worklist's live wait (issue 18 part 3) on every open alert, from the catalogue.
    check(await page.locator("#alerts tr.open").count() ===
          await page.locator("#alerts tr.open .ago[data-k='feed.ago']").count(), "every open alert says how long it has waited");
    let bad = await page.evaluate(untranslated);
    check(bad.length === 0, "feed: no untranslated text in " + lang + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
    await page.screenshot({ path: `${shots}/page-${lang}.png` });
    await row.first().locator("button.ack").click();
    await row.first().locator("button.trend").click();
    await page.locator("#charts svg.trend").first().waitFor();
    const title = await page.textContent("#patient-title");
    check(title.includes("131052-****") && title.includes("Aino Virtanen") && title.includes("ward-1"),
          "patient view: name, masked code, care team: " + title);
    check(!(await page.content()).includes("308T"), "the full henkilötunnus nowhere in the page");
    bad = await page.evaluate(untranslated);
    check(bad.length === 0, "dialog + trend: no untranslated text in " + lang + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
    await page.screenshot({ path: `${shots}/page-${lang}-patient.png` });
    await page.setViewportSize({ width: 768, height: 1024 });  // a tablet, portrait
    await page.screenshot({ path: `${shots}/page-${lang}-768x1024.png` });
    await page.setViewportSize({ width: 1366, height: 768 });
    // The full code on the explicit action only, with its audit row (user and patient, no code).
    await page.click("#patient-title button.hetu-show[data-k='patient.hetuShow']");
    await page.waitForFunction(() => document.getElementById("patient-title").textContent.includes("131052-308T"));
    check(!(await page.textContent("#patient-title")).includes("131052-****"), "show: the full code in place of the masked one");
    bad = await page.evaluate(untranslated);
    check(bad.length === 0, "code shown: no untranslated text in " + lang + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
    const audit = await page.evaluate(async ([adminPassword]) => {
      const json = {"Content-Type": "application/json"};
      const login = await (await fetch("/api/v1/login", {method: "POST", headers: json,
        body: JSON.stringify({user: "admin", password: adminPassword})})).json();
      const headers = {Authorization: "Bearer " + login.token};
      const rows = await (await fetch("/api/v1/audit?alert=patient/patient-1", {headers})).json();
      await fetch("/api/v1/logout", {method: "POST", headers});
      return rows;
    }, [adminPassword]);
    const shown = audit.filter(r => r.action === "henkilotunnus.show" && r.actor === user);
    check(shown.length >= 1 && !JSON.stringify(audit).includes("308T"), "show audited as " + user + ", without the code");
    log("screenshots", `${shots}/page-${lang}.png`, `${shots}/page-${lang}-patient.png`);
    // The choice is kept (per user, this browser) across a reload.
    await page.reload();
    await page.waitForFunction(() => document.getElementById("state").dataset.state === "live");
    check(await page.evaluate(() => document.documentElement.lang) === lang, "language kept after reload");
    check(errors.length === 0, "no console errors (CSP, scripts): " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
