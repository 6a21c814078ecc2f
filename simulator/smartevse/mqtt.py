"""The SmartEVSE's MQTT side on a real broker: `mqttPublishData` and `mqtt_receive_callback`.

Topics, payloads and retain flags as the firmware's esp32.cpp publishes them (upstream; the
dingo35 fork adds `StateID`, `MaxSumMains`, `MaxSumMainsTime`). The firmware publishes
everything every 10 s and within a second after a change; the simulator publishes at once
after a change (``publish_delay`` adds the firmware's tick if wanted). Commands arrive on
`<prefix>/Set/#` and are applied on the event loop, like the firmware's callback.

The simulator is not Home Assistant, so it uses paho-mqtt as a plain client.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from .model import (
    ACCESS_OFF,
    ACCESS_ON,
    ACCESS_PAUSE,
    C2_NAMES,
    ERROR_WEB,
    MODE_NORMAL,
    MODE_SMART,
    MODE_SOLAR,
    REGIME_NAMES,
    STATE_SHORT,
    STATE_WEB,
    SmartEvseModel,
    arduino_to_int,
    error_id,
)


def published_topics(model: SmartEvseModel, *, fork: bool) -> dict[str, tuple[str, bool]]:
    """Suffix -> (payload, retained) of one `mqttPublishData` round."""
    m = model
    out: dict[str, tuple[str, bool]] = {}

    def put(suffix: str, value: Any, retain: bool) -> None:
        out[suffix] = (str(value), retain)

    if m.has_mains_meter:
        for n in range(3):
            put(f"MainsCurrentL{n + 1}", m.mains_irms[n], False)
        put("MainsImportActiveEnergy", 0, False)
        put("MainsExportActiveEnergy", 0, False)
    if m.has_ev_meter:
        for n in range(3):
            put(f"EVCurrentL{n + 1}", m.ev_irms[n], False)
        put("EVImportActiveEnergy", round(m.ev_energy), False)
        put("EVExportActiveEnergy", 0, False)
    put("ESPTemp", m.temp, False)
    mode = (
        "Off"
        if m.access == ACCESS_OFF
        else "Pause"
        if m.access == ACCESS_PAUSE
        else REGIME_NAMES[m.mode]
    )
    put("Mode", mode, True)
    put("MaxCurrent", m.current_max * 10, True)
    if fork:
        put("MaxSumMains", m.max_sum_mains, True)
        put("MaxSumMainsTime", m.max_sum_mains_time, True)
    put("CustomButton", "Off", False)
    put("ChargeCurrent", m.balanced, True)
    put("ChargeCurrentOverride", m.override_current, True)
    put("NrOfPhases", m.nr_of_phases, True)
    access = {ACCESS_OFF: "Deny", ACCESS_ON: "Allow", ACCESS_PAUSE: "Pause"}[m.access]
    put("Access", access, True)
    put("RFID", "Not Installed", True)
    put("EnableC2", C2_NAMES[m.enable_c2], True)
    put("State", STATE_WEB[m.state], True)
    if fork:
        put("StateID", STATE_SHORT[m.state], True)
    put("Error", ERROR_WEB[error_id(m.error_flags)], True)
    put("EVPlugState", "Connected" if m.vehicle.plugged else "Disconnected", True)
    put("WiFiSSID", "HomeNet", True)
    put("WiFiBSSID", "AA:BB:CC:DD:EE:FF", True)
    if m.has_ev_meter:
        put("EVChargePower", m.ev_power, False)
        put("EVEnergyCharged", m.charged_wh, True)
        put("EVTotalEnergyCharged", round(m.ev_energy), False)
    if m.home_battery_last_update:
        put("HomeBatteryCurrent", m.home_battery_current, False)
    for name in ("Off", "Normal", "Smart", "Solar", "Custom"):
        put(f"LEDColor{name}", "0,255,0", True)
    put("ESPUptime", m.t, False)
    put("WiFiRSSI", -61, False)
    put("LoadBl", m.load_bl, True)
    put("PairingPin", "", True)
    put("SolarStopTimer", m.solar_stop_timer, False)
    return out


class MqttLink:
    """A paho client that publishes the model and applies `Set/...` commands."""

    def __init__(
        self,
        model: SmartEvseModel,
        *,
        prefix: str,
        host: str,
        port: int,
        fork: bool = False,
    ) -> None:
        """Connect on `start`."""
        self.model = model
        self.prefix = prefix
        self.host = host
        self.port = port
        self.fork = fork
        self.received: list[tuple[str, str]] = []  # (Set/... suffix, payload)
        self.published_rounds = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connected = threading.Event()
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{prefix}-sim", clean_session=True
        )
        self._client.will_set(f"{prefix}/connected", "offline", qos=0, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message

    async def start(self) -> None:
        """Connect to the broker and wait until subscribed."""
        self._loop = asyncio.get_running_loop()
        await self._loop.run_in_executor(None, self._client.connect, self.host, self.port, 30)
        self._client.loop_start()
        ok = await self._loop.run_in_executor(None, self._connected.wait, 10.0)
        if not ok:
            raise RuntimeError("simulator could not connect to the MQTT broker")
        self.publish_all()

    async def stop(self) -> None:
        """Say offline and disconnect."""
        info = self._client.publish(f"{self.prefix}/connected", "offline", retain=True)
        await asyncio.get_running_loop().run_in_executor(None, info.wait_for_publish, 5.0)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self, client: paho.Client, _userdata: Any, _flags: Any, rc: Any, _p: Any
    ) -> None:
        if rc.is_failure:
            return
        client.subscribe(f"{self.prefix}/Set/#", qos=1)
        client.publish(f"{self.prefix}/connected", "online", retain=True)
        self._connected.set()

    def _on_message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        payload = message.payload.decode(errors="replace")
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.handle_set, message.topic, payload)

    def publish_all(self) -> None:
        """One `mqttPublishData` round."""
        self.published_rounds += 1
        for suffix, (payload, retain) in published_topics(self.model, fork=self.fork).items():
            self._client.publish(f"{self.prefix}/{suffix}", payload, qos=0, retain=retain)

    def publish_raw(self, suffix: str, payload: str) -> None:
        """Publish anything (malformed payload tests)."""
        self._client.publish(f"{self.prefix}/{suffix}", payload, qos=0)

    def handle_set(self, topic: str, payload: str) -> None:
        """`mqtt_receive_callback`, the parts Gridmate uses."""
        suffix = topic.removeprefix(f"{self.prefix}/")
        self.received.append((suffix, payload))
        m = self.model
        match suffix:
            case "Set/Mode":
                match payload:
                    case "Off":
                        m.set_access(ACCESS_OFF)
                    case "Normal":
                        m.set_mode(MODE_NORMAL)
                    case "Solar":
                        m.set_override(0)
                        m.set_mode(MODE_SOLAR)
                    case "Smart":
                        if not self.fork:
                            m.set_override(0)  # upstream resets it; the fork keeps it
                        m.set_mode(MODE_SMART)
                    case "Pause":
                        m.set_access(ACCESS_PAUSE)
            case "Set/CurrentOverride":
                value = arduino_to_int(payload)
                if value == 0:
                    m.set_override(0)
                elif m.override_allowed(value):
                    m.set_override(value)
            case "Set/CurrentMaxSumMains":
                value = arduino_to_int(payload)
                if m.load_bl < 2 and (value == 0 or 10 <= value <= 600):
                    m.max_sum_mains = value
                    m.changed()
            case "Set/EnableC2":
                if payload[:1].isdigit():
                    if arduino_to_int(payload) < len(C2_NAMES):
                        m.enable_c2 = arduino_to_int(payload)
                elif payload in C2_NAMES:
                    m.enable_c2 = C2_NAMES.index(payload)
                m.changed()
            case "Set/MainsMeter":
                parts = payload.split(":")
                if len(parts) == 3 or (self.fork and len(parts) == 5):
                    try:
                        values = [int(part) for part in parts[:3]]
                    except ValueError:
                        return
                    if all(-2000 < value < 2000 for value in values):
                        m.feed_mains(*values)
