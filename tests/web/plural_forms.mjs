// Plural forms of the page's catalogue (issue 18): server/web/js/i18n.js + messages.js without a
// browser: node plural_forms.mjs PATH/TO/server/web/js
// A counting text says "1 kirjaus / 2 kirjausta", "1 post / 2 poster", "1 action / 2 actions"
// (CLDR one/other of fi, sv, en), in the catalogue text and in an alert sentence filled with
// a formatted number; every counting key has both forms in every language; the catalogue's
// parts (messages.js catalogueParts): every key in all three, none in two parts, every file
// with texts a part. Exit 1 naming the first wrong text.
import {cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";

// The page's modules are ES modules named .js: a copy beside a package.json saying so.
const dir = mkdtempSync(join(tmpdir(), "kotona-i18n-"));
// Every module of the folder: the catalogue is messages.js and the parts it merges in.
for (const f of readdirSync(process.argv[2]).filter(f => f.endsWith(".js"))) cpSync(join(process.argv[2], f), join(dir, f));
writeFileSync(join(dir, "package.json"), '{"type": "module"}');
const stored = new Map();
globalThis.localStorage = {getItem: k => stored.get(k) ?? null, setItem: (k, v) => stored.set(k, v)};
const {chooseLanguage, has, keyFor, num, t} = await import(join(dir, "i18n.js"));
const {messages, catalogueParts} = await import(join(dir, "messages.js"));

let failed = 0;
function check(ok, what) { console.log((ok ? "ok: " : "FAILED: ") + what); if (!ok) failed = 1; }

const expected = {
  fi: [[1, "tapahtumaloki: ketju eheä, 1 kirjaus"], [2, "tapahtumaloki: ketju eheä, 2 kirjausta"],
       [0, "tapahtumaloki: ketju eheä, 0 kirjausta"]],
  sv: [[1, "händelselogg: kedjan obruten, 1 post"], [2, "händelselogg: kedjan obruten, 2 poster"]],
  en: [[1, "audit log: chain intact, 1 action"], [21, "audit log: chain intact, 21 actions"]],
};
for (const [lang, cases] of Object.entries(expected)) {
  chooseLanguage(lang, null);
  for (const [n, text] of cases) check(t("audit.intact", {count: n}) === text, `${lang} ${n}: ${t("audit.intact", {count: n})}`);
  check(keyFor("audit.intact", {count: 1}) === "audit.intact.one", `${lang}: data-k names the form`);
  // An alert sentence gets its numbers formatted first (feed.js): "1", "1 234".
  const one = t("alert.device.record_refused.serial", {count: num(1), device: "D", hub: "H", reason: "r"});
  const many = t("alert.device.record_refused.serial", {count: num(1234), device: "D", hub: "H", reason: "r"});
  check(has("alert.device.record_refused.serial") && one !== many && !one.includes("\u27e6"),
        `${lang} sentence: ${one.slice(0, 40)} / ${many.slice(0, 44)}`);
  check(t("feed.claim") === messages[lang]["feed.claim"], `${lang}: a key without forms is itself`);
}
chooseLanguage("fi", null);
check(t("alert.store.unwritable", {failures: "1", seconds_s: "5 s", error: "e"}).includes("1 epäonnistunut,"),
      "fi: counted by params.failures when there is no count");
check(t("feed.crossings", {count: 3, when: "x"}) === "3 ylitystä x alkaen", "fi crossings: 3 ylitystä");
// Every counting key has both forms in every language.
const langs = Object.keys(messages);
for (const lang of langs) {
  for (const key of Object.keys(messages[lang]).filter(k => k.endsWith(".one"))) {
    const base = key.slice(0, -4);
    for (const other of langs) {
      check(base + ".one" in messages[other] && base + ".other" in messages[other] && !(base in messages[other]),
            `${base}: one and other in ${other}`);
    }
  }
}
// One catalogue in parts (server/web/README.md): every key of a part in fi, sv and en; no key in
// two parts (the later would silently override); every file holding texts ("  fi: {") a part.
const owner = new Map();
for (const [file, part] of Object.entries(catalogueParts)) {
  const keys = new Set(Object.values(part).flatMap(texts => Object.keys(texts)));
  const missing = [...keys].flatMap(k => ["fi", "sv", "en"].filter(l => !(k in (part[l] || {}))).map(l => `${k} in ${l}`));
  check(missing.length === 0 && Object.keys(part).length === 3, `${file}: all ${keys.size} keys in fi, sv and en` + (missing.length ? ": missing " + missing.slice(0, 5).join(", ") : ""));
  const twice = [...keys].filter(k => owner.has(k)).map(k => `${k} (also ${owner.get(k)})`);
  check(twice.length === 0, `${file}: no key of another part` + (twice.length ? ": " + twice.slice(0, 5).join(", ") : ""));
  for (const k of keys) if (!owner.has(k)) owner.set(k, file);
}
for (const f of readdirSync(process.argv[2]).filter(f => f.endsWith(".js"))) {
  if (/^\s+fi: \{/m.test(readFileSync(join(process.argv[2], f), "utf8"))) {
    check(f in catalogueParts, `${f} holds texts: a part of the catalogue (catalogueParts in messages.js)`);
  }
}
process.exit(failed);
