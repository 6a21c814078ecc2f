"""Fixtures for the Smart Connect tests: a simulated device on real sockets."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
import dataclasses
from typing import Any
from unittest.mock import patch

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, Platform
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
from custom_components.gridmate.kinds import KINDS
from custom_components.gridmate.smart_connect.const import CONF_TRANSPORT
from simulator.smart_connect import SmartConnectSimulator
from tests.helpers import async_add_and_set_up

# The simulated meter's clock starts here (2026-06-11 12:00 UTC, a weekday: tariff 2), so
# telegram timestamps and snapshots do not depend on when the tests run.
START_EPOCH = 1_781_179_200


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
    sim = SmartConnectSimulator(variant, **{"start_epoch": START_EPOCH, **simulator_options})
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


def connection_form(sim: SmartConnectSimulator, **overrides: Any) -> dict[str, Any]:
    """The add form filled in for the simulator (Modbus TCP, P1), with `overrides`."""
    return {
        CONF_HOST: f"127.0.0.1:{sim.http_port}",
        CONF_PASSWORD: "demo-pass",
        CONF_TRANSPORT: "modbus_tcp",
        CONF_PORT: sim.modbus_port,
        CONF_INTERFACE: "p1",
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
    assert await async_add_and_set_up(hass, config_entry)
    return config_entry


@pytest.fixture
def platforms() -> list[Platform] | None:
    """Load only these platforms of the kind (snapshot tests want one); None = all."""
    return None


@pytest.fixture(autouse=True)
def only_platforms(platforms: list[Platform] | None) -> Generator[None]:
    """Restrict the Smart Connect kind to the `platforms` fixture's platforms."""
    if platforms is None:
        yield
        return
    kind = KINDS[EntryKind.SMART_CONNECT]
    limited = dataclasses.replace(
        kind, platforms={p: setup for p, setup in kind.platforms.items() if p in platforms}
    )
    with patch.dict(KINDS, {EntryKind.SMART_CONNECT: limited}):  # type: ignore[arg-type]
        yield


@pytest.fixture
def expected_lingering_timers(request: pytest.FixtureRequest) -> bool:
    """Home Assistant's MQTT client leaves its (un)subscribe cool-down and housekeeping timers
    behind after a test; HA core's own MQTT tests allow the same. Only for tests using MQTT."""
    return bool({"mqtt_mock", "mqtt_mock_entry", "mqtt_broker_entry"} & set(request.fixturenames))
