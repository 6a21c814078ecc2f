"""``SmartConnectSimulator``: the Xemex Smart Connect on real sockets (Modbus TCP + HTTP API).

Built from the device manual (seed 003, sections 5.2 and 5.3; the short map of seed 002), not
from Gridmate's driver. Addresses come from the integration's register table; the float32
encoding is this package's own (``encoding.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
import contextlib
from pathlib import Path
import struct
import time

from custom_components.gridmate.devices.smart_connect.registers import (
    REGISTERS,
    REGISTERS_BY_KEY,
)

from .encoding import decode_float32, encode_float32
from .http_api import HttpApi
from .modbus import ConnectionGate, SmartConnectModbusServer
from .model import CsvReplay, SiteModel
from .variants import PROFILES, Variant, VariantProfile, apply_variant

DEFAULT_PASSWORD = "demo-pass"
DEFAULT_SERIAL = "0123456789AB"


class SmartConnectSimulator:
    """One simulated Smart Connect: site model, register image, Modbus server, HTTP API."""

    def __init__(
        self,
        variant: Variant | str = Variant.FULL,
        *,
        password: str = DEFAULT_PASSWORD,
        serial: str = DEFAULT_SERIAL,
        seed: int = 1,
        serial_in_api: bool = True,
        firmware_version: str | None = None,
        live: bool = False,
        http_delay: float = 0.0,
        replay: CsvReplay | str | Path | None = None,
    ) -> None:
        """Create the simulator (nothing listens until ``start``).

        ``live`` runs a background task that advances the model once per second while started;
        ``http_delay`` adds that many seconds to every authorised HTTP request; ``replay`` is a
        CSV file (or a parsed ``CsvReplay``) that drives the model instead of the random site.
        """
        self.variant = Variant(variant)
        self.profile: VariantProfile = PROFILES[self.variant]
        self.serial = serial
        self.live = live
        if isinstance(replay, (str, Path)):
            replay = CsvReplay.from_path(replay)
        self.model = SiteModel(seed, replay)
        self.http = HttpApi(
            password=password,
            serial=serial,
            firmware_version=firmware_version or self.profile.firmware_version,
            serial_in_api=serial_in_api,
            request_delay=http_delay,
        )
        self.gate = ConnectionGate()
        self.host = "127.0.0.1"
        self.modbus_port = 0
        self.http_port = 0
        self._registers = [reg for reg in REGISTERS if reg.address in self.profile.served_addresses]
        self._overrides: dict[str, float] = {}
        self._raw: dict[int, int] = {}
        self._image: dict[int, int] = {}
        self._pending_seconds = 0.0
        self._modbus: SmartConnectModbusServer | None = None
        self._live_task: asyncio.Task[None] | None = None
        self._publish()

    # -- values --------------------------------------------------------------------------------

    def _publish(self) -> None:
        """Build the register image of one telegram and swap it in as a whole."""
        values = apply_variant(self.profile, self.model.values())
        values.update(self.model.replay_overrides)
        values.update(self._overrides)
        image = dict.fromkeys(self.profile.served_addresses, 0)
        for reg in self._registers:
            image[reg.address], image[reg.address + 1] = encode_float32(values[reg.key])
        image.update(self._raw)
        self._image = image

    def step(self, seconds: float = 1.0) -> None:
        """Advance the site by ``seconds`` (whole seconds tick; fractions accumulate).

        The registers refresh on every telegram: each second, every 10 s for ``dsmr42``.
        """
        self._pending_seconds += seconds
        while self._pending_seconds >= 1.0:
            self._pending_seconds -= 1.0
            self.model.tick()
            if self.model.t % self.profile.update_period == 0:
                self._publish()

    def set_values(self, values: Mapping[str, float]) -> None:
        """Serve these values (device units, e.g. NaN, inf, 1e30) until ``clear_overrides``."""
        for key in values:
            self._check_served_key(key)
        self._overrides.update({key: float(value) for key, value in values.items()})
        self._publish()

    def set_raw(self, address: int, words: Sequence[int]) -> None:
        """Serve these raw register words from ``address`` on until ``clear_overrides``."""
        for offset, word in enumerate(words):
            if address + offset not in self.profile.served_addresses:
                raise ValueError(f"{address + offset:#06x} is not served by {self.variant}")
            if not 0 <= word <= 0xFFFF:
                raise ValueError(f"register word {word} out of range")
            self._raw[address + offset] = word
        self._publish()

    def clear_overrides(self) -> None:
        """Drop every ``set_values``/``set_raw`` override."""
        self._overrides.clear()
        self._raw.clear()
        self._publish()

    def pin_power(self, l1: float, l2: float, l3: float) -> None:
        """Fix the site's per-phase active power (W, + import, - export); derived values follow."""
        self.model.pin_power(l1, l2, l3)
        self._publish()

    def release_power(self) -> None:
        """Undo ``pin_power``."""
        self.model.release_power()
        self._publish()

    def snapshot(self) -> dict[str, float]:
        """What the device serves now, by register key, decoded from the wire words.

        Device units: energies in kWh for ``kwh``; float32-rounded; only served registers.
        """
        image = self._image
        return {
            reg.key: decode_float32(image[reg.address], image[reg.address + 1])
            for reg in self._registers
        }

    def registers(self) -> dict[int, int]:
        """The raw register image (address -> 16-bit word) served now."""
        return dict(self._image)

    def _image_now(self) -> Mapping[int, int]:
        return self._image

    def _check_served_key(self, key: str) -> None:
        reg = REGISTERS_BY_KEY.get(key)
        if reg is None:
            raise KeyError(f"unknown register key {key!r}")
        if reg not in self._registers:
            raise ValueError(f"{key} is not served by the {self.variant} variant")

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(
        self, host: str = "127.0.0.1", modbus_port: int = 0, http_port: int = 0
    ) -> tuple[int, int]:
        """Start Modbus TCP and HTTP on ``host``; return (modbus_port, http_port) as bound."""
        self.host = host
        self.modbus_port = modbus_port
        self.http_port = http_port
        try:
            await self.start_modbus()
            await self.start_http()
        except BaseException:
            await self.stop()
            raise
        if self.live and self._live_task is None:
            self._live_task = asyncio.create_task(self._run_live(), name="smart-connect-live")
        return self.modbus_port, self.http_port

    async def stop(self) -> None:
        """Stop everything (the live task, both servers, pending HTTP timers)."""
        if self._live_task is not None:
            task, self._live_task = self._live_task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.stop_modbus()
        await self.stop_http()

    async def start_modbus(self) -> int:
        """Start (or restart, on the same port) the Modbus TCP server; return its port."""
        if self._modbus is not None:
            return self.modbus_port
        server = SmartConnectModbusServer(
            served_addresses=self.profile.served_addresses,
            image=self._image_now,
            gate=self.gate,
            address=(self.host, self.modbus_port),
        )
        await server.serve_forever(background=True)
        self._modbus = server
        self.modbus_port = server.bound_port
        return self.modbus_port

    async def stop_modbus(self) -> None:
        """Take Modbus offline: close the listener and any connected client."""
        if self._modbus is None:
            return
        server, self._modbus = self._modbus, None
        listener = server.transport
        await server.shutdown()  # type: ignore[no-untyped-call]
        if isinstance(listener, asyncio.Server):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(listener.wait_closed(), 2.0)

    async def start_http(self) -> int:
        """Start (or restart, on the same port) the HTTP API; return its port."""
        if not self.http.serving:
            self.http_port = await self.http.serve(self.host, self.http_port)
        return self.http_port

    async def stop_http(self) -> None:
        """Take the HTTP API offline."""
        await self.http.close()

    async def __aenter__(self) -> SmartConnectSimulator:
        """``async with SmartConnectSimulator() as sim``: start on 127.0.0.1, free ports."""
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Stop on leaving the block."""
        await self.stop()

    async def _run_live(self) -> None:
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            next_tick += 1.0
            await asyncio.sleep(max(next_tick - loop.time(), 0.0))
            self.step(1.0)

    # -- Modbus connection helpers -------------------------------------------------------------

    @property
    def modbus_client_connected(self) -> bool:
        """Whether a Modbus client holds the one connection now."""
        return self.gate.active is not None

    @property
    def modbus_serving(self) -> bool:
        """Whether the Modbus server is listening."""
        return self._modbus is not None

    async def wait_modbus_idle(self, within: float = 2.0) -> None:
        """Wait until the server has seen the last client go (a client's close is async)."""
        await _wait_for(lambda: self.gate.active is None, within, "Modbus connection to close")

    @contextlib.asynccontextmanager
    async def hold_modbus_connection(
        self, *, poll_interval: float | None = None
    ) -> AsyncIterator[None]:
        """Hold the one Modbus connection as another client would (an EV charger).

        Optionally reads the voltage registers every ``poll_interval`` seconds. Raises
        ``ConnectionRefusedError`` if another client already holds the connection.
        """
        accepted, refused = self.gate.connections_accepted, self.gate.connections_refused
        reader, writer = await asyncio.open_connection(self.host, self.modbus_port)
        poller: asyncio.Task[None] | None = None
        try:
            await _wait_for(
                lambda: (
                    self.gate.connections_accepted != accepted
                    or self.gate.connections_refused != refused
                ),
                2.0,
                "the simulator to see the connection",
            )
            if self.gate.connections_refused != refused:
                raise ConnectionRefusedError("another client holds the Modbus connection")
            if poll_interval:
                poller = asyncio.create_task(_poll(reader, writer, poll_interval))
            yield
        finally:
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await poller
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        with contextlib.suppress(TimeoutError):
            await self.wait_modbus_idle()

    # -- counters ------------------------------------------------------------------------------

    @property
    def connections_accepted(self) -> int:
        """Modbus connections admitted."""
        return self.gate.connections_accepted

    @property
    def connections_refused(self) -> int:
        """Modbus connections closed at once because another client was connected."""
        return self.gate.connections_refused

    @property
    def transactions(self) -> int:
        """Modbus requests answered (exception responses included)."""
        return self.gate.transactions

    @property
    def connection_hold_times(self) -> list[float]:
        """Seconds each closed, admitted Modbus connection was held (accept to close)."""
        return list(self.gate.hold_times)

    async def hold_http_session(self, seconds: float) -> None:
        """Keep the one HTTP user session busy for ``seconds`` (requests get 503)."""
        await self.http.hold_session(seconds)

    def reset_counters(self) -> None:
        """Zero the Modbus and HTTP counters."""
        self.gate.reset()
        self.http.requests = self.http.busy_rejections = self.http.unauthorized = 0


async def _wait_for(condition: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def _poll(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, every: float) -> None:
    """Read the voltage registers like a charger does (raw Modbus TCP frames, FC 4)."""
    tid = 0
    while True:
        tid = (tid + 1) & 0xFFFF
        writer.write(struct.pack(">HHHBBHH", tid, 0, 6, 1, 4, 0x8006, 6))
        await writer.drain()
        header = await reader.readexactly(6)
        (length,) = struct.unpack(">H", header[4:6])
        await reader.readexactly(length)
        await asyncio.sleep(every)
