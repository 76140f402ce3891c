// The patient overview (issue 18 part 4), headless Debian chromium through playwright-core:
//   node overview_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD LANG SHOT_DIR
// The C++ test has stored 24 days of patient-1's readings of every kind (INR 2.0, 3.0, 4.0,
// 3.0 with the patient's own range 2.5-3.5; glucose from two meters; weight, SpO2,
// temperature; an implant summary) before the page opens; signed in as USER in LANG, "page
// live", then a BP monitor sends a crisis through the hub. The patient's overview (their name
// in the feed) must show over 30 days: a chart per kind with one line per device, the BP
// target lines 180/110/90, the INR band 2.5-3.5 and TTR 50 % (Rosendaal; 36 % if the default
// 2.0-3.0 were used), glucose readings in 3.9-10.0 60 %, the device rows (the BP monitor's hub
// online, the monitor connected, last transmission), the implant table and the alert history;
// over 7 days the TTR cannot be computed (one INR). No untranslated text; the print view hides
// the feed; the trend of the implant's alert is its summary table. Screenshots at 1366x768:
// SHOT_DIR/overview-LANG.png, -full.png, -print.png, and overview-LANG-768x1024.png.
"use strict";
const { chromium } = require(process.argv[2]);
const url = process.argv[3];
const [user, password, lang, shots] = process.argv.slice(4, 8);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

const { signIn, untranslated } = require("./page_checks.cjs");

