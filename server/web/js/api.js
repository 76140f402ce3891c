// The session and the DOM helpers every module shares. The bearer token lives in
// sessionStorage (this tab only, gone when it closes) and travels only in the Authorization
// header (docs/security.md): never in a URL, never in a cookie.
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
    session.onSignedOut("session ended: sign in again");
    throw new Error("signed out");
  }
  return r;
}

// Data only through textContent, never as HTML.
export function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

export function button(text, cls, fn) {
  const b = el("button", text, cls);
  b.onclick = fn;
  return b;
}

export function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }
