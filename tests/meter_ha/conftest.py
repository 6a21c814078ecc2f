"""Fixtures for the meter kind in Home Assistant: simulated meters on real sockets and ptys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any
from unittest.mock import patch

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.const import CONF_KIND, DOMAIN, EntryKind
from custom_components.gridmate.devices.meters.profiles import PROFILES_BY_ID
from custom_components.gridmate.meter.const import (
    CONF_BAUDRATE,
    CONF_CONNECTION,
    CONF_INVERTED,
    CONF_PARITY,
    CONF_PROFILE,
    CONF_ROLE,
    CONF_RTU_OVER_TCP,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_UNIT_ID,
)
from simulator.meters import RtuPtyMeterServer, SimulatedMeter, TcpMeterServer
from tests.helpers import async_add_and_set_up, async_advance_time

TIMEOUT = 0.3  # seconds per request in these tests (1 s in Home Assistant)

type TcpServerFactory = Callable[..., Awaitable[TcpMeterServer]]
type RtuServerFactory = Callable[[Mapping[int, SimulatedMeter]], Awaitable[RtuPtyMeterServer]]


@pytest.fixture(autouse=True)
def short_request_timeout() -> Iterator[None]:
    """A silent meter costs 0.3 s per request instead of 1 s."""
    with patch("custom_components.gridmate.meter.const.REQUEST_TIMEOUT", TIMEOUT):
        yield


@pytest.fixture
async def tcp_server(socket_enabled: None) -> AsyncIterator[TcpServerFactory]:
    """Start simulated meters behind one Modbus TCP gateway on 127.0.0.1."""
    servers: list[TcpMeterServer] = []

    async def start(meters: Mapping[int, SimulatedMeter], port: int = 0) -> TcpMeterServer:
        server = TcpMeterServer(meters)
        await server.start("127.0.0.1", port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def rtu_server() -> AsyncIterator[RtuServerFactory]:
    """Start simulated meters on one RS485 bus: Modbus RTU on a pseudo-terminal pair."""
    servers: list[RtuPtyMeterServer] = []

    async def start(meters: Mapping[int, SimulatedMeter]) -> RtuPtyMeterServer:
        server = RtuPtyMeterServer(meters)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


def simulated(profile_id: str, **kwargs: Any) -> SimulatedMeter:
    """A simulated meter of a table profile with its demo values."""
    return SimulatedMeter(profile=PROFILES_BY_ID[profile_id], **kwargs)


def tcp_data(server: TcpMeterServer, profile: str, unit: int = 11, **extra: Any) -> dict[str, Any]:
    """Entry data of a meter behind the simulated gateway."""
    return {
        CONF_KIND: EntryKind.METER.value,
        CONF_PROFILE: profile,
        CONF_CONNECTION: "tcp",
        CONF_HOST: "127.0.0.1",
        CONF_PORT: server.port,
        CONF_RTU_OVER_TCP: False,
        CONF_UNIT_ID: unit,
        **extra,
    }


def rtu_data(
    server: RtuPtyMeterServer, profile: str, unit: int = 11, **extra: Any
) -> dict[str, Any]:
    """Entry data of a meter on the simulated RS485 bus."""
    return {
        CONF_KIND: EntryKind.METER.value,
        CONF_PROFILE: profile,
        CONF_CONNECTION: "rtu",
        CONF_SERIAL_PORT: server.path,
        CONF_BAUDRATE: 9600,
        CONF_PARITY: "N",
        CONF_STOPBITS: 1,
        CONF_UNIT_ID: unit,
        **extra,
    }


def meter_entry(
    data: dict[str, Any],
    *,
    role: str = "mains",
    inverted: bool = False,
    title: str | None = None,
    **options: Any,
) -> MockConfigEntry:
    """A meter config entry (not yet added to Home Assistant)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title or f"Meter {data[CONF_UNIT_ID]}",
        unique_id=f"meter_{data[CONF_UNIT_ID]}",
        data=data,
        options={CONF_ROLE: role, CONF_INVERTED: inverted, **options},
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up an entry; return it (whatever state it ends in)."""
    await async_add_and_set_up(hass, entry)
    return entry


async def poll(hass: HomeAssistant, seconds: float = 1.0) -> None:
    """Let the coordinators' next scheduled polls run (real sockets: wait for them)."""
    await async_advance_time(hass, seconds)
