// A patient's thresholds in the page (issue 18 part 5), headless Debian chromium through
// playwright-core:
//   node thresholds_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD VIEWER SHOT_DIR
// patient-1 registered (by the C++ test); the server's config seeds spo2_low_percent=88 for them. USER signs in;
// "page live"; the C++ test's monitor sends a crisis (186/116), waits, then 120/80. From the
// crisis alert USER opens the patient view: each threshold with its source (the default with
// its guideline, the config file); "abc" for the low-BP limit is refused with the catalogue's
// sentence naming the value (nothing saved); 125 is saved: its source says USER and when, the
// history lists it; then 120/80 raises bp.hypotension live (default 90: it would not). VIEWER
// sees the values but no save button. No untranslated text, no console error. Screenshot
// SHOT_DIR/thresholds-fi.png (1366x768). Exit 0 when every step passed.
"use strict";
const { chromium } = require(process.argv[2]);
const { signIn, untranslated } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, viewer, shots] = process.argv.slice(4, 8);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

// `who` signed in, in a browser context of its own (1366x768); console errors into `errors`.
async function browse(browser, who, errors) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  page.on("console", m => m.type() === "error" && errors.push(who + ": " + m.text()));
  page.on("pageerror", e => errors.push(who + ": " + e.message));
  await page.goto(url);
  await signIn(page, who, password, "fi");
  return {context, page};
}

const clean = async (page, where) => {
  const bad = await page.evaluate(untranslated);
  check(bad.length === 0, where + ": no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
};
const sourceOf = (page, key) => page.locator(`#thr-table tr[data-key='${key}']`);

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    const a = await browse(browser, user, errors);
    log("page live");
    const crisis = a.page.locator("#alerts tr[data-rule='bp.crisis']").first();
    await crisis.waitFor();
    await crisis.locator("button.trend").click();
    await a.page.locator("#thr-table").waitFor();
    const low = sourceOf(a.page, "bp_hypotension_systolic_mmhg");
    check(await low.getAttribute("data-source") === "default", "low-BP limit: the default");
    check((await low.textContent()).includes("oletus (ESC)"), "its source names the guideline: " + await low.textContent());
    check(await a.page.inputValue("#thr-bp_hypotension_systolic_mmhg") === "90", "in force: 90");
    const spo2 = sourceOf(a.page, "spo2_low_percent");
    check(await spo2.getAttribute("data-source") === "config" && await a.page.inputValue("#thr-spo2_low_percent") === "88",
          "SpO2 limit 88 from the config file: " + await spo2.textContent());
    check((await a.page.textContent("#thr-history")).includes("rajoja ei ole muutettu"), "no history yet");

    await a.page.fill("#thr-bp_hypotension_systolic_mmhg", "abc");
    await a.page.click("#thr-save");
    await a.page.locator("#thr-status.err").waitFor();
    const refused = a.page.locator("#thr-status span");
    check(await refused.getAttribute("data-k") === "thr.refused.number" &&
          (await refused.textContent()).includes("”abc”") && (await refused.textContent()).includes("Matala verenpaine"),
          "refused, naming the limit and the value: " + await refused.textContent());

    await a.page.fill("#thr-bp_hypotension_systolic_mmhg", "125");
    await a.page.click("#thr-save");
    await a.page.waitForFunction(() => {
      const r = document.querySelector("#thr-table tr[data-key='bp_hypotension_systolic_mmhg']");
      return r && r.dataset.source === "set";
    });
    check((await low.textContent()).includes("muuttanut " + user), "its source now names " + user + ": " + await low.textContent());
    check(await a.page.inputValue("#thr-bp_hypotension_systolic_mmhg") === "125", "in force: 125");
    const history = await a.page.textContent("#thr-history");
    check(history.includes(user) && history.includes("Matala verenpaine") && history.includes("ei asetettu → 125"),
          "the history lists the change: " + history);
    check((await a.page.textContent("#thr-status")).includes("seuraavasta mittauksesta"), "saved, in force from the next reading");
    await clean(a.page, user + ", patient view with thresholds");
    await a.page.locator("#thresholds-box").scrollIntoViewIfNeeded();
    await a.page.screenshot({ path: `${shots}/thresholds-fi.png` });

    // The next reading (120/80) is judged on 125: bp.hypotension, live.
    await a.page.locator("#alerts tr[data-rule='bp.hypotension']").first().waitFor({ timeout: 90000 });
    check(true, "120/80 after the change raised bp.hypotension live");

    const v = await browse(browser, viewer, errors);
    await v.page.locator("#alerts tr[data-rule='bp.crisis'] button.trend").first().click();
    await v.page.locator("#thr-table").waitFor();
    check(await v.page.locator("#thr-save").count() === 0 &&
          await v.page.locator("#thr-bp_hypotension_systolic_mmhg").isDisabled(), "a viewer reads, cannot edit");
    check(await v.page.inputValue("#thr-bp_hypotension_systolic_mmhg") === "125", "the viewer sees 125");
    await clean(v.page, viewer + ", patient view");
    // The browser logs the refused PUT's 400 itself: that one is expected, once.
    const refusedLoads = errors.filter(e => e.includes("status of 400"));
    check(refusedLoads.length === 1, "one 400 logged by the browser (the refused value)");
    const others = errors.filter(e => !e.includes("status of 400"));
    check(others.length === 0, "no other console errors: " + others.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
