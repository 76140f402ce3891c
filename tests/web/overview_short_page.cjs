// The overview as the demo shows it (issue 18 part 4, the lead's oddities), headless Debian
// chromium through playwright-core:
//   node overview_short_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD SHOT_DIR
// The C++ test registered patient-1 with a henkilötunnus and stored INR tests minutes apart
// and 14 daily implant summaries. USER signs in (Finnish); prints "page live"; a crisis arrives;
// the patient's overview: the heading has the age from the register; the TTR line gives its
// time in hours, never "0/0 vrk"; the implant table shows the newest 10 summaries with
// "Näytä kaikki (14 yhteenvetoa)", which shows all 14. The patient's hypoglycaemia level 1 was
// stored as 3.2 before the config set level 2 to 3.5: the thresholds panel says it is NOT IN
// FORCE ("EI VOIMASSA") with the stored 3,2, the 3,9 in use and why, and the worklist has the
// technical alert thresholds.refused in its Finnish sentence. No untranslated text, no console
// error. Screenshots SHOT_DIR/overview-short{,-thresholds}.png. Exit 0 when every step passed.
"use strict";
const { chromium } = require(process.argv[2]);
const { openPage, signIn, untranslated } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, shots] = process.argv.slice(4, 7);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    const page = await openPage(browser, url, errors);
    await signIn(page, user, password, "fi");
    log("page live");
    const row = page.locator("#alerts tr[data-rule='bp.crisis']").first();
    await row.waitFor();
    await row.locator("button.patient").click();
    await page.waitForSelector("#overview[data-ready][data-days='30']");

    const title = await page.textContent("#patient-title");
    check(await page.locator("#patient-title [data-k='patient.age']").count() === 1 && /, \d+ v/.test(title),
          "the heading has the age from the register: " + title);
    const ttr = page.locator("#overview p[data-figure='ttr']");
    const ttrText = await ttr.textContent();
    check(await ttr.getAttribute("data-unit") === "hours" && await ttr.getAttribute("data-k") === "overview.ttrHours.other" &&
          !ttrText.includes("0/0") && ttrText.includes("(0,8/1 h, 3 mittausta)") && ttrText.includes("75 %"),
          "INR 2.5, 2.5, 3.5 tests 30 min apart: TTR 75 % of 1 h, in hours: " + ttrText);
    const rows = page.locator("#ov-implant tbody tr");
    check(await rows.count() === 14 && await page.locator("#ov-implant tbody tr:visible").count() === 10,
          "implant table: the newest 10 of 14 summaries shown");
    const all = page.locator("#ov-implant-all");
    check((await all.textContent()) === "Näytä kaikki (14 yhteenvetoa)", "the button: " + await all.textContent());
    // A stored threshold the server's config now refuses: said not in force, the value in use.
    const refused = page.locator("#alerts tr[data-rule='thresholds.refused']");
    check(await refused.count() === 1 && await refused.locator(".sentence").getAttribute("data-k") === "alert.thresholds.refused.range" &&
          (await refused.textContent()).includes("Potilaan rajat eivät ole voimassa"),
          "the technical alert thresholds.refused in its Finnish sentence: " + await refused.textContent());
    const l1 = page.locator("#thr-table tr[data-key='glucose_hypo_l1_mmol_l']");
    await l1.waitFor();
    const notInForce = l1.locator(".not-in-force [data-k='thr.notInForce']");
    const said = await l1.textContent();
    check(await l1.getAttribute("data-in-force") === "false" && await notInForce.count() === 1 &&
          (await notInForce.textContent()).startsWith("EI VOIMASSA: tallennettu 3,2 ") &&
          (await notInForce.textContent()).includes("joten käytössä on 3,9.") &&
          said.includes("Glukoosirajoille on oltava") && said.includes("muuttanut dr-page"),
          "stored 3.2 under the config's level 2 of 3.5: NOT IN FORCE, 3,9 in use, why, who set it: " + said);
    check(await page.inputValue("#thr-glucose_hypo_l1_mmol_l") === "3,9", "the input holds the value in use, 3,9");
    const bad = await page.evaluate(untranslated);
    check(bad.length === 0, "no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
    await l1.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/overview-short-thresholds.png` });
    await page.locator("#ov-implant").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/overview-short.png` });
    await all.click();
    check(await page.locator("#ov-implant tbody tr:visible").count() === 14 && await all.count() === 0,
          "after the button: all 14, the button gone");
    check(errors.length === 0, "no console errors: " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
