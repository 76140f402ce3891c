// Accessibility of every row kind and of the patient view's panels, in one language (issue 18
// part 9), headless Debian chromium through playwright-core:
//   node a11y_views_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD LANG SHOT_DIR
// The C++ test stored before the page opens: patient-1's INR 3.4 (inr.out_of_range, medium,
// open) and glucose 3.5 (glucose.hypo_l1, medium, resolved by USER with a note), a month of
// readings for the overview; the hub reports its disk low (gateway.disk_low, low). USER signs
// in in LANG; prints "page live"; the test sends a crisis (high). axe-core on the worklist with
// high, medium, low and resolved rows, then on the patient view (overview over 30 days with its
// charts, device rows, TTR line and alert history, and the thresholds panel with its form), each
// at 1366x768 and 768x1024: 0 serious or critical; no untranslated text; no console error.
// Screenshots SHOT_DIR/a11y-LANG-{worklist,patient}-WxH.png. Exit 0 when every step passed.
"use strict";
const playwrightDir = process.argv[2];
const { chromium } = require(playwrightDir);
const { axeAudit, openPage, signIn } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, lang, shots] = process.argv.slice(4, 8);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }
const audit = (page, view) => axeAudit(page, playwrightDir, shots, `${lang}-${view}`, check);

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    const page = await openPage(browser, url, errors);
    await signIn(page, user, password, lang);
    log("page live");
    const rows = page.locator("#alerts tr");
    for (const sel of ["[data-rule='bp.crisis'][data-priority='high']",
                       "[data-rule='inr.out_of_range'][data-priority='medium'][data-state='open']",
                       "[data-rule='gateway.disk_low'][data-priority='low']",
                       "[data-rule='glucose.hypo_l1'][data-state='resolved']"]) {
      await page.locator("#alerts tr" + sel).first().waitFor({ timeout: 90000 });
      check(true, "row " + sel);
    }
    check(await rows.count() >= 4, "worklist: " + await rows.count() + " rows");
    await audit(page, "worklist");

    await page.locator("#alerts tr[data-rule='inr.out_of_range'] button.patient").first().click();
    await page.waitForSelector("#overview[data-ready][data-days='30']");
    await page.locator("#thr-table").waitFor();
    check(await page.locator("#overview svg").count() >= 2 && await page.locator("#thr-table input").count() > 0,
          "patient view: overview charts and the thresholds form");
    await audit(page, "patient");
    check(errors.length === 0, "no console errors: " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
