"""Fixtures for the Smart Connect tests: a simulated device on real sockets."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.const import (
    CONF_INTERFACE,
    CONF_KIND,
    CONF_SERIAL,
    DOMAIN,
    EntryKind,
    MeterInterface,
)
from simulator.smart_connect import SmartConnectSimulator


@pytest.fixture
def variant() -> str:
    """Which simulated firmware; override with @pytest.mark.parametrize('variant', ...)."""
    return "full"


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """Extra SmartConnectSimulator arguments."""
    return {}


@pytest.fixture
async def simulator(
    socket_enabled: None, variant: str, simulator_options: dict[str, Any]
) -> AsyncGenerator[SmartConnectSimulator]:
    """A Smart Connect simulator listening on 127.0.0.1 (Modbus TCP + HTTP)."""
    sim = SmartConnectSimulator(variant, **simulator_options)
    await sim.start()
    yield sim
    await sim.stop()


def entry_data(sim: SmartConnectSimulator, **overrides: Any) -> dict[str, Any]:
    """Config-entry data pointing at a simulator."""
    return {
        CONF_KIND: EntryKind.SMART_CONNECT.value,
        CONF_HOST: f"127.0.0.1:{sim.http_port}",
        CONF_PASSWORD: "demo-pass",
        CONF_PORT: sim.modbus_port,
        CONF_INTERFACE: MeterInterface.P1.value,
        CONF_SERIAL: sim.serial,
        **overrides,
    }


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Options of the config entry under test."""
    return {}


@pytest.fixture
def config_entry(
    simulator: SmartConnectSimulator, entry_options: dict[str, Any]
) -> MockConfigEntry:
    """A Smart Connect entry for the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Smart Connect {simulator.serial}",
        unique_id=simulator.serial,
        data=entry_data(simulator),
        options=entry_options,
    )


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry
