// Accessibility and keyboard-only use of the worklist (issue 18 part 9), headless Debian chromium
// through playwright-core:
//   node a11y_page.cjs PLAYWRIGHT_CORE_DIR URL USER PASSWORD ADMIN_PASSWORD SHOT_DIR
// axe-core (npm, vendored beside playwright-core) on every view: sign-in, worklist, the
// acknowledge dialog, the patient view and the admin's quarantine section, each at 1366x768 and
// 768x1024: 0 serious or critical violations. Screenshots SHOT_DIR/a11y-VIEW-WxH.png.
// Keyboard only after the page opened (no click): Tab to the user name, sign in with Enter;
// the C++ test then sends a crisis and a hypotension reading (two high alerts); Tab into the
// worklist, ArrowDown / ArrowUp between alerts (the same control of the next row), the crisis
// alert claimed and acknowledged with a note, Escape closes a dialog, focus comes back to the
// row after each action and after live redraws, and is always visible (an outline of 2 px or
// more); the patient view opened from the keyboard. Exit 0 when every step passed; 1 with the
// reason otherwise.
"use strict";
const playwrightDir = process.argv[2];
const { chromium } = require(playwrightDir);
const { axeAudit, registerPatient } = require("./page_checks.cjs");
const url = process.argv[3];
const [user, password, adminPassword, shots] = process.argv.slice(4, 8);
const log = (...a) => console.log(new Date().toISOString(), ...a);
function check(ok, what) { if (!ok) throw new Error("check failed: " + what); log("ok:", what); }
const live = () => document.getElementById("state").dataset.state === "live";

// axe at both sizes (0 serious or critical), no untranslated text, screenshots of `view`.
const audit = (page, view) => axeAudit(page, playwrightDir, shots, view, check);

// Where keyboard focus is: the element's id or class, its alert row's rule, and whether the
// focus is drawn (an outline of 2 px or more).
const focus = page => page.evaluate(() => {
  const e = document.activeElement, tr = e.closest("#alerts tr"), st = getComputedStyle(e);
  return {id: e.id, cls: e.className, tag: e.tagName, rule: tr ? tr.dataset.rule : null,
          row: tr ? [...tr.parentElement.rows].indexOf(tr) : -1,
          visible: st.outlineStyle !== "none" && parseFloat(st.outlineWidth) >= 2};
});

