"""Async Modbus TCP / RTU access to kWh meters, one shared client per gateway or serial port.

Several meters on one RS485 bus or behind one TCP gateway must not talk at once: a `ModbusBus`
owns the single pymodbus client of its port/gateway and serializes every request with a lock;
each request has its own timeout (no retries), so a silent meter costs the others at most one
timeout per request. A `BusRegistry` hands out the shared bus per `TcpBusConfig` /
`SerialBusConfig` (reference counted across config entries). A `ModbusMeter` is one meter (unit
id + profile) on a bus: `poll()` reads the profile's coalesced blocks and decodes them.

Errors are typed: `MeterUnreachable` (cannot connect, connection lost; its subclass
`MeterSerialUnavailable` when pyserial is missing), `MeterTimeout` (no answer in time),
`MeterExceptionResponse` (Modbus exception, with its code), `MeterWarmingUp` (an exception while
the profile's warm-up time since the first request has not passed), `MeterProtocolError`
(malformed answer).

pymodbus logs an ERROR for every request that gets no answer (and warnings for late answers
and failed connects). A silent meter polled every second would flood the log with them, so
records pymodbus emits while serving a `ModbusBus` (in the request's task, or in callbacks of a
connection the bus opened) are dropped, or demoted to DEBUG when pymodbus' debug logging is on.
The bus's owner reports availability changes itself, once each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import contextvars
from dataclasses import dataclass
import logging
import os
import time

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerType

from .decode import MeterReading, ReadBlock, decode_reading, image_from_blocks, plan_reads
from .profiles import FunctionCode, Measurand, MeterProfile

DEFAULT_TIMEOUT = 1.0  # seconds per request; a meter at 9600 baud answers 125 registers in ~0.3 s
DEFAULT_TCP_PORT = 502
# After a timeout on a serial line, keep the bus quiet this long so a late answer cannot be taken
# for the answer to the next request (RTU frames carry no transaction id).
SERIAL_GRACE_AFTER_TIMEOUT = 0.1


# True while a ModbusBus talks to pymodbus. Transport callbacks inherit the context of the call
# that created the connection, so this also covers late answers read by the event loop.
_IN_BUS_CALL: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "gridmate_meter_bus_call", default=False
)
PYMODBUS_LOGGER = logging.getLogger("pymodbus.logging")


class _QuietBusCalls(logging.Filter):
    """Drop pymodbus' per-request complaints made on behalf of a meter bus.

    The bus turns every failure into a typed exception; its owner decides what to log. With
    pymodbus debug logging enabled the records are kept, demoted to DEBUG.
    """

    def filter(self, record: logging.LogRecord) -> bool | logging.LogRecord:
        if not _IN_BUS_CALL.get() or record.levelno >= logging.CRITICAL:
            return True
        if not PYMODBUS_LOGGER.isEnabledFor(logging.DEBUG):
            return False
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return record


_QUIET_FILTER = _QuietBusCalls()


def quiet_pymodbus_bus_calls() -> None:
    """Install the filter on pymodbus' logger (idempotent; done on import)."""
    if _QUIET_FILTER not in PYMODBUS_LOGGER.filters:
        PYMODBUS_LOGGER.addFilter(_QUIET_FILTER)


quiet_pymodbus_bus_calls()


class MeterError(Exception):
    """Base class of meter communication errors."""


class MeterUnreachable(MeterError):
    """The gateway or serial port cannot be opened, or the connection was lost."""


class MeterSerialUnavailable(MeterUnreachable):
    """Modbus RTU on a local port needs pyserial, which is not installed."""


class MeterTimeout(MeterError):
    """The meter did not answer within the request timeout (wrong unit id, silent meter)."""


class MeterProtocolError(MeterError):
    """The answer was malformed (wrong length, wrong type)."""


class MeterExceptionResponse(MeterError):
    """The meter answered with a Modbus exception."""

    def __init__(self, code: int, function_code: int, address: int) -> None:
        super().__init__(
            f"Modbus exception {code} for function {function_code} at address {address}"
        )
        self.code = code
        self.function_code = function_code
        self.address = address


