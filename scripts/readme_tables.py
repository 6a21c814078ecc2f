"""Regenerate the README's tables from the code's own tables.

    python scripts/readme_tables.py          rewrite README.md in place
    python scripts/readme_tables.py --check  exit 1 if README.md is out of date (used by a test)

Each table sits between `<!-- BEGIN name -->` and `<!-- END name -->` markers.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.gridmate.devices.doc_sections import replace_sections  # noqa: E402
from custom_components.gridmate.devices.smart_connect.registers import (  # noqa: E402
    REGISTERS,
    block_of,
)
from custom_components.gridmate.smart_connect.sensor import (  # noqa: E402
    PRESENTATION,
    SMART_CONNECT_SENSORS,
)

README = ROOT / "README.md"


def smart_connect_table() -> str:
    """The Smart Connect register map as Home Assistant shows it."""
    names = json.loads((ROOT / "custom_components/gridmate/strings.json").read_text())["entity"][
        "sensor"
    ]
    descriptions = {d.key: d for d in SMART_CONNECT_SENSORS}
    lines = [
        "| Register | Block | Entity | Unit | Default | Old firmware | Meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for reg in REGISTERS:
        desc = descriptions[reg.key]
        name = names[desc.translation_key]["name"].format(**(desc.translation_placeholders or {}))
        unit = PRESENTATION[reg.quantity].unit or "-"
        default = "on" if desc.entity_registry_enabled_default else "off"
        if desc.entity_category is not None:
            default += " (diagnostic)"
        lines.append(
            f"| `{reg.address:#06x}` | {block_of(reg).name} | {name} | {unit} | {default} | "
            f"{'yes' if reg.in_short_map else 'no'} | {reg.description} |"
        )
    return "\n".join(lines)


TABLES = {"smart_connect_registers": smart_connect_table}


def render(text: str) -> str:
    """Replace every marked table in `text`."""
    try:
        return replace_sections(text, TABLES, document="README.md")
    except ValueError as err:
        raise SystemExit(str(err)) from None


def main() -> int:
    """Rewrite or check README.md."""
    current = README.read_text()
    wanted = render(current)
    if "--check" in sys.argv:
        if wanted != current:
            print("README.md tables are stale: run python scripts/readme_tables.py")
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
