"""``SmartConnectSimulator``: the Xemex Smart Connect on real sockets (Modbus TCP, HTTP, MQTT).

Built from the device manual (seed 003, sections 5.2-5.4; the short map of seed 002), not
from Gridmate's driver. Addresses and MQTT field names come from the integration's tables; the
float32 encoding (``encoding.py``), the telegrams and their CRC (``telegram.py``) are this
package's own.

Every telegram (each second; every 10 s for ``dsmr42``) refreshes the register image, the
``/api/v1/telegram`` text and, when an MQTT broker is configured and reachable, publishes
``power_instant``; ``device_counters`` follows every ``counters_period`` seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
import contextlib
import math
from pathlib import Path
import struct
import time
from typing import Any

from custom_components.gridmate.devices.smart_connect.registers import (
    REGISTERS,
    REGISTERS_BY_KEY,
)

from .encoding import decode_float32, encode_float32
from .http_api import HttpApi
from .meter import MeterRecords, now_epoch
from .modbus import ConnectionGate, SmartConnectModbusServer
from .model import CsvReplay, SiteModel
from .mqtt import MqttPublisher, PhaseNames, counters_payload, device_topic, power_instant_payload
from .telegram import TelegramSpec, TelegramWriter
from .variants import PROFILES, Variant, VariantProfile, apply_variant

DEFAULT_PASSWORD = "demo-pass"
DEFAULT_SERIAL = "0123456789AB"
DEFAULT_SITE = "home"
# The manual's factory broker: the simulator never connects to it.
CLOUD_BROKER = "mqtts://broker.xemex-cloud.eu:8883"

# The P1 standard each variant's meter speaks (None: no /api/v1/telegram).
DEFAULT_TELEGRAM: dict[Variant, TelegramSpec | None] = {
    Variant.FULL: TelegramSpec.DSMR_5,
    Variant.KWH: TelegramSpec.DSMR_5,
    Variant.DSMR42: TelegramSpec.DSMR_4,
    Variant.SHORT: None,  # older firmware: no telegram endpoint (Dutch manual edition)
    Variant.TIC: None,  # a TIC meter sends no P1 telegram
}

# The resolution of values in a P1 telegram: what the device derives its registers and MQTT
# payloads from (W, whole amperes on DSMR, 0.1 V, whole Wh and varh, 0.001 power factor).
_TELEGRAM_STEP: dict[str, float] = {
    "voltage": 0.1,
    "current": 1.0,
    "active_power": 1.0,
    "reactive_power": 1.0,
    "apparent_power": 1.0,
    "power_factor": 0.001,
    "active_energy": 1.0,
    "reactive_energy": 1.0,
    "count": 1.0,
}


def _quantized(values: dict[str, float], energy_in_kwh: bool) -> dict[str, float]:
    out = dict(values)
    for reg in REGISTERS:
        step = _TELEGRAM_STEP[reg.quantity.value]
        if reg.quantity.value == "active_energy" and energy_in_kwh:
            step = 0.001
        value = values[reg.key]
        if math.isfinite(value):
            out[reg.key] = round(round(value / step) * step, 6)
    return out


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
        telegram: TelegramSpec | str | None = "auto",
        telegram_resolution: bool = False,
        start_epoch: int | None = None,
        mqtt_broker: str | None = None,
        mqtt_site: str = DEFAULT_SITE,
        mqtt_username: str = "",
        mqtt_password: str = "",
        phase_names: str = PhaseNames.TABLE,
        counters_period: int = 60,
        available_firmware: str | None = None,
    ) -> None:
        """Create the simulator (nothing listens until ``start``).

        ``live`` runs a background task that advances the model once per second while started;
        ``http_delay`` adds that many seconds to every authorised HTTP request; ``replay`` is a
        CSV file (or a parsed ``CsvReplay``) that drives the model instead of the random site.
        ``telegram`` is the P1 standard of ``/api/v1/telegram`` ("auto": the variant's, None:
        404); ``telegram_resolution`` rounds every served value to what a telegram carries;
        ``mqtt_broker`` (``mqtt://host:port``) makes the device publish there once started;
        ``phase_names`` spells the phase objects like the field table (``l1``) or like the
        manual's example (``11``); ``available_firmware`` offers a firmware update.
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
            available_version=available_firmware,
        )
        self.meter = MeterRecords(
            energy_import_wh=self.model.energy_import,
            energy_export_wh=self.model.energy_export,
            start_epoch=now_epoch() if start_epoch is None else start_epoch,
        )
        spec = DEFAULT_TELEGRAM[self.variant] if telegram == "auto" else telegram
        self.telegram_writer = TelegramWriter(spec) if spec else None
        self.telegram_resolution = telegram_resolution
        self.http.telegram_source = self.telegram
        self.http.on_reset = self._on_reset
        self.http.config["MQTT"] = {
            "Broker": mqtt_broker or CLOUD_BROKER,
            "Site": mqtt_site,
            "Username": mqtt_username,
            "Password": mqtt_password,
        }
        self.phase_names = phase_names
        self.counters_period = counters_period
        self.mqtt_nulls: set[str] = set()
        self.mqtt: MqttPublisher | None = None
        self.mqtt_restarts = 0
        self.telegrams = 0
        self._boot_t = 0
        self._mqtt_task: asyncio.Task[None] | None = None
        self._values: dict[str, float] = {}
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
        """One telegram: swap in the register image as a whole, publish it over MQTT."""
        model_values = self.model.values()
        if self.telegram_resolution:
            model_values = _quantized(model_values, energy_in_kwh=False)
        values = apply_variant(self.profile, model_values)
        if self.telegram_resolution and self.profile.energy_in_kwh:
            values = _quantized(values, energy_in_kwh=True)
        values.update(self.model.replay_overrides)
        values.update(self._overrides)
        image = dict.fromkeys(self.profile.served_addresses, 0)
        for reg in self._registers:
            image[reg.address], image[reg.address + 1] = encode_float32(values[reg.key])
        image.update(self._raw)
        self._image = image
        self._values = values
        self.telegrams += 1
        self.publish_power_instant()

    # -- MQTT ----------------------------------------------------------------------------------

    @property
    def mqtt_site(self) -> str:
        """The site in the device's topics (from its MQTT configuration)."""
        return str(self.http.config["MQTT"].get("Site") or "")

    def mqtt_topic(self, metric: str) -> str:
        """The topic the device publishes ``metric`` to."""
        return device_topic(self.mqtt_site, self.serial, metric)

    def power_instant(self) -> dict[str, Any]:
        """The power_instant payload of the current telegram (device units, like Modbus)."""
        nulls = set(self.mqtt_nulls)
        if self.profile.zero_voltage:
            nulls |= {f"voltage_l{n}" for n in (1, 2, 3)}  # DSMR 4.2: no voltage -> null
        served = {reg.key: self._values[reg.key] for reg in self._registers}
        return power_instant_payload(
            served, self.meter.epoch, nulls=frozenset(nulls), phase_names=self.phase_names
        )

    def publish_power_instant(self) -> bool:
        """Publish the current telegram's power_instant (False when not connected)."""
        if self.mqtt is None or not self.mqtt.connected:
            return False
        return self.mqtt.publish(self.mqtt_topic("power_instant"), self.power_instant())

    def device_counters(self) -> dict[str, int]:
        """The device_counters payload now."""
        publisher = self.mqtt
        return counters_payload(
            {
                "uptime": self.model.t - self._boot_t + 60,
                "gw_ping_pass": (self.model.t - self._boot_t) // 10,
                "internet_ping_pass": (self.model.t - self._boot_t) // 10,
                "telegrams_pass": self.telegrams,
                "mqtt_event_connect": publisher.connects if publisher else 0,
                "mqtt_send_pass": publisher.published if publisher else 0,
                "mqtt_send_fail": publisher.failed if publisher else 0,
                "heap_free": 116_840,
                "heap_min_free": 54_588,
                "heap_largest_free": 65_536,
            }
        )

    def publish_device_counters(self) -> bool:
        """Publish device_counters now (False when not connected)."""
        if self.mqtt is None or not self.mqtt.connected:
            return False
        return self.mqtt.publish(self.mqtt_topic("device_counters"), self.device_counters())

    def publish_raw(self, metric: str, payload: str | bytes | Mapping[str, Any]) -> bool:
        """Publish anything on the device's topic (malformed payloads for tests)."""
        if self.mqtt is None or not self.mqtt.connected:
            return False
        return self.mqtt.publish(self.mqtt_topic(metric), payload)

    async def start_mqtt(self) -> bool:
        """Connect to the configured broker (not the Xemex cloud); True when connected."""
        await self.stop_mqtt()
        settings = self.http.config["MQTT"]
        broker = str(settings.get("Broker") or "")
        if not broker or broker == CLOUD_BROKER or not broker.startswith(("mqtt://", "tcp://")):
            return False
        self.mqtt = MqttPublisher(
            broker=broker,
            username=str(settings.get("Username") or ""),
            password=str(settings.get("Password") or ""),
        )
        connected = await self.mqtt.start()
        if connected:
            self.publish_device_counters()
        return connected

    async def stop_mqtt(self) -> None:
        """Disconnect from the broker."""
        if self.mqtt is not None:
            publisher, self.mqtt = self.mqtt, None
            await publisher.stop()

    def _on_reset(self) -> None:
        """POST /api/v1/reset: reboot, i.e. reconnect with the MQTT settings now in force."""
        self._boot_t = self.model.t
        self.mqtt_restarts += 1
        if self._mqtt_task is not None and not self._mqtt_task.done():
            self._mqtt_task.cancel()
        self._mqtt_task = asyncio.get_running_loop().create_task(
            self.start_mqtt(), name="smart-connect-reboot"
        )

    async def wait_mqtt(self, within: float = 5.0) -> None:
        """Wait until the device is connected to its broker (after start or a reset)."""
        if self._mqtt_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._mqtt_task), within)
        await _wait_for(
            lambda: self.mqtt is not None and self.mqtt.connected, within, "the MQTT connection"
        )

    # -- the telegram ------------------------------------------------------------------------

    def telegram(self) -> str | None:
        """The P1 telegram of the current second (None: this device has none)."""
        if self.telegram_writer is None:
            return None
        return self.telegram_writer.write(self._values, self.meter)

    def dhcp_info(self) -> dict[str, str]:
        """What a DHCP server learns about the device (its host name is smart-connect-<serial>)."""
        mac = f"a4:cf:12:{self.serial[-6:-4]}:{self.serial[-4:-2]}:{self.serial[-2:]}".lower()
        return {
            "ip": self.host,
            "hostname": f"smart-connect-{self.serial.lower()}",
            "macaddress": mac.replace(":", ""),
        }

    def step(self, seconds: float = 1.0) -> None:
        """Advance the site by ``seconds`` (whole seconds tick; fractions accumulate).

        The registers refresh on every telegram: each second, every 10 s for ``dsmr42``.
        """
        self._pending_seconds += seconds
        while self._pending_seconds >= 1.0:
            self._pending_seconds -= 1.0
            self.meter.tick(self.model.total_power)
            self.model.tick()
            if self.model.t % self.profile.update_period == 0:
                self._publish()
            if self.counters_period and (self.model.t - self._boot_t) % self.counters_period == 0:
                self.publish_device_counters()

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
            await self.start_mqtt()
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
        if self._mqtt_task is not None:
            self._mqtt_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._mqtt_task
            self._mqtt_task = None
        await self.stop_mqtt()
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
