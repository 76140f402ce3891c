// Typed-in readings on the clinician page (issue 20 part 5), headless Debian chromium through
// playwright-core:
//   node manual_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD SHOT_DIR
// The C++ test stored patient-1's INR 2.6 from the meter, INR 2.9 typed in by a relative (Anna
// Virtanen) and a crisis 186/116 typed in by the patient. In Finnish, Swedish and English: the
// crisis alert carries the "self-reported" mark; the patient's overview marks the typed points
// (never the meter's) with it beside the point, inside the chart (the top value's too), the
// relative's name in the point's tooltip, and the INR legend names the typed-in line in words
// ("käsin syötetyt"), never "manual". A BP 158/97 typed in on gw-test-0002, a hub of two
// patients, is held: its alert says so in the typed-in sentence ("Syötetty käsin keskittimen
// ...", its .one form) with the value, never the "new meter" one. No untranslated text, no
// console error. Screenshots SHOT_DIR/manual-{fi,sv,en}{,-patient}.png.
"use strict";
const { chromium } = require(process.argv[2]);
const { openPage, signIn, untranslated } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, shots] = process.argv.slice(4, 7);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }
const mark = {fi: "itse ilmoitettu", sv: "själv rapporterad", en: "self-reported"};
const typedIn = {fi: "käsin syötetyt", sv: "inmatade för hand", en: "typed in"};
const heldTyped = {fi: "Syötetty käsin keskittimen gw-test-0002 omalla sivulla", sv: "Inmatat för hand på hubbens gw-test-0002 egen sida",
                   en: "Typed in on hub gw-test-0002's own page"};
const newMeter = {fi: "Uusi mittari", sv: "En ny mätare", en: "A new meter"};
// The held value as a person reads it: its name from the catalogue, never the field name.
const systolic = {fi: "Verenpaine: systolinen (mmHg)", sv: "Blodtryck: systoliskt (mmHg)", en: "Blood pressure: systolic (mmHg)"};

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    const page = await openPage(browser, url, errors);
    await signIn(page, user, password, "fi");
    log("page live");
    for (const lang of ["fi", "sv", "en"]) {
      if (lang !== "fi") {
        await page.selectOption("#lang", lang);
        await page.waitForFunction(l => document.documentElement.lang === l, lang);
        await page.waitForFunction(() => document.getElementById("state").dataset.state === "live");
      }
      const row = page.locator("#alerts tr[data-rule='bp.crisis']").first();
      await row.waitFor();
      const badge = row.locator("span.self-reported");
      check(await badge.count() === 1 && (await badge.textContent()) === mark[lang],
            `${lang}: the typed crisis alert is marked "${mark[lang]}"`);
      // The value typed in on a hub of two patients: held, said as typed in, with its value.
      const held = page.locator("#alerts tr[data-rule='quarantine.not_enrolled'] .sentence");
      const heldText = await held.textContent();
      check(await held.count() === 1 && await held.getAttribute("data-k") === "alert.quarantine.not_enrolled.typed.one" &&
            heldText.includes(heldTyped[lang]) && heldText.includes(systolic[lang] + " 158") && heldText.includes("97") && !heldText.includes("systolic_mmhg") &&
            !heldText.includes(newMeter[lang]),
            `${lang}: the held typed-in value in its own sentence with 158/97: ` + heldText);
      let bad = await page.evaluate(untranslated);
      check(bad.length === 0, `${lang}: no untranslated text` + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
      await page.screenshot({ path: `${shots}/manual-${lang}.png` });

      await row.locator("button.patient").click();
      await page.waitForSelector("#overview[data-ready][data-days='30']");
      const flags = page.locator("#overview svg.trend text.value-flag.self-reported");
      const texts = await flags.allTextContents();
      // INR 2.9 (one series) and the crisis (systolic and diastolic): three marked points.
      check(texts.length === 3 && texts.every(t => t.startsWith(mark[lang])),
            `${lang}: the three typed points marked beside them: ` + JSON.stringify(texts));
      const inr = page.locator("#overview svg.trend[data-kind='inr']");
      check(await inr.locator("circle.point").count() === 2 && await inr.locator("circle.point.self-reported").count() === 1,
            `${lang}: INR chart: the meter's point unmarked, the typed one marked`);
      // The legend names the typed-in line in words from the catalogue, not by the serial "manual".
      const legends = await page.evaluate(() => [...document.querySelectorAll("#overview svg.trend")]
        .map(c => ({kind: c.dataset.kind, text: c.previousElementSibling ? c.previousElementSibling.textContent : ""})));
      const inrLegend = (legends.find(l => l.kind === "inr") || {}).text || "";
      check(inrLegend.includes(typedIn[lang]) && legends.every(l => !/\bmanual\b/.test(l.text)),
            `${lang}: the INR legend says "${typedIn[lang]}" and no legend "manual": ` + JSON.stringify(legends));
      // Every text beside a point inside its chart (the top value's too).
      const outside = await page.evaluate(() => [...document.querySelectorAll("#overview svg.trend text.value-flag")]
        .filter(f => {
          const b = f.getBBox(), svg = f.ownerSVGElement;
          return b.x < 0 || b.y < 0 || b.x + b.width > svg.width.baseVal.value || b.y + b.height > svg.height.baseVal.value;
        }).map(f => f.textContent + " at " + f.getAttribute("x") + "," + f.getAttribute("y")));
      check(outside.length === 0, `${lang}: every point's text inside its chart: ` + JSON.stringify(outside));
      const tip = await inr.locator("circle.point.self-reported title").textContent();
      check(tip.includes("Anna Virtanen"), `${lang}: the relative's name in the typed point's tooltip: ` + tip);
      bad = await page.evaluate(untranslated);
      check(bad.length === 0, `${lang}: patient view, no untranslated text` + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
      await inr.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/manual-${lang}-patient.png` });
      await page.click("#patient-close");
    }
    check(errors.length === 0, "no console errors: " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
