// Alert yield (issue 18 part 8) in the page, headless Debian chromium through playwright-core:
//   node yield_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD SHOT_DIR
// patient-1 registered (by the C++ test). USER signs in; "page live"; the C++ test's monitor
// sends a crisis (A) and a low BP (B), then 40 s later a second crisis (C). USER acknowledges A,
// then B (a second apart), resolves A: the dialog asks "clinically actionable?" and refuses
// to go on unanswered, "yes"; resolves B by keyboard only: "no". C stays open. The yield view,
// opened by keyboard, must show what the test did: bp.crisis 2 raised, 100 % (1/1 answered),
// A's time to acknowledge with "1 not acknowledged"; bp.hypotension 1, 0 % (0/1); patient-1
// 3 raised, 50 % (1/2), the median of A's and B's times (from the alerts' own created and
// acknowledged times, each acknowledgement within the moment the test clicked), 1 not
// acknowledged; the same over 90 days. The resolve dialog and the yield view: axe (0 serious
// or critical), screenshots SHOT_DIR/a11y-{yield-resolve,yield}-{1366x768,768x1024}.png, no
// untranslated text. Escape closes the view.
"use strict";
const playwrightDir = process.argv[2];
const { chromium } = require(playwrightDir);
const { axeAudit, openPage, signIn } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, shots] = process.argv.slice(4, 7);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

// The alerts as the API gives them to this page's user.
const alertsOf = page => page.evaluate(async () => {
  const r = await fetch("/api/v1/alerts", {headers: {Authorization: "Bearer " + sessionStorage.getItem("kotona.token")}});
  return r.json();
});

// Acknowledges the alert of `row` with a note by mouse; returns the test's own clock around it.
async function acknowledge(page, row, note) {
  const before = Date.now();
  await row.locator("button.ack").click();
  check(await page.locator("#actionable").isHidden(), "acknowledging asks no question");
  await page.fill("#note", note);
  await page.click("#confirm");
  await page.waitForFunction(() => document.getElementById("action").hidden);
  return {before, after: Date.now()};
}

// The figures of one yield row: [raised, share, time to acknowledge] per window (30, 90).
async function figures(page, part, id) {
  const row = page.locator(`#yield-${part} tr[data-id='${id}']`);
  const cells = await row.locator("td").evaluateAll(tds => tds.map(td => ({text: td.textContent, k: td.dataset.k || "",
                                                                            seconds: td.dataset.seconds})));
  return [cells.slice(0, 3), cells.slice(3, 6)];
}

