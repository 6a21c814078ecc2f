"""Fixtures for the SmartEVSE tests: a simulated charger on real sockets."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.const import CONF_CHARGER_TYPE
from custom_components.gridmate.charger.smartevse.const import CONF_MQTT_PREFIX
from custom_components.gridmate.const import CONF_KIND, CONF_SERIAL, DOMAIN
from simulator.smartevse import SmartEvseSimulator
from tests.helpers import async_add_and_set_up, async_advance_time


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """Extra SmartEvseSimulator arguments (override per test module or parametrize)."""
    return {}


@pytest.fixture
async def simulator(
    socket_enabled: None, simulator_options: dict[str, Any]
) -> AsyncGenerator[SmartEvseSimulator]:
    """A SmartEVSE simulator serving REST on 127.0.0.1."""
    sim = SmartEvseSimulator(**simulator_options)
    await sim.start()
    yield sim
    await sim.stop()


def entry_data(sim: SmartEvseSimulator, **overrides: Any) -> dict[str, Any]:
    """Config-entry data pointing at a simulator."""
    return {
        CONF_KIND: "charger",
        CONF_CHARGER_TYPE: "smartevse",
        CONF_HOST: f"127.0.0.1:{sim.port}",
        CONF_MQTT_PREFIX: "",
        CONF_SERIAL: str(sim.serial),
        **overrides,
    }


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Options of the entry under test."""
    return {}


@pytest.fixture
def config_entry(simulator: SmartEvseSimulator, entry_options: dict[str, Any]) -> MockConfigEntry:
    """A SmartEVSE entry for the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"SmartEVSE {simulator.serial}",
        unique_id=f"smartevse_{simulator.serial}",
        data=entry_data(simulator),
        options=entry_options,
    )


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up."""
    assert await async_add_and_set_up(hass, config_entry)
    return config_entry


async def poll(hass: HomeAssistant, seconds: float = 5) -> None:
    """Let the next scheduled REST poll (or feeding timer) run on real sockets."""
    await async_advance_time(hass, seconds)


SERIAL = 51446
PREFIX = f"sensor.smartevse_{SERIAL}"


def entity(platform: str, name: str) -> str:
    """Entity ids follow the translated names: device 'SmartEVSE 51446' + entity name."""
    return f"{platform}.smartevse_{SERIAL}_{name}"