// Tab (forwards) until `pred(focus)`, at most `max` times.
async function tabTo(page, pred, what, max = 40) {
  for (let i = 0; i < max; ++i) {
    await page.keyboard.press("Tab");
    const f = await focus(page);
    if (pred(f)) { check(f.visible, what + ": reached by Tab, focus visible (" + f.tag + " " + (f.id || f.cls) + ")"); return f; }
  }
  throw new Error("Tab never reached " + what);
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(60000);
    page.on("console", m => { log("console:", m.text()); if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", e => { log("pageerror:", e.message); errors.push(e.message); });
    await page.goto(url);
    // The register: patient-1 by name (the patient view's heading), written by an admin.
    const status = await registerPatient(page, adminPassword,
      {patient_id: "patient-1", display_name: "Aino Virtanen", henkilotunnus: "131052-308T", team: "ward-1"});
    check(status === 201, "patient-1 registered (" + status + ")");
    await audit(page, "signin");

    // Sign in by keyboard only.
    await tabTo(page, f => f.id === "user", "the user name");
    await page.keyboard.type(user);
    await tabTo(page, f => f.id === "password", "the password", 2);
    await page.keyboard.type(password);
    await page.keyboard.press("Enter");
    await page.waitForFunction(live);
    log("page live");

    for (const r of ["bp.crisis", "bp.hypotension"]) await page.locator(`#alerts tr[data-rule='${r}']`).first().waitFor();
    await audit(page, "worklist");

    // Into the worklist and between its alerts.
    let f = await tabTo(page, f => f.row >= 0, "the first alert");
    check(f.row === 0, "Tab enters the worklist at its first alert (" + f.cls + ")");
    await page.keyboard.press("ArrowDown");
    let g = await focus(page);
    check(g.row === 1 && g.cls === f.cls && g.visible, "ArrowDown: the same control of the next alert, focus visible");
    await page.keyboard.press("ArrowUp");
    g = await focus(page);
    check(g.row === 0 && g.cls === f.cls, "ArrowUp: back to the first alert");
    for (let i = 0; i < 3 && (await focus(page)).rule !== "bp.crisis"; ++i) await page.keyboard.press("ArrowDown");
    check((await focus(page)).rule === "bp.crisis", "arrows reach the crisis alert");

    // Claim: Tab to the row's claim button, Enter; focus stays in the row after the redraw.
    await tabTo(page, f => f.rule === "bp.crisis" && f.cls === "claim", "the crisis alert's claim button", 8);
    await page.keyboard.press("Enter");
    const crisis = page.locator("#alerts tr[data-rule='bp.crisis']").first();
    await crisis.locator(".claimed").waitFor();
    await page.waitForTimeout(300);  // the live claim event redraws the rows again
    f = await focus(page);
    check(f.rule === "bp.crisis" && f.visible, "claimed by keyboard; focus kept in its row (" + f.cls + ")");

    // A dialog closed with Escape gives focus back.
    await tabTo(page, f => f.rule === "bp.crisis" && f.cls === "note", "the note button", 8);
    await page.keyboard.press("Enter");
    check((await focus(page)).id === "note", "the dialog opens with focus in its text box");
    await page.keyboard.press("Escape");
    check(await page.locator("#action").isHidden(), "Escape closes the dialog");
    f = await focus(page);
    check(f.rule === "bp.crisis" && f.cls === "note", "focus back on the button that opened it");

    // Acknowledge with a note: Shift+Tab back to the ack button, Enter, type, Tab, Enter.
    for (let i = 0; i < 6 && (await focus(page)).cls !== "ack"; ++i) await page.keyboard.press("Shift+Tab");
    check((await focus(page)).cls === "ack", "Shift+Tab to the acknowledge button");
    await page.keyboard.press("Enter");
    check((await focus(page)).id === "note", "acknowledge dialog: focus in the note");
    await audit(page, "dialog");
    check((await focus(page)).id === "note", "focus still in the note after the checks");
    await page.keyboard.type("soitettu, toistetaan tunnin päästä");
    await tabTo(page, f => f.id === "confirm", "the confirm button", 3);
    await page.keyboard.press("Enter");
    await page.locator("#alerts tr[data-rule='bp.crisis'][data-state='acknowledged']").waitFor();
    await page.waitForTimeout(300);
    f = await focus(page);
    check(f.rule === "bp.crisis" && f.visible, "acknowledged by keyboard; focus back in its row (" + f.cls + ")");

    // The patient view from the keyboard.
    await tabTo(page, f => f.rule === "bp.crisis" && f.cls === "trend", "the trend button", 8);
    await page.keyboard.press("Enter");
    await page.locator("#charts svg.trend").first().waitFor();
    await audit(page, "patient");

    // The admin's view: the quarantine section.
    const admin = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    admin.on("console", m => { if (m.type() === "error") errors.push("admin: " + m.text()); });
    await admin.goto(url);
    await admin.fill("#user", "admin");
    await admin.fill("#password", adminPassword);
    await admin.press("#password", "Enter");
    await admin.waitForFunction(live);
    await admin.locator("#quarantine").waitFor();
    await admin.locator("#alerts tr[data-rule='bp.crisis']").first().waitFor();
    await audit(admin, "admin");
    check(errors.length === 0, "no console errors: " + errors.join(" | "));
    log("page ok");
  } finally {
    await browser.close();
  }
})().catch(e => { log("FAILED:", e.stack || e); process.exit(1); });
