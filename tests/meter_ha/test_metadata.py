"""The meter kind's texts agree with its code: entity names, selector options, icons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from custom_components.gridmate.devices.meters.profiles import Measurand
from custom_components.gridmate.meter.const import Connection, Role
from custom_components.gridmate.meter.sensor import METER_SENSORS

I18N = Path(__file__).parents[2] / "custom_components" / "gridmate" / "i18n"


def _load(name: str) -> Any:
    return json.loads((I18N / name).read_text(encoding="utf-8"))


def test_every_sensor_has_a_name_and_every_name_a_sensor() -> None:
    names = _load("meter.strings.json")["entity"]["sensor"]
    assert {d.translation_key for d in METER_SENSORS} == set(names)
    assert set(_load("meter.icons.json")["entity"]["sensor"]) <= set(names)


def test_selector_options_are_translated() -> None:
    selectors = _load("meter.strings.json")["selector"]
    assert set(selectors["meter_quantity"]["options"]) == {m.value for m in Measurand}
    assert set(selectors["meter_role"]["options"]) == {r.value for r in Role}
    assert set(selectors["meter_connection"]["options"]) == {c.value for c in Connection}
