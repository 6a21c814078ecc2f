"""Diagnostics: useful for a bug report, with every secret and identifier redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator.smart_connect import SmartConnectSimulator


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Password, serial, addresses, Wi-Fi and MQTT credentials never leave the house."""
    # Make the device's own status carry every kind of secret the manual shows.
    simulator.http.config["WiFi"]["ConnectionData"] = {
        "WiFiSSID": "HomeNet",
        "WiFiPassword": "wifi-secret",
    }
    simulator.http.config["MQTT"].update(
        {"Username": "mqtt-user", "Password": "mqtt-secret", "Site": "my-house"}
    )
    diag = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    text = json.dumps(diag)
    for secret in (
        "demo-pass",
        simulator.serial,
        "127.0.0.1",
        "HomeNet",
        "wifi-secret",
        "mqtt-user",
        "mqtt-secret",
        "my-house",
        "192.168.10.101",
    ):
        assert secret not in text, secret
    assert diag["entry"]["data"]["password"] == "**REDACTED**"
    assert diag["status"]["MeterType"] == "PhoenixContact-EMPro"
    assert diag["read_plan"]["ranges"] == [
        {"start": "0x8006", "count": 42},
        {"start": "0x8100", "count": 8},
        {"start": "0x8c00", "count": 56},
    ]
    assert diag["last_poll"]["stats"]["transactions"] == 3
    assert diag["last_poll"]["values"]["voltage_l1"] == pytest.approx(
        simulator.snapshot()["voltage_l1"]
    )
