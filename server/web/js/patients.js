// Who: the patient register as the signed-in user may see it (GET /api/v1/patients: their
// care team's patients; the henkilötunnus only masked, issue 18 part 2), by patient id, and
// the care teams by name (GET /api/v1/me: the caller's team, an admin's every team, issue 18).
import {$, button, call, el} from "./api.js";
import {t, tx} from "./i18n.js";

const register = new Map();  // patient_id -> {display_name, age_years, henkilotunnus_masked}
const asked = new Set();
let teams = [];  // [{id, name, patients}] from GET /api/v1/me

// The teams the signed-in user works in; fills the worklist's team filter (shown when there
// is more than one team to choose from).
export function setTeams(list) {
  teams = list || [];
  const pick = $("f-team"), all = pick.querySelector("option[value='']");
  pick.replaceChildren(all, ...teams.map(team => {
    const o = el("option", teamName(team.id));
    o.value = team.id;
    return o;
  }));
  $("f-team-box").hidden = teams.length < 2;
}

// A team as people read it: its configured name, else its id.
export function teamName(id) {
  const team = teams.find(x => x.id === id);
  return (team && team.name) || id;
}

// The patient's care team: the register's, else the config team line listing them.
export function teamOf(id) {
  const p = register.get(id), listed = teams.find(x => x.patients.includes(id));
  return (p && p.team) || (listed && listed.id) || null;
}

export async function loadPatients() {
  const r = await call("/api/v1/patients");
  if (!r.ok) return;
  for (const p of await r.json()) register.set(p.patient_id, p);
}

// A patient first seen on the live feed: read once, then `redraw`.
export function ensurePatient(id, redraw) {
  if (register.has(id) || asked.has(id)) return;
  asked.add(id);
  call("/api/v1/patients/" + encodeURIComponent(id))
    .then(async r => { if (r.ok) { register.set(id, await r.json()); redraw(); } })
    .catch(() => {});
}

// The name the page shows: the register's name, else the id.
export function patientName(id) {
  const p = register.get(id);
  return (p && p.display_name) || id;
}

export function matchesPatient(id, query) {
  const p = register.get(id), q = query.toLowerCase();
  return id === query || Boolean(p && p.display_name && p.display_name.toLowerCase().includes(q));
}

// Name, age and id as elements: "Aino Virtanen, 74 v" over "patient-1".
export function patientParts(id) {
  const p = register.get(id), parts = [el("span", patientName(id), "pname")];
  if (p && p.age_years !== null && p.age_years !== undefined) {
    parts.push(el("span", ", " + t("patient.age", {age: p.age_years}), "page"));
    parts[1].dataset.k = "patient.age";
    delete parts[1].dataset.v;
  }
  if (p && p.display_name) parts.push(el("span", id, "small pid"));
  return parts;
}

// The heading of the patient view: name, age, id, the masked henkilötunnus, the care team.
export function patientTitle(id) {
  const p = register.get(id), parts = patientParts(id);
  if (p && p.henkilotunnus_masked) {
    const code = el("span", p.henkilotunnus_masked, "small pid hetu");
    parts.push(code, revealButton(id, code));
  }
  const team = teamOf(id);
  if (team) parts.push(tx("span", "patient.team", {team: teamName(team)}, "small pid team"));
  return parts;
}

// The full henkilötunnus is an explicit, audited act (POST, the server writes the audit row
// before it answers): shown in place of the masked code until the heading is redrawn.
function revealButton(id, code) {
  const b = button("patient.hetuShow", "small hetu-show", async () => {
    b.disabled = true;
    const r = await call("/api/v1/patients/" + encodeURIComponent(id) + "/henkilotunnus",
                         {method: "POST"}).catch(() => null);
    const full = r && r.ok ? (await r.json()).henkilotunnus : null;
    if (full) {
      code.textContent = full;
      b.remove();
    } else {
      b.replaceWith(tx("span", "patient.hetuFailed", {}, "small err"));
    }
  });
  return b;
}
