// The worklist's shared work (issue 18 parts 1 and 3) in headless Debian chromium through
// playwright-core, two clinicians of one care team in two browsers:
//   node worklist_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD COLLEAGUE ADMIN_PASSWORD SHOT_DIR
// Language kept on the server: USER signs in (Finnish, the default), switches to Swedish; a
// fresh browser (no local storage) signing in as USER gets Swedish from the server; COLLEAGUE
// stays Finnish. Prints "page live"; the C++ test then sends a crisis reading. Claim: USER
// claims the alert, COLLEAGUE's page shows "handled by USER" live (no claim button for them);
// a note on the alert reaches COLLEAGUE live; a note on the patient is kept and shown to
// COLLEAGUE; USER releases the claim and COLLEAGUE can claim again. The care team shows by its
// name (config team_name), not its id; a clinician (one team) has no team filter, an admin
// (every team) filters the worklist by team. Each page has no untranslated text and no
// console error. Screenshot SHOT_DIR/worklist-claim.png. Exit 0 when every step
// passed; 1 with the reason otherwise.
"use strict";
const { chromium } = require(process.argv[2]);
const { untranslated } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, colleague, adminPassword, shots] = process.argv.slice(4, 9);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }
const live = () => document.getElementById("state").dataset.state === "live";

// A fresh browser context (its own storage: another workstation) signed in as `who`.
async function signedIn(browser, who, errors, pw = password) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  page.on("console", m => { log(who, "console:", m.text()); if (m.type() === "error") errors.push(who + ": " + m.text()); });
  page.on("pageerror", e => { log(who, "pageerror:", e.message); errors.push(who + ": " + e.message); });
  await page.goto(url);
  await page.fill("#user", who);
  await page.fill("#password", pw);
  await page.click("#sign-in");
  await page.waitForFunction(live);
  return {context, page};
}

