"""Fixtures: a central system and Infinergi simulators on real websockets (127.0.0.1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from typing import Any

import pytest

from custom_components.gridmate.devices.chargers.ocpp.charge_point import (
    ChargePointSettings,
    OcppChargePoint,
)
from custom_components.gridmate.devices.chargers.ocpp.server import CentralSystem
from simulator.ocpp import InfinergiSimulator, SimulatorConfig

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


@pytest.fixture
async def make_sim(socket_enabled: None) -> AsyncIterator[SimFactory]:
    """Start simulators against a central system; every one is stopped afterwards."""
    sims: list[InfinergiSimulator] = []

    async def start(
        central: CentralSystem, cp_id: str = "cp1", *, wait_boot: bool = True, **config: Any
    ) -> InfinergiSimulator:
        config.setdefault("reconnect_delay", 0.1)
        config.setdefault("meter_interval", 60)
        sim = InfinergiSimulator(
            SimulatorConfig(url=f"ws://127.0.0.1:{central.port}", charge_point_id=cp_id, **config)
        )
        sims.append(sim)
        await sim.start()
        if wait_boot:
            await sim.wait_until(lambda: sim.booted)
        return sim

    yield start
    for sim in sims:
        await sim.stop()


async def settled(cp: OcppChargePoint, predicate: Callable[[], bool], within: float = 5) -> None:
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
