#!/usr/bin/env python3
"""Assemble strings.json, translations/*.json and icons.json from the per-kind sources.

Each entry kind keeps its texts in custom_components/gridmate/i18n/<part>.strings.json
(English, the source), <part>.<lang>.json (translations) and <part>.icons.json, so kinds are
edited without touching each other. Home Assistant reads only the assembled files; this script
writes them, and `--check` (run by the tests) fails when they are out of date or when two
parts give the same key different texts.

    python scripts/build_translations.py [--check]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "gridmate"
SOURCES = PACKAGE / "i18n"


class ConflictError(ValueError):
    """Two parts define the same key differently."""


def merge(into: dict[str, Any], part: dict[str, Any], where: str, path: str = "") -> None:
    """Deep-merge `part` into `into`; equal leaves may repeat, different ones may not."""
    for key, value in part.items():
        here = f"{path}.{key}" if path else key
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            merge(into[key], value, where, here)
        elif into[key] != value:
            raise ConflictError(f"{where}: {here} is already defined differently")


def _parts(suffix: str) -> list[Path]:
    # common first, then the kinds alphabetically: a stable order for readable output.
    paths = sorted(SOURCES.glob(f"*.{suffix}.json"))
    return sorted(paths, key=lambda p: (p.name.split(".")[0] != "common", p.name))


def assemble(suffix: str) -> dict[str, Any]:
    """All parts with this suffix (strings, nl, icons) merged."""
    merged: dict[str, Any] = {}
    for path in _parts(suffix):
        merge(merged, json.loads(path.read_text(encoding="utf-8")), path.name)
    return merged


def outputs() -> dict[Path, dict[str, Any]]:
    """Every generated file and its content."""
    english = assemble("strings")
    files = {
        PACKAGE / "strings.json": english,
        PACKAGE / "translations" / "en.json": english,
        PACKAGE / "icons.json": assemble("icons"),
    }
    languages = {p.name.split(".")[1] for p in SOURCES.glob("*.*.json")} - {"strings", "icons"}
    for lang in sorted(languages):
        files[PACKAGE / "translations" / f"{lang}.json"] = assemble(lang)
    return files


def _text(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Write the files, or with --check report which are stale."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    args = parser.parse_args()
    try:
        files = outputs()
    except ConflictError as err:
        print(f"build_translations: {err}", file=sys.stderr)
        return 1
    stale = [
        path
        for path, content in files.items()
        if not path.exists() or path.read_text(encoding="utf-8") != _text(content)
    ]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(PACKAGE)} (run scripts/build_translations.py)")
        return 1 if stale else 0
    for path in stale:
        path.write_text(_text(files[path]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
