"""The MQTT payload table and parser (devices/smart_connect/mqtt.py), without Home Assistant."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from custom_components.gridmate.devices.smart_connect.mqtt import (
    COUNTER_FIELDS,
    DISCOVERY_TOPIC,
    MQTT_FIELDS,
    MQTT_ONLY_KEYS,
    MqttPayloadError,
    parse_device_counters,
    parse_power_instant,
    parse_topic,
    subscription,
    topic,
    valid_topic_level,
)
from custom_components.gridmate.devices.smart_connect.registers import REGISTERS, REGISTERS_BY_KEY
from simulator.smart_connect.mqtt import PhaseNames, power_instant_payload

MANIFEST = Path(__file__).parents[2] / "custom_components" / "gridmate" / "manifest.json"

# The example payload of manual v1.8, section 5.4, as printed (phase objects "11".."13").
MANUAL_EXAMPLE: dict[str, Any] = {
    "ts": 1780396069,
    "P": -4022.9999999999995,
    "P+": 0,
    "P-": 4022.9999999999995,
    "E_IMPORT": 56500909,
    "E_EXPORT": 25593421,
    "U12": None,
    "U31": None,
    "U32": None,
    "11": {
        "U": None,
        "I": 11,
        "P": -2735,
        "P+": 0,
        "P-": 2735,
        "Q": None,
        "Q+": None,
        "Q-": None,
        "VSAGS": 0,
        "VSWELLS": 0,
        "S": None,
    },
    "12": {
        "U": None,
        "I": 4,
        "P": -959,
        "P+": 0,
        "P-": 959,
        "Q": None,
        "Q+": None,
        "Q-": None,
        "VSAGS": 1,
        "VSWELLS": 0,
        "S": None,
    },
    "13": {
        "U": None,
        "I": 1,
        "P": -364,
        "P+": 0,
        "P-": 364,
        "Q": None,
        "Q+": None,
        "Q-": None,
        "VSAGS": 1,
        "VSWELLS": 0,
        "S": None,
    },
    "Q": None,
    "Q+": None,
    "Q-": None,
    "EQ1": None,
    "EQ2": None,
    "EQ3": None,
    "EQ4": None,
    "PFAIL": 19,
    "LPFAIL": 4,
    "PF": -1,
    "S": 4058,
}


def test_table_covers_every_register_once() -> None:
    """Every register key has exactly one MQTT field; only U12/U31/U32 are MQTT's own."""
    keys = [field.key for field in MQTT_FIELDS]
    assert len(keys) == len(set(keys))
    assert set(keys) - MQTT_ONLY_KEYS == {reg.key for reg in REGISTERS}
    assert {"voltage_l1_l2", "voltage_l3_l1", "voltage_l3_l2"} == MQTT_ONLY_KEYS
    for field in MQTT_FIELDS:
        if field.key in REGISTERS_BY_KEY:
            assert field.quantity is REGISTERS_BY_KEY[field.key].quantity, field.name


def test_manual_example_decodes() -> None:
    """The manual's own example: values, nulls, the device's float noise and Wh -> kWh."""
    instant = parse_power_instant(MANUAL_EXAMPLE, energy_wh=True)
    values = instant.values
    assert instant.ts == 1780396069
    assert values["active_power"] == -4023.0  # -4022.9999999999995 without the noise
    assert values["active_power_delivery"] == 4023.0
    assert values["energy_import"] == pytest.approx(56500.909)
    assert values["energy_export"] == pytest.approx(25593.421)
    assert values["current_l1"] == 11
    assert values["active_power_l2"] == -959
    assert values["voltage_dips_l3"] == 1
    assert values["voltage_interruptions"] == 19
    assert values["long_voltage_interruptions"] == 4
    assert values["power_factor"] == -1
    assert values["apparent_power"] == 4058
    for key in ("voltage_l1", "reactive_power", "reactive_energy_q1", "voltage_l1_l2"):
        assert values[key] is None, key


def test_energy_unit_by_firmware() -> None:
    """Before V5.1 E_IMPORT counts kWh; with the unit unknown the energies stay unknown."""
    assert parse_power_instant(MANUAL_EXAMPLE, energy_wh=False).values["energy_import"] == (
        pytest.approx(56500909.0)
    )
    unknown = parse_power_instant(MANUAL_EXAMPLE, energy_wh=None).values
    assert unknown["energy_import"] is None
    assert unknown["active_power"] == -4023.0


@pytest.mark.parametrize("spelling", ["l1", "L1", "11"])
def test_phase_object_spellings(spelling: str) -> None:
    """The field table's l1, an upper-case L1 and the example's 11 all name phase 1."""
    payload = {"ts": 10, spelling: {"U": 231.5, "I": 3}}
    values = parse_power_instant(payload, energy_wh=True).values
    assert values["voltage_l1"] == 231.5
    assert values["current_l1"] == 3


