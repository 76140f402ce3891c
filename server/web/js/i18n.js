// Language, texts and formats. The language is kept per user on the server (main.js: GET/PUT
// /api/v1/me) and mirrored in this browser's localStorage ("kotona.lang.<user>", and
// "kotona.lang" for the sign-in form, before anyone is signed in). Dates, times and numbers
// through Intl in the locale.
import {languages, messages} from "./messages.js";

const locales = {fi: "fi-FI", sv: "sv-FI", en: "en-GB"};
const stored = key => { const v = localStorage.getItem(key); return v in messages ? v : null; };
export let lang = stored("kotona.lang") || "fi";

// The saved choice of `user` (or the last one used here), applied to the document.
export function useLanguageOf(user) {
  lang = (user && stored("kotona.lang." + user)) || stored("kotona.lang") || "fi";
  document.documentElement.lang = lang;
}

export function chooseLanguage(code, user) {
  if (!(code in messages)) return;
  localStorage.setItem("kotona.lang", code);
  if (user) localStorage.setItem("kotona.lang." + user, code);
  lang = code;
}

// Plural forms (issue 18): a text that counts has keys `<key>.one` and `<key>.other`
// (CLDR categories of fi, sv and en), chosen by the number in params.count (or
// params.failures), a number or its formatted text ("1 234" parses as NaN: "other").
// `key` itself when it has no plural forms.
export function keyFor(key, params = {}) {
  const m = messages[lang];
  if (key in m || !(key + ".other" in m)) return key;
  const n = Number(params.count ?? params.failures);
  const form = key + "." + new Intl.PluralRules(locales[lang]).select(n);
  return form in m ? form : key + ".other";
}

// The text of `key` (its plural form for params.count) with its {placeholders} filled; a key
// missing in this language shows as ⟦key⟧ (the i18n browser test looks for it), never
// silently in another language.
export function t(key, params = {}) {
  const text = messages[lang][keyFor(key, params)];
  if (text === undefined) return "\u27e6" + key + "\u27e7";
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// True when some language of the catalogue has `key` (the i18n test finds one missing in
// another language).
export const known = key => Object.values(messages).some(m => key in m);

// An element whose text comes from the catalogue: marked data-k (the i18n test's proof).
export function tx(tag, key, params, cls) {
  const e = document.createElement(tag);
  e.textContent = t(key, params);
  e.dataset.k = keyFor(key, params);
  e.dataset.dyn = "";
  if (cls) e.className = cls;
  return e;
}

export function when(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locales[lang], {dateStyle: "short", timeStyle: "short"}).format(new Date(iso));
}
export function day(ms) { return new Intl.DateTimeFormat(locales[lang], {dateStyle: "short"}).format(new Date(ms)); }
export function num(v, digits = 1) {
  return new Intl.NumberFormat(locales[lang], {maximumFractionDigits: digits}).format(v);
}
// A reading's values as a person reads them ("Verenpaine: systolinen (mmHg) 158, ..."): the kind
// and each value's name from the catalogue, numbers as this language writes them; a name the
// catalogue lacks stays as sent.
export function readingText(kind, values) {
  const name = known("kind." + kind) ? t("kind." + kind) : kind;
  const shown = v => typeof v === "number" ? num(v, 2) : typeof v === "object" ? JSON.stringify(v) : String(v);
  const parts = Object.entries(values || {}).map(([k, v]) => (known("series." + k) ? t("series." + k) : k) + " " + shown(v));
  return parts.length ? name + ": " + parts.join(", ") : name;
}
// The values of held readings as a quarantine alert carries them ("bp {...}; inr {...}"), each
// through readingText; an item that does not parse stays as sent.
export function heldValuesText(text) {
  return String(text).split("; ").map(item => {
    const space = item.indexOf(" ");
    try {
      return readingText(item.slice(0, space), JSON.parse(item.slice(space + 1)));
    } catch {
      return item;
    }
  }).join("; ");
}
// Seconds as people read them ("12 min", "3,5 h", "2 vrk"), one decimal, in this language.
export function duration(s) {
  const [n, unit] = s < 120 ? [s, "s"] : s < 7200 ? [s / 60, "min"] : s < 172800 ? [s / 3600, "h"] : [s / 86400, "d"];
  return t("unit." + unit, {n: num(n, 1)});
}
// True when this language has `key` (an alert sentence falls back when it has not).
export const has = key => key in messages[lang] || key + ".other" in messages[lang];

// The static texts of index.html: data-k (text), data-kp (placeholder); the title; the picker.
export function translateDocument() {
  document.documentElement.lang = lang;
  document.title = t("doc.title");
  for (const e of document.querySelectorAll("[data-k]:not([data-dyn])")) e.textContent = t(e.dataset.k);
  for (const e of document.querySelectorAll("[data-kp]")) e.placeholder = t(e.dataset.kp);
  const pick = document.getElementById("lang");
  pick.replaceChildren(...Object.entries(languages).map(([code, name]) => {
    const o = document.createElement("option");
    o.value = code;
    o.textContent = name;
    o.dataset.v = "";  // a language's own name: the same in every language
    o.lang = code;
    return o;
  }));
  pick.value = lang;
}
