"""Render the tables of docs/smartevse.md from the protocol tables.

    python -m custom_components.gridmate.devices.chargers.smartevse.doc          rewrite the doc
    python -m custom_components.gridmate.devices.chargers.smartevse.doc --check  exit 1 if stale

Each table sits between `<!-- BEGIN name -->` and `<!-- END name -->` in docs/smartevse.md; the
prose around them is written by hand. A test runs `--check`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import sys

from ...doc_sections import replace_sections
from .protocol import (
    C2_INDEX,
    C2_NAMES,
    ERRORS,
    FIELDS,
    MODES,
    MQTT_STATE_SHORT,
    SETTINGS,
    STATES,
)

DOC = Path(__file__).resolve().parents[5] / "docs" / "smartevse.md"


def fields_table() -> str:
    """Every decoded value: REST path(s), MQTT topic, unit."""
    lines = [
        "| Value | `GET /settings` | MQTT `<prefix>/...` | Unit | Meaning |",
        "|---|---|---|---|---|",
    ]
    for field in FIELDS:
        rest = ", ".join(f"`{'.'.join(source.path)}`" for source in field.rest)
        mqtt = "-"
        if field.mqtt is not None:
            mqtt = f"`{field.mqtt.topic}`" + (" (fork)" if field.mqtt.fork_only else "")
        if field.key == "state_id":
            mqtt += f", `{MQTT_STATE_SHORT.topic}` (fork)"
        lines.append(
            f"| `{field.key}` | {rest} | {mqtt} | {field.unit or '-'} | {field.description} |"
        )
    return "\n".join(lines)


def commands_table() -> str:
    """Every setting Gridmate sends."""
    lines = [
        "| Setting | `POST /settings?` | MQTT `<prefix>/...` | Values |",
        "|---|---|---|---|",
    ]
    for setting in SETTINGS.values():
        mqtt = f"`{setting.mqtt_topic}`" if setting.mqtt_topic else "- (REST only)"
        lines.append(f"| {setting.key} | `{setting.rest_param}` | {mqtt} | {setting.description} |")
    lines.append(
        "| mains currents | `POST /currents?L1=&L2=&L3=` | `Set/MainsMeter` `L1:L2:L3` "
        "| dA, + import; the charger's MAINS MET must be API |"
    )
    return "\n".join(lines)


def modes_table() -> str:
    """The charge modes on each interface."""
    lines = [
        "| Gridmate | `mode_id` / `POST mode=` | `mode` | MQTT | `evse.mode` |",
        "|---|---|---|---|---|",
    ]
    for spec in MODES:
        evse = "-" if spec.evse_mode is None else str(spec.evse_mode)
        lines.append(
            f"| {spec.mode.value} | {spec.rest_id} | {spec.rest_name} | {spec.mqtt} | {evse} |"
        )
    return "\n".join(lines)


def c2_table() -> str:
    """The C2 settings."""
    lines = ["| Gridmate | `enable_C2=` | Firmware name |", "|---|---|---|"]
    lines.extend(f"| {mode.value} | {C2_INDEX[mode]} | {name} |" for mode, name in C2_NAMES.items())
    return "\n".join(lines)


def states_table() -> str:
    """The charger states."""
    lines = [
        "| `state_id` | Firmware name (REST, MQTT `State`) | Fork `StateID` | Gridmate "
        "| Charging |",
        "|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {s.id} | {s.web} | {s.short} | {s.key} | {'yes' if s.charging else 'no'} |"
        for s in STATES
    )
    return "\n".join(lines)


def errors_table() -> str:
    """The ErrorFlags bits."""
    lines = [
        "| Bit | `error_id` | Macro | Firmware name | Gridmate | Stops charging | Meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| `{e.flag:#04x}` | {e.flag.bit_length()} | `{e.macro}` | {e.web} | {e.error.value} "
        f"| {'yes' if e.stops_charging else 'no'} | {e.meaning} |"
        for e in ERRORS
    )
    return "\n".join(lines)


TABLES: dict[str, Callable[[], str]] = {
    "smartevse_fields": fields_table,
    "smartevse_commands": commands_table,
    "smartevse_modes": modes_table,
    "smartevse_c2": c2_table,
    "smartevse_states": states_table,
    "smartevse_errors": errors_table,
}


def render(text: str) -> str:
    """Replace every marked table in `text`."""
    return replace_sections(text, TABLES, document="docs/smartevse.md")


def main() -> int:
    """Rewrite the doc, or with --check report whether it is current."""
    current = DOC.read_text(encoding="utf-8")
    updated = render(current)
    if "--check" in sys.argv[1:]:
        if updated != current:
            print(f"docs/smartevse.md is stale: run python -m {__name__}")
            return 1
        return 0
    DOC.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
