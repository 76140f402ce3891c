#!/usr/bin/env python3
"""Validates FHIR R4 JSON files against the official FHIR R4 JSON schema (draft-06).

Usage: validate_fhir.py SCHEMA FILE...
Each FILE is validated as a whole against the schema's root (oneOf over every resource type),
and, when it is a Bundle, each entry's resource again against its own type's definition, so an
error names the entry and the field. Only the resource types the export may emit are accepted:
the packaged schema also defines Medplum's own resource types, which are not FHIR R4.
Prints one line per error; exit 0 when every file is valid, 1 otherwise, 2 on usage errors.
"""
import json
import sys

from jsonschema import Draft6Validator

EXPORTED_TYPES = {"Bundle", "Patient", "Device", "Observation", "OperationOutcome"}


def validator_for(schema, definition):
    sub = {"$ref": "#/definitions/" + definition, "definitions": schema["definitions"]}
    return Draft6Validator(sub)


def errors_of(schema, resource, where):
    out = []
    rtype = resource.get("resourceType") if isinstance(resource, dict) else None
    if rtype not in EXPORTED_TYPES:
        return [f"{where}: resourceType {rtype!r} is not one the export emits"]
    for err in validator_for(schema, rtype).iter_errors(resource):
        path = "/".join(str(p) for p in err.absolute_path)
        out.append(f"{where} {rtype} /{path}: {err.message[:300]}")
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    if schema.get("id") != "http://hl7.org/fhir/json-schema/4.0":
        print(f"{argv[1]}: not the FHIR R4 JSON schema", file=sys.stderr)
        return 2
    Draft6Validator.check_schema(schema)
    root = Draft6Validator(schema)
    failures = []
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if not root.is_valid(doc):
            failures.append(f"{path}: invalid against the schema root")
        failures += errors_of(schema, doc, path)
        if isinstance(doc, dict) and doc.get("resourceType") == "Bundle":
            for i, entry in enumerate(doc.get("entry", [])):
                failures += errors_of(schema, entry.get("resource"), f"{path} entry[{i}]")
    for line in failures:
        print(line)
    print(f"validate_fhir: {len(argv) - 2} file(s), {len(failures)} error(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
