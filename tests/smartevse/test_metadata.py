"""The SmartEVSE's texts, icons and docs agree with its code."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
from typing import Any

from custom_components.gridmate.charger.smartevse.binary_sensor import BINARY_SENSORS
from custom_components.gridmate.charger.smartevse.number import NUMBERS
from custom_components.gridmate.charger.smartevse.select import SELECTS
from custom_components.gridmate.charger.smartevse.sensor import MAINS_FEED_SENSOR, SENSORS

ROOT = Path(__file__).parents[2]
I18N = ROOT / "custom_components" / "gridmate" / "i18n"


def _load(name: str) -> Any:
    return json.loads((I18N / name).read_text(encoding="utf-8"))


def test_every_entity_has_its_translation_and_states() -> None:
    """Each description's translation key exists, enum states and select options too."""
    strings = _load("smartevse.strings.json")["entity"]
    platforms = {
        "sensor": (*SENSORS, MAINS_FEED_SENSOR),
        "binary_sensor": BINARY_SENSORS,
        "number": NUMBERS,
        "select": SELECTS,
    }
    for platform, descriptions in platforms.items():
        keys = {d.translation_key for d in descriptions}
        assert keys == set(strings[platform]), platform
        for description in descriptions:
            options = getattr(description, "options", None)
            if options:
                states = strings[platform][description.translation_key]["state"]
                assert set(options) == set(states), description.key
    icons = _load("smartevse.icons.json")["entity"]
    for platform, entries in icons.items():
        assert set(entries) <= set(strings[platform]), platform


def test_docs_tables_are_current() -> None:
    """docs/smartevse.md's tables are generated from the protocol tables."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "custom_components.gridmate.devices.chargers.smartevse.doc",
            "--check",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
