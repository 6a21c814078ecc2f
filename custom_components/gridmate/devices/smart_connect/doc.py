"""Keep the tables of docs/smart_connect.md generated from the driver's own tables.

    python -m custom_components.gridmate.devices.smart_connect.doc [--check]

Each table sits between ``<!-- BEGIN name -->`` and ``<!-- END name -->`` markers; the rest of
the page is prose. ``--check`` exits 1 when the page is out of date (a test runs it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import sys

from ..doc_sections import replace_sections
from .mqtt import COUNTER_FIELDS, MQTT_FIELDS, MQTT_ONLY_KEYS
from .registers import Quantity
from .telegram import GAS_FIELD_OBIS, TELEGRAM_FIELDS, TelegramValue

DOC = Path(__file__).resolve().parents[4] / "docs" / "smart_connect.md"

_WIRE_UNIT = {
    Quantity.VOLTAGE: "V",
    Quantity.CURRENT: "A",
    Quantity.ACTIVE_POWER: "W",
    Quantity.REACTIVE_POWER: "var",
    Quantity.APPARENT_POWER: "VA",
    Quantity.POWER_FACTOR: "-",
    Quantity.ACTIVE_ENERGY: "Wh (kWh before V5.1)",
    Quantity.REACTIVE_ENERGY: "varh",
    Quantity.COUNT: "count",
}
_TELEGRAM_VALUE = {
    TelegramValue.ENERGY: "kWh",
    TelegramValue.POWER: "kW",
    TelegramValue.TIMESTAMP: "time",
    TelegramValue.TARIFF: "1 / 2",
    TelegramValue.IDENTIFIER: "text (diagnostic)",
    TelegramValue.TEXT: "text (diagnostic)",
    TelegramValue.DURATION: "s",
}


def mqtt_fields_table() -> str:
    """power_instant: field, the entity it feeds, unit on the wire."""
    lines = ["| Field | Entity key | Unit | Meaning |", "|---|---|---|---|"]
    for field in MQTT_FIELDS:
        key = f"`{field.key}`" + (" (MQTT only)" if field.key in MQTT_ONLY_KEYS else "")
        unit = _WIRE_UNIT[field.quantity]
        lines.append(f"| `{field.name}` | {key} | {unit} | {field.description} |")
    return "\n".join(lines)


def counters_table() -> str:
    """device_counters: field, unit, meaning (each one a diagnostic sensor)."""
    lines = ["| Field | Unit | Meaning |", "|---|---|---|"]
    lines += [
        f"| `{field.key}` | {field.unit or 'count'} | {field.description} |"
        for field in COUNTER_FIELDS
    ]
    return "\n".join(lines)


def telegram_table() -> str:
    """What Gridmate reads from the raw telegram."""
    lines = ["| OBIS | Entity key | Value | Meaning |", "|---|---|---|---|"]
    lines += [
        f"| `{field.obis}` | `{field.key}` | {_TELEGRAM_VALUE[field.value]} | {field.description} |"
        for field in TELEGRAM_FIELDS
    ]
    lines.append(
        f"| `{GAS_FIELD_OBIS}` | `gas_consumption`, `gas_measured_at` (gas meter device) | "
        "m³, time | Gas meter reading and when the gas meter took it |"
    )
    return "\n".join(lines)


TABLES: dict[str, Callable[[], str]] = {
    "mqtt_fields": mqtt_fields_table,
    "device_counters": counters_table,
    "telegram_fields": telegram_table,
}


def render(text: str) -> str:
    """Replace every marked table in ``text``."""
    return replace_sections(text, TABLES, document="docs/smart_connect.md")


def main(argv: list[str]) -> int:
    """Rewrite or check the page."""
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if wanted != current:
            print(f"{DOC} is stale: run python -m {__spec__.name if __spec__ else __name__}")
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
