"""The SmartEVSE tables and decoders: firmware spellings, units, and bad input -> None."""

from __future__ import annotations

from dataclasses import fields
import json
from typing import Any

import pytest

from custom_components.gridmate.devices.chargers.smartevse import SmartEvseState
from custom_components.gridmate.devices.chargers.smartevse.protocol import (
    C2_INDEX,
    ERRORS,
    FIELDS,
    MODES,
    STATES,
    C2Mode,
    EvseError,
    Mode,
    decode_mqtt,
    decode_settings,
    error_from_flags,
    error_from_web,
)


def _doc(**overrides: Any) -> dict[str, Any]:
    """A /settings document shaped like current upstream firmware (written for this test)."""
    doc: dict[str, Any] = {
        "version": "v3.9.3",
        "serialnr": 40123,
        "mode": "SMART",
        "mode_id": 3,
        "car_connected": True,
        "evse": {
            "temp": 41,
            "temp_max": 65,
            "connected": True,
            "mode": 1,
            "solar_stop_timer": 0,
            "state": "Charging",
            "state_id": 2,
            "error": "None",
            "error_id": 0,
            "nrofphases": 1,
        },
        "settings": {
            "charge_current": 132,
            "override_current": 0,
            "current_min": 6,
            "current_max": 20,
            "current_main": 25,
            "current_max_circuit": 20,
            "current_max_sum_mains": 0,
            "solar_max_import": 2,
            "solar_start_current": 5,
            "solar_stop_time": 15,
            "enable_C2": "Always Off",
            "mains_meter": "API",
        },
        "mqtt": {"topic_prefix": "SmartEVSE-40123"},
        "home_battery": {"current": -35, "last_update": 0},
        "ev_meter": {
            "description": "Eastron1P",
            "import_active_power": 3036,
            "total_wh": 5_670_123,
            "charged_wh": 8_250,
            "currents": {"TOTAL": 132, "L1": 132, "L2": 0, "L3": 0},
        },
        "phase_currents": {"TOTAL": 95, "L1": 60, "L2": -12, "L3": 47, "last_data_update": 17},
    }
    doc.update(overrides)
    return doc


def test_state_attributes_are_the_field_table() -> None:
    """One table: every decoded field is a state attribute and the other way round."""
    assert {f.key for f in FIELDS} == {f.name for f in fields(SmartEvseState)}


def test_decode_current_upstream() -> None:
    """dA become A, the C2 name its enum, mode_id its mode, energies stay Wh."""
    state = SmartEvseState(**decode_settings(_doc()))
    assert state.serial == "40123"
    assert state.mode is Mode.SMART
    assert state.regime is Mode.SMART
    assert state.state_id == 2
    assert state.charging is True
    assert state.error is EvseError.NONE
    assert state.charge_current == 13.2
    assert state.override_current == 0
    assert state.current_max == 20
    assert state.enable_c2 is C2Mode.ALWAYS_OFF
    assert state.phases == 1
    assert state.ev_power == 3036
    assert state.ev_total_energy == 5_670_123
    assert state.ev_session_energy == 8_250
    assert state.ev_currents == (13.2, 0.0, 0.0)
    assert state.mains_currents == (6.0, -1.2, 4.7)
    assert state.home_battery_current == -3.5
    assert state.solar_stop_time == 15
    assert state.mqtt_prefix == "SmartEVSE-40123"


def test_decode_legacy_kwh_and_kw() -> None:
    """Upstream before Dec 2025: total_kwh/charged_kwh and power in kW."""
    ev = {
        "description": "Eastron3P",
        "import_active_power": 7.4,
        "total_kwh": 5670.1,
        "charged_kwh": 8.3,
        "currents": {"L1": 107, "L2": 107, "L3": 107},
    }
    evse = {k: v for k, v in _doc()["evse"].items() if k != "nrofphases"}
    state = SmartEvseState(**decode_settings(_doc(ev_meter=ev, evse=evse)))
    assert state.ev_power == 7400
    assert state.ev_total_energy == 5_670_100
    assert state.ev_session_energy == 8_300
    assert state.phases is None


def test_no_power_is_an_error_on_rest_too() -> None:
    """REST moves LESS_6A into the state text; it decodes to the same error MQTT reports."""
    evse = {**_doc()["evse"], "state": "Connected to EV - No Power Available", "state_id": 1}
    state = SmartEvseState(**decode_settings(_doc(evse=evse)))
    assert state.error is EvseError.NO_POWER
    assert state.state_id == 1
    assert decode_mqtt("Error", "No Power Available") == ("error", EvseError.NO_POWER)


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (0, EvseError.NONE),
        (0x01, EvseError.NO_POWER),
        (0x02, EvseError.COMMUNICATION),
        (0x03, EvseError.COMMUNICATION),  # the highest bit wins, like getErrorId
        (0x04, EvseError.TEMPERATURE_HIGH),
        (0x08, EvseError.EV_METER_COMMUNICATION),
        (0x10, EvseError.RCM_TRIPPED),
        (0x20, EvseError.RCM_TEST),
        (0x40, EvseError.TEST_IO),
        (0x80, EvseError.FLASH),
        (0x8A, EvseError.FLASH),
        (0x100, EvseError.MULTIPLE),
    ],
)
def test_error_bit_flags(flags: int, error: EvseError) -> None:
    """The error reported for a set of ErrorFlags, and its REST error_id round trip."""
    assert error_from_flags(flags) is error
    if error not in (EvseError.NONE, EvseError.MULTIPLE):
        evse = {**_doc()["evse"], "error_id": flags.bit_length(), "error": "ignored"}
        assert decode_settings(_doc(evse=evse))["error"] is error


