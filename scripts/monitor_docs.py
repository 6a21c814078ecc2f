#!/usr/bin/env python3
"""Write the payload-model tables of docs/monitor.md from the monitor's one table.

The topics, fields and units, load kinds, installation checks and sources in docs/monitor.md
are generated from `custom_components/gridmate/devices/infinity/schema.py` and `checks.py`, the
same tables the parser and the simulator read. `--check` (run by the tests) fails when the
document is out of date.

    python scripts/monitor_docs.py [--check]
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.gridmate.devices.doc_sections import (  # noqa: E402
    replace_sections,
    table_cell,
)
from custom_components.gridmate.devices.infinity import checks, schema  # noqa: E402

DOC = ROOT / "docs" / "monitor.md"


def _row(*cells: object) -> str:
    return "| " + " | ".join(table_cell(cell) for cell in cells) + " |"


def _topics() -> str:
    rows = [
        "| Topic (below `servicelocation/<uuid>/`) | Direction | Retained | When | Carries "
        "| Source |",
        "|---|---|---|---|---|---|",
    ]
    for spec in schema.TOPICS:
        rows.append(
            _row(
                f"`{spec.kind.value}`",
                "to gateway" if spec.to_gateway else "from gateway",
                "yes" if spec.retained else "no",
                spec.period,
                spec.what,
                spec.source,
            )
        )
    return "\n".join(rows)


def _factor(factor: float) -> str:
    inverse = 1 / factor
    if factor < 1 and abs(inverse - round(inverse)) < 1e-6:
        return f"1/{round(inverse):,}".replace(",", " ")
    return f"{factor:g}"


def _fields() -> str:
    rows = [
        "| Topic | Value | On the wire | Shown as | Factor | Source | Note |",
        "|---|---|---|---|---|---|---|",
    ]
    for field in schema.FIELDS:
        factor = _factor(field.factor) if field.unit else "-"
        rows.append(
            _row(
                f"`{field.topic.value}`",
                f"`{field.path}`",
                field.wire_unit,
                field.unit or "-",
                factor,
                field.source,
                field.note,
            )
        )
    return "\n".join(rows)


def _kinds() -> str:
    rows = [
        "| Type / flow | Connection | Gridmate load kind | Source |",
        "|---|---|---|---|",
    ]
    for vendor, connection, kind, source in schema.LOAD_KINDS:
        rows.append(_row(f"`{vendor}`", f"`{connection}`" if connection else "any", kind, source))
    rows.append(
        f"| `{schema.UNUSED}` | any | (not a load; still a measuring point) | nodered-examples |"
    )
    return "\n".join(rows)


def _checks() -> str:
    rows = [
        "| Repair | Raised when | For at least | Clears after |",
        "|---|---|---|---|",
    ]
    for spec in checks.CHECKS.values():
        clears = (
            "at once when the condition is gone"
            if not spec.clear_after_s
            else f"{spec.clear_after_s:.0f} s seen healthy"
        )
        rows.append(_row(f"`{spec.check}`", spec.threshold, f"{spec.min_duration_s:.0f} s", clears))
    return "\n".join(rows)


def _sources() -> str:
    return "\n".join(f"- **{key}**: {text}" for key, text in schema.SOURCES.items())


SECTIONS = {
    "monitor_topics": _topics,
    "monitor_fields": _fields,
    "monitor_kinds": _kinds,
    "monitor_checks": _checks,
    "monitor_sources": _sources,
}


def render(text: str) -> str:
    """The document with every generated section replaced."""
    try:
        return replace_sections(text, SECTIONS, document="docs/monitor.md")
    except ValueError as err:
        raise SystemExit(str(err)) from None


def main() -> int:
    """Write the tables, or with --check report whether they are current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print("docs/monitor.md is out of date: run python scripts/monitor_docs.py")
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
