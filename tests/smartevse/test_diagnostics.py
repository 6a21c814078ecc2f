"""Diagnostics: useful for a bug report, with identity, network and credentials redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridmate.devices.chargers.contract import Charger
from custom_components.gridmate.kinds import charger_of
from simulator.smartevse import SmartEvseSimulator


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmartEvseSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """The settings document, decoded state and poll stats; no serial, host, SSID or prefix."""
    simulator.http.mqtt_prefix = "SmartEVSE-51446"
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    diag = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    text = json.dumps(diag)
    for secret in ("51446", "127.0.0.1", "HomeNet", "192.168.1.10", "AA:BB", "mqtt-user"):
        assert secret not in text.replace("smartevse", "").replace("SmartEVSE", ""), secret
    assert diag["settings"]["settings"]["current_max"] == 16
    assert diag["state"]["mode"] == "normal"
    assert diag["capabilities"]["max_current"] == 16
    assert diag["poll"]["last_update_success"] is True
    assert diag["mqtt"]["enabled"] is False
    assert diag["mains_feeding"] is None


async def test_the_charger_kind_hands_out_the_driver(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """What the controller gets: a Charger with status and capabilities from the charger."""
    charger = charger_of(loaded_entry)
    assert charger is not None
    assert charger is loaded_entry.runtime_data.driver
    typed: Charger = charger
    assert typed.capabilities.max_current == 16
    status = typed.status
    assert status is not None
    assert status.connected is False
    heard: list[int] = []
    remove = typed.add_listener(lambda: heard.append(1))
    await loaded_entry.runtime_data.coordinator.async_refresh()
    assert heard == [1]
    remove()
