"""Fixtures: simulated meter servers and shared buses that always shut down cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import pytest

from custom_components.gridmate.devices.meters.client import (
    BusRegistry,
    ModbusBus,
    SerialBusConfig,
    TcpBusConfig,
)
from simulator.meters import RtuPtyMeterServer, SimulatedMeter, TcpMeterServer

TIMEOUT = 0.3  # per request; keeps the silent-meter tests short

type TcpFactory = Callable[
    [Mapping[int, SimulatedMeter]], Awaitable[tuple[TcpMeterServer, ModbusBus]]
]
type RtuFactory = Callable[
    [Mapping[int, SimulatedMeter]], Awaitable[tuple[RtuPtyMeterServer, ModbusBus]]
]


@pytest.fixture
async def tcp_bus(socket_enabled: None) -> AsyncIterator[TcpFactory]:
    """Start a TCP meter server and return it with a bus connected to it."""
    servers: list[TcpMeterServer] = []
    buses: list[ModbusBus] = []

    async def start(meters: Mapping[int, SimulatedMeter]) -> tuple[TcpMeterServer, ModbusBus]:
        server = TcpMeterServer(meters)
        port = await server.start()
        servers.append(server)
        bus = ModbusBus(TcpBusConfig(host="127.0.0.1", port=port), timeout=TIMEOUT)
        buses.append(bus)
        return server, bus

    yield start
    for bus in buses:
        await bus.close()
    for server in servers:
        await server.stop()


@pytest.fixture
async def rtu_bus() -> AsyncIterator[RtuFactory]:
    """Start an RTU meter server on a pty pair and return it with a bus on the pty."""
    servers: list[RtuPtyMeterServer] = []
    buses: list[ModbusBus] = []

    async def start(meters: Mapping[int, SimulatedMeter]) -> tuple[RtuPtyMeterServer, ModbusBus]:
        server = RtuPtyMeterServer(meters)
        path = await server.start()
        servers.append(server)
        bus = ModbusBus(SerialBusConfig(port=path), timeout=TIMEOUT)
        buses.append(bus)
        return server, bus

    yield start
    for bus in buses:
        await bus.close()
    for server in servers:
        await server.stop()


@pytest.fixture
async def registry() -> AsyncIterator[BusRegistry]:
    """A bus registry closed after the test."""
    reg = BusRegistry(timeout=TIMEOUT)
    yield reg
    for bus in list(reg._buses.values()):
        await bus.close()
