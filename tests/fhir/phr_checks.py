#!/usr/bin/env python3
"""Named checks of the Finnish PHR (Kanta) rules on the FHIR export's Observations (issue 19).

Usage: phr_checks.py check FILE   every check on every exported Observation; exit 1 on a failure
       phr_checks.py bad FILE     each check rejects its known-bad resource (and passes the good
                                  one it was made from); exit 1 when a check does not
FILE (written by fhir_phr_test): {"observations": [{"kind", "profile", "phr", "language",
"resource"}]} with one entry per kind-table row and language, so a new kind is checked without
an edit here. Each check names the rule and where it comes from (docs/fhir.md has the table);
the rules are written from reading the profiles, nothing is copied from them.
"""
import copy
import json
import re
import sys
import xml.etree.ElementTree as ET

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
MDC = "urn:iso:std:iso:11073:10101"
LOCAL = "urn:kotona:fhir:term"
XHTML = "{http://www.w3.org/1999/xhtml}"
PHR = "http://phr.kanta.fi/StructureDefinition/"
HL7_SD = "http://hl7.org/fhir/StructureDefinition/"
# Languages the export may claim; all are in the FHIR R4 languages value set (BCP 47).
LANGUAGES = {"fi", "sv", "en", "fi-FI", "sv-FI", "en-GB", "en-US"}
TIME_WORD = {"fi": "Aika:", "sv": "Tid:"}

# What each Kanta PHR R4 profile (StructureDefinition version 0.1.0, fhirVersion 4.0.1) fixes:
# the code's LOINC codings, the value (UCUM code, Quantity.unit) or none, the components by
# LOINC code with their UCUM code (closed slicing: no others).
PROFILES = {
    PHR + "fiphr-sd-bloodpressure": {
        "codes": ["85354-9"], "value": None, "components": {"8480-6": "mm[Hg]", "8462-4": "mm[Hg]"}},
    PHR + "fiphr-sd-bloodglucose": {
        "codes": ["15074-8", "14743-9"], "value": ("mmol/L", "mmol/l"), "components": {}},
    PHR + "fiphr-sd-bodyweight": {"codes": ["29463-7"], "value": ("kg", "kg"), "components": {}},
}
# Elements the PHR vital-signs base profile sets to max 0.
PROHIBITED = ["basedOn", "partOf", "focus", "encounter", "bodySite", "method", "specimen",
              "device", "hasMember", "derivedFrom"]
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DATETIME = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?)?)?$")
UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def codings(concept, system=None):
    return [c for c in (concept or {}).get("coding", []) if system is None or c.get("system") == system]


def loinc_codes(concept):
    return [c.get("code") for c in codings(concept, LOINC)]


def div_text(obs):
    try:
        root = ET.fromstring(obs.get("text", {}).get("div", ""))
    except ET.ParseError:
        return ""
    return "".join(root.itertext())


def numbers(obs):
    """Every number the Observation carries: value, components, additional-value extensions."""
    out = []
    if "valueQuantity" in obs:
        out.append(obs["valueQuantity"].get("value"))
    for c in obs.get("component", []):
        out.append(c.get("valueQuantity", {}).get("value", c.get("valueInteger")))
    for e in obs.get("extension", []):
        if e.get("url") == "urn:kotona:fhir:extension:additional-value":
            out += [p["valueQuantity"]["value"] for p in e["extension"] if "valueQuantity" in p]
    return [n for n in out if n is not None]


def comma(x):
    text = repr(float(x))
    text = text[:-2] if text.endswith(".0") else text
    return text.replace(".", ",")


# --- the checks: each returns a list of errors (empty: passed) ------------------------------
def meta_profile(obs, ctx):
    profiles = obs.get("meta", {}).get("profile", [])
    errs = [] if ctx["profile"] in profiles else [f"meta.profile {profiles} lacks {ctx['profile']}"]
    if ctx["phr"] and not any(p in PROFILES for p in profiles):
        errs.append("no Finnish PHR profile in meta.profile (SHALL reference one)")
    return errs