const median = v => { const s = [...v].sort((a, b) => a - b), n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

(async () => {
  const errors = [];
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  try {
    const page = await openPage(browser, url, errors);
    await signIn(page, user, password, "fi");
    log("page live");

    const a = page.locator("#alerts tr[data-rule='bp.crisis']").first();
    const b = page.locator("#alerts tr[data-rule='bp.hypotension']").first();
    await a.waitFor();
    await b.waitFor();
    const idA = await a.getAttribute("data-alert-id"), idB = await b.getAttribute("data-alert-id");
    const rowA = page.locator(`#alerts tr[data-alert-id='${idA}']`), rowB = page.locator(`#alerts tr[data-alert-id='${idB}']`);
    const clickA = await acknowledge(page, rowA, "soitettu");
    await page.waitForTimeout(1500);
    const clickB = await acknowledge(page, rowB, "soitettu, lepää");

    // Resolving A: the question, required.
    await rowA.locator("button.resolve").click();
    check(await page.locator("#actionable").isVisible(), "resolving asks: clinically actionable?");
    check(await page.evaluate(() => document.activeElement.name === "actionable"), "focus starts at the question");
    await page.click("#confirm");
    check(await page.getAttribute("#action-error", "data-k") === "resolve.answerFirst", "unanswered: asked to answer first");
    check(await page.locator("#action").isVisible() && await rowA.getAttribute("data-state") === "acknowledged",
          "unanswered: nothing sent, the alert still acknowledged");
    await axeAudit(page, playwrightDir, shots, "yield-resolve", check);
    await page.check("#actionable input[value=yes]");
    await page.fill("#note", "lääkitystä muutettu");
    await page.click("#confirm");
    await page.locator(`#alerts tr[data-alert-id='${idA}'][data-state='resolved']`).waitFor();

    // Resolving B by keyboard only: Enter on its button, ArrowDown to "no", Tab to the note.
    await rowB.locator("button.resolve").focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => !document.getElementById("action").hidden);
    check(await page.evaluate(() => document.activeElement.value === "yes"), "keyboard: focus on the first answer");
    await page.keyboard.press("ArrowDown");
    check(await page.evaluate(() => document.querySelector("input[name=actionable]:checked")?.value === "no"),
          "keyboard: ArrowDown chooses no");
    await page.keyboard.press("Tab");
    check(await page.evaluate(() => document.activeElement.id === "note"), "keyboard: Tab to the note");
    await page.keyboard.type("mittausvirhe");
    await page.keyboard.press("Tab");
    check(await page.evaluate(() => document.activeElement.id === "confirm"), "keyboard: Tab to confirm");
    await page.keyboard.press("Enter");
    await page.locator(`#alerts tr[data-alert-id='${idB}'][data-state='resolved']`).waitFor();

    // C: the second crisis, left open (never acknowledged).
    await page.locator("#alerts tr[data-rule='bp.crisis'][data-state='open']").waitFor({ timeout: 90000 });
    const listed = await alertsOf(page);
    const all = listed.alerts || listed;
    check(all.length === 3, "3 alerts raised: " + all.map(x => x.rule_id + " " + x.state).join(", "));
    const byId = Object.fromEntries(all.map(x => [x.alert_id, x]));
    const ackS = (x, click, what) => {
      const acked = Date.parse(x.acked_at), created = Date.parse(x.created_at);
      check(acked >= click.before - 1000 && acked <= click.after + 1000,
            `${what} acknowledged while the test clicked (${x.acked_at}, ${click.before}..${click.after})`);
      return (acked - created) / 1000;
    };
    const sA = ackS(byId[idA], clickA, "A"), sB = ackS(byId[idB], clickB, "B");
    log("time to acknowledge: A", sA, "s, B", sB, "s");

    // The yield view, by keyboard.
    await page.locator("#yield-open").focus();
    await page.keyboard.press("Enter");
    await page.locator("#yield[data-loaded]").waitFor();
    check(await page.evaluate(() => document.activeElement.id === "yield-title"), "keyboard: focus on the view's heading");
    check(await page.getAttribute("#yield-open", "aria-expanded") === "true", "its button says expanded");
    const near = (cell, s) => Math.abs(Number(cell.seconds) - s) < 0.0015;
    for (const w of [0, 1]) {
      const days = [30, 90][w];
      const crisis = (await figures(page, "rules", "bp.crisis"))[w];
      check(crisis[0].text === "2" && crisis[1].text === "100 % (1/1 vastatusta)" &&
            near(crisis[2], sA) && crisis[2].k === "yield.ackSome.one" && crisis[2].text.endsWith(", 1 kuittaamatta"),
            `${days} d, bp.crisis: 2 raised, 100 % (1/1), A's ${sA} s, 1 not acknowledged: ` + JSON.stringify(crisis));
      const low = (await figures(page, "rules", "bp.hypotension"))[w];
      check(low[0].text === "1" && low[1].text === "0 % (0/1 vastatusta)" && near(low[2], sB) && low[2].k === "",
            `${days} d, bp.hypotension: 1 raised, 0 % (0/1), B's ${sB} s: ` + JSON.stringify(low));
      const patient = (await figures(page, "patients", "patient-1"))[w];
      check(patient[0].text === "3" && patient[1].text === "50 % (1/2 vastatusta)" &&
            near(patient[2], median([sA, sB])) && patient[2].text.endsWith(", 1 kuittaamatta"),
            `${days} d, patient-1: 3 raised, 50 % (1/2), median ${median([sA, sB])} s, 1 not acknowledged: ` + JSON.stringify(patient));
    }
    check((await page.textContent("#yield-patients tr[data-id='patient-1'] th")) === "Aino Virtanen", "the patient by name");

    await axeAudit(page, playwrightDir, shots, "yield", check);

    await page.keyboard.press("Escape");
    check(await page.locator("#yield").isHidden() && await page.evaluate(() => document.activeElement.id === "yield-open"),
          "Escape closes the view, focus back on its button");
    check(errors.length === 0, "no console errors: " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
