// The admin's view of the push to the patient record system (issue 19, server/web/js/record.js)
// in headless Debian chromium through playwright-core:
//   node record_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD REJECTED PENDING SHOT_DIR
// The server pushes to tests/record/fhir_receiver.py, which rejects reading REJECTED (422 with
// an OperationOutcome) and answers 503 for reading PENDING. USER (admin) signs in ("page
// live"; the C++ test's meter then measures three readings). In fi, then sv and en (a browser
// context each): the section lists REJECTED as a dead letter with the receiver's
// OperationOutcome text and HTTP 422, the outbox's one waiting reading (the counting text's
// .one form), its age, since when the record system fails, the OAuth2 client (ES384) it
// authenticates as; no untranslated text, axe 0
// serious or critical, no console error; screenshots SHOT_DIR/record-{fi,sv,en}.png.
"use strict";
const { chromium } = require(process.argv[2]);
const { openPage, signIn, untranslated, axeViolations } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, rejected, pending, shots] = process.argv.slice(4, 9);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

const waiting = {fi: "1 mittaus odottaa lähetystä", sv: "1 mätning väntar på att skickas",
                 en: "1 reading waits to be sent"};
const failing = {fi: "ei ole ottanut mittauksia vastaan", sv: "har inte tagit emot mätningar",
                 en: "has taken no readings since"};
const deadOne = {fi: "1 hylätty lähetys", sv: "1 avvisad sändning", en: "1 rejected send"};

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    for (const lang of ["fi", "sv", "en"]) {
      const page = await openPage(browser, url, errors, lang);  // a context of its own
      await signIn(page, user, password, lang);
      // The language chosen in an earlier pass is kept for the user: choose this one again.
      if (await page.evaluate(() => document.documentElement.lang) !== lang) {
        await page.selectOption("#lang", lang);
        await page.waitForFunction(l => document.documentElement.lang === l, lang);
      }
      await page.locator("#record").waitFor();
      if (lang === "fi") log("page live");
      // The meter's readings arrive: refresh until the rejected one is a dead letter and the
      // other waits while the record system fails.
      const dead = page.locator(`#r-dead tr[data-reading='${rejected}']`);
      const status = page.locator("#r-status");
      for (let i = 0; i < 180; ++i) {
        const text = await status.textContent();
        if (await dead.count() === 1 && text.includes(waiting[lang]) && text.includes(failing[lang])) break;
        await page.click("#r-refresh");
        await page.waitForTimeout(500);
      }
      const text = await status.textContent();
      check(text.includes(waiting[lang]), lang + ": one reading waiting, its .one form: " + text);
      check(text.includes(failing[lang]) && text.includes("HTTP 503"), lang + ": failing since, the last answer: " + text);
      check(text.includes(deadOne[lang]), lang + ": one dead letter counted");
      check(await page.locator("#r-status li[data-k='record.oldest']").count() === 1, lang + ": the oldest waiting one's age");
      check(text.includes("OAuth2") && text.includes("kotona-page (ES384)"), lang + ": the OAuth2 client and its algorithm");
      check(await dead.count() === 1, lang + ": the rejected reading listed");
      const row = await dead.textContent();
      check(row.includes("refused by test") && row.includes("422"), lang + ": with the OperationOutcome's text and HTTP 422: " + row);
      check(await page.locator(`#r-dead tr[data-reading='${pending}']`).count() === 0, lang + ": the waiting one is no dead letter");
      const bad = await page.evaluate(untranslated);
      check(bad.length === 0, lang + ": no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
      const axe = await axeViolations(page, process.argv[2]);
      check(axe.length === 0, lang + ": axe: no serious or critical violation" + (axe.length ? ":\n  " + axe.join("\n  ") : ""));
      await page.locator("#record").scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/record-${lang}.png` });
      await page.close();
    }
    check(errors.length === 0, "no console error" + (errors.length ? ": " + errors.join("; ") : ""));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