def language(obs, ctx):
    lang = obs.get("language")
    if lang not in LANGUAGES:
        return [f"language {lang!r} missing or not from the FHIR languages value set"]
    return [] if lang == ctx["language"] else [f"language {lang} != requested {ctx['language']}"]


def narrative_present(obs, ctx):
    text = obs.get("text", {})
    if text.get("status") not in ("generated", "extensions", "additional"):
        return [f"text.status {text.get('status')!r}"]
    try:
        root = ET.fromstring(text.get("div", ""))
    except ET.ParseError as e:
        return [f"text.div is not XML: {e}"]
    if root.tag != XHTML + "div":
        return [f"text.div root {root.tag} is not an XHTML div"]
    bad = [el.tag for el in root.iter() if not el.tag.startswith(XHTML) or
           el.tag[len(XHTML):] in ("script", "form", "input", "iframe", "object", "style")]
    return [f"text.div holds {bad}"] if bad else ([] if "".join(root.itertext()).strip() else ["empty div"])


def narrative_content(obs, ctx):
    text = div_text(obs)
    errs = [f"narrative lacks the value {comma(n)}" for n in numbers(obs) if comma(n) not in text]
    if TIME_WORD.get(obs.get("language"), "Aika:") not in text:
        errs.append("narrative lacks the measured time")
    return errs


def narrative_language(obs, ctx):
    text = div_text(obs)
    lang = obs.get("language")
    other = [w for lng, w in TIME_WORD.items() if lng != lang]
    if lang not in TIME_WORD or TIME_WORD[lang] not in text or any(w in text for w in other):
        return [f"narrative is not in the resource's language {lang!r}"]
    return []


def identifier(obs, ctx):
    ids = obs.get("identifier", [])
    errs = [f"identifier {i} lacks system or value" for i in ids if not i.get("system") or not i.get("value")]
    errs += ["identifier.assigner present" for i in ids if "assigner" in i]
    if not any(i.get("system") == "urn:ietf:rfc:3986" and UUID_URN.match(i.get("value", "")) for i in ids):
        errs.append("no globally unique identifier (urn:ietf:rfc:3986 + urn:uuid:)")
    return errs


def status_final(obs, ctx):
    return [] if obs.get("status") == "final" else [f"status {obs.get('status')!r} != final"]


def category_vital_signs(obs, ctx):
    ok = any(c.get("code") == "vital-signs" and
             c.get("system") == "http://terminology.hl7.org/CodeSystem/observation-category"
             for cat in obs.get("category", []) for c in codings(cat))
    return [] if ok else ["no category vital-signs"]


def subject(obs, ctx):
    return [] if obs.get("subject", {}).get("reference") else ["no subject.reference"]


def effective_datetime(obs, ctx):
    errs = [f"{k} not allowed" for k in obs if k.startswith("effective") and k != "effectiveDateTime"]
    if not DATETIME.match(obs.get("effectiveDateTime", "")):
        errs.append("no valid effectiveDateTime")
    return errs


def issued(obs, ctx):
    return [] if INSTANT.match(obs.get("issued", "")) else ["no issued instant"]


def performer(obs, ctx):
    perf = obs.get("performer", [])
    if len(perf) != 1 or perf[0].get("reference") != obs.get("subject", {}).get("reference"):
        return [f"performer {perf} is not exactly the patient (subject)"]
    return []


def prohibited(obs, ctx):
    errs = [f"{k} present (max 0)" for k in PROHIBITED if k in obs]
    return errs + ["note.author present" for n in obs.get("note", []) if any(k.startswith("author") for k in n)]


def code(obs, ctx):
    rules = PROFILES.get(ctx["profile"])
    if rules is None:
        return [f"no rules known for {ctx['profile']}"]
    have = loinc_codes(obs.get("code"))
    return [f"code lacks LOINC {c}" for c in rules["codes"] if c not in have]


