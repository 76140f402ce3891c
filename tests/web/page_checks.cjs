// Checks the clinician page runs inside the browser (page.evaluate), shared by the page tests.
"use strict";

// Runs in the page: every text a person can read, and where it came from.
async function untranslated() {
  const {messages} = await import("/web/js/messages.js");
  const {series} = await import("/web/js/kinds.js");
  const bad = [];
  const langs = Object.keys(messages), keys = new Set(langs.flatMap(l => Object.keys(messages[l])));
  for (const k of keys) for (const l of langs) if (!messages[l][k]) bad.push(`key ${k} missing in ${l}`);
  for (const [kind, parts] of Object.entries(series)) {
    for (const k of ["kind." + kind, ...parts.map(p => "series." + p)]) if (!keys.has(k)) bad.push(`no key ${k}`);
  }
  // Data that reads as another language's catalogue text is a literal that skipped t().
  const here = document.documentElement.lang, mine = new Set(Object.values(messages[here]));
  const foreign = new Set(langs.flatMap(l => Object.values(messages[l])).filter(v => !mine.has(v)));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim(), e = n.parentElement;
    if (!text) continue;
    if (text.includes("\u27e6")) bad.push("missing key shown: " + text);
    if (!e.hasAttribute("data-k") && !e.hasAttribute("data-v")) bad.push(`<${e.tagName.toLowerCase()}> "${text}" not from the catalogue`);
    if (e.hasAttribute("data-v") && foreign.has(text)) bad.push(`"${text}" is catalogue text of another language`);
  }
  for (const e of document.querySelectorAll("[placeholder]")) if (!e.hasAttribute("data-kp")) bad.push("placeholder " + e.placeholder);
  // The title, or its form with the open high alerts' count (attention.js): "(2) Kotona ...".
  const m = messages[here], count = /^\((\d+)\) /.exec(document.title);
  const titles = [m["doc.title"], ...(count ? [m["doc.titleCount.one"], m["doc.titleCount.other"]]
    .map(x => x.replace("{count}", count[1])) : [])];
  if (!titles.includes(document.title)) bad.push("title " + document.title);
  return bad;
}

// Chooses `lang` on the sign-in form (fi: the default, nothing chosen), signs in, waits for the
// live feed.
async function signIn(page, user, password, lang) {
  if (lang !== "fi") {
    await page.selectOption("#lang", lang);
    await page.waitForFunction(l => document.documentElement.lang === l, lang);
  }
  await page.fill("#user", user);
  await page.fill("#password", password);
  await page.click("#sign-in");
  await page.waitForFunction(() => document.getElementById("state").dataset.state === "live");
}

// axe-core (npm, beside playwright-core in the build tree's node_modules) run on the page as it
// is now: the serious and critical violations, one line each ("rule: target: summary").
// Evaluated through the DevTools protocol, so the page's CSP (no inline script) still holds.
async function axeViolations(page, playwrightDir) {
  const fs = require("fs"), path = require("path");
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.evaluate(fs.readFileSync(path.join(playwrightDir, "..", "axe-core", "axe.min.js"), "utf8"));
  }
  const found = await page.evaluate(async () => (await window.axe.run(document, {resultTypes: ["violations"]})).violations
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\s+/g, " "))})));
  return found.filter(v => v.impact === "serious" || v.impact === "critical")
    .flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n}`));
}

// Registers a patient through the API as admin (the page's own origin): `patient` is the POST
// body of /api/v1/patients. Returns the HTTP status.
function registerPatient(page, adminPassword, patient) {
  return page.evaluate(async ([adminPassword, patient]) => {
    const json = {"Content-Type": "application/json"};
    const login = await (await fetch("/api/v1/login", {method: "POST", headers: json,
      body: JSON.stringify({user: "admin", password: adminPassword})})).json();
    const headers = Object.assign({Authorization: "Bearer " + login.token}, json);
    const r = await fetch("/api/v1/patients", {method: "POST", headers, body: JSON.stringify(patient)});
    await fetch("/api/v1/logout", {method: "POST", headers});
    return r.status;
  }, [adminPassword, patient]);
}

// A new page (its own browser context: another workstation) at `url`, 1366x768, 60 s timeouts;
// its console errors and page errors are pushed to `errors`, prefixed "WHO: " when `who` is given.
async function openPage(browser, url, errors, who = "") {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.setDefaultTimeout(60000);
  const tag = who ? who + ": " : "";
  page.on("console", m => { if (m.type() === "error") errors.push(tag + m.text()); });
  page.on("pageerror", e => errors.push(tag + e.message));
  await page.goto(url);
  return page;
}

// axe at 1366x768 and 768x1024 (0 serious or critical; screenshots SHOTS/a11y-NAME-WxH.png),
// then no untranslated text; `check(ok, what)` is the calling script's.
async function axeAudit(page, playwrightDir, shots, name, check) {
  for (const [width, height] of [[1366, 768], [768, 1024]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(200);
    const found = await axeViolations(page, playwrightDir);
    check(found.length === 0, `${name} ${width}x${height}: axe, 0 serious or critical` + (found.length ? ":\n  " + found.join("\n  ") : ""));
    await page.screenshot({ path: `${shots}/a11y-${name}-${width}x${height}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1366, height: 768 });
  const bad = await page.evaluate(untranslated);
  check(bad.length === 0, name + ": no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
}

module.exports = { signIn, untranslated, axeViolations, axeAudit, openPage, registerPatient };