@pytest.mark.parametrize(
    "value",
    [None, "230", True, math.nan, math.inf, -math.inf, 20_000.0, [1], {"v": 1}],
)
def test_bad_values_unknown(value: Any) -> None:
    """Strings, booleans, NaN, infinities and absurd numbers are unknown, not a number."""
    payload = {"ts": 10, "l1": {"U": value, "I": 2}}
    values = parse_power_instant(payload, energy_wh=True).values
    assert values["voltage_l1"] is None
    assert values["current_l1"] == 2


def test_missing_fields_unknown() -> None:
    """A payload with only ts and P: everything else unknown."""
    values = parse_power_instant({"ts": 5, "P": 120}, energy_wh=True).values
    assert values["active_power"] == 120
    assert sum(value is not None for value in values.values()) == 1


@pytest.mark.parametrize(
    "payload",
    [[], "text", 12, None, {"P": 1}, {"ts": None}, {"ts": "now"}, {"ts": -3}, {"ts": math.nan}],
)
def test_unusable_payloads_rejected(payload: Any) -> None:
    """Not an object, or no usable time: rejected as a whole."""
    with pytest.raises(MqttPayloadError):
        parse_power_instant(payload, energy_wh=True)


def test_zero_voltage_unknown() -> None:
    """0 V is what a device without voltage data reports: unknown, like over Modbus."""
    values = parse_power_instant({"ts": 1, "l2": {"U": 0}}, energy_wh=True).values
    assert values["voltage_l2"] is None


def test_device_counters() -> None:
    """The manual's counters; negatives and non-numbers unknown; an empty object rejected."""
    counters = parse_device_counters(
        {"uptime": 1032561, "telegrams_pass": 1028834, "heap_free": -1, "mqtt_send_fail": "x"}
    )
    assert counters["uptime"] == 1032561
    assert counters["telegrams_pass"] == 1028834
    assert counters["heap_free"] is None
    assert counters["mqtt_send_fail"] is None
    assert set(counters) == {field.key for field in COUNTER_FIELDS}
    with pytest.raises(MqttPayloadError):
        parse_device_counters({"something": 1})
    with pytest.raises(MqttPayloadError):
        parse_device_counters([1, 2])


def test_topics() -> None:
    """Topic layout of manual 5.4, and the manifest's discovery topic."""
    assert topic("home", "AB12", "power_instant") == (
        "devices/home/smart-connect/AB12/data/power_instant"
    )
    assert subscription("AB12", "power_instant") == (
        "devices/+/smart-connect/AB12/data/power_instant"
    )
    parsed = parse_topic("devices/my-site/smart-connect/0a1b2c/data/device_counters")
    assert parsed is not None
    assert (parsed.site, parsed.serial, parsed.metric) == ("my-site", "0a1b2c", "device_counters")
    assert parse_topic("devices//smart-connect/0a1b2c/data/power_instant") is not None
    for wrong in (
        "devices/x/smart-connect/0a1b/data",
        "devices/x/other/0a1b/data/power_instant",
        "devices/x/smart-connect//data/power_instant",
        "homeassistant/sensor/x/config",
    ):
        assert parse_topic(wrong) is None, wrong
    manifest = json.loads(MANIFEST.read_text())
    assert DISCOVERY_TOPIC in manifest["mqtt"]
    assert {"hostname": "smart-connect-*"} in manifest["dhcp"]
    assert valid_topic_level("home")
    for bad in ("", "a/b", "a+", "#"):
        assert not valid_topic_level(bad)


@pytest.mark.parametrize("phase_names", [PhaseNames.TABLE, PhaseNames.MANUAL_EXAMPLE])
def test_simulator_payload_round_trip(phase_names: str) -> None:
    """What the simulator publishes from the table decodes back to the same values."""
    served = {reg.key: float(n + 1) for n, reg in enumerate(REGISTERS)}
    served["voltage_l1"] = 229.9
    served["power_factor"] = 0.95
    payload = power_instant_payload(
        served, 1_781_179_200, nulls=frozenset({"voltage_l3"}), phase_names=phase_names
    )
    assert ("l1" in payload) is (phase_names == PhaseNames.TABLE)
    values = parse_power_instant(json.loads(json.dumps(payload)), energy_wh=True).values
    for reg in REGISTERS:
        expected = served[reg.key] / 1000 if reg.key.startswith("energy_") else served[reg.key]
        if reg.key == "voltage_l3":
            assert values[reg.key] is None
        else:
            assert values[reg.key] == pytest.approx(expected), reg.key