def quantity_errors(q, ucum, unit, where):
    errs = [] if isinstance(q.get("value"), (int, float)) else [f"{where}: no numeric value"]
    if q.get("system") != UCUM or q.get("code") != ucum or q.get("unit") != unit:
        errs.append(f"{where}: {q.get('unit')!r}/{q.get('system')!r}/{q.get('code')!r} != {unit}/UCUM/{ucum}")
    return errs


def value(obs, ctx):
    rules = PROFILES.get(ctx["profile"], {})
    values = [k for k in obs if k.startswith("value")]
    if rules.get("value") is None:
        return [f"{values} present; the profile has none" for _ in values[:1]]
    ucum, unit = rules["value"]
    return quantity_errors(obs.get("valueQuantity", {}), ucum, unit, "valueQuantity")


def components(obs, ctx):
    rules = PROFILES.get(ctx["profile"], {}).get("components", {})
    comps = obs.get("component", [])
    seen = [next((c for c in loinc_codes(x.get("code")) if c in rules), None) for x in comps]
    errs = [f"component {i} is none of {sorted(rules)} (closed)" for i, s in enumerate(seen) if s is None]
    errs += [f"component {c} missing or repeated" for c in rules if seen.count(c) != 1]
    for x, s in zip(comps, seen):
        if s is not None:
            errs += quantity_errors(x.get("valueQuantity", {}), rules[s], rules[s], f"component {s}")
    return errs


def coding_display(obs, ctx):
    concepts = [obs.get("code")] + [c.get("code") for c in obs.get("component", [])]
    return [f"LOINC {c.get('code')} has no display" for cc in concepts for c in codings(cc, LOINC)
            if not c.get("display")]


def inr(obs, ctx):
    errs = [] if "34714-6" in loinc_codes(obs.get("code")) else ["INR without LOINC 34714-6"]
    errs += quantity_errors(obs.get("valueQuantity", {}), "{INR}", "{INR}", "valueQuantity")
    return errs + ([] if ctx["profile"] == HL7_SD + "Observation" else ["INR claims a profile"])


def implant_idc(obs, ctx):
    """CardX-CIED's Observation code (MDC 720908) and every component coded MDC (IDC) or local."""
    errs = [] if "720908" in [c.get("code") for c in codings(obs.get("code"), MDC)] else ["no MDC 720908 code"]
    for i, comp in enumerate(obs.get("component", [])):
        if not codings(comp.get("code"), MDC) and not codings(comp.get("code"), LOCAL):
            errs.append(f"component {i} has neither an MDC (IDC) nor a local coding")
    return errs


def hl7_vital_signs(obs, ctx):
    errs = category_vital_signs(obs, ctx) + subject(obs, ctx)
    errs += [] if loinc_codes(obs.get("code")) else ["no LOINC code"]
    q = obs.get("valueQuantity")
    return errs + ([] if q is None or q.get("system") == UCUM else ["value not in UCUM"])


def swap_time_word(obs):
    """The narrative written in the other language than the resource's `language` says."""
    words = (TIME_WORD["sv"], TIME_WORD["fi"]) if obs["language"] == "sv" else (TIME_WORD["fi"], TIME_WORD["sv"])
    obs["text"]["div"] = obs["text"]["div"].replace(*words)


