#!/usr/bin/env python3
"""Checks every #include against the "Allowed deps:" line of the README that governs its file.

The allow-list is the READMEs (issue 16 step 6): a source file is governed by the README.md of
its folder or, when that has no "Allowed deps:" line, of the nearest folder above that has one.
A file may include its own folder's subtree (a parent wires its children), the project folders
its line names, the libraries its line names (names below), the C++ standard library and POSIX.
Tests, fuzz targets and test-support headers are not checked (they may include anything).
Every folder's README is at most 30 lines. Usage: layering.py [ROOT] (default: this repository).
Prints one line per violation; exit 1 if there is any, 2 if a README line cannot be read.
"""
import os
import re
import subprocess
import sys

# Library names a README may list -> the header prefixes they allow.
LIBRARIES = {
    "boost": ("boost/",),
    "boost.asio": ("boost/asio",), "asio": ("boost/asio",),
    "boost.beast": ("boost/beast",), "beast": ("boost/beast",),
    "boost.json": ("boost/json",),
    "sqlite": ("sqlite3.h",),
    "libpq": ("libpq-fe.h",),
    "openssl": ("openssl/",),
    "paho": ("mqtt/",),
    "sdbus-c++": ("sdbus-c++/",),
    "protobuf": ("google/protobuf/",),
    "doctest": ("doctest/",),
    "std": (), "posix": (),  # always allowed; listing them is documentation
}
# Angle-bracket includes outside these prefixes are the standard library or POSIX.
CHECKED_PREFIXES = sorted({p for prefixes in LIBRARIES.values() for p in prefixes})
TEST_FILE = re.compile(r"(_test|_fuzz)\.cpp$|test_support[^/]*\.h$|/test_[^/]*\.h$|"
                       r"_test_support\.h$|test_served\.h$")
INCLUDE = re.compile(r'^#include\s+([<"])([^>"]+)[>"]')
MAX_README_LINES = 30
CHECK_README_LINES = True  # every folder README is a map (issue 16 step 6)
HEAD = re.compile(r"Allowed (deps|dependencies):\s*(.*)$")


def tracked_files():
    git = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], capture_output=True,
                         text=True, check=False)
    if git.returncode == 0:
        return [f for f in git.stdout.splitlines() if os.path.exists(f)]
    return [os.path.relpath(os.path.join(d, f)) for d, _, names in os.walk(".") for f in names]


def allowed_text(lines):
    """The sentence after 'Allowed deps:', joined over continuation lines."""
    for i, line in enumerate(lines):
        m = HEAD.search(line)
        if not m:
            continue
        text = m.group(2)
        j = i + 1
        while not re.search(r"\.(\s|$)", text) and j < len(lines) and lines[j].strip():
            text += " " + lines[j].strip()
            j += 1
        end = re.search(r"\.(\s|$)", text)
        return text[:end.start()] if end else text
    return None


def expand_braces(token):
    m = re.search(r"\{([^}]*)\}", token)
    if not m:
        return [token]
    return [x for part in m.group(1).split(",")
            for x in expand_braces(token[:m.start()] + part.strip() + token[m.end():])]


def parse_rule(readme, top_folders):
    """(folders, header prefixes, anything) from a README, or None without a line."""
    with open(readme, encoding="utf-8") as f:
        text = allowed_text(f.read().splitlines())
    if text is None:
        return None
    text = re.sub(r"\([^)]*\)", "", text)  # remarks in parentheses
    text = re.sub(r"\{[^}]*\}", lambda m: m.group(0).replace(",", "|"), text)
    folders, prefixes, anything = [], [], False
    for raw in text.split(","):
        token = re.sub(r"^(and|or)\s+", "", raw.strip()).strip()
        if not token:
            continue
        if token.lower() == "anything":
            anything = True
            continue
        if token.lower() in LIBRARIES:
            prefixes.extend(LIBRARIES[token.lower()])
            continue
        for t in expand_braces(token.replace("|", ",")):
            if t.rstrip("/") in top_folders or "/" in t:
                if not re.fullmatch(r"[a-z0-9_./-]+", t):
                    raise ValueError(f"{readme}: cannot read '{token}' in its Allowed deps line")
                folders.append(t.rstrip("/") + "/")
            else:
                raise ValueError(f"{readme}: unknown dependency '{token}' in its Allowed deps line"
                                 f" (folders end in '/'; libraries: {', '.join(LIBRARIES)})")
    return folders, prefixes, anything


def governing_rule(path, rules):
    folder = os.path.dirname(path)
    while True:
        if folder in rules:
            return folder, rules[folder]
        if not folder:
            return None, None
        folder = os.path.dirname(folder)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    os.chdir(root)
    files = tracked_files()
    top_folders = {f.split("/")[0] for f in files if "/" in f}
    rules, bad = {}, 0
    for f in files:
        if f.endswith("README.md") and "/" in f:
            with open(f, encoding="utf-8") as readme:
                length = len(readme.read().splitlines())
            if length > MAX_README_LINES and CHECK_README_LINES:
                print(f"layering: {f}: {length} lines; a folder's README is a map of at most "
                      f"{MAX_README_LINES} (STYLE.md §1): move the rest to docs/")
                bad += 1
            try:
                rule = parse_rule(f, top_folders)
            except ValueError as e:
                print(f"layering: {e}")
                return 2
            if rule:
                rules[os.path.dirname(f)] = rule
    for f in files:
        if not f.endswith((".h", ".cpp")) or TEST_FILE.search(f) or f.startswith("tests/"):
            continue
        home, rule = governing_rule(f, rules)
        if rule is None:
            print(f"layering: {f}: no README above it has an 'Allowed deps:' line")
            bad += 1
            continue
        folders, prefixes, anything = rule
        if anything:
            continue
        with open(f, encoding="utf-8", errors="replace") as src:
            for n, line in enumerate(src, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, target = m.groups()
                if kind == "<":
                    checked = [p for p in CHECKED_PREFIXES if target.startswith(p)]
                    if checked and not any(target.startswith(p) for p in prefixes):
                        print(f"layering: {f}:{n}: <{target}> is not in {home}/README.md's "
                              f"Allowed deps")
                        bad += 1
                    continue
                if target.startswith("kotona/"):  # generated from proto/kotona/
                    target = "proto/" + target
                if "/" not in target:
                    continue  # same folder
                if target.startswith(home + "/") or any(target.startswith(d) for d in folders):
                    continue
                print(f'layering: {f}:{n}: "{target}" is not in {home}/README.md\'s Allowed deps')
                bad += 1
    if bad:
        print(f"layering: {bad} violation(s)")
        return 1
    print(f"layering: ok ({len(rules)} READMEs, allow-lists)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
