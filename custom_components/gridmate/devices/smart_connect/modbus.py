"""Modbus TCP client for the Smart Connect's EMpro-compatible register map.

The device serves one TCP client at a time and is often also read by an EV charger, so by
default a poll connects, reads the whole map in the fewest transactions and disconnects at once.
Older firmware answers only part of the map: `probe()` finds which registers answer (Modbus
exception 2 marks the rest unsupported) and returns a `ReadPlan` that later polls reuse.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
import contextlib
from dataclasses import dataclass, field
import logging
import time

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.pdu import ExceptionResponse

from .errors import SmartConnectBusyError, SmartConnectModbusError
from .registers import (
    BLOCKS,
    FIRST_FIRMWARE_WITH_WH,
    MAX_REGISTERS_PER_READ,
    REGISTERS,
    Register,
    decode_float32_word_swapped,
    normalize,
)

_LOGGER = logging.getLogger(__name__)

ILLEGAL_DATA_ADDRESS = 2
DEFAULT_TIMEOUT = 3.0
REOPEN_SETTLE_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class ReadRange:
    """One read transaction: `count` registers from `start`."""

    start: int
    count: int

    @property
    def end(self) -> int:
        """One past the last register read."""
        return self.start + self.count


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """Which registers the device answers and the transactions that read them all."""

    ranges: tuple[ReadRange, ...]
    registers: tuple[Register, ...]

    @property
    def keys(self) -> frozenset[str]:
        """Keys of the supported registers."""
        return frozenset(reg.key for reg in self.registers)


@dataclass(slots=True)
class PollStats:
    """What the last poll cost: for diagnostics and the benchmark."""

    transactions: int = 0
    connect_seconds: float = 0.0
    held_seconds: float = 0.0  # from connect() to close(): how long other clients were locked out


@dataclass(frozen=True, slots=True)
class Reading:
    """Decoded values of one poll, keyed by register key, in SI units (energies in kWh).

    None means unknown: not supported, not a finite number, implausible, or voltage 0 (DSMR 4.2
    telegrams carry no voltage and the device then reports 0 V).
    """

    values: dict[str, float | None]
    stats: PollStats = field(default_factory=PollStats)


type _Work[T] = Callable[[AsyncModbusTcpClient, PollStats], Awaitable[T]]


class _ExceptionReply(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"Modbus exception {code}")
        self.code = code


def _runs(registers: Iterable[Register]) -> list[ReadRange]:
    """Group registers into contiguous runs (no gaps) in address order."""
    runs: list[ReadRange] = []
    for reg in sorted(registers, key=lambda r: r.address):
        if runs and runs[-1].end == reg.address:
            last = runs[-1]
            runs[-1] = ReadRange(last.start, last.count + 2)
        else:
            runs.append(ReadRange(reg.address, 2))
    return runs


def full_plan() -> ReadPlan:
    """The plan for current firmware: the three blocks of the manual, one read each."""
    return ReadPlan(ranges=tuple(ReadRange(b.start, b.count) for b in BLOCKS), registers=REGISTERS)


def coalesce(registers: Iterable[Register]) -> tuple[ReadRange, ...]:
    """Fewest reads covering exactly these registers when gaps are not known to be readable."""
    return tuple(ReadRange(r.start, r.count) for run in _runs(registers) for r in _split(run))


def _split(rng: ReadRange) -> list[ReadRange]:
    out: list[ReadRange] = []
    start = rng.start
    while start < rng.end:
        count = min(MAX_REGISTERS_PER_READ - MAX_REGISTERS_PER_READ % 2, rng.end - start)
        out.append(ReadRange(start, count))
        start += count
    return out


def energy_in_wh(firmware: tuple[int, ...] | None) -> bool | None:
    """Whether the energy registers count Wh (V5.1.x and later) or kWh; None if unknown."""
    if firmware is None:
        return None
    return tuple(firmware[:2]) >= FIRST_FIRMWARE_WITH_WH


def decode(
    words: dict[int, int], registers: Iterable[Register], *, energy_wh: bool | None
) -> dict[str, float | None]:
    """Decode raw registers into SI values; unknown or implausible values become None."""
    values: dict[str, float | None] = {}
    for reg in registers:
        low = words.get(reg.address)
        high = words.get(reg.address + 1)
        if low is None or high is None:
            values[reg.key] = None
            continue
        # float32 carries ~7 significant digits; more would show noise (230.39999389648438).
        value = float(f"{decode_float32_word_swapped(low, high):.7g}")
        values[reg.key] = normalize(reg.quantity, value, energy_wh=energy_wh)
    return values


class SmartConnectModbus:
    """Reads the Smart Connect over Modbus TCP.

    One instance per device. Calls are serialized: the device takes one client at a time, and
    a second concurrent connection from this process would lock ourselves out.
    """

    def __init__(
        self,
        host: str,
        port: int = 502,
        *,
        keep_open: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        connect_attempts: int = 3,
        retry_delay: float = 0.2,
    ) -> None:
        """Prepare a client; nothing is opened until the first read."""
        self.host = host
        self.port = port
        self.keep_open = keep_open
        self.timeout = timeout
        self.connect_attempts = connect_attempts
        self.retry_delay = retry_delay
        self._client: AsyncModbusTcpClient | None = None
        self._lock = asyncio.Lock()
        self._opened_at = 0.0
        self._lost = asyncio.Event()
        self._closed_at = -REOPEN_SETTLE_SECONDS

    async def close(self) -> None:
        """Close the connection if one is open."""
        async with self._lock:
            self._close()

    def _close(self) -> float:
        """Close and return how long the connection was held."""
        if self._client is None:
            return 0.0
        self._client.close()
        self._client = None
        self._closed_at = time.perf_counter()
        return self._closed_at - self._opened_at

    async def _connect(self, stats: PollStats) -> AsyncModbusTcpClient:
        """Connect, retrying with backoff while another client holds the only connection."""
        if self._client is not None and self._client.connected:
            return self._client
        self._close()
        # Our own close reaches the device a moment later; reconnecting before that would be
        # refused by a device that serves one client (seen right after setup's probe).
        settle = REOPEN_SETTLE_SECONDS - (time.perf_counter() - self._closed_at)
        if settle > 0:
            await asyncio.sleep(settle)
        started = time.perf_counter()
        delay = self.retry_delay
        for attempt in range(1, self.connect_attempts + 1):
            # reconnect_delay=0: pymodbus must not reconnect in the background; we decide when.
            lost = asyncio.Event()

            def on_connection(up: bool, lost: asyncio.Event = lost) -> None:
                if not up:
                    lost.set()

            client = AsyncModbusTcpClient(
                self.host,
                port=self.port,
                timeout=self.timeout,
                retries=0,
                reconnect_delay=0,
                trace_connect=on_connection,
            )
            attempt_started = time.perf_counter()
            try:
                # Not client.connect(): pymodbus 3.13 sleeps a fixed 0.1 s after connecting,
                # which on a device serving one client at a time locks everyone else out.
                connected = await client.ctx.connect()
            except (OSError, ModbusException):
                connected = False
            if connected:
                self._client = client
                self._lost = lost
                self._opened_at = attempt_started  # held from the connect attempt: honest
                stats.connect_seconds += time.perf_counter() - started
                return client
            client.close()
            if attempt < self.connect_attempts:
                await asyncio.sleep(delay)
                delay *= 2
        stats.connect_seconds += time.perf_counter() - started
        raise SmartConnectBusyError(
            f"Modbus TCP {self.host}:{self.port} refused the connection "
            f"({self.connect_attempts} attempts; another client may hold it)"
        )

    async def _read(self, client: AsyncModbusTcpClient, rng: ReadRange) -> list[int]:
        # pymodbus keeps waiting for its timeout when the peer closes the connection; a device
        # that drops a second client does exactly that, so stop waiting the moment it happens.
        read = asyncio.ensure_future(
            client.read_holding_registers(rng.start, count=rng.count, device_id=1)
        )
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({read, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        if not read.done():
            read.cancel()
            with contextlib.suppress(asyncio.CancelledError, ModbusException):
                await read
            raise SmartConnectModbusError(f"Modbus read {rng.start:#06x}: connection closed")
        try:
            reply = read.result()
        except ModbusException as err:
            raise SmartConnectModbusError(f"Modbus read {rng.start:#06x} failed: {err}") from err
        if isinstance(reply, ExceptionResponse):
            raise _ExceptionReply(reply.exception_code)
        if reply.isError():
            raise SmartConnectModbusError(f"Modbus read {rng.start:#06x} failed: {reply}")
        registers = list(reply.registers)
        if len(registers) != rng.count:
            # A truncated frame must never shift values onto the wrong registers.
            raise SmartConnectModbusError(
                f"Modbus read {rng.start:#06x}: {len(registers)} of {rng.count} registers"
            )
        return registers

    async def _session[T](self, work: _Work[T]) -> tuple[T, PollStats]:
        """Run `work` on a connection; retry when the device drops a fresh connection.

        A device that serves one client accepts the TCP connection and closes it at once while
        another client (or our own previous connection, not yet seen closed) holds its slot.
        That looks like a connection lost before the first answer: back off and try again.
        """
        stats = PollStats()
        delay = self.retry_delay
        async with self._lock:
            for attempt in range(1, self.connect_attempts + 1):
                client = await self._connect(stats)
                answered = stats.transactions
                try:
                    result = await work(client, stats)
                except (SmartConnectModbusError, TimeoutError, OSError) as err:
                    dropped = not client.connected and stats.transactions == answered + 1
                    stats.held_seconds += self._close()
                    if dropped and attempt < self.connect_attempts:
                        await asyncio.sleep(delay)
                        delay *= 2
                        continue
                    if dropped:
                        raise SmartConnectBusyError(
                            f"Modbus TCP {self.host}:{self.port} closed the connection before "
                            "answering (another client may hold it)"
                        ) from err
                    if isinstance(err, SmartConnectModbusError):
                        raise
                    raise SmartConnectModbusError(
                        f"Modbus TCP {self.host}:{self.port}: {err}"
                    ) from err
                except BaseException:
                    stats.held_seconds += self._close()
                    raise
                if not self.keep_open:
                    stats.held_seconds += self._close()
                else:
                    stats.held_seconds += time.perf_counter() - self._opened_at
                return result, stats
        raise AssertionError("unreachable")  # pragma: no cover

    async def check(self) -> None:
        """One small read (voltage L1, in every firmware's map) to prove Modbus answers."""

        async def work(client: AsyncModbusTcpClient, stats: PollStats) -> None:
            stats.transactions += 1
            try:
                await self._read(client, ReadRange(0x8006, 2))
            except _ExceptionReply as err:
                raise SmartConnectModbusError(f"Modbus exception {err.code} at 0x8006") from err

        await self._session(work)

    async def probe(self) -> ReadPlan:
        """Find the supported registers: whole blocks first, then runs, then single values."""

        async def work(client: AsyncModbusTcpClient, stats: PollStats) -> ReadPlan:
            supported: list[Register] = []
            ranges: list[ReadRange] = []
            for block in BLOCKS:
                members = [r for r in REGISTERS if block.start <= r.address < block.end]
                if await self._answers(client, ReadRange(block.start, block.count), stats):
                    supported.extend(members)
                    ranges.append(ReadRange(block.start, block.count))
                    continue
                found: list[Register] = []
                for run in _runs(members):
                    if await self._answers(client, run, stats):
                        found.extend(r for r in members if run.start <= r.address < run.end)
                    elif run.count > 2:
                        for reg in members:
                            if run.start <= reg.address < run.end and await self._answers(
                                client, ReadRange(reg.address, 2), stats
                            ):
                                found.append(reg)
                supported.extend(found)
                ranges.extend(coalesce(found))
            return ReadPlan(ranges=tuple(ranges), registers=tuple(supported))

        plan, _ = await self._session(work)
        _LOGGER.debug(
            "Smart Connect %s answers %d of %d registers in %d reads",
            self.host,
            len(plan.registers),
            len(REGISTERS),
            len(plan.ranges),
        )
        return plan

    async def _answers(
        self, client: AsyncModbusTcpClient, rng: ReadRange, stats: PollStats
    ) -> bool:
        stats.transactions += 1
        try:
            await self._read(client, rng)
        except _ExceptionReply as err:
            if err.code == ILLEGAL_DATA_ADDRESS:
                return False
            raise SmartConnectModbusError(
                f"Modbus exception {err.code} at {rng.start:#06x}"
            ) from err
        return True

    async def read(self, plan: ReadPlan, *, energy_wh: bool | None) -> Reading:
        """Read every range of the plan and decode the supported registers."""

        async def work(client: AsyncModbusTcpClient, stats: PollStats) -> dict[int, int]:
            words: dict[int, int] = {}
            for rng in plan.ranges:
                stats.transactions += 1
                try:
                    data = await self._read(client, rng)
                except _ExceptionReply as err:
                    raise SmartConnectModbusError(
                        f"Modbus exception {err.code} at {rng.start:#06x} (firmware changed?)"
                    ) from err
                words.update(zip(range(rng.start, rng.end), data, strict=True))
            return words

        words, stats = await self._session(work)
        return Reading(values=decode(words, plan.registers, energy_wh=energy_wh), stats=stats)