async function noUntranslated(page, where) {
  const bad = await page.evaluate(untranslated);
  check(bad.length === 0, where + ": no untranslated text" + (bad.length ? ":\n  " + bad.join("\n  ") : ""));
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(60000);
    const errors = [];
    page.on("console", m => { log("console:", m.text()); if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", e => { log("pageerror:", e.message); errors.push(e.message); });
    await page.goto(url);
    await signIn(page, user, password, lang);
    log("page live");

    // The crisis arrives live; then the hub's heartbeat names the monitor (status every 2 s).
    const row = page.locator("#alerts tr[data-rule='bp.crisis']");
    await row.first().waitFor();
    await row.first().locator("button.ack").click();  // its acknowledgement goes in the history
    await page.fill("#note", "soitettu potilaalle");
    await page.click("#confirm");
    await page.locator("#alerts tr[data-rule='bp.crisis'][data-state='acknowledged']").waitFor();
    for (let heard = false; !heard; await new Promise(done => setTimeout(done, 500))) {
      heard = await page.evaluate(async () => {
        const r = await fetch("/api/v1/patients/patient-1/overview",
                              {headers: {Authorization: "Bearer " + sessionStorage.getItem("kotona.token")}});
        const d = r.ok ? (await r.json()).devices.find(x => x.device_serial === "BPSIM0001") : null;
        return Boolean(d && d.hub_online && d.state === "connected" && d.last_received);
      });
    }
    await row.first().locator("button.patient").click();
    await page.waitForSelector("#overview[data-ready][data-days='30']");

    const seen = await page.evaluate(() => {
      const q = s => document.querySelector(s), all = s => [...document.querySelectorAll(s)];
      const kinds = all("#overview svg.trend").map(s => s.dataset.kind).sort().join(" ");
      const glucoseLines = all("#overview svg.trend[data-kind='glucose'] polyline[data-series='mmol_per_l']")
        .map(l => l.dataset.device).sort().join(" ");
      const bpTargets = all("#overview svg.trend[data-kind='bp'] line.target").map(l => l.dataset.value).sort().join(" ");
      const band = q("#overview svg.trend[data-kind='inr'] rect.target-band");
      const ttr = q("#overview p[data-figure='ttr']"), glucose = q("#overview p[data-figure='glucose']");
      const device = s => q(`#ov-devices tr[data-serial='${s}']`);
      const bp = device("BPSIM0001"), inr = device("INR0001");
      return {kinds, glucoseLines, bpTargets, band: band && band.dataset.low + "-" + band.dataset.high,
              ttr: ttr && ttr.dataset.percent, ttrText: ttr && ttr.textContent,
              glucose: glucose && glucose.dataset.percent, glucoseText: glucose && glucose.textContent,
              legend: q("#overview section[data-kind='glucose'] .legend").textContent,
              bpRow: bp && [bp.dataset.online, bp.cells[2].dataset.k || "", bp.cells[5].firstChild.dataset.k].join(" "),
              inrRow: inr && inr.cells[2].textContent,
              deviceRows: all("#ov-devices tbody tr").length,
              typedRow: q("#ov-devices tbody tr[data-serial='manual'] [data-k='overview.typedIn']") !== null,
              bpMean: q("#overview p[data-figure='bp']") && q("#overview p[data-figure='bp']").textContent,
              weight: q("#overview p[data-figure='weight']") && q("#overview p[data-figure='weight']").dataset.delta,
              bpLines: all("#overview svg.trend[data-kind='bp'] polyline[data-series='systolic_mmhg']").map(l => l.dataset.device).sort().join(" "),
              agp: all("#overview section[data-kind='glucose'] svg.agp line.median").map(m => m.dataset.n + "@" + m.dataset.median).join(" "),
              implant: all("#ov-implant tbody tr").map(r => [...r.cells].map(c => c.textContent).join("|")),
              alertRules: all("#ov-alerts tbody tr").map(r => r.dataset.rule),
              acked: q("#ov-alerts tr[data-rule='bp.crisis'] .acked") && q("#ov-alerts tr[data-rule='bp.crisis'] .acked").textContent};
    });
    log("seen", JSON.stringify(seen));
    check(seen.kinds === "bp glucose inr spo2 temperature weight", "a chart per kind: " + seen.kinds);
    check(seen.glucoseLines === "GLU0001 GLU0002" && seen.legend.includes("GLU0001") && seen.legend.includes("GLU0002"),
          "two glucose meters: two lines, each named in the legend: " + seen.legend);
    check(seen.bpTargets === "110 180 90", "BP target lines from the patient's rules: " + seen.bpTargets);
    check(seen.band === "2.5-3.5", "INR target band: the patient's own 2.5-3.5: " + seen.band);
    const decimal = {fi: "2,5–3,5", sv: "2,5–3,5", en: "2.5–3.5"}[lang];
    check(seen.ttr === "50.0" && seen.ttrText.includes("50 %") && seen.ttrText.includes(decimal) && seen.ttrText.includes("Rosendaal"),
          "TTR (Rosendaal) 50 % in 2.5-3.5: " + seen.ttrText);
    check(seen.glucose === "60.0" && seen.glucoseText.includes("60 %"), "glucose readings in 3.9-10.0: " + seen.glucoseText);
    check(seen.bpMean && seen.bpMean.includes("152/95") && seen.bpLines === "BPHOME1 BPSIM0001",
          "home BP mean of both monitors' readings 152/95, one line per monitor: " + seen.bpMean);
    check(seen.weight === "1.2", "weight change over the period +1.2 kg: " + seen.weight);
    check(seen.agp === "5@6", "glucose daily pattern (AGP): the five readings, taken at one time of day, median 6: " + seen.agp);
    // 9 meters, and the hub's form for typed-in values (its one patient's, seeded from config).
    check(seen.bpRow === "true  overview.state.connected" && seen.deviceRows === 10 && seen.typedRow,
          "device rows (9 meters + typed in): the monitor's hub online, the monitor connected: " + seen.bpRow +
          " rows " + seen.deviceRows + " typed " + seen.typedRow);
    check(seen.inrRow && /\d/.test(seen.inrRow), "the INR meter's last transmission: " + seen.inrRow);
    check(seen.implant.length === 1 && /2[\s,]?400/.test(seen.implant[0]) && seen.implant[0].includes("7,5".replace(",", lang === "en" ? "." : ",")),
          "implant summary: RV impedance 2400, AF burden 7.5: " + seen.implant[0]);
    check(seen.alertRules.includes("bp.crisis") && seen.alertRules.includes("inr.out_of_range") &&
          seen.alertRules.includes("implant.lead_impedance"), "alert history: " + seen.alertRules.join(" "));
    check(seen.acked && seen.acked.includes(user) && seen.acked.includes("soitettu potilaalle"),
          "alert history: who acknowledged the crisis, with the note: " + seen.acked);
    await noUntranslated(page, "overview 30 days");
    await page.locator("#overview").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/overview-${lang}.png` });
    await page.screenshot({ path: `${shots}/overview-${lang}-full.png`, fullPage: true });
    await page.setViewportSize({ width: 768, height: 1024 });  // a tablet, portrait
    await page.screenshot({ path: `${shots}/overview-${lang}-768x1024.png` });
    await page.setViewportSize({ width: 1366, height: 768 });

    // The trend around the implant's lead alert: its summary as a table, the alert's row marked
    // (no longer "no numeric readings to plot").
    await page.locator("#alerts tr[data-rule='implant.lead_impedance'] button.trend").click();
    await page.waitForSelector("#charts #ov-implant tr.focus");
    check(await page.locator("#charts [data-k='trend.none']").count() === 0 &&
          await page.locator("#charts #ov-implant tbody tr").count() === 1, "implant alert: its summary as a table");
    await noUntranslated(page, "implant alert's trend");
    await page.locator("#alerts tr[data-rule='bp.crisis'] button.patient").first().click();
    await page.waitForSelector("#overview[data-ready][data-days='30']");

    // 7 days: one INR test only, no TTR figure; the glucose of the last week only.
    await page.selectOption("#ov-period", "7");
    await page.waitForSelector("#overview[data-ready][data-days='7']");
    const week = await page.evaluate(() => {
      const ttr = document.querySelector("#overview p[data-figure='ttr']");
      return {percent: ttr && ttr.dataset.percent, key: ttr && ttr.dataset.k};
    });
    check(week.percent === undefined && week.key === "overview.ttrNone.one", "7 days: one INR, no TTR: " + week.key);
    await noUntranslated(page, "overview 7 days");

    // The print view: the overview without the feed, the filters or the buttons.
    await page.emulateMedia({ media: "print" });
    const printed = await page.evaluate(() => ({
      feed: getComputedStyle(document.querySelector("#main > table")).display,
      bar: getComputedStyle(document.querySelector("#overview .bar")).display,
      overview: getComputedStyle(document.querySelector("#overview")).display}));
    check(printed.feed === "none" && printed.bar === "none" && printed.overview !== "none",
          "print view: the overview without the feed and the controls " + JSON.stringify(printed));
    await page.screenshot({ path: `${shots}/overview-${lang}-print.png`, fullPage: true });
    check(errors.length === 0, "no console errors (CSP, scripts): " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