class MeterWarmingUp(MeterExceptionResponse):
    """An exception during the profile's warm-up time after the first request (IVY meters)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TcpBusConfig:
    """A Modbus TCP server or an RS485 gateway.

    `rtu_over_tcp` is for "transparent" gateways that pass RTU frames (with CRC) through a TCP
    socket instead of converting them to Modbus TCP.
    """

    host: str
    port: int = DEFAULT_TCP_PORT
    rtu_over_tcp: bool = False

    @property
    def key(self) -> str:
        """Identity of the shared bus."""
        return f"tcp://{self.host}:{self.port}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialBusConfig:
    """A local RS485 adapter (Modbus RTU). Defaults follow seed 004: 9600 baud, 8N1."""

    port: str
    baudrate: int = 9600
    parity: str = "N"
    stopbits: int = 1
    bytesize: int = 8

    @property
    def key(self) -> str:
        """Identity of the shared bus: the resolved device path (by-id links and ttyUSB0 of
        the same adapter are one bus); settings must then agree."""
        return f"serial://{os.path.realpath(self.port)}"


type BusConfig = TcpBusConfig | SerialBusConfig


class ModbusBus:
    """One shared pymodbus client with serialized, individually timed requests."""

    def __init__(self, config: BusConfig, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.config = config
        self.timeout = timeout
        self.transactions = 0  # requests sent (answered or not), for figures
        self._lock = asyncio.Lock()
        self._client: AsyncModbusTcpClient | AsyncModbusSerialClient | None = None

    @property
    def key(self) -> str:
        """Identity of the bus."""
        return self.config.key

    def _make_client(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        config = self.config
        if isinstance(config, TcpBusConfig):
            return AsyncModbusTcpClient(
                config.host,
                port=config.port,
                framer=FramerType.RTU if config.rtu_over_tcp else FramerType.SOCKET,
                timeout=self.timeout,
                retries=0,
            )
        return AsyncModbusSerialClient(
            config.port,
            baudrate=config.baudrate,
            parity=config.parity,
            stopbits=config.stopbits,
            bytesize=config.bytesize,
            timeout=self.timeout,
            retries=0,
        )

    async def _ensure_connected(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        if self._client is None:
            try:
                self._client = self._make_client()
            except RuntimeError as err:  # pymodbus: "Serial client requires pyserial"
                raise MeterSerialUnavailable(f"{self.key}: {err}") from err
            # A silent meter must not make pymodbus drop the shared connection.
            self._client.set_max_no_responses(1_000_000)
        if not self._client.connected:
            try:
                ok = await asyncio.wait_for(self._client.connect(), self.timeout * 2 + 1)
            except (TimeoutError, OSError) as err:
                ok = False
                cause: BaseException | None = err
            else:
                cause = None
            if not ok:
                self._client.close()
                self._client = None
                raise MeterUnreachable(f"cannot connect to {self.key}") from cause
        return self._client

    async def read(
        self, unit: int, function_code: FunctionCode, address: int, count: int
    ) -> list[int]:
        """Read `count` registers; raises a `MeterError` subclass on failure."""
        async with self._lock:
            token = _IN_BUS_CALL.set(True)
            try:
                return await self._read_locked(unit, function_code, address, count)
            finally:
                _IN_BUS_CALL.reset(token)

    async def _read_locked(
        self, unit: int, function_code: FunctionCode, address: int, count: int
    ) -> list[int]:
        client = await self._ensure_connected()
        self.transactions += 1
        reader = (
            client.read_holding_registers
            if function_code is FunctionCode.HOLDING
            else client.read_input_registers
        )
        try:
            async with asyncio.timeout(self.timeout * 2 + 0.5):  # pymodbus enforces timeout
                response = await reader(address, count=count, device_id=unit)
        except TimeoutError as err:
            await self._grace()
            raise MeterTimeout(f"unit {unit} on {self.key}: no answer") from err
        except ConnectionException as err:
            await self._drop()
            raise MeterUnreachable(f"{self.key}: {err}") from err
        except ModbusIOException as err:
            if self._client is None or not self._client.connected:
                await self._drop()
                raise MeterUnreachable(f"{self.key}: connection lost") from err
            await self._grace()
            raise MeterTimeout(f"unit {unit} on {self.key}: no answer") from err
        except ModbusException as err:
            raise MeterProtocolError(f"unit {unit} on {self.key}: {err}") from err
        if response.isError():
            raise MeterExceptionResponse(
                int(getattr(response, "exception_code", 0)), int(function_code), address
            )
        registers = list(getattr(response, "registers", []))
        if len(registers) != count:
            raise MeterProtocolError(
                f"unit {unit} on {self.key}: asked {count} registers, got {len(registers)}"
            )
        return registers

    async def _grace(self) -> None:
        if isinstance(self.config, SerialBusConfig):
            await asyncio.sleep(SERIAL_GRACE_AFTER_TIMEOUT)

    async def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def close(self) -> None:
        """Close the connection (the bus reconnects on the next request)."""
        async with self._lock:
            token = _IN_BUS_CALL.set(True)
            try:
                await self._drop()
            finally:
                _IN_BUS_CALL.reset(token)


def _settings(config: BusConfig) -> tuple[object, ...]:
    """What must agree between users of one bus (the path/host spelling may differ)."""
    if isinstance(config, TcpBusConfig):
        return ("tcp", config.rtu_over_tcp)
    return ("serial", config.baudrate, config.parity, config.stopbits, config.bytesize)


class BusRegistry:
    """Hands out one shared `ModbusBus` per gateway/port, reference counted."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self._buses: dict[str, ModbusBus] = {}
        self._users: dict[str, int] = {}

    def acquire(self, config: BusConfig) -> ModbusBus:
        """Return the shared bus of `config` (created on first use)."""
        bus = self._buses.get(config.key)
        if bus is None:
            bus = self._buses[config.key] = ModbusBus(config, timeout=self.timeout)
        elif _settings(bus.config) != _settings(config):
            raise ValueError(f"{config.key} is already in use with other settings")
        self._users[config.key] = self._users.get(config.key, 0) + 1
        return bus

    async def release(self, bus: ModbusBus) -> None:
        """Drop one user of `bus`; the last user closes it."""
        users = self._users.get(bus.key, 0) - 1
        if users > 0:
            self._users[bus.key] = users
            return
        self._users.pop(bus.key, None)
        if self._buses.get(bus.key) is bus:
            del self._buses[bus.key]
        await bus.close()

    def users(self, config: BusConfig) -> int:
        """How many meters hold the bus of `config` (0 when it is closed)."""
        return self._users.get(config.key, 0)

    async def close_all(self) -> None:
        """Close every bus (the host application stops)."""
        buses = list(self._buses.values())
        self._buses.clear()
        self._users.clear()
        for bus in buses:
            await bus.close()

    def __len__(self) -> int:
        return len(self._buses)