def test_error_names_are_the_firmware_table() -> None:
    """StrErrorNameWeb order: index = error_id."""
    assert [spec.flag.bit_length() for spec in ERRORS] == list(range(1, 9))
    assert error_from_web("Communication Error") is EvseError.COMMUNICATION
    assert error_from_web("Multiple Errors") is EvseError.MULTIPLE
    assert error_from_web("Something new") is None


def test_tables_have_unique_spellings() -> None:
    """No two modes, states or C2 values share a wire spelling."""
    assert len({m.rest_id for m in MODES}) == len({m.mqtt for m in MODES}) == 5
    assert [s.id for s in STATES] == list(range(15))
    assert len({s.web for s in STATES}) == len({s.short for s in STATES}) == 15
    assert list(C2_INDEX.values()) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "bad",
    ["x", None, True, [], {}, float("nan"), float("inf"), -1e12, 1e12],
)
def test_bad_values_decode_to_none(bad: Any) -> None:
    """Wrong types, non-finite and impossible numbers never show as values."""
    settings = {**_doc()["settings"], "charge_current": bad, "current_max": bad}
    ev = {**_doc()["ev_meter"], "total_wh": bad, "currents": {"L1": bad, "L2": 0, "L3": 0}}
    evse = {**_doc()["evse"], "temp": bad, "state_id": bad, "nrofphases": bad}
    values = decode_settings(_doc(settings=settings, ev_meter=ev, evse=evse, mode_id=bad))
    for key in ("charge_current", "current_max", "ev_total_energy", "ev_current_l1", "temperature"):
        assert values[key] is None, key
    assert values["state_id"] is None
    assert values["phases"] is None
    assert values["mode"] is Mode.SMART  # the "mode" name is the fallback for mode_id


def test_missing_sections_decode_to_none() -> None:
    """A document without evse/settings/ev_meter is not a crash: everything unknown."""
    values = decode_settings({"mode_id": 1})
    assert values["mode"] is Mode.NORMAL
    assert all(value is None for key, value in values.items() if key != "mode")


def test_unknown_fields_are_ignored() -> None:
    """The fork's extras (eth, circuit_meter, capacity_mode) change nothing."""
    plain = decode_settings(_doc())
    extra = _doc(eth={"present": True}, circuit_meter={"currents": {"L1": 9}})
    extra["settings"] = {**extra["settings"], "capacity_mode": 1, "intervals": []}
    assert decode_settings(json.loads(json.dumps(extra))) == plain


@pytest.mark.parametrize(
    ("topic", "payload", "expected"),
    [
        ("Mode", "Solar", ("mode", Mode.SOLAR)),
        ("Mode", "N/A", ("mode", None)),
        ("ChargeCurrent", "160", ("charge_current", 16.0)),
        ("ChargeCurrent", "abc", ("charge_current", None)),
        ("ChargeCurrent", "nan", ("charge_current", None)),
        ("ChargeCurrentOverride", "83", ("override_current", 8.3)),
        ("MaxCurrent", "320", ("current_max", 32.0)),
        ("MainsCurrentL2", "-57", ("mains_current_l2", -5.7)),
        ("EVChargePower", "7360", ("ev_power", 7360.0)),
        ("EVEnergyCharged", "1500", ("ev_session_energy", 1500.0)),
        ("EnableC2", "Solar Off", ("enable_c2", C2Mode.SOLAR_OFF)),
        ("EnableC2", "4", ("enable_c2", C2Mode.AUTO)),
        ("State", "Charging", ("state_id", 2)),
        ("State", "Connected to EV - No Power Available", ("state_id", 1)),
        ("StateID", "B1", ("state_id", 9)),
        ("Error", "Temperature High", ("error", EvseError.TEMPERATURE_HIGH)),
        ("EVPlugState", "Connected", ("car_connected", True)),
        ("EVPlugState", "maybe", ("car_connected", None)),
        ("NrOfPhases", "1", ("phases", 1)),
        ("NrOfPhases", "2.5", ("phases", None)),
        ("MaxSumMains", "600", ("current_max_sum_mains", 600.0)),
        ("WiFiRSSI", "-60", None),
        ("Set/Mode", "Off", None),
    ],
)
def test_mqtt_payloads(topic: str, payload: str, expected: tuple[str, Any] | None) -> None:
    """Published topics decode to the same units as REST; junk to None; others ignored."""
    assert decode_mqtt(topic, payload) == expected
