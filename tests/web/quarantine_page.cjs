// Drives the page's admin quarantine section (server/web/js/quarantine.js, issue 13 §3) in headless
// Debian chromium through playwright-core:
//   node quarantine_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD GATEWAY DEVICE PATIENT
// Prints "page live" once an admin is signed in and the (empty) section is shown; the C++ test
// then starts a meter that is not enrolled. Steps: its crisis reading is listed as held
// (not_enrolled) with the decoded values (named from the catalogue) and a Release action; releasing it before enrolment is
// refused and it stays listed; after enrolling the device (the API, as an admin would) Release
// stores it: the item leaves the list and the reading's clinical alert appears live. Exit 0
// when every step passed; 1 with the reason otherwise.
"use strict";
const { chromium } = require(process.argv[2]);
const url = process.argv[3];
const [user, password, gateway, device, patient] = process.argv.slice(4, 9);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(60000);
    page.on("console", m => log("console:", m.text()));
    page.on("pageerror", e => log("pageerror:", e.message));
    await page.goto(url);
    await page.fill("#user", user);
    await page.fill("#password", password);
    await page.click("#sign-in");
    await page.waitForFunction(() => document.getElementById("state").dataset.state === "live");
    await page.locator("#quarantine").waitFor();
    check(await page.locator("#q-items tr").count() === 0, "admin sees the empty quarantine section");
    log("page live");

    // The meter's reading arrives and is held: refresh until it is listed.
    const item = page.locator("#q-items tr", { hasText: device });
    for (let i = 0; i < 120 && await item.count() === 0; ++i) {
      await page.click("#q-refresh");
      await page.waitForTimeout(500);
    }
    check(await item.count() === 1, "held reading listed");
    const text = await item.first().textContent();
    check(text.includes("Rekisteröimätön laite (not_enrolled)") && text.includes(gateway),
          "reason by its Finnish name with its code, and hub shown: " + text);
    check(text.includes("186") && text.includes("(mmHg)") && !text.includes("systolic_mmhg"),
          "decoded reading shown with the catalogue's names, not the field names: " + text);
    check(await item.first().locator("button").count() === 1, "release action offered");

    // Released before the device is enrolled: refused, still held.
    await item.first().locator("button").click();
    await page.waitForFunction(() => document.getElementById("q-error").dataset.k === "quarantine.notReleased");
    check(await item.count() === 1, "refused release leaves it listed");

    // The admin registers the patient and enrols the meter for them (from before the
    // measurement), as kotona-admin would, then releases.
    const post = (path, body) => page.evaluate(async ([path, body]) => {
      const r = await fetch(path, {method: "POST", headers: {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + sessionStorage.getItem("kotona.token")},
        body: JSON.stringify(body)});
      return r.status;
    }, [path, body]);
    const added = await post("/api/v1/patients", {patient_id: patient});
    check(added === 201, "patient registered (" + added + ")");
    const enrolled = await post("/api/v1/enrolments", {gateway_id: gateway, device_serial: device,
                                                       patient_id: patient,
                                                       valid_from: "2020-01-01T00:00:00Z"});
    check(enrolled === 201, "device enrolled (" + enrolled + ")");
    await item.first().locator("button").click();
    await item.first().waitFor({ state: "detached" });
    check(await page.textContent("#q-error") === "", "no error after the release");
    // Stored with its rules: the crisis alert reaches the feed live.
    await page.locator("#alerts tr[data-alert-id$='#bp.crisis']").waitFor();
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
