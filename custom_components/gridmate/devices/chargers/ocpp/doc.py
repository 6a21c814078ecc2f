"""Keep the generated tables of docs/ocpp.md in step with the Infinergi table.

Run from the repository root: ``python -m custom_components.gridmate.devices.chargers.ocpp.doc``
rewrites the sections between ``<!-- BEGIN name -->`` and ``<!-- END name -->`` markers;
``--check`` exits 1 when the file is stale (a test runs it). Edit infinergi.py, not the tables.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

from ...doc_sections import replace_sections, table_cell
from .infinergi import CONNECTOR_STATES, INFINERGI_ERRORS, INFINERGI_MODELS, ErrorCategory

DOC = Path(__file__).resolve().parents[5] / "docs" / "ocpp.md"

_CATEGORY = {
    ErrorCategory.INSTALLATION: "installation (1 blink)",
    ErrorCategory.VEHICLE: "vehicle (2 blinks)",
    ErrorCategory.DEVICE: "device (3 blinks)",
}


def errors_table() -> str:
    """The manual's error codes with cause and what to do."""
    lines = [
        "| Code | Error | Family | Cause | What to do |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {e.code} | {table_cell(e.title)} | {_CATEGORY[e.category]} | {table_cell(e.cause)} "
        f"| {table_cell(e.recovery)} |"
        for e in INFINERGI_ERRORS
    ]
    return "\n".join(lines)


def states_table() -> str:
    """OCPP connector statuses and what the Infinergi shows for them."""
    lines = [
        "| OCPP status | Shown in Home Assistant | Vehicle plugged in |",
        "| --- | --- | --- |",
    ]
    plugged = {True: "yes", False: "no", None: "unknown"}
    lines += [
        f"| `{s.status}` | {table_cell(s.label)} | {plugged[s.vehicle_connected]} |"
        for s in CONNECTOR_STATES
    ]
    return "\n".join(lines)


def models_table() -> str:
    """The Infinergi versions."""
    lines = [
        "| Model | Phases | Power | Cable | Display, RFID, MID meter port |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {m.model} | {m.phases} | {m.rated_power_kw:g} kW | "
        f"{'5 m tethered' if m.tethered else 'type 2 socket'} | "
        f"{'yes' if m.display_and_rfid else 'no'} |"
        for m in INFINERGI_MODELS
    ]
    return "\n".join(lines)


SECTIONS = {"errors": errors_table, "states": states_table, "models": models_table}


def render(text: str) -> str:
    """`text` with every generated section replaced by its current table."""
    return replace_sections(text, SECTIONS, document="docs/ocpp.md")


def main(argv: list[str] | None = None) -> int:
    """Rewrite or check docs/ocpp.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(
                "docs/ocpp.md is stale: run "
                "python -m custom_components.gridmate.devices.chargers.ocpp.doc"
            )
            return 1
        return 0
    if wanted != current:
        DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
