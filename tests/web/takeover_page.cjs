// An admin takes over a colleague's claim (issue 18 part 3 follow-up) in headless Debian
// chromium through playwright-core, two browsers:
//   node takeover_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD ADMIN_PASSWORD SHOT_DIR
// The C++ test registered patient-1. USER (a clinician, Finnish) and the admin (English) sign
// in; prints "page live"; the C++ test then sends a crisis reading. USER claims it; the admin's row shows USER's claim and
// "Take over" (USER's own row offers no takeover); the admin clicks it; the admin now holds
// it (release offered, no takeover), and USER's page shows "hoitaa: admin" live with nothing
// to claim or release. No untranslated text, no console error. Screenshots
// SHOT_DIR/takeover-offered.png, takeover.png. Exit 0 when every step passed; 1 with the
// reason otherwise.
"use strict";
const { chromium } = require(process.argv[2]);
const { openPage, signIn, untranslated } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, adminPassword, shots] = process.argv.slice(4, 8);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

async function opened(browser, who, pw, lang, errors) {
  const page = await openPage(browser, url, errors, who);
  await signIn(page, who, pw, lang);
  return page;
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    const a = await opened(browser, user, password, "fi", errors);
    const b = await opened(browser, "admin", adminPassword, "en", errors);
    log("page live");

    const rowA = a.locator("#alerts tr[data-rule='bp.crisis']").first();
    const rowB = b.locator("#alerts tr[data-rule='bp.crisis']").first();
    await rowA.waitFor();
    await rowB.waitFor();
    check(await rowB.locator("button.takeover").count() === 0, "admin: nothing to take over while unclaimed");
    await rowA.locator("button.claim").click();
    await rowA.locator(".claimed").waitFor();
    check(await rowA.locator("button.takeover").count() === 0, user + " (a clinician, the holder): no takeover button");
    const take = rowB.locator("button.takeover");
    await take.waitFor();
    check((await rowB.locator(".claimed").textContent()).includes(user), "admin sees " + user + "'s claim live");
    check(await take.getAttribute("data-k") === "feed.takeover" && (await take.textContent()) === "Take over",
          "admin is offered '" + await take.textContent() + "' (feed.takeover)");
    await b.screenshot({ path: `${shots}/takeover-offered.png` });
    await take.click();
    await rowB.locator("button.unclaim").waitFor();
    check((await rowB.locator(".claimed").textContent()).includes("admin") && await rowB.locator("button.takeover").count() === 0,
          "admin holds it now: " + await rowB.locator(".claimed").textContent());
    await a.waitForFunction(() => {
      const c = document.querySelector("#alerts tr[data-rule='bp.crisis'] .claimed");
      return c && c.textContent.includes("admin");
    });
    check((await rowA.locator(".claimed").textContent()) === "hoitaa: admin", user + " sees it live: " + await rowA.locator(".claimed").textContent());
    check(await rowA.locator("button.unclaim").count() === 0 && await rowA.locator("button.claim").count() === 0,
          user + " can neither release nor claim it now");
    for (const [p, who] of [[a, user + " (fi)"], [b, "admin (en)"]]) {
      const bad = await p.evaluate(untranslated);
      check(bad.length === 0, who + ": no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
    }
    await b.screenshot({ path: `${shots}/takeover.png` });
    check(errors.length === 0, "no console errors: " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
