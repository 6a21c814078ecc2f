"""Modbus kWh meter simulator: serves any meter profile over Modbus TCP or RTU on a pty pair.

The simulator is deliberately independent of the driver: it does not use the driver's decoder
nor pymodbus' server. It encodes SI values into registers with its own struct packing from the
vendor's data type and word order (`encode_value`), and speaks the Modbus TCP (MBAP) and RTU
(CRC16) framings itself, so a shared bug cannot cancel out in the tests.

Several meters (unit ids) share one server, as on one RS485 bus or behind one gateway. Each
meter has a `Mode`: normal, exception (answers every read with an exception code), silent (never
answers), slow (answers after `delay_s`) or warm-up (answers with exceptions until `warmup_s`
after its power-up, like IVY meters).

Usage: ``python -m simulator.meters --profile eastron_sdm630 --unit 11 --tcp 127.0.0.1:5020``
or ``--rtu`` (prints the pty path to open at 9600 8N1).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
import math
import os
import struct
import time
import tty

from custom_components.gridmate.devices.meters.profiles import (
    Kind,
    Measurand,
    MeterProfile,
    RegisterSpec,
)

ILLEGAL_FUNCTION = 1
ILLEGAL_DATA_ADDRESS = 2
ILLEGAL_DATA_VALUE = 3
SERVER_DEVICE_FAILURE = 4
SERVER_DEVICE_BUSY = 6

# The simulator's own idea of the encodings (struct format, registers), keyed by type name.
_PACK: dict[str, tuple[str, int, bool]] = {
    "int16": (">h", 1, True),
    "uint16": (">H", 1, True),
    "int32": (">i", 2, True),
    "uint32": (">I", 2, True),
    "int64": (">q", 4, True),
    "uint64": (">Q", 4, True),
    "float32": (">f", 2, False),
}


def encode_value(value: float, data_type: str, word_order: str, scale: float) -> list[int]:
    """Encode an SI value into register words the way the meter would send them.

    `word_order` is ``"high_first"`` (ABCD) or ``"low_first"`` (CDAB).
    """
    fmt, width, integer = _PACK[data_type]
    raw: float | int = value / scale
    if integer:
        raw = round(raw)
    data = struct.pack(fmt, raw)
    words = [int.from_bytes(data[i : i + 2], "big") for i in range(0, 2 * width, 2)]
    if word_order == "low_first":
        words.reverse()
    return words


class Mode(StrEnum):
    """How a simulated meter answers."""

    NORMAL = "normal"
    EXCEPTION = "exception"
    SILENT = "silent"
    SLOW = "slow"
    WARMUP = "warmup"


def demo_values(profile: MeterProfile, *, exporting: bool = False) -> dict[Measurand, float]:
    """Plausible values for every quantity the profile maps (signs consistent per phase)."""
    sign = -1.0 if exporting else 1.0
    currents = (7.25, 3.5, 1.75)
    values: dict[Measurand, float] = {}
    for i in range(3):
        phase = i + 1
        values[Measurand(f"voltage_l{phase}")] = 230.1 + phase
        values[Measurand(f"current_l{phase}")] = sign * currents[i]
        values[Measurand(f"power_l{phase}")] = sign * round(currents[i] * 230.0, 1)
    phase_sum = sum(values[Measurand(f"power_l{p}")] for p in range(1, profile.phases + 1))
    values[Measurand.POWER] = round(phase_sum, 1)
    values[Measurand.ENERGY_IMPORT] = 1_234_500.0
    values[Measurand.ENERGY_EXPORT] = 567_800.0
    values[Measurand.FREQUENCY] = 50.0
    values[Measurand.POWER_FACTOR] = 0.95
    return {m: v for m, v in values.items() if m in profile.registers}


@dataclass(kw_only=True)
class SimulatedMeter:
    """One meter on the simulated bus: profile, current values and behaviour."""

    profile: MeterProfile
    values: dict[Measurand, float] = field(default_factory=dict)
    mode: Mode = Mode.NORMAL
    exception_code: int = SERVER_DEVICE_FAILURE
    delay_s: float = 0.0
    warmup_s: float = 0.0
    raw_overrides: dict[tuple[int, int], int] = field(default_factory=dict)
    requests: int = 0
    powered_at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if not self.values:
            self.values = demo_values(self.profile)

    def power_cycle(self) -> None:
        """Restart the warm-up clock."""
        self.powered_at = time.monotonic()

    def set_raw(self, function_code: int, address: int, words: list[int]) -> None:
        """Force register contents (NaN patterns, 0xFFFF markers...)."""
        for offset, word in enumerate(words):
            self.raw_overrides[(function_code, address + offset)] = word & 0xFFFF

    def _spec_words(self, measurand: Measurand, spec: RegisterSpec) -> list[int]:
        value = self.values[measurand]
        if self.profile.unsigned_current and measurand.kind is Kind.CURRENT:
            value = abs(value)
        order = (spec.word_order or self.profile.word_order).value
        if isinstance(value, float) and not math.isfinite(value) and spec.data_type != "float32":
            raise ValueError("only float32 registers can carry NaN/Inf")
        return encode_value(value, spec.data_type.value, order, spec.scale)

    def image(self) -> dict[tuple[int, int], int]:
        """Every register the meter holds, keyed (function code, address)."""
        image: dict[tuple[int, int], int] = {}
        for measurand, spec in self.profile.registers.items():
            if measurand not in self.values:
                continue
            function_code = int(spec.function_code or self.profile.function_code)
            for offset, word in enumerate(self._spec_words(measurand, spec)):
                image[(function_code, spec.address + offset)] = word
        image.update(self.raw_overrides)
        return image

    def read(self, function_code: int, start: int, count: int) -> list[int] | int:
        """Answer a read: the registers, or an exception code."""
        if function_code not in (3, 4):
            return ILLEGAL_FUNCTION
        if not 1 <= count <= 125 or start + count > 0x10000:
            return ILLEGAL_DATA_VALUE
        if any(lo < start + count and start < hi for lo, hi in self.profile.refused):
            return ILLEGAL_DATA_ADDRESS
        image = self.image()
        return [image.get((function_code, a), 0) for a in range(start, start + count)]


def crc16(frame: bytes) -> int:
    """Modbus RTU CRC16 (poly 0xA001, init 0xFFFF)."""
    crc = 0xFFFF
    for byte in frame:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


class MeterBus:
    """The meters of one simulated bus/gateway, keyed by unit id; shared by both framings."""

    def __init__(self, meters: Mapping[int, SimulatedMeter] | None = None) -> None:
        self.meters: dict[int, SimulatedMeter] = dict(meters or {})
        self.requests = 0

    async def handle_pdu(self, unit: int, pdu: bytes) -> bytes | None:
        """Return the response PDU, or None to stay silent."""
        meter = self.meters.get(unit)
        if meter is None or len(pdu) < 1:
            return None
        self.requests += 1
        meter.requests += 1
        function_code = pdu[0]
        if meter.mode is Mode.SILENT:
            return None
        if meter.mode is Mode.SLOW:
            await asyncio.sleep(meter.delay_s)
        if meter.mode is Mode.EXCEPTION:
            return bytes((function_code | 0x80, meter.exception_code))
        if meter.mode is Mode.WARMUP and time.monotonic() - meter.powered_at < meter.warmup_s:
            return bytes((function_code | 0x80, meter.exception_code))
        if len(pdu) != 5:
            return bytes((function_code | 0x80, ILLEGAL_DATA_VALUE))
        start, count = struct.unpack(">HH", pdu[1:5])
        answer = meter.read(function_code, start, count)
        if isinstance(answer, int):
            return bytes((function_code | 0x80, answer))
        return bytes((function_code, 2 * count)) + b"".join(w.to_bytes(2, "big") for w in answer)


class TcpMeterServer(MeterBus):
    """Modbus TCP server (one gateway) serving several unit ids; requests answered in order.

    With `rtu_over_tcp` it behaves like a transparent RS485 gateway: RTU frames (with CRC) over
    the TCP stream instead of MBAP headers.
    """

    def __init__(
        self, meters: Mapping[int, SimulatedMeter] | None = None, *, rtu_over_tcp: bool = False
    ) -> None:
        super().__init__(meters)
        self.rtu_over_tcp = rtu_over_tcp
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen; return the port."""
        self._server = await asyncio.start_server(self._serve, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        try:
            while self.rtu_over_tcp:
                frame = await reader.readexactly(8)
                if crc16(frame[:6]) != int.from_bytes(frame[6:8], "little"):
                    continue
                rtu_response = await self.handle_pdu(frame[0], frame[1:6])
                if rtu_response is None:
                    continue
                body = frame[:1] + rtu_response
                writer.write(body + crc16(body).to_bytes(2, "little"))
                await writer.drain()
            while True:
                header = await reader.readexactly(7)
                tid, pid, length, unit = struct.unpack(">HHHB", header)
                pdu = await reader.readexactly(length - 1)
                if pid != 0:
                    continue
                response = await self.handle_pdu(unit, pdu)
                if response is None:
                    continue
                writer.write(struct.pack(">HHHB", tid, 0, len(response) + 1, unit) + response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        """Stop listening and close connections."""
        if self._server is not None:
            self._server.close()
            self._server.close_clients()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None


class RtuPtyMeterServer(MeterBus):
    """Modbus RTU on a pseudo-terminal pair: the client opens `path` like a serial port.

    With `baudrate` set, answers are delayed by the time request and response take on the
    wire (10 bits per byte) plus the 3.5-character frame gap, to emulate a real bus.
    """

    def __init__(
        self,
        meters: Mapping[int, SimulatedMeter] | None = None,
        *,
        baudrate: int | None = None,
    ) -> None:
        super().__init__(meters)
        self.baudrate = baudrate
        self.path = ""
        self._master = -1
        self._slave = -1
        self._buffer = bytearray()
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> str:
        """Open the pty pair; return the path of the client side."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        loop = asyncio.get_running_loop()
        loop.add_reader(self._master, self._on_readable)
        self._worker = loop.create_task(self._work())
        return self.path

    def _on_readable(self) -> None:
        try:
            data = os.read(self._master, 4096)
        except (BlockingIOError, OSError):
            return
        self._buffer.extend(data)
        # Every request we serve (FC 3/4 and anything else 8 bytes long) is 8 bytes.
        while len(self._buffer) >= 8:
            frame = bytes(self._buffer[:8])
            if crc16(frame[:6]) == int.from_bytes(frame[6:8], "little"):
                del self._buffer[:8]
                self._queue.put_nowait(frame)
            else:
                del self._buffer[:1]  # resynchronise

    async def _work(self) -> None:
        while True:
            frame = await self._queue.get()
            unit = frame[0]
            response = await self.handle_pdu(unit, frame[1:6])
            if response is None:
                continue
            body = bytes((unit,)) + response
            out = body + crc16(body).to_bytes(2, "little")
            if self.baudrate:
                await asyncio.sleep((len(frame) + len(out) + 7) * 10 / self.baudrate)
            os.write(self._master, out)

    async def stop(self) -> None:
        """Close the pty pair."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._master >= 0:
            asyncio.get_running_loop().remove_reader(self._master)
            os.close(self._master)
            os.close(self._slave)
            self._master = self._slave = -1
