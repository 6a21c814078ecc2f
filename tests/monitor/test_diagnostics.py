"""Diagnostics: what the gateway sent, without identifiers."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, MqttMockHAClient

from simulator.infinity import DEFAULT_SERIAL, DEFAULT_UUID

from .conftest import Clock, Feeder, setup_monitor


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mqtt_mock: MqttMockHAClient,
    feeder: Feeder,
    clock: Clock,
) -> None:
    """Loads, last realtime, checks and counters; serials and uuids redacted."""
    entry = await setup_monitor(hass, feeder)
    feeder.send("realtime", "{broken")
    await hass.async_block_till_done()
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(result)
    for secret in (DEFAULT_SERIAL, DEFAULT_UUID, "5400000111", "5500000222", "100045"):
        assert secret not in text, secret
    assert result["layout_variant"] == "ct_input"
    assert [load["name"] for load in result["layout"]["loads"]] == [
        "Grid", "Solar", "Heat pump", "EV charger", "Kitchen", "Washing machine",
    ]  # fmt: skip
    assert result["layout"]["measuring_points"] == 16
    assert result["realtime"]["fresh"] is True
    assert len(result["realtime"]["channels"]) == 14
    assert result["malformed"] == {"realtime": 1}
    assert result["last_error"].startswith("realtime: not JSON")
    assert set(result["checks"]["thresholds"]) == {
        "reversed_ct", "wrong_phase", "too_many_points", "no_realtime",
    }  # fmt: skip