ALL = lambda ctx: True
IS_PHR = lambda ctx: ctx["phr"]
# name, applies to, check, known-bad mutation (made from a resource the check passes).
CHECKS = [
    ("meta-profile", ALL, meta_profile, lambda o: o.pop("meta")),
    ("language", ALL, language, lambda o: o.update(language="suomi")),
    ("narrative", ALL, narrative_present, lambda o: o["text"].update(div="<div>plain</div>")),
    ("narrative-content", ALL, narrative_content,
     lambda o: o["text"].update(div=re.sub(r"\d", "#", o["text"]["div"]))),
    ("narrative-language", ALL, narrative_language, lambda o: swap_time_word(o)),
    ("identifier", ALL, identifier, lambda o: o.update(identifier=o["identifier"][:1])),
    ("status-final", ALL, status_final, lambda o: o.update(status="preliminary")),
    ("category-vital-signs", IS_PHR, category_vital_signs,
     lambda o: o["category"][0]["coding"][0].update(code="laboratory")),
    ("subject", IS_PHR, subject, lambda o: o.pop("subject")),
    ("effective-datetime", IS_PHR, effective_datetime,
     lambda o: o.update(effectivePeriod={"start": o.pop("effectiveDateTime")})),
    ("issued", IS_PHR, issued, lambda o: o.pop("issued")),
    ("performer", IS_PHR, performer, lambda o: o.update(performer=[{"reference": "Practitioner/x"}])),
    ("prohibited-elements", IS_PHR, prohibited, lambda o: o.update(device={"reference": "Device/x"})),
    ("profile-code", IS_PHR, code, lambda o: codings(o["code"], LOINC)[-1].update(code="0000-0")),
    ("profile-value", IS_PHR, value,
     lambda o: o.update(valueQuantity=dict(o.get("valueQuantity", {"value": 1}), unit="mg/dL"))),
    ("profile-components", IS_PHR, components,
     lambda o: o.setdefault("component", []).append(
         {"code": {"coding": [{"system": LOINC, "code": "8478-0", "display": "Mean"}]}})),
    ("coding-display", IS_PHR, coding_display, lambda o: codings(o["code"], LOINC)[0].pop("display")),
    ("inr-code-unit", lambda ctx: ctx["kind"] == "inr", inr,
     lambda o: o["valueQuantity"].update(code="{ratio}")),
    ("implant-idc", lambda ctx: ctx["kind"] == "implant", implant_idc,
     lambda o: o["code"].update(coding=codings(o["code"], LOCAL))),
    ("hl7-vital-signs", lambda ctx: not ctx["phr"] and ctx["profile"].startswith(HL7_SD) and
     ctx["profile"] != HL7_SD + "Observation", hl7_vital_signs, lambda o: o.pop("category")),
]


def entries(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["observations"]


def run_checks(path):
    failures, counts = [], {}
    for e in entries(path):
        for name, applies, check, _ in CHECKS:
            if applies(e):
                counts[name] = counts.get(name, 0) + 1
                failures += [f"fhir-phr {name} ({e['kind']}, {e['language']}): {m}" for m in check(e["resource"], e)]
    for name, *_ in CHECKS:
        print(f"check {name}: {counts.get(name, 0)} resource(s)")
        if not counts.get(name):
            failures.append(f"fhir-phr {name}: applies to no exported resource")
    return failures


def run_bad(path):
    failures = []
    for name, applies, check, mutate in CHECKS:
        tried = 0
        for e in entries(path):
            if not applies(e) or check(e["resource"], e):
                continue
            bad = copy.deepcopy(e["resource"])
            mutate(bad)
            errs = check(bad, e)
            tried += 1
            if not errs:
                failures.append(f"fhir-phr {name}: known-bad resource ({e['kind']}) accepted")
            elif tried == 1:
                print(f"known-bad rejected by {name} ({e['kind']}): {errs[0]}")
        if tried == 0:
            failures.append(f"fhir-phr {name}: no good resource to make its known-bad one from")
    return failures


def main(argv):
    if len(argv) != 3 or argv[1] not in ("check", "bad"):
        print(__doc__, file=sys.stderr)
        return 2
    failures = run_checks(argv[2]) if argv[1] == "check" else run_bad(argv[2])
    for line in failures:
        print(line)
    print(f"phr_checks {argv[1]}: {len(CHECKS)} check(s), {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
