"""``SmartEvseSimulator``: a SmartEVSE v3 on real sockets (REST on aiohttp, MQTT via a broker).

    sim = SmartEvseSimulator(broker=("127.0.0.1", 1883))   # MQTT optional
    await sim.start()                  # REST on 127.0.0.1:<sim.port> (port 0 = any free one)
    sim.plug_in(); sim.advance(2)      # a car connects and starts charging (firmware seconds)
    sim.override_current               # A, as applied by the last command
    await sim.stop()

Time is the firmware's 1 s timer: tests call ``advance(seconds)``; ``live=True`` ticks once a
real second in the background (demo, benchmarks).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from .http_api import Fault, HttpApi, Variant
from .model import (
    ACCESS_OFF,
    ACCESS_PAUSE,
    C2_NAMES,
    ERROR_WEB,
    REGIME_NAMES,
    STATE_WEB,
    SmartEvseModel,
    error_id,
)
from .mqtt import MqttLink

DEFAULT_SERIAL = 51446


class SmartEvseSimulator:
    """One simulated SmartEVSE: firmware model, REST API and optional MQTT client."""

    def __init__(
        self,
        variant: Variant | str = Variant.UPSTREAM,
        *,
        serial: int = DEFAULT_SERIAL,
        mqtt_prefix: str | None = None,
        broker: tuple[str, int] | None = None,
        mains_meter: str = "API",
        ev_meter: str = "Eastron3P",
        max_gets_per_s: int | None = 4,
        live: bool = False,
        publish_delay: float = 0.0,
        publish_on_tick: bool = False,
    ) -> None:
        """Create it; nothing listens until ``start``.

        ``mqtt_prefix`` defaults to the firmware's ``SmartEVSE-<serial>``; with ``broker`` the
        simulator publishes there and takes ``<prefix>/Set/...`` commands. After a change it
        publishes ``publish_delay`` s later, or with ``publish_on_tick`` at the next 1 s tick as
        the firmware does (``lastMqttUpdate = 10``).
        """
        self.variant = Variant(variant)
        self.serial = serial
        self.mqtt_prefix = mqtt_prefix if mqtt_prefix is not None else f"SmartEVSE-{serial}"
        self.model = SmartEvseModel(
            serial=serial, mains_meter=mains_meter, ev_meter=ev_meter, on_change=self._changed
        )
        self.http = HttpApi(
            self.model,
            variant=self.variant,
            mqtt_prefix=self.mqtt_prefix if broker else "",
            max_gets_per_s=max_gets_per_s,
        )
        self.broker = broker
        self.mqtt: MqttLink | None = None
        self.live = live
        self.publish_delay = publish_delay
        self.publish_on_tick = publish_on_tick
        self._publish_pending = False
        self.host = "127.0.0.1"
        self.port = 0
        self._live_task: asyncio.Task[None] | None = None
        self._publish_handle: asyncio.Handle | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve REST (and connect MQTT)."""
        self.host = host
        self.port = await self.http.serve(host, port)
        if self.broker is not None:
            self.mqtt = MqttLink(
                self.model,
                prefix=self.mqtt_prefix,
                host=self.broker[0],
                port=self.broker[1],
                fork=self.variant is Variant.FORK,
            )
            await self.mqtt.start()
        if self.live:
            self._live_task = asyncio.create_task(self._run_live())

    async def stop(self) -> None:
        """Stop everything."""
        if self._live_task is not None:
            self._live_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._live_task
            self._live_task = None
        if self._publish_handle is not None:
            self._publish_handle.cancel()
            self._publish_handle = None
        if self.mqtt is not None:
            await self.mqtt.stop()
            self.mqtt = None
        await self.http.close()

    async def http_offline(self) -> None:
        """The web server goes away (connections refused); MQTT and the model carry on."""
        await self.http.close()

    async def http_online(self) -> None:
        """The web server comes back on the same port."""
        await self.http.serve(self.host, self.port)

    async def _run_live(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.advance(1)

    # -- time and MQTT publishing ---------------------------------------------------------------

    def advance(self, seconds: int = 1) -> None:
        """Run the firmware's 1 s timer ``seconds`` times (MQTT publishes every 10 s)."""
        for _ in range(seconds):
            self.model.tick()
            if self.mqtt is not None and (self.model.t % 10 == 0 or self._publish_pending):
                self._publish_pending = False
                self.mqtt.publish_all()

    def _changed(self) -> None:
        if self.mqtt is None or self._publish_handle is not None:
            return
        if self.publish_on_tick:
            self._publish_pending = True
            return
        loop = asyncio.get_running_loop()
        self._publish_handle = loop.call_later(self.publish_delay, self._publish_now)

    def _publish_now(self) -> None:
        self._publish_handle = None
        if self.mqtt is not None:
            self.mqtt.publish_all()

    # -- faults ---------------------------------------------------------------------------------

    @property
    def fault(self) -> Fault | None:
        """The broken answer `GET /settings` gives, if any."""
        return self.http.fault

    @fault.setter
    def fault(self, fault: Fault | str | None) -> None:
        self.http.fault = None if fault is None else Fault(fault)

    # -- the car --------------------------------------------------------------------------------

    def plug_in(self, *, max_current: float = 32.0, phases: int = 3) -> None:
        """A car connects (state B next second, C once power is allowed)."""
        self.model.plug_in(max_current=max_current, phases=phases)

    def unplug(self) -> None:
        """The car leaves."""
        self.model.unplug()

    # -- readable state (SI units) --------------------------------------------------------------

    @property
    def url(self) -> str:
        """The REST base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def mode(self) -> str:
        """off, pause, normal, smart or solar."""
        if self.model.access == ACCESS_OFF:
            return "off"
        if self.model.access == ACCESS_PAUSE:
            return "pause"
        return REGIME_NAMES[self.model.mode].lower()

    @property
    def override_current(self) -> float:
        """The applied override current, A (0 = none)."""
        return self.model.override_current / 10

    @property
    def charge_current(self) -> float:
        """The current offered to the car now, A."""
        return self.model.balanced / 10

    @property
    def state(self) -> str:
        """The firmware's state name, e.g. "Charging"."""
        return STATE_WEB[self.model.state]

    @property
    def error(self) -> str:
        """The firmware's error name, e.g. "Communication Error"."""
        return ERROR_WEB[error_id(self.model.error_flags)]

    @property
    def c2(self) -> str:
        """The C2 setting name."""
        return C2_NAMES[self.model.enable_c2]

    @property
    def mains_currents(self) -> tuple[float, float, float]:
        """The mains currents the charger works with, A (+ import)."""
        m = self.model.mains_irms
        return (m[0] / 10, m[1] / 10, m[2] / 10)

    def snapshot(self) -> dict[str, Any]:
        """The facts tests compare with Home Assistant, in SI units."""
        m = self.model
        return {
            "mode": self.mode,
            "state": self.state,
            "error": self.error,
            "car_connected": m.vehicle.plugged,
            "charge_current": self.charge_current,
            "override_current": self.override_current,
            "current_min": m.current_min,
            "current_max": m.current_max,
            "current_max_sum_mains": m.max_sum_mains,
            "solar_start_current": m.solar_start_current,
            "solar_max_import": m.solar_max_import,
            "solar_stop_time": m.stop_time,
            "solar_stop_timer": m.solar_stop_timer,
            "enable_c2": self.c2,
            "phases": m.nr_of_phases,
            "temperature": m.temp,
            "ev_currents": m.ev_currents_a,
            "ev_power": m.ev_power,
            "ev_total_energy": round(m.ev_energy),
            "ev_session_energy": m.charged_wh,
            "mains_currents": self.mains_currents,
        }