@dataclass(frozen=True, slots=True)
class PollStats:
    """What one poll cost: for diagnostics and the benchmark figures."""

    transactions: int
    registers: int
    duration_s: float


class ModbusMeter:
    """One meter (unit id + profile) on a shared bus.

    The warm-up window (`profile.warmup_s`) starts at the first request and again whenever the
    meter answers after having been silent or unreachable (it was probably powered off).
    """

    def __init__(
        self,
        bus: ModbusBus,
        *,
        unit: int,
        profile: MeterProfile,
        inverted: bool = False,
        measurands: Iterable[Measurand] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= unit <= 247:
            raise ValueError("unit id must be 1..247")
        self.bus = bus
        self.unit = unit
        self.profile = profile
        self.inverted = inverted
        self.plan: tuple[ReadBlock, ...] = plan_reads(profile, measurands)
        self.last_poll: PollStats | None = None
        self._clock = clock
        self._first_request: float | None = None

    @property
    def unique_id(self) -> str:
        """Stable identity of this meter: its bus and unit id (for config entries)."""
        return f"{self.bus.key}#{self.unit}"

    async def poll(self) -> MeterReading:
        """Read every planned block and decode; the first failing block aborts the poll."""
        started = self._clock()
        if self._first_request is None:
            self._first_request = started
        responses: list[tuple[ReadBlock, list[int]]] = []
        transactions = 0
        try:
            for block in self.plan:
                transactions += 1
                registers = await self.bus.read(
                    self.unit, block.function_code, block.start, block.count
                )
                responses.append((block, registers))
        except MeterExceptionResponse as err:
            if self._clock() - self._first_request < self.profile.warmup_s:
                raise MeterWarmingUp(err.code, err.function_code, err.address) from err
            raise
        except (MeterTimeout, MeterUnreachable):
            self._first_request = None  # silent: the next answer may come from a fresh power-up
            raise
        finally:
            self.last_poll = PollStats(
                transactions=transactions,
                registers=sum(b.count for b, _ in responses),
                duration_s=self._clock() - started,
            )
        return decode_reading(self.profile, image_from_blocks(responses), inverted=self.inverted)