async function noUntranslated(page, where) {
  const bad = await page.evaluate(untranslated);
  check(bad.length === 0, where + ": no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
}

// The signed-in user's settings as the server holds them (the page's own token).
const me = page => page.evaluate(async () => (await fetch("/api/v1/me", {headers:
  {Authorization: "Bearer " + sessionStorage.getItem("kotona.token")}})).json());

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    // The register: patient-1 with a name, in the team (patient notes need a registered patient).
    const setup = await browser.newPage();
    await setup.goto(url);
    const status = await setup.evaluate(async ([adminPassword]) => {
      const json = {"Content-Type": "application/json"};
      const login = await (await fetch("/api/v1/login", {method: "POST", headers: json,
        body: JSON.stringify({user: "admin", password: adminPassword})})).json();
      const headers = Object.assign({Authorization: "Bearer " + login.token}, json);
      const r = await fetch("/api/v1/patients", {method: "POST", headers, body: JSON.stringify(
        {patient_id: "patient-1", display_name: "Aino Virtanen", henkilotunnus: "131052-308T", team: "ward-1"})});
      await fetch("/api/v1/logout", {method: "POST", headers});
      return r.status;
    }, [adminPassword]);
    check(status === 201, "patient-1 registered (" + status + ")");
    await setup.close();

    // Part 1: the language follows the user, not the browser.
    const a = await signedIn(browser, user, errors);
    check(await a.page.evaluate(() => document.documentElement.lang) === "fi", user + ": Finnish by default");
    check((await me(a.page)).language === null, "the server holds no language yet");
    await a.page.selectOption("#lang", "sv");
    await a.page.waitForFunction(() => document.documentElement.lang === "sv" && document.getElementById("state").dataset.state === "live");
    check((await me(a.page)).language === "sv", "switching saved Swedish on the server (PUT /api/v1/me)");
    const fresh = await signedIn(browser, user, errors);
    await fresh.page.waitForFunction(() => document.documentElement.lang === "sv");
    check(await fresh.page.evaluate(() => document.getElementById("lang").value) === "sv",
          "a fresh browser signing in as " + user + " is in Swedish (from the server)");
    await fresh.context.close();
    const b = await signedIn(browser, colleague, errors);
    check(await b.page.evaluate(() => document.documentElement.lang) === "fi", colleague + " still in Finnish (per user)");
    log("page live");

    // Part 3: the claim, seen by the colleague live.
    const rowA = a.page.locator("#alerts tr[data-rule='bp.crisis']").first();
    const rowB = b.page.locator("#alerts tr[data-rule='bp.crisis']").first();
    await rowA.waitFor();
    await rowB.waitFor();
    check(await rowB.locator("button.claim").count() === 1, colleague + " could claim it");
    await rowA.locator("button.claim").click();
    await rowA.locator(".claimed").waitFor();
    check((await rowA.locator(".claimed").getAttribute("data-k")) === "feed.claimedBy" &&
          (await rowA.locator(".claimed").textContent()).includes(user), user + " sees the claim: " + await rowA.locator(".claimed").textContent());
    check(await rowA.locator("button.unclaim").count() === 1 && await rowA.locator("button.claim").count() === 0, user + " may release it");
    await rowB.locator(".claimed").waitFor();
    check((await rowB.locator(".claimed").textContent()).includes(user), colleague + " sees it live: " + await rowB.locator(".claimed").textContent());
    check(await rowB.locator("button.claim").count() === 0 && await rowB.locator("button.unclaim").count() === 0,
          colleague + " cannot claim or release another's claim");

    // A note on the alert, live at the colleague's.
    await rowA.locator("button.note").click();
    await a.page.fill("#note", "soitettu, ei vastausta");
    await a.page.click("#confirm");
    await rowA.locator(".note-text").waitFor();
    await b.page.waitForFunction(() => [...document.querySelectorAll("#alerts .note-text")].some(e => e.textContent === "soitettu, ei vastausta"));
    check((await rowB.locator(".note-by").textContent()).includes(user), colleague + " sees the note and its author live");

    // A note on the patient, kept and shown to the colleague.
    await rowA.locator("button.trend").click();
    await a.page.locator("#note-new").waitFor();
    await a.page.fill("#note-new", "mittaa vasemmasta kädestä");
    await a.page.click("#note-add");
    await a.page.waitForFunction(() => document.getElementById("note-list").textContent.includes("mittaa vasemmasta kädestä"));
    check(true, user + " added a note on the patient");
    await noUntranslated(a.page, user + " (sv), feed + patient view");
    await a.page.screenshot({ path: `${shots}/worklist-claim.png` });
    await rowB.locator("button.trend").click();
    await b.page.waitForFunction(() => (document.getElementById("note-list") || {textContent: ""}).textContent.includes("mittaa vasemmasta kädestä"));
    check((await b.page.textContent("#note-list")).includes(user), colleague + " sees the patient note and its author");
    await noUntranslated(b.page, colleague + " (fi), feed + patient view");

    // Released: the colleague may claim it now.
    await rowA.locator("button.unclaim").click();
    await rowB.locator("button.claim").waitFor();
    check(await rowB.locator(".claimed").count() === 0, colleague + " sees the release live");

    // The care team by its name (issue 18 part 2), and the worklist filtered by team.
    const title = await a.page.textContent("#patient-title");
    check(title.includes("Sydänhoitajat") && !title.includes("ward-1"), "the patient's care team by its name: " + title);
    check(await a.page.locator("#f-team-box").isHidden(), "one team: no team filter");
    const adm = await signedIn(browser, "admin", errors, adminPassword);
    check(await adm.page.locator("#f-team-box").isVisible(), "admin (every team): the team filter");
    const names = await adm.page.locator("#f-team option").allTextContents();
    check(names.includes("Sydänhoitajat") && names.includes("Kotisairaala") && !names.includes("ward-2"), "filter options by name: " + names.join(", "));
    const crisis = adm.page.locator("#alerts tr[data-rule='bp.crisis']");
    await crisis.first().waitFor();
    await adm.page.selectOption("#f-team", "ward-2");
    check(await crisis.count() === 0, "team Kotisairaala: patient-1's alert hidden");
    await adm.page.selectOption("#f-team", "ward-1");
    check(await crisis.count() === 1, "team Sydänhoitajat: patient-1's alert shown");
    await adm.page.selectOption("#f-team", "");
    check(await crisis.count() === 1, "all teams: shown");
    check(errors.length === 0, "no console errors: " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
