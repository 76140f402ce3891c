// The hub's local page (issue 20 part 5) in a real browser, headless Debian chromium through
// playwright-core:
//   node hub_page.cjs PLAYWRIGHT_CORE_DIR SETUP_URL STATUS_URL SHOT_DIR THROTTLED_URL POSTS
// SETUP_URL: a blank hub's page; STATUS_URL: an enrolled hub's status page (gateway/local_page);
// THROTTLED_URL: a blank hub whose care centre answers 429 Retry-After: 600, which writes a
// line in the file POSTS for every enrolment POST it gets. That hub's page says the wait in
// each language, has no form meanwhile, and sends nothing more (even a form posted anyway).
// In fi (default), sv, ru and en: the html lang, every text node catalogue text (data-k) or data
// (data-v), no missing key ⟦...⟧, no script error; a mistyped code answered in that language;
// the status page's meter rows "not read", each named by its kind of meter (its device path
// only as smaller detail), and the pairing button. Screenshots SHOT_DIR/
// hub-{setup,status}-LANG.png at 768x1024 (a phone or tablet in the patient's home). The INR
// entry form (/manual?kind=inr) is the INR form still after its language link.
// Exit 0 when every step passed; 1 with the reason otherwise.
"use strict";
const { chromium } = require(process.argv[2]);
const [setupUrl, statusUrl, shots, throttledUrl, postsFile] = process.argv.slice(3, 8);
const fs = require("fs");
const posts = () => fs.readFileSync(postsFile, "utf8").split("\n").filter(Boolean).length;
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

// Runs in the page: text not from the catalogue or data, and shown missing keys.
function unmarked() {
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim(), e = n.parentElement;
    if (!text) continue;
    if (text.includes("\u27e6")) bad.push("missing key shown: " + text);
    if (!e.hasAttribute("data-k") && !e.hasAttribute("data-v")) bad.push(`<${e.tagName.toLowerCase()}> "${text}" not from the catalogue`);
  }
  return bad;
}

const expected = {
  fi: {label: "Käyttöönottokoodi", bad: "Koodissa on 12 merkkiä", notRead: "Ei luettu", pair: "Yhdistä uusi mittari",
       meters: ["Verenpainemittari", "Tahdistimen etäseurantalaite"], wait: "Hoitokeskus pyytää odottamaan"},
  sv: {label: "Aktiveringskod", bad: "Koden har 12 tecken", notRead: "Inte avläst", pair: "Anslut en ny mätare",
       meters: ["Blodtrycksmätare", "Hemmonitor för pacemaker/ICD"], wait: "Vårdcentralen ber dig vänta"},
  ru: {label: "Код подключения", bad: "Код состоит из 12 символов", notRead: "Не считан", pair: "Подключить новый прибор",
       meters: ["Тонометр", "Домашний монитор кардиостимулятора"], wait: "Центр просит подождать"},
  en: {label: "Set-up code", bad: "The code has 12 characters", notRead: "Not read", pair: "Connect a new meter",
       meters: ["Blood pressure monitor", "Pacemaker/ICD home monitor"], wait: "The care centre asks you to wait"},
};

