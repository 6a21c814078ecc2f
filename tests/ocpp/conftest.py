"""Fixtures: a central system and Infinergi simulators on real websockets (127.0.0.1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from typing import Any

from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.const import CONF_CHARGER_TYPE, ChargerType
from custom_components.gridmate.charger.ocpp.const import (
    CONF_CHARGE_POINT_ID,
    CONF_CONNECTOR_ID,
    CONF_MAX_CURRENT,
    CONF_METER_INTERVAL,
    CONF_PHASES,
    entry_unique_id,
)
from custom_components.gridmate.const import CONF_KIND, DOMAIN, EntryKind
from custom_components.gridmate.devices.chargers.ocpp.charge_point import (
    ChargePointSettings,
    OcppChargePoint,
)
from custom_components.gridmate.devices.chargers.ocpp.server import CentralSystem
from simulator.ocpp import InfinergiSimulator, SimulatorConfig
from tests.helpers import async_add_and_set_up, free_port

type SimFactory = Callable[..., Awaitable[InfinergiSimulator]]


@pytest.fixture
async def central(socket_enabled: None) -> AsyncIterator[CentralSystem]:
    """A central system on a free port of 127.0.0.1 that refuses unknown ids."""
    system = CentralSystem(port=0, host="127.0.0.1", pending_interval=1, response_timeout=2)
    await system.start()
    yield system
    await system.stop()


def add_charge_point(
    central: CentralSystem, cp_id: str = "cp1", **settings: Any
) -> OcppChargePoint:
    """Register a charge point (1 s meter interval unless told otherwise)."""
    settings.setdefault("meter_interval", 1)
    return central.add(ChargePointSettings(charge_point_id=cp_id, **settings))


class _Simulators:
    """Starts Infinergi simulators against an OCPP server port; stops every one at the end."""

    def __init__(self) -> None:
        self._sims: list[InfinergiSimulator] = []

    async def start(
        self, port: int, cp_id: str = "cp1", *, wait_boot: bool = True, **config: Any
    ) -> InfinergiSimulator:
        """One simulator (fast reconnects, a MeterValues every minute unless told otherwise)."""
        config.setdefault("reconnect_delay", 0.1)
        config.setdefault("meter_interval", 60)
        sim = InfinergiSimulator(
            SimulatorConfig(url=f"ws://127.0.0.1:{port}", charge_point_id=cp_id, **config)
        )
        self._sims.append(sim)
        await sim.start()
        if wait_boot:
            await sim.wait_until(lambda: sim.booted)
        return sim

    async def stop_all(self) -> None:
        for sim in self._sims:
            await sim.stop()


@pytest.fixture
async def make_sim(socket_enabled: None) -> AsyncIterator[SimFactory]:
    """Start simulators against a central system; every one is stopped afterwards."""
    sims = _Simulators()

    async def start(
        central: CentralSystem, cp_id: str = "cp1", **kwargs: Any
    ) -> InfinergiSimulator:
        return await sims.start(central.port, cp_id, **kwargs)

    yield start
    await sims.stop_all()


async def settled(cp: OcppChargePoint, predicate: Callable[[], bool], within: float = 15) -> None:
    """Wait until the central side of a charge point satisfies `predicate` (checked on change)."""
    changed = asyncio.Event()
    remove = cp.add_listener(changed.set)
    try:
        async with asyncio.timeout(within):
            while not predicate():
                changed.clear()
                # Listeners fire on messages; the short timeout also catches connection state.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), 0.05)
    finally:
        remove()


# --- Home Assistant side -------------------------------------------------------------------


@pytest.fixture
def ocpp_port(socket_enabled: None) -> int:
    """The port the test's OCPP server listens on."""
    return free_port()


def ocpp_entry(
    port: int, cp_id: str = "cp1", *, options: dict[str, Any] | None = None, **data: Any
) -> MockConfigEntry:
    """A config entry of an OCPP charger."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"OCPP {cp_id}",
        unique_id=entry_unique_id(cp_id),
        data={
            CONF_KIND: EntryKind.CHARGER.value,
            CONF_CHARGER_TYPE: ChargerType.OCPP.value,
            CONF_CHARGE_POINT_ID: cp_id,
            CONF_PORT: port,
            CONF_MAX_CURRENT: 16,
            CONF_PHASES: 3,
            CONF_CONNECTOR_ID: 1,
            **data,
        },
        options={CONF_METER_INTERVAL: 1, **(options or {})},
    )


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, ocpp_port: int) -> MockConfigEntry:
    """An OCPP charger entry set up (its server listening), no charger connected yet."""
    entry = ocpp_entry(ocpp_port)
    assert await async_add_and_set_up(hass, entry)
    return entry


type PortSimFactory = Callable[..., Awaitable[InfinergiSimulator]]


@pytest.fixture
async def port_sim(socket_enabled: None) -> AsyncIterator[PortSimFactory]:
    """Simulators connecting to a port (a Home Assistant OCPP server); stopped afterwards."""
    sims = _Simulators()
    yield sims.start
    await sims.stop_all()


async def state_becomes(
    hass: HomeAssistant, entity_id: str, expected: str, within: float = 15
) -> None:
    """Wait (real time, real sockets) until an entity shows `expected`."""
    async with asyncio.timeout(within):
        while True:
            await hass.async_block_till_done()
            state = hass.states.get(entity_id)
            if state is not None and state.state == expected:
                return
            await asyncio.sleep(0.02)
