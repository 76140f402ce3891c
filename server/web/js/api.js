// The session and the DOM helpers every module shares. The bearer token lives in
// sessionStorage (this tab only, gone when it closes) and travels only in the Authorization
// header (docs/security.md): never in a URL, never in a cookie.
import {keyFor, t, tx} from "./i18n.js";

export const $ = id => document.getElementById(id);

export const session = {
  token: sessionStorage.getItem("kotona.token"),
  onSignedOut: () => {},  // set by main.js: clears the page and shows the sign-in form
};

// fetch() with the token; a 401 (expired, signed out elsewhere) returns to the sign-in form.
export async function call(path, options = {}) {
  options.headers = Object.assign({Authorization: "Bearer " + session.token}, options.headers || {});
  const r = await fetch(path, options);
  if (r.status === 401) {
    session.onSignedOut("state.sessionEnded");
    throw new Error("signed out");
  }
  return r;
}

// An element holding data (a name, a note, a value, a date), not catalogue text: marked
// data-v for the i18n browser test. Data only through textContent, never as HTML.
export function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) {
    e.textContent = text;
    e.dataset.v = "";
  }
  if (cls) e.className = cls;
  return e;
}

// A button labelled from the catalogue.
export function button(key, cls, fn) {
  const b = tx("button", key, {}, cls);
  b.onclick = fn;
  return b;
}

// Sets the element `id` to catalogue text (say) or to data (show).
export function say(id, key, params) {
  const e = $(id);
  e.textContent = t(key, params);
  e.dataset.k = keyFor(key, params);
  e.dataset.dyn = "";
  delete e.dataset.v;
}
export function show(id, text) {
  const e = $(id);
  e.textContent = text;
  e.dataset.v = "";
  delete e.dataset.k;
}