// Runs in the page: each meter row's main label (its first text) and its small detail, with
// their font sizes.
function meterRows() {
  return [...document.querySelectorAll("tbody tr")].map(tr => {
    const cell = tr.querySelector("td");
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let first = walker.nextNode();
    while (first && !first.textContent.trim()) first = walker.nextNode();
    const small = cell.querySelector("small");
    const px = e => e ? parseFloat(getComputedStyle(e).fontSize) : 0;
    return {main: first ? first.textContent.trim() : "", mainKey: first ? first.parentElement.getAttribute("data-k") : null,
            mainPx: first ? px(first.parentElement) : 0, detail: small ? small.textContent : "", detailPx: px(small)};
  });
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  try {
    // A Finnish browser (the default language also when Accept-Language names none we have).
    const page = await browser.newPage({ viewport: { width: 768, height: 1024 }, locale: "fi-FI" });
    page.setDefaultTimeout(20000);
    const errors = [];
    page.on("console", m => { log("console:", m.text()); if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text()); });
    page.on("pageerror", e => errors.push(e.message));
    for (const lang of ["fi", "sv", "ru", "en"]) {
      const e = expected[lang];
      // fi is the default: no ?lang, the link in the page chooses the others.
      await page.goto(setupUrl);
      if (lang !== "fi") await page.click(`nav a[lang=${lang}]`);
      check(await page.evaluate(() => document.documentElement.lang) === lang, `setup page in ${lang}`);
      check((await page.textContent("label[for=code]")).includes(e.label), `${lang}: code label`);
      check((await page.evaluate(unmarked)).length === 0, `${lang}: setup page all catalogue text ${JSON.stringify(await page.evaluate(unmarked))}`);
      await page.fill("#code", "12-34");
      await page.click("#enrol");
      await page.waitForSelector("#setup-state[data-state='setup.badCode']");
      check(await page.evaluate(() => document.documentElement.lang) === lang, `${lang}: kept after the form`);
      check((await page.textContent("#setup-state")).includes(e.bad), `${lang}: a mistyped code answered`);
      await page.screenshot({ path: `${shots}/hub-setup-${lang}.png`, fullPage: true });

      await page.goto(statusUrl + "?lang=" + lang);
      check(await page.evaluate(() => document.documentElement.lang) === lang, `status page in ${lang}`);
      check((await page.textContent("tbody")).includes(e.notRead), `${lang}: the meter not read yet`);
      // A meter is named by its kind (catalogue text); its path is only a technician's small detail.
      const rows = await page.evaluate(meterRows);
      check(rows.length === 2 && rows.every((r, i) => r.main === e.meters[i] && r.mainKey.startsWith("meter.")),
            `${lang}: meters named by kind ${JSON.stringify(rows.map(r => r.main))}`);
      check(rows[0].detail.endsWith("/no-such-tty") && rows[1].detail.endsWith("/no-such-relay") &&
            rows.every(r => !r.main.includes("no-such") && r.detailPx > 0 && r.detailPx < r.mainPx),
            `${lang}: the device path only as smaller detail ${JSON.stringify(rows)}`);
      check((await page.textContent("#pair")).includes(e.pair), `${lang}: the pairing button`);
      const bad = await page.evaluate(unmarked);
      check(bad.length === 0, `${lang}: status page all catalogue text ${JSON.stringify(bad)}`);
      await page.screenshot({ path: `${shots}/hub-status-${lang}.png`, fullPage: true });

      // The typed-entry form: its language links keep the kind (gateway/local_page/manual_page.cpp).
      await page.goto(new URL("/manual?kind=inr", statusUrl).href);
      if (lang !== "fi") await page.click(`nav a[lang=${lang}]`);
      const at = new URL(page.url());
      check(at.searchParams.get("kind") === "inr" && await page.evaluate(() => document.documentElement.lang) === lang &&
            await page.locator("input[name='v.ratio']").count() === 1,
            `${lang}: the INR form kept after the language link (${at.pathname}${at.search})`);
      const badForm = await page.evaluate(unmarked);
      check(badForm.length === 0, `${lang}: manual form all catalogue text ${JSON.stringify(badForm)}`);
    }
    // The throttled hub: one code sent, the 429's wait shown in every language, nothing more sent.
    for (const lang of ["fi", "sv", "ru", "en"]) {
      await page.goto(throttledUrl + "?lang=" + lang);
      if (lang === "fi") {
        await page.fill("#code", "ABCD-EFGH-JKMN");
        await page.click("#enrol");
      }
      await page.waitForSelector("#setup-state[data-state='setup.throttled']");
      const said = await page.textContent("#setup-state");
      check(said.includes(expected[lang].wait) && /(9|10)\u00a0(min|мин)/.test(said), `${lang}: the centre's wait said: ${said}`);
      check(await page.locator("#code").count() === 0, `${lang}: no code form during the wait`);
      const bad = await page.evaluate(unmarked);
      check(bad.length === 0, `${lang}: throttled setup page all catalogue text ${JSON.stringify(bad)}`);
      await page.screenshot({ path: `${shots}/hub-setup-throttled-${lang}.png`, fullPage: true });
    }
    // A form posted during the wait (a page left open from before it) is not sent on.
    const late = await page.request.post(new URL("/setup?lang=fi", throttledUrl).href,
                                         { form: { code: "ABCD-EFGH-JKMN" }, maxRedirects: 0 });
    check(late.status() === 303, "a late form answered " + late.status());
    await page.goto(throttledUrl);
    check(await page.getAttribute("#setup-state", "data-state") === "setup.throttled", "still the wait after a late form");
    check(posts() === 1, `the centre got one POST, none during its wait (${posts()})`);
    check(errors.length === 0, "no console or page errors " + JSON.stringify(errors));
    log("page ok");
    await browser.close();
  } catch (err) {
    log("FAIL:", err.message);
    await browser.close();
    process.exit(1);
  }
})();
